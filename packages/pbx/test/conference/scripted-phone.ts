import { address, createRequest, Dialog, DigestClient, newCallId, SipStack, UdpTransport, type SipRequest, type SipResponse } from '@switchboard/sip';
import { RtpPeer } from '@switchboard/testkit';

/** One call the scripted phone placed: its dialog, the INVITE and 200, and the RTP peer sending its tone. */
export interface ScriptedCall {
  dialog: Dialog;
  invite: SipRequest;
  response: SipResponse;
  peer: RtpPeer;
}

/** The m= port and c= address of an SDP body. */
function mediaTarget(sdp: string): { address: string; port: number } {
  const port = /^m=audio (\d+)/m.exec(sdp);
  const host = /^c=IN IP4 (\S+)/m.exec(sdp);
  if (!port || !host) throw new Error(`no audio in SDP:\n${sdp}`);
  return { address: host[1]!, port: Number(port[1]) };
}

function closePeer(peer: RtpPeer): void {
  try {
    peer.close();
  } catch {
    // closed already
  }
}

/**
 * A desk phone scripted at the SIP level, for what baresip 1.0 cannot do (attended transfer with
 * Replaces, INVITE with Replaces): the project's own SIP stack on real UDP, digest answered once,
 * media from an RtpPeer (a G.711 tone). NOTIFYs it receives are answered 200 and kept.
 */
export class ScriptedPhone {
  readonly notifies: SipRequest[] = [];
  readonly byes: SipRequest[] = [];
  readonly calls: ScriptedCall[] = [];
  /** Every request goes to the server (the stack's send options). */
  private readonly options: { destination: { protocol: 'udp'; address: string; port: number } };

  private constructor(
    readonly stack: SipStack,
    private readonly o: { server: number; username: string; password: string; domain: string; extension: string; toneHz: number },
  ) {
    this.options = { destination: { protocol: 'udp', address: '127.0.0.1', port: o.server } };
    stack.onRequest((request, tx) => {
      if (request.method === 'NOTIFY') this.notifies.push(request);
      if (request.method === 'BYE') this.byes.push(request);
      tx.respond(200);
    });
  }

  static async start(o: { server: number; username: string; password: string; domain: string; extension: string; toneHz: number }): Promise<ScriptedPhone> {
    const udp = await UdpTransport.listen({ address: '127.0.0.1', port: 0 });
    return new ScriptedPhone(new SipStack({ transports: [udp], hostname: '127.0.0.1' }), o);
  }

  /** Calls `number` through the server (optionally with extra headers such as Replaces); resolves once answered. */
  async call(number: string, headers: Record<string, string> = {}): Promise<ScriptedCall> {
    const { response, call } = await this.attempt(number, headers);
    if (!call) throw new Error(`call to ${number} failed: ${response.status} ${response.reason}`);
    return call;
  }

  /** Calls `number`; the final response, and the call when it was answered. */
  async attempt(number: string, headers: Record<string, string> = {}): Promise<{ response: SipResponse; call: ScriptedCall | null; provisional: number[]; peer: RtpPeer }> {
    const provisional: number[] = [];
    const peer = await RtpPeer.open({ toneHz: this.o.toneHz });
    const callId = newCallId();
    const build = (cseq: number, fromTag?: string) =>
      createRequest({
        method: 'INVITE',
        uri: `sip:${number}@127.0.0.1:${this.o.server}`,
        from: `<sip:${this.o.extension}@${this.o.domain}>${fromTag ? `;tag=${fromTag}` : ''}`,
        to: `<sip:${number}@${this.o.domain}>`,
        callId,
        cseq,
        contact: address(this.stack.contactUri('udp', this.o.extension)),
        headers,
        body: peer.sdp(),
        contentType: 'application/sdp',
      });
    const send = (request: SipRequest) => {
      const tx = this.stack.sendRequest(request, this.options);
      tx.on('response', (r) => {
        if (r.status < 200) provisional.push(r.status);
      });
      return tx.final;
    };
    let invite = build(1);
    let response = await send(invite);
    if (response.status === 407) {
      const second = build(2, invite.fromTag);
      const auth = new DigestClient({ username: this.o.username, password: this.o.password }).authorization(second, response);
      if (auth) second.set(auth.name, auth.value);
      invite = second;
      response = await send(invite);
    }
    if (response.status !== 200) {
      peer.close();
      return { response, call: null, provisional, peer };
    }
    const dialog = Dialog.asUac(invite, response, { localContact: invite.contacts[0]! });
    await this.stack.sendAck(dialog.createAck(invite), this.options);
    const target = mediaTarget(response.body.toString('utf8'));
    peer.sendTo(target.address, target.port);
    const call = { dialog, invite, response, peer };
    this.calls.push(call);
    return { response, call, provisional, peer };
  }

  /** An in-dialog request (REFER, BYE, re-INVITE); the final response. */
  async send(call: ScriptedCall, method: string, options: { headers?: Record<string, string>; body?: string; contentType?: string } = {}): Promise<SipResponse> {
    const request = call.dialog.createRequest(method, options);
    return this.stack.sendRequest(request, this.options).final;
  }

  /** Puts the call on hold (a re-INVITE offering sendonly, RFC 3264 §8.4), ACKed; the final response. */
  async hold(call: ScriptedCall): Promise<SipResponse> {
    const sdp = call.peer.sdp().replace('a=sendrecv', 'a=sendonly');
    const invite = call.dialog.createRequest('INVITE', { body: sdp, contentType: 'application/sdp' });
    const response = await this.stack.sendRequest(invite, this.options).final;
    if (response.status >= 200 && response.status < 300) await this.stack.sendAck(call.dialog.createAck(invite), this.options);
    return response;
  }

  /** BYE in the call's dialog, and its media stopped; the final response. */
  async hangUp(call: ScriptedCall): Promise<SipResponse> {
    closePeer(call.peer);
    return this.send(call, 'BYE');
  }

  /** The Replaces value naming this phone's dialog of `call` (RFC 3891: call-id, to-tag, from-tag). */
  replacesFor(call: ScriptedCall): string {
    return `${call.dialog.callId};to-tag=${call.dialog.remoteTag};from-tag=${call.dialog.localTag}`;
  }

  /** The sipfrag status lines of the refer NOTIFYs received so far. */
  referProgress(): string[] {
    return this.notifies.filter((n) => n.event?.type === 'refer').map((n) => n.body.toString('utf8').trim());
  }

  async close(): Promise<void> {
    for (const call of this.calls) closePeer(call.peer);
    await this.stack.close();
  }
}

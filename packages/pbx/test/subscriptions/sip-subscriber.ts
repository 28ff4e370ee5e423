import { address, createRequest, Dialog, DigestClient, SipStack, UdpTransport, type SipRequest, type SipResponse } from '@switchboard/sip';

/** A NOTIFY the subscriber received (answered 200 unless told otherwise). */
export interface ReceivedNotify {
  event: string;
  state: string;
  reason: string | undefined;
  body: string;
  request: SipRequest;
}

/**
 * A desk phone's subscriber side over real UDP on loopback: SUBSCRIBE with digest, NOTIFYs
 * collected in order. Built on the project's own SIP stack (a second, independent instance).
 */
export class SipSubscriber {
  readonly notifies: ReceivedNotify[] = [];
  /** Status to answer NOTIFYs with (481 simulates a phone that forgot the subscription). */
  notifyStatus = 200;
  private dialog: Dialog | null = null;
  private waiters: Array<() => void> = [];

  private constructor(
    readonly stack: SipStack,
    private readonly udp: UdpTransport,
    private readonly o: { server: number; username: string; password: string; domain: string; extension: string },
  ) {
    stack.onRequest((request, tx) => {
      if (request.method !== 'NOTIFY') {
        tx.respond(405);
        return;
      }
      this.dialog?.receiveRequest(request);
      tx.respond(this.notifyStatus);
      const state = request.subscriptionState;
      this.notifies.push({ event: request.event?.type ?? '', state: state?.state ?? '', reason: state?.reason, body: request.body.toString('utf8'), request });
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static async start(o: { server: number; username: string; password: string; domain: string; extension: string }): Promise<SipSubscriber> {
    const udp = await UdpTransport.listen({ address: '127.0.0.1', port: 0 });
    const stack = new SipStack({ transports: [udp], hostname: '127.0.0.1' });
    return new SipSubscriber(stack, udp, o);
  }

  get port(): number {
    return this.udp.local.port;
  }

  /** SUBSCRIBE to `user`'s `event` (answering the digest challenge once); the final response. */
  async subscribe(event: string, user: string, expires: number | null, extra: Record<string, string> = {}): Promise<SipResponse> {
    const uri = `sip:${user}@127.0.0.1:${this.o.server}`;
    const build = (cseq: number, callId?: string, fromTag?: string) =>
      createRequest({
        method: 'SUBSCRIBE',
        uri,
        from: `<sip:${this.o.extension}@${this.o.domain}>${fromTag ? `;tag=${fromTag}` : ''}`,
        to: `<sip:${user}@${this.o.domain}>`,
        ...(callId ? { callId } : {}),
        cseq,
        contact: address(this.stack.contactUri('udp', this.o.extension)),
        headers: { Event: event, ...(expires === null ? {} : { Expires: String(expires) }), ...extra },
      });
    const first = build(1);
    const options = { destination: { protocol: 'udp' as const, address: '127.0.0.1', port: this.o.server } };
    let response = await this.stack.sendRequest(first, options).final;
    let sent = first;
    if (response.status === 407) {
      const second = build(2, first.callId, first.fromTag);
      const auth = new DigestClient({ username: this.o.username, password: this.o.password }).authorization(second, response);
      if (auth) second.set(auth.name, auth.value);
      sent = second;
      response = await this.stack.sendRequest(second, options).final;
    }
    if (response.status >= 200 && response.status < 300) {
      this.dialog = Dialog.asUac(sent, response, { localContact: sent.contacts[0]! });
    }
    return response;
  }

  /** A refreshing SUBSCRIBE in the dialog (Expires: 0 ends it). */
  async refresh(event: string, expires: number): Promise<SipResponse> {
    if (!this.dialog) throw new Error('not subscribed');
    const request = this.dialog.createRequest('SUBSCRIBE', { headers: { Event: event, Expires: String(expires) } });
    return this.stack.sendRequest(request, { destination: { protocol: 'udp', address: '127.0.0.1', port: this.o.server } }).final;
  }

  /** Waits until `predicate` holds for the NOTIFYs received (default 15 s). */
  async waitFor(predicate: (notifies: readonly ReceivedNotify[]) => boolean, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.notifies)) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; NOTIFYs so far:\n${this.notifies.map((n) => `${n.state} ${n.body}`).join('\n---\n')}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  async close(): Promise<void> {
    await this.stack.close();
  }
}

/** The `<state>` values of a dialog-info body, in document order. */
export function dialogStates(body: string): string[] {
  return [...body.matchAll(/<state>([a-z]+)<\/state>/g)].map((m) => m[1]!);
}

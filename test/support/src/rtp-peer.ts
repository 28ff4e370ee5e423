import { createSocket, type Socket } from 'node:dgram';
import { aLawDecode, aLawEncode, muLawDecode, muLawEncode } from './g711.js';
import type { Pcm } from './wav.js';

const DTMF_EVENTS = '0123456789*#ABCD';

export interface RtpPeerOptions {
  /** Tone to send, in Hz; null sends nothing. */
  toneHz: number | null;
  codec?: 'PCMU' | 'PCMA';
  /** Payload type of telephone-event (RFC 4733) on receive and send. */
  telephoneEventPt?: number;
}

/**
 * A plain RTP endpoint for tests (a trunk's media, a scripted phone): sends a G.711 tone every
 * 20 ms to wherever the far side's SDP points, keeps what it hears, and decodes RFC 4733 digits.
 * Symmetric: once packets arrive, it answers to the address they came from.
 */
export class RtpPeer {
  private readonly heard: number[] = [];
  private readonly digits: string[] = [];
  private lastEventTimestamp = -1;
  private timer: NodeJS.Timeout | null = null;
  private remote: { address: string; port: number } | null = null;
  private seq = Math.floor(Math.random() * 60000);
  private ts = Math.floor(Math.random() * 1e9);
  private sent = 0;
  private readonly ssrc = Math.floor(Math.random() * 0xffffffff);
  packetsReceived = 0;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    private readonly options: RtpPeerOptions,
  ) {
    socket.on('message', (msg, rinfo) => this.onPacket(msg, rinfo));
  }

  static async open(options: RtpPeerOptions): Promise<RtpPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new RtpPeer(socket, socket.address().port, options);
  }

  get payloadType(): number {
    return (this.options.codec ?? 'PCMU') === 'PCMU' ? 0 : 8;
  }

  /** An SDP body offering or answering this peer's media (for SIPp or hand-written SIP). */
  sdp(sessionId = Date.now()): string {
    const te = this.options.telephoneEventPt ?? 101;
    const name = this.options.codec ?? 'PCMU';
    return [
      'v=0',
      `o=peer ${sessionId} 1 IN IP4 127.0.0.1`,
      's=test',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${this.port} RTP/AVP ${this.payloadType} ${te}`,
      `a=rtpmap:${this.payloadType} ${name}/8000`,
      `a=rtpmap:${te} telephone-event/8000`,
      `a=fmtp:${te} 0-16`,
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  /** Start sending to the address and port from the far side's SDP. */
  sendTo(address: string, port: number): void {
    this.remote = { address, port };
    if (this.timer || this.options.toneHz === null) return;
    this.timer = setInterval(() => this.sendFrame(), 20);
  }

  heardAudio(): Pcm {
    return { sampleRate: 8000, samples: Float32Array.from(this.heard, (s) => s / 32768) };
  }

  /** Clears what was heard so far (to measure a later phase of a call, e.g. during hold). */
  resetHeard(): void {
    this.heard.length = 0;
  }

  receivedDtmf(): string {
    return this.digits.join('');
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.socket.close();
  }

  private sendFrame(): void {
    if (!this.remote || this.options.toneHz === null) return;
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header[1] = this.payloadType;
    header.writeUInt16BE(this.seq & 0xffff, 2);
    header.writeUInt32BE(this.ts >>> 0, 4);
    header.writeUInt32BE(this.ssrc >>> 0, 8);
    const payload = Buffer.alloc(160);
    const encode = this.payloadType === 0 ? muLawEncode : aLawEncode;
    for (let i = 0; i < 160; i++) {
      const n = this.sent * 160 + i;
      payload[i] = encode(16000 * Math.sin((2 * Math.PI * this.options.toneHz * n) / 8000));
    }
    this.sent++;
    this.seq++;
    this.ts += 160;
    this.socket.send(Buffer.concat([header, payload]), this.remote.port, this.remote.address);
  }

  private onPacket(msg: Buffer, rinfo: { address: string; port: number }): void {
    if (msg.length < 12 || msg[0]! >> 6 !== 2) return;
    const pt = msg[1]! & 0x7f;
    if (pt >= 72 && pt <= 79) return; // RTCP on a muxed port
    this.packetsReceived++;
    if (this.remote && (this.remote.address !== rinfo.address || this.remote.port !== rinfo.port)) {
      this.remote = { address: rinfo.address, port: rinfo.port };
    }
    const csrcCount = msg[0]! & 0x0f;
    let offset = 12 + csrcCount * 4;
    if (msg[0]! & 0x10) offset += 4 + msg.readUInt16BE(offset + 2) * 4;
    const payload = msg.subarray(offset, msg[0]! & 0x20 ? msg.length - msg[msg.length - 1]! : msg.length);
    if (pt === 0 || pt === 8) {
      const decode = pt === 0 ? muLawDecode : aLawDecode;
      for (const byte of payload) this.heard.push(decode(byte));
    } else if (pt === (this.options.telephoneEventPt ?? 101) && payload.length >= 4) {
      const timestamp = msg.readUInt32BE(4);
      if (timestamp !== this.lastEventTimestamp) {
        this.lastEventTimestamp = timestamp;
        this.digits.push(DTMF_EVENTS[payload[0]!] ?? '?');
      }
    }
  }
}

/**
 * The media of a far end that is not ours (a carrier, SIPp): an RtpPeer sending a tone. It
 * learns our address from the first packet we send it; until then its packets go to a socket
 * of its own that swallows them.
 */
export async function farEndMedia(toneHz: number): Promise<{ peer: RtpPeer; close(): void }> {
  const sink: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', resolve));
  const peer = await RtpPeer.open({ toneHz });
  peer.sendTo('127.0.0.1', sink.address().port);
  return {
    peer,
    close: () => {
      peer.close();
      sink.close();
    },
  };
}

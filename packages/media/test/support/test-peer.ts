import { createSocket, type Socket } from 'node:dgram';
import { Decoder, Encoder } from '@evan/opus';
import { muLawDecode, muLawEncode, aLawDecode, aLawEncode, type Pcm } from '@switchboard/testkit';

/**
 * A scripted RTP endpoint for the engine's tests: sends a tone in PCMU, PCMA or Opus every
 * 20 ms, sends RFC 4733 digits, and keeps what it hears (decoded with the test kit's G.711
 * and @evan/opus's native binding — not the engine's codecs) with the SSRC and sequence
 * number of every packet, to check stream continuity.
 */
export type PeerCodec = 'PCMU' | 'PCMA' | 'opus';

export interface HeardPacket {
  ssrc: number;
  seq: number;
  ts: number;
  pt: number;
  marker: boolean;
  at: number;
}

const PT: Record<PeerCodec, number> = { PCMU: 0, PCMA: 8, opus: 111 };

export class TestPeer {
  readonly packets: HeardPacket[] = [];
  readonly digits: Array<{ digit: string; duration: number; rate: number }> = [];
  private heard: number[] = [];
  private timer: NodeJS.Timeout | null = null;
  private remote: { address: string; port: number } | null = null;
  private seq = 1000;
  private ts = 5000;
  private frame = 0;
  private readonly ssrc = 0x12345678;
  private readonly encoder: Encoder | null;
  private readonly decoder: Decoder | null;
  private dtmfQueue: string[] = [];
  private dtmfStep = 0;
  private lastEventTs = -1;
  toneHz: number | null;

  private constructor(
    private readonly socket: Socket,
    readonly port: number,
    readonly codec: PeerCodec,
    toneHz: number | null,
  ) {
    this.toneHz = toneHz;
    this.encoder = codec === 'opus' ? new Encoder({ channels: 1, sample_rate: 48000, application: 'voip' }) : null;
    this.decoder = codec === 'opus' ? new Decoder({ channels: 1, sample_rate: 48000 }) : null;
    socket.on('message', (msg, rinfo) => this.onPacket(msg, rinfo));
  }

  static async open(codec: PeerCodec, toneHz: number | null): Promise<TestPeer> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new TestPeer(socket, socket.address().port, codec, toneHz);
  }

  get rate(): number {
    return this.codec === 'opus' ? 48000 : 8000;
  }
  get eventPt(): number {
    return this.codec === 'opus' ? 110 : 101;
  }

  sdp(): string {
    const pt = PT[this.codec];
    const rtpmap = this.codec === 'opus' ? `a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1` : `a=rtpmap:${pt} ${this.codec}/8000`;
    return [
      'v=0',
      `o=peer 1 1 IN IP4 127.0.0.1`,
      's=-',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      `m=audio ${this.port} RTP/AVP ${pt} ${this.eventPt}`,
      rtpmap,
      `a=rtpmap:${this.eventPt} telephone-event/${this.rate}`,
      `a=fmtp:${this.eventPt} 0-16`,
      'a=ptime:20',
      'a=sendrecv',
      '',
    ].join('\r\n');
  }

  /** Start sending to the port in the engine's SDP. */
  start(sdp: string): void {
    const port = Number(/m=audio (\d+)/.exec(sdp)?.[1]);
    this.remote = { address: '127.0.0.1', port };
    this.startedAt ??= performance.now();
    // Like a phone's sound card, send what is due by the wall clock, even when our timer ran late.
    this.timer ??= setInterval(() => {
      const due = Math.floor((performance.now() - this.startedAt!) / 20) + 1;
      for (let i = 0; i < 10 && this.sent < due; i++, this.sent++) this.tick();
      if (this.sent < due) this.sent = due;
    }, 20);
  }
  private startedAt: number | null = null;
  private sent = 0;

  sendDigits(digits: string): void {
    this.dtmfQueue.push(...digits);
  }

  heardAudio(fromIndex = 0): Pcm {
    const rate = this.rate;
    return { sampleRate: rate, samples: Float32Array.from(this.heard.slice(fromIndex), (s) => s / 32768) };
  }
  get heardSamples(): number {
    return this.heard.length;
  }
  resetHeard(): void {
    this.heard = [];
  }

  /**
   * Waits until `seconds` of audio were heard after sample `from` (tests on a busy machine
   * must not assume timers keep time), then returns that audio; what there is after `timeoutMs`.
   */
  async hear(seconds: number, from = this.heard.length, timeoutMs = 8000): Promise<Pcm> {
    const deadline = Date.now() + timeoutMs;
    const needed = Math.round(seconds * this.rate);
    while (this.heard.length - from < needed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    return this.heardAudio(from);
  }

  /** Waits until `count` digits arrived (or `timeoutMs`). */
  async waitForDigits(count: number, timeoutMs = 8000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.digits.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    // The end packets carry the final duration: give them a moment.
    await new Promise((r) => setTimeout(r, 150));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.socket.close();
  }
  private closed = false;

  private tick(): void {
    if (!this.remote) return;
    if (this.dtmfQueue.length > 0) {
      this.sendEventStep();
      return;
    }
    const n = this.rate / 50;
    const pcm = new Int16Array(n);
    if (this.toneHz !== null) {
      for (let i = 0; i < n; i++) pcm[i] = Math.round(12000 * Math.sin((2 * Math.PI * this.toneHz * (this.frame * n + i)) / this.rate));
    }
    this.frame++;
    let payload: Buffer;
    if (this.encoder) payload = Buffer.from(this.encoder.encode(pcm));
    else payload = Buffer.from(Array.from(pcm, (s) => (this.codec === 'PCMU' ? muLawEncode(s) : aLawEncode(s))));
    this.send(PT[this.codec], payload, this.ts, false);
    this.ts += n;
  }

  /** One digit: 5 packets of a growing event, 3 end packets, then audio resumes. */
  private sendEventStep(): void {
    const digit = this.dtmfQueue[0]!;
    const event = '0123456789*#ABCD'.indexOf(digit);
    const step = this.rate / 50;
    const k = this.dtmfStep++;
    const end = k >= 5;
    const duration = (end ? 5 : k + 1) * step;
    const payload = Buffer.from([event, (end ? 0x80 : 0) | 10, duration >> 8, duration & 0xff]);
    this.send(this.eventPt, payload, this.ts, k === 0);
    if (k === 7) {
      this.dtmfQueue.shift();
      this.dtmfStep = 0;
      this.ts += 8 * step;
    }
  }

  private send(pt: number, payload: Buffer, ts: number, marker: boolean): void {
    const header = Buffer.alloc(12);
    header[0] = 0x80;
    header[1] = (marker ? 0x80 : 0) | pt;
    header.writeUInt16BE(this.seq++ & 0xffff, 2);
    header.writeUInt32BE(ts >>> 0, 4);
    header.writeUInt32BE(this.ssrc, 8);
    this.socket.send(Buffer.concat([header, payload]), this.remote!.port, this.remote!.address);
  }

  private onPacket(msg: Buffer, rinfo: { address: string; port: number }): void {
    if (msg.length < 12 || msg[0]! >> 6 !== 2) return;
    const pt = msg[1]! & 0x7f;
    if (msg[1]! >= 192 && msg[1]! <= 223) return; // RTCP
    if (this.remote && (this.remote.port !== rinfo.port || this.remote.address !== rinfo.address)) this.remote = { address: rinfo.address, port: rinfo.port };
    const cc = msg[0]! & 0x0f;
    let offset = 12 + cc * 4;
    if (msg[0]! & 0x10) offset += 4 + msg.readUInt16BE(offset + 2) * 4;
    const payload = msg.subarray(offset);
    const ts = msg.readUInt32BE(4);
    this.packets.push({ ssrc: msg.readUInt32BE(8), seq: msg.readUInt16BE(2), ts, pt, marker: (msg[1]! & 0x80) !== 0, at: performance.now() });
    if (pt === this.eventPt) {
      if (payload.length >= 4 && ts !== this.lastEventTs) {
        this.lastEventTs = ts;
        this.digits.push({ digit: '0123456789*#ABCD'[payload[0]!] ?? '?', duration: 0, rate: this.rate });
      }
      const last = this.digits[this.digits.length - 1];
      if (last && payload.length >= 4) last.duration = Math.max(last.duration, payload.readUInt16BE(2));
      return;
    }
    if (pt !== PT[this.codec]) return;
    if (this.decoder) {
      const out = this.decoder.decode(payload);
      const samples = new Int16Array(out.buffer, out.byteOffset, out.byteLength / 2);
      for (const s of samples) this.heard.push(s);
    } else {
      const decode = this.codec === 'PCMU' ? muLawDecode : aLawDecode;
      for (const b of payload) this.heard.push(decode(b));
    }
  }
}

/**
 * Audio on the server side of the tests: a tone encoded to Opus or PCMU and sent every 20 ms
 * with our own RTP header, and a recorder that decodes what the browser sends so the
 * dominant frequency can be measured (TESTING.md: audio is proven by the tone heard).
 */
import { Decoder, Encoder } from '@evan/opus';
import { muLawDecode, muLawEncode } from '@switchboard/testkit';
import type { Pcm } from '@switchboard/testkit';
import type { MediaTransport, RtpPacket } from '../../src/transport/types.js';

export type ToneCodec = 'opus' | 'PCMU';

const FRAME_MS = 20;

/** Sends a sine tone on a transport: one packet per 20 ms, our SSRC, sequence and timestamps. */
export class ToneSender {
  readonly ssrc = 0x5b0a_d000 + Math.floor(Math.random() * 0xfff);
  private sequenceNumber = Math.floor(Math.random() * 0xffff);
  private timestamp = Math.floor(Math.random() * 0xffff_ffff);
  private phase = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly encoder: Encoder | null;
  packetsSent = 0;

  constructor(
    private readonly transport: MediaTransport,
    private readonly codec: ToneCodec,
    private readonly payloadType: number,
    private readonly frequency: number,
  ) {
    this.encoder = codec === 'opus' ? new Encoder({ channels: 1, sample_rate: 48000, application: 'voip' }) : null;
  }

  private get sampleRate(): number {
    return this.codec === 'opus' ? 48000 : 8000;
  }

  private nextFrame(): Buffer {
    const samples = (this.sampleRate * FRAME_MS) / 1000;
    const pcm = new Int16Array(samples);
    for (let i = 0; i < samples; i++) {
      pcm[i] = Math.round(0.4 * 32767 * Math.sin(this.phase));
      this.phase += (2 * Math.PI * this.frequency) / this.sampleRate;
    }
    this.phase %= 2 * Math.PI;
    if (this.encoder) return Buffer.from(this.encoder.encode(pcm));
    return Buffer.from(Array.from(pcm, (sample) => muLawEncode(sample)));
  }

  /** Starts sending; stops by itself after `seconds` at the latest. */
  start(seconds: number): void {
    const frames = (seconds * 1000) / FRAME_MS;
    const step = (this.sampleRate * FRAME_MS) / 1000;
    this.timer = setInterval(() => {
      if (this.packetsSent >= frames) {
        this.stop();
        return;
      }
      this.transport.sendRtp({
        payloadType: this.payloadType,
        sequenceNumber: this.sequenceNumber,
        timestamp: this.timestamp,
        ssrc: this.ssrc,
        marker: this.packetsSent === 0,
        payload: this.nextFrame(),
      });
      this.sequenceNumber = (this.sequenceNumber + 1) & 0xffff;
      this.timestamp = (this.timestamp + step) >>> 0;
      this.packetsSent++;
    }, FRAME_MS);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** Collects the RTP a transport receives and decodes the audio of one payload type. */
export class RtpRecorder {
  readonly packets: RtpPacket[] = [];
  private readonly listener = (packet: RtpPacket): void => {
    this.packets.push(packet);
  };

  constructor(private readonly transport: MediaTransport) {
    transport.on('rtp', this.listener);
  }

  stop(): void {
    this.transport.off('rtp', this.listener);
  }

  /** Packets of one payload type, from the `from`-th packet received on. */
  ofType(payloadType: number, from = 0): RtpPacket[] {
    return this.packets.slice(from).filter((packet) => packet.payloadType === payloadType);
  }

  /** Decodes packets of `payloadType` (in arrival order, from the `from`-th packet) to mono PCM. */
  decode(codec: ToneCodec, payloadType: number, from = 0): Pcm {
    const packets = this.ofType(payloadType, from);
    if (codec === 'PCMU') {
      const bytes = Buffer.concat(packets.map((packet) => packet.payload));
      return { sampleRate: 8000, samples: Float32Array.from(bytes, (byte) => muLawDecode(byte) / 32768) };
    }
    const decoder = new Decoder({ channels: 1, sample_rate: 48000 });
    const chunks: Float32Array[] = [];
    for (const packet of packets) {
      const pcm = decoder.decode(packet.payload);
      const view = new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2);
      chunks.push(Float32Array.from(view, (sample) => sample / 32768));
    }
    const samples = new Float32Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
    let offset = 0;
    for (const chunk of chunks) {
      samples.set(chunk, offset);
      offset += chunk.length;
    }
    return { sampleRate: 48000, samples };
  }
}

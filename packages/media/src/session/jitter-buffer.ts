import { createDecoder, payloadSamples, sameEncoding, type AudioDecoder } from '../codecs/codec.js';
import type { AudioCodec, RtpPacket } from '../transport/types.js';

/**
 * An adaptive jitter buffer that turns the packets of one incoming stream into exactly 20 ms
 * of audio per tick of the media clock: it reorders, drops duplicates and late packets, hides
 * loss (Opus FEC/PLC, G.711 fade-out repetition), and keeps its delay near a target derived
 * from the measured interarrival jitter (RFC 3550 A.8).
 *
 * ```
 *             depth ≥ target                       nothing left to play
 * buffering ────────────────▶ playing ─────────────────────────────────▶ buffering
 * ```
 *
 * Clock drift between the sender and our clock is absorbed both ways: a sender that runs
 * fast fills the buffer, and once the smallest depth over a second exceeds the target by a
 * frame, one frame is dropped; a sender that runs slow drains it, and the underrun is hidden
 * while the buffer fills again.
 */

export interface JitterBufferOptions {
  /** Least delay, ms; two frames ride out the phase between packet arrival and our tick. */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** Frames of concealment after the stream stops, before plain silence. */
  concealFrames?: number;
}

export interface JitterBufferStats {
  received: number;
  played: number;
  concealed: number;
  late: number;
  duplicates: number;
  droppedForDelay: number;
  underruns: number;
  targetDelayMs: number;
  jitterMs: number;
}

export interface DecodedFrame {
  pcm: Int16Array;
  sampleRate: number;
  /** True when this frame is concealment rather than received audio. */
  concealed: boolean;
}

interface Entry {
  seq: number;
  ts: number;
  codec: AudioCodec;
  payload: Buffer;
  samples: number;
  arrival: number;
}

const FRAME_MS = 20;
const RESYNC_GAP_MS = 1000;
const MAX_PACKETS = 100;
const WINDOW_PULLS = 50;

export class JitterBuffer {
  private packets: Entry[] = [];
  private state: 'buffering' | 'playing' = 'buffering';
  private ssrc: number | null = null;
  private highestSeq = 0;
  private highestTs = 0;
  private nextTs = 0;
  private decoder: AudioDecoder | null = null;
  private decoderCodec: AudioCodec | null = null;
  private pending: Int16Array[] = [];
  private pendingSamples = 0;
  private concealLeft = 0;
  private jitterMs = 0;
  private lastTransit: number | null = null;
  private windowMinDepth = Infinity;
  private windowPulls = 0;
  private lastSamples = 160;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly concealFrames: number;
  private readonly counters = { received: 0, played: 0, concealed: 0, late: 0, duplicates: 0, droppedForDelay: 0, underruns: 0 };

  constructor(options: JitterBufferOptions = {}) {
    this.minDelayMs = options.minDelayMs ?? 40;
    this.maxDelayMs = options.maxDelayMs ?? 200;
    this.concealFrames = options.concealFrames ?? 3;
  }

  stats(): JitterBufferStats {
    return { ...this.counters, targetDelayMs: this.targetDelayMs(), jitterMs: this.jitterMs };
  }

  /** True while it holds or plays audio; false once the stream has been quiet a while. */
  get active(): boolean {
    return this.state === 'playing' || this.packets.length > 0 || this.concealLeft > 0;
  }

  private targetDelayMs(): number {
    const wanted = Math.ceil((3 * this.jitterMs + FRAME_MS) / 10) * 10;
    return Math.min(this.maxDelayMs, Math.max(this.minDelayMs, wanted));
  }

  /** Adds an audio packet of `codec` that arrived at `arrivalMs` (performance.now()). */
  push(packet: RtpPacket, codec: AudioCodec, arrivalMs: number): void {
    if (this.ssrc !== packet.ssrc) this.restart(packet);
    this.counters.received++;
    const seq = this.unwrap(this.highestSeq, packet.sequenceNumber, 0x10000);
    const ts = this.unwrap(this.highestTs, packet.timestamp, 0x100000000);
    if (seq > this.highestSeq) this.highestSeq = seq;
    if (ts > this.highestTs) this.highestTs = ts;
    this.updateJitter(ts, codec.clockRate, arrivalMs);
    if (this.state === 'playing' && ts < this.nextTs) {
      this.counters.late++;
      return;
    }
    let at = this.packets.length;
    while (at > 0 && this.packets[at - 1]!.seq > seq) at--;
    if (at > 0 && this.packets[at - 1]!.seq === seq) {
      this.counters.duplicates++;
      return;
    }
    const samples = payloadSamples(codec, packet.payload) ?? this.lastSamples;
    this.packets.splice(at, 0, { seq, ts, codec, payload: packet.payload, samples, arrival: arrivalMs });
    if (this.packets.length > MAX_PACKETS) this.packets.shift();
  }

  /** The next 20 ms, or null when there is nothing to play (not started, or long quiet). */
  pull(nowMs: number): DecodedFrame | null {
    if (this.state === 'buffering' && !this.ready(nowMs)) return this.concealTail();
    if (this.state === 'buffering') this.start();
    this.trackDepth();
    const codec = this.packets[0]?.codec ?? this.decoderCodec;
    if (!codec) return null;
    const decoder = this.decoderFor(codec);
    const frame = (decoder.sampleRate * FRAME_MS) / 1000;
    let concealed = false;
    while (this.pendingSamples < frame) {
      const head = this.packets[0];
      if (!head) {
        // Underrun: hide it, and buffer up to the target again before playing on.
        this.counters.underruns++;
        this.state = 'buffering';
        this.concealLeft = this.concealFrames;
        this.append(decoder.conceal(frame - this.pendingSamples));
        concealed = true;
        break;
      }
      if (!sameEncoding(head.codec, this.decoderCodec!)) {
        // The sender switched codecs: start clean on the new one.
        this.pending = [];
        this.pendingSamples = 0;
        return this.pull(nowMs);
      }
      if (head.ts < this.nextTs) {
        this.packets.shift();
        continue;
      }
      const gap = head.ts - this.nextTs;
      if (gap === 0) {
        this.packets.shift();
        this.append(this.safeDecode(decoder, head));
        this.nextTs += head.samples;
        this.lastSamples = head.samples;
        continue;
      }
      if ((gap * 1000) / head.codec.clockRate > RESYNC_GAP_MS) {
        // A jump in timestamps (silence suppression, a restarted sender): continue from there.
        this.nextTs = head.ts;
        continue;
      }
      // A real gap: conceal it, from the next packet's FEC when it directly follows.
      const missing = Math.min(gap, frame - this.pendingSamples);
      this.append(decoder.conceal(missing, gap <= head.samples ? head.payload : undefined));
      this.nextTs += missing;
      this.counters.concealed++;
      concealed = true;
    }
    this.counters.played++;
    return { pcm: this.take(frame), sampleRate: decoder.sampleRate, concealed };
  }

  close(): void {
    this.decoder?.close();
    this.decoder = null;
    this.packets = [];
  }

  private ready(nowMs: number): boolean {
    const first = this.packets[0];
    if (!first) return false;
    const last = this.packets[this.packets.length - 1]!;
    const spanMs = ((last.ts + last.samples - first.ts) * 1000) / first.codec.clockRate;
    const target = this.targetDelayMs();
    // Enough buffered, or the oldest packet has waited long enough (a sparse stream).
    return spanMs >= target || nowMs - first.arrival >= target;
  }

  private start(): void {
    const first = this.packets[0]!;
    if (first.ts > this.nextTs || this.counters.played === 0) this.nextTs = first.ts;
    this.state = 'playing';
    this.concealLeft = 0;
    this.windowMinDepth = Infinity;
    this.windowPulls = 0;
  }

  private trackDepth(): void {
    const first = this.packets[0];
    const last = this.packets[this.packets.length - 1];
    const depthMs = first && last ? ((last.ts + last.samples - this.nextTs) * 1000) / first.codec.clockRate : 0;
    this.windowMinDepth = Math.min(this.windowMinDepth, depthMs);
    if (++this.windowPulls < WINDOW_PULLS) return;
    // Over the last second the buffer never went below target + a frame: we are late, drop a frame.
    if (this.windowMinDepth > this.targetDelayMs() + FRAME_MS && first) {
      this.packets.shift();
      this.nextTs = first.ts + first.samples;
      this.counters.droppedForDelay++;
    }
    this.windowMinDepth = Infinity;
    this.windowPulls = 0;
  }

  private concealTail(): DecodedFrame | null {
    if (this.concealLeft <= 0 || !this.decoder) return null;
    this.concealLeft--;
    const frame = (this.decoder.sampleRate * FRAME_MS) / 1000;
    this.pending = [];
    this.pendingSamples = 0;
    return { pcm: this.decoder.conceal(frame), sampleRate: this.decoder.sampleRate, concealed: true };
  }

  private decoderFor(codec: AudioCodec): AudioDecoder {
    if (this.decoder && this.decoderCodec && sameEncoding(codec, this.decoderCodec)) return this.decoder;
    this.decoder?.close();
    this.decoder = createDecoder(codec);
    this.decoderCodec = codec;
    this.pending = [];
    this.pendingSamples = 0;
    return this.decoder;
  }

  private safeDecode(decoder: AudioDecoder, entry: Entry): Int16Array {
    try {
      return decoder.decode(entry.payload);
    } catch {
      // A corrupt payload from the network is loss, not a failure of the leg.
      return decoder.conceal(entry.samples);
    }
  }

  private append(pcm: Int16Array): void {
    if (pcm.length === 0) return;
    this.pending.push(pcm);
    this.pendingSamples += pcm.length;
  }

  private take(count: number): Int16Array {
    // The usual case, one whole decoded packet per 20 ms: hand it over as it is.
    const first = this.pending[0];
    if (first && first.length === count) {
      this.pending.shift();
      this.pendingSamples -= count;
      return first;
    }
    const out = new Int16Array(count);
    let filled = 0;
    while (filled < count && this.pending.length > 0) {
      const head = this.pending[0]!;
      const n = Math.min(count - filled, head.length);
      out.set(head.subarray(0, n), filled);
      filled += n;
      if (n === head.length) this.pending.shift();
      else this.pending[0] = head.subarray(n);
    }
    this.pendingSamples -= filled;
    return out;
  }

  private updateJitter(ts: number, clockRate: number, arrivalMs: number): void {
    const transit = arrivalMs - (ts * 1000) / clockRate;
    if (this.lastTransit !== null) {
      const d = Math.abs(transit - this.lastTransit);
      // Ignore jumps (talkspurt gaps, restarts): they are not jitter.
      if (d < 1000) this.jitterMs += (d - this.jitterMs) / 16;
    }
    this.lastTransit = transit;
  }

  /** Extends a wrapping counter to the value closest to `reference` (serial arithmetic). */
  private unwrap(reference: number, value: number, modulus: number): number {
    const base = reference - (reference % modulus);
    let candidate = base + value;
    if (candidate - reference > modulus / 2) candidate -= modulus;
    else if (reference - candidate > modulus / 2) candidate += modulus;
    return candidate;
  }

  private restart(packet: RtpPacket): void {
    this.ssrc = packet.ssrc;
    this.packets = [];
    this.state = 'buffering';
    // Start the extended counters away from zero so unwrapping never goes negative.
    this.highestSeq = 0x10000 * 16 + packet.sequenceNumber;
    this.highestTs = 0x100000000 * 16 + packet.timestamp;
    this.nextTs = 0;
    this.lastTransit = null;
    this.pending = [];
    this.pendingSamples = 0;
    this.concealLeft = 0;
  }
}

import { Resampler } from '../codecs/resampler.js';
import type { ClockTask, MediaClock } from './media-clock.js';
import { JitterBuffer } from './jitter-buffer.js';
import type { SourcePacket } from './media-leg.js';
import { TalkDetector } from './talk-detector.js';

/**
 * Where a participant's mix goes: its leg on this thread, or a port to the leg's thread. The
 * array is the mixer's own and is overwritten next tick: use or copy it before returning.
 */
export type MixOutput = (pcm: Int16Array, sampleRate: number) => void;

interface Participant {
  id: string;
  /** The participant's codec rate: the mix runs at the highest one in the room. */
  rate: number;
  jitter: JitterBuffer;
  muted: boolean;
  talk: TalkDetector;
  output: MixOutput;
  toMix: Resampler | null;
  /** This tick's contribution at the mix rate, or null. */
  frame: Int16Array | null;
  /** The buffer this participant's own mix (the room minus its voice) is written into. */
  mix: Int16Array;
}

export interface MixerEvents {
  speaking(participant: string, speaking: boolean): void;
}

/**
 * A conference mixer on one media thread: every 20 ms it pulls one frame from each
 * participant's jitter buffer (each buffer absorbs its own sender's jitter and clock drift),
 * sums them at the room's rate, and sends each participant the sum minus its own voice
 * (N − 1), clipped to 16 bits. Muted participants are heard by nobody but still hear the room.
 * Participants may join and leave between any two ticks; their legs may live on other threads.
 */
export class Mixer {
  private readonly participants = new Map<string, Participant>();
  private readonly task: ClockTask;
  private rate = 8000;
  private closed = false;
  // Buffers reused every tick (a room of 50 would otherwise allocate 2 500 arrays a second).
  private total = new Int32Array(160);
  private everyone = new Int16Array(160);
  ticks = 0;

  constructor(
    readonly id: string,
    private readonly clock: MediaClock,
    private readonly events: MixerEvents,
    private readonly fail: (error: unknown) => void,
  ) {
    this.task = { tick: (now) => this.tick(now), failed: (error) => this.fail(error) };
  }

  get size(): number {
    return this.participants.size;
  }
  get sampleRate(): number {
    return this.rate;
  }

  add(id: string, rate: number, output: MixOutput): void {
    if (this.closed) throw new Error(`mixer ${this.id} is closed`);
    this.remove(id);
    this.participants.set(id, { id, rate, jitter: new JitterBuffer(), muted: false, talk: new TalkDetector(), output, toMix: null, frame: null, mix: new Int16Array(this.rate / 50) });
    this.updateRate();
    if (!this.clock.has(this.task)) this.clock.add(this.task);
  }

  remove(id: string): boolean {
    const p = this.participants.get(id);
    if (!p) return false;
    this.participants.delete(id);
    p.jitter.close();
    if (p.talk.speaking) this.events.speaking(id, false);
    this.updateRate();
    if (this.participants.size === 0) this.clock.delete(this.task);
    return true;
  }

  has(id: string): boolean {
    return this.participants.has(id);
  }

  setMuted(id: string, muted: boolean): void {
    const p = this.participants.get(id);
    if (p) p.muted = muted;
  }

  setRate(id: string, rate: number): void {
    const p = this.participants.get(id);
    if (!p || p.rate === rate) return;
    p.rate = rate;
    this.updateRate();
  }

  /** A packet participant `id` sent. */
  onSource(id: string, sp: SourcePacket): void {
    const p = this.participants.get(id);
    if (p && sp.codec) p.jitter.push(sp.packet, sp.codec, performance.now());
  }

  private updateRate(): void {
    let rate = 8000;
    for (const p of this.participants.values()) rate = Math.max(rate, p.rate);
    this.rate = rate;
  }

  private tick(now: number): void {
    this.ticks++;
    const size = this.rate / 50;
    if (this.total.length !== size) {
      this.total = new Int32Array(size);
      this.everyone = new Int16Array(size);
    }
    const total = this.total;
    total.fill(0);
    let contributors = 0;
    for (const p of this.participants.values()) {
      p.frame = null;
      const decoded = p.jitter.pull(now);
      const changed = p.talk.update(decoded && !p.muted ? decoded.pcm : null);
      if (changed !== null) this.events.speaking(p.id, changed);
      if (!decoded || p.muted) continue;
      let pcm = decoded.pcm;
      if (decoded.sampleRate !== this.rate) {
        if (!p.toMix || p.toMix.inRate !== decoded.sampleRate || p.toMix.outRate !== this.rate) p.toMix = new Resampler(decoded.sampleRate, this.rate);
        pcm = p.toMix.process(pcm);
      }
      if (pcm.length !== size) continue;
      p.frame = pcm;
      contributors++;
      for (let i = 0; i < size; i++) total[i]! += pcm[i]!;
    }
    // Everyone who did not speak this tick hears the same full mix: clip it once.
    const everyone = clip(total, null, this.everyone);
    for (const p of this.participants.values()) {
      if (p.mix.length !== size) p.mix = new Int16Array(size);
      const mix = p.frame && contributors > 0 ? clip(total, p.frame, p.mix) : everyone;
      p.output(mix, this.rate);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.clock.delete(this.task);
    for (const id of [...this.participants.keys()]) this.remove(id);
  }
}

/** The sum minus `own`, saturated to 16 bits, into `out`. */
export function clip(total: Int32Array, own: Int16Array | null, out: Int16Array = new Int16Array(total.length)): Int16Array {
  for (let i = 0; i < total.length; i++) {
    const v = total[i]! - (own ? own[i]! : 0);
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

import { readFileSync, statSync } from 'node:fs';
import type { ToneSpec } from './tones.js';
import { parseWav, type PcmAudio } from './wav.js';

/**
 * Something that produces audio 20 ms at a time for a leg to send: a tone, a file, a DTMF
 * burst. `next()` returns null once it has nothing more to say.
 */
export interface AudioSource {
  readonly sampleRate: number;
  next(): Int16Array | null;
}

/** Level of each tone component: about -13 dBm0 for two-tone signals (ITU-T E.180). */
const TONE_AMPLITUDE = 0.22 * 32767;

/** A call-progress tone with its cadence; endless unless `maxMs` is given. */
export class ToneSource implements AudioSource {
  private sample = 0;
  private readonly phases: number[];
  private readonly steps: number[];
  private readonly cycle: number;

  constructor(
    private readonly spec: ToneSpec,
    readonly sampleRate = 8000,
    private readonly maxMs = Infinity,
    private readonly amplitude = TONE_AMPLITUDE,
  ) {
    this.phases = spec.frequencies.map(() => 0);
    this.steps = spec.frequencies.map((f) => (2 * Math.PI * f) / sampleRate);
    this.cycle = spec.cadence.reduce((a, b) => a + b, 0);
  }

  private isOn(ms: number): boolean {
    if (this.cycle === 0) return true;
    let t = ms % this.cycle;
    for (let i = 0; i < this.spec.cadence.length; i++) {
      t -= this.spec.cadence[i]!;
      if (t < 0) return i % 2 === 0;
    }
    return false;
  }

  next(): Int16Array | null {
    const frame = this.sampleRate / 50;
    if ((this.sample * 1000) / this.sampleRate >= this.maxMs) return null;
    const out = new Int16Array(frame);
    for (let i = 0; i < frame; i++, this.sample++) {
      const on = this.isOn((this.sample * 1000) / this.sampleRate);
      let v = 0;
      for (let k = 0; k < this.phases.length; k++) {
        if (on) v += Math.sin(this.phases[k]!);
        // Phases keep turning in the gaps so each burst starts where a continuous tone would be.
        this.phases[k] = (this.phases[k]! + this.steps[k]!) % (2 * Math.PI);
      }
      out[i] = Math.round(v * this.amplitude);
    }
    return out;
  }
}

interface CachedFile {
  mtimeMs: number;
  size: number;
  audio: PcmAudio;
}

const fileCache = new Map<string, CachedFile>();
const FILE_CACHE_LIMIT = 64;

/**
 * Reads a WAV file once per thread and keeps it (hold music plays to many legs at once);
 * a changed file (mtime or size) is read again.
 */
export function loadWav(path: string): PcmAudio {
  const st = statSync(path);
  const cached = fileCache.get(path);
  if (cached && cached.mtimeMs === st.mtimeMs && cached.size === st.size) return cached.audio;
  const audio = parseWav(readFileSync(path));
  if (fileCache.size >= FILE_CACHE_LIMIT) fileCache.delete(fileCache.keys().next().value!);
  fileCache.set(path, { mtimeMs: st.mtimeMs, size: st.size, audio });
  return audio;
}

/** A WAV file played once (a prompt) or looped (hold music). */
export class FileSource implements AudioSource {
  private position = 0;
  readonly sampleRate: number;

  constructor(
    private readonly audio: PcmAudio,
    private readonly loop = false,
  ) {
    this.sampleRate = audio.sampleRate;
  }

  next(): Int16Array | null {
    const frame = Math.round(this.sampleRate / 50);
    const total = this.audio.samples.length;
    if (total === 0 || (!this.loop && this.position >= total)) return null;
    const out = new Int16Array(frame);
    let written = 0;
    while (written < frame) {
      if (this.position >= total) {
        if (!this.loop) break; // the last frame is padded with silence
        this.position = 0;
      }
      const take = Math.min(frame - written, total - this.position);
      out.set(this.audio.samples.subarray(this.position, this.position + take), written);
      written += take;
      this.position += take;
    }
    return out;
  }
}

/** Plays several sources one after another (e.g. "You have" + "3" + "new messages"). */
export class SequenceSource implements AudioSource {
  private index = 0;
  constructor(private readonly sources: AudioSource[]) {
    if (sources.length === 0) throw new RangeError('a sequence needs at least one source');
    const rates = new Set(sources.map((s) => s.sampleRate));
    if (rates.size > 1) throw new RangeError('every part of a sequence must have the same sample rate');
  }
  get sampleRate(): number {
    return this.sources[0]!.sampleRate;
  }
  next(): Int16Array | null {
    while (this.index < this.sources.length) {
      const frame = this.sources[this.index]!.next();
      if (frame) return frame;
      this.index++;
    }
    return null;
  }
}

/** Silence for a while (gaps between prompt pieces or DTMF digits). */
export class SilenceSource implements AudioSource {
  private left: number;
  constructor(
    ms: number,
    readonly sampleRate = 8000,
  ) {
    this.left = Math.round(ms / 20);
  }
  next(): Int16Array | null {
    if (this.left <= 0) return null;
    this.left--;
    return new Int16Array(this.sampleRate / 50);
  }
}

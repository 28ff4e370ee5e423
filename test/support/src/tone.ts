import type { Pcm } from './wav.js';

/** Power of one frequency in a block of samples (Goertzel), normalised by block length. */
export function goertzelPower(samples: Float32Array, sampleRate: number, frequency: number): number {
  const k = (2 * Math.PI * frequency) / sampleRate;
  const coeff = 2 * Math.cos(k);
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
  return power / (samples.length * samples.length);
}

export interface ToneAnalysis {
  /** The strongest frequency found, in Hz (to the scan step), or null for silence. */
  dominant: number | null;
  /** RMS level of the analysed audio, 0..1. */
  rms: number;
  /** Power at the dominant frequency as a share of the total over the scan (0..1). */
  purity: number;
}

/**
 * Finds the dominant frequency between 100 and 4000 Hz (step 10 Hz), as TESTING.md asks:
 * audio is proven by the tone heard on the far side, not by packet counts.
 */
export function analyseTone(pcm: Pcm, options: { from?: number; to?: number; step?: number; skipSeconds?: number; maxSeconds?: number } = {}): ToneAnalysis {
  const { from = 100, to = Math.min(4000, pcm.sampleRate / 2 - 50), step = 10, skipSeconds = 0, maxSeconds = 4 } = options;
  const start = Math.min(pcm.samples.length, Math.round(skipSeconds * pcm.sampleRate));
  const end = Math.min(pcm.samples.length, start + Math.round(maxSeconds * pcm.sampleRate));
  const block = pcm.samples.subarray(start, end);
  let sumSquares = 0;
  for (const x of block) sumSquares += x * x;
  const rms = block.length > 0 ? Math.sqrt(sumSquares / block.length) : 0;
  if (rms < 0.005) return { dominant: null, rms, purity: 0 };
  let best = 0;
  let bestFrequency = from;
  let total = 0;
  for (let f = from; f <= to; f += step) {
    const p = goertzelPower(block, pcm.sampleRate, f);
    total += p;
    if (p > best) {
      best = p;
      bestFrequency = f;
    }
  }
  return { dominant: bestFrequency, rms, purity: total > 0 ? best / total : 0 };
}

/** True when `frequency` is the dominant tone, within `tolerance` Hz. */
export function hasDominantTone(pcm: Pcm, frequency: number, tolerance = 20, options: Parameters<typeof analyseTone>[1] = {}): boolean {
  const { dominant } = analyseTone(pcm, options);
  return dominant !== null && Math.abs(dominant - frequency) <= tolerance;
}

/** What one short block of a recording sounds like (see `toneTimeline`). */
export interface ToneBlock {
  /** Start of the block, in seconds from the start of the recording. */
  at: number;
  /** Dominant frequency in Hz, or null for silence. */
  dominant: number | null;
  rms: number;
}

/**
 * A recording cut into blocks (default 0.25 s), each with its dominant tone: to check the order
 * of what was heard during a call (a voice, then hold music, then the voice again) without
 * guessing when each phase started on a busy machine.
 */
export function toneTimeline(pcm: Pcm, blockSeconds = 0.25): ToneBlock[] {
  const blocks: ToneBlock[] = [];
  const duration = pcm.samples.length / pcm.sampleRate;
  for (let at = 0; at + blockSeconds <= duration; at += blockSeconds) {
    const { dominant, rms } = analyseTone(pcm, { skipSeconds: at, maxSeconds: blockSeconds });
    blocks.push({ at, dominant, rms });
  }
  return blocks;
}

/**
 * Labels each block of a timeline with a letter and joins them, so a test can match the story of
 * a call with a regular expression: `T` when `toneHz` (±12 Hz) is heard, `.` for silence, `o`
 * for any other sound (hold music, ringback). E.g. /T{4,}o{4,}T{4,}/ is "voice, hold, voice".
 */
export function describeTimeline(blocks: ToneBlock[], toneHz: number): string {
  return blocks.map((b) => (b.dominant === null ? '.' : Math.abs(b.dominant - toneHz) <= 12 ? 'T' : 'o')).join('');
}

/** The story of a recording for one tone: `T` heard, `o` something else, `.` silence (0.25 s blocks). */
export function story(pcm: Pcm, hz: number): string {
  return describeTimeline(toneTimeline(pcm), hz);
}

/** The recording ends (bar up to three trailing blocks of silence or other sound) with at least `blocks` blocks of `hz`. */
export function endsHearing(pcm: Pcm, hz: number, blocks = 6): boolean {
  return new RegExp(`T{${blocks},}[.o]{0,3}$`).test(story(pcm, hz));
}

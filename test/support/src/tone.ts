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

import { goertzelPower } from '@switchboard/testkit';
import { Resampler } from '../../src/codecs/resampler.js';

/** Gain in dB of a resampler for a sine at `frequency` (steady state, after the filter delay). */
function gainDb(inRate: number, outRate: number, frequency: number): number {
  const resampler = new Resampler(inRate, outRate);
  const amplitude = 8000;
  const seconds = 0.24;
  const frame = inRate / 50;
  const out: number[] = [];
  for (let f = 0; f < (seconds * inRate) / frame; f++) {
    const pcm = Int16Array.from({ length: frame }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * frequency * (f * frame + i)) / inRate)));
    out.push(...resampler.process(pcm));
  }
  expect(out.length).toBe(seconds * outRate);
  const tail = Float32Array.from(out.slice(Math.round(outRate * 0.05)), (s) => s / 32768);
  // Power of the tone where it lands: itself, or its alias when it cannot exist at the output rate.
  let landed = frequency % outRate;
  if (landed > outRate / 2) landed = outRate - landed;
  const power = goertzelPower(tail, outRate, landed);
  const reference = (amplitude / 32768) ** 2 / 4;
  return 10 * Math.log10(power / reference + 1e-20);
}

describe('resampler', () => {
  it.each([
    [8000, 48000],
    [48000, 8000],
    [8000, 16000],
    [16000, 8000],
    [16000, 48000],
    [48000, 16000],
  ])('%i -> %i Hz: flat passband, attenuated stopband', (inRate, outRate) => {
    const lower = Math.min(inRate, outRate);
    for (const f of [300, 1000, 2000, 0.4 * lower]) {
      expect(Math.abs(gainDb(inRate, outRate, f))).toBeLessThan(0.5);
    }
    // Downsampling: tones above the output's Nyquist frequency must not alias into the band.
    if (inRate > outRate) {
      for (const f of [0.55 * lower, 0.7 * lower, 0.95 * lower, 1.3 * lower, 2.2 * lower].map(Math.round)) {
        if (f < inRate / 2) expect(gainDb(inRate, outRate, f)).toBeLessThan(-55);
      }
    }
  });

  it.each([
    [8000, 48000],
    [8000, 16000],
    [16000, 48000],
  ])('%i -> %i Hz leaves no image above the input Nyquist frequency', (inRate, outRate) => {
    const resampler = new Resampler(inRate, outRate);
    const frame = inRate / 50;
    const out: number[] = [];
    for (let f = 0; f < 12; f++) {
      const pcm = Int16Array.from({ length: frame }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * (f * frame + i)) / inRate)));
      out.push(...resampler.process(pcm));
    }
    const tail = Float32Array.from(out.slice(outRate / 20), (s) => s / 32768);
    const tone = goertzelPower(tail, outRate, 1000);
    for (const image of [inRate - 1000, inRate + 1000, 2 * inRate - 1000].filter((f) => f < outRate / 2)) {
      expect(10 * Math.log10(goertzelPower(tail, outRate, image) / tone)).toBeLessThan(-55);
    }
  });

  it('keeps a continuous stream across frames of uneven length', () => {
    const a = new Resampler(8000, 48000);
    const b = new Resampler(8000, 48000);
    const pcm = Int16Array.from({ length: 480 }, (_, i) => Math.round(5000 * Math.sin(i / 3)));
    const whole = a.process(pcm);
    const parts = [...b.process(pcm.subarray(0, 17)), ...b.process(pcm.subarray(17, 300)), ...b.process(pcm.subarray(300))];
    expect(parts).toEqual([...whole]);
  });
});

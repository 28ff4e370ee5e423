import type { Page } from '@playwright/test';

export interface HeardTone {
  /** Dominant frequency between 100 and 4000 Hz (10 Hz steps), or null for silence. */
  frequency: number | null;
  /** RMS level of the analysed block, 0..1. */
  rms: number;
}

/**
 * What the page hears from the far side: taps the softphone's remote <audio> element (the
 * engine marks it data-role="remote-audio"; `role` picks another one) with an AnalyserNode, takes the latest ~0.68 s of
 * samples and finds the strongest frequency by Goertzel. Audio is proven by the tone, not by
 * packet counters (TESTING.md).
 */
export async function remoteTone(page: Page, listenMs = 1_000, role: 'remote-audio' | 'ringtone' = 'remote-audio'): Promise<HeardTone> {
  return page.evaluate(async ({ ms, role }) => {
    const element = document.querySelector(`audio[data-role="${role}"]`);
    const stream = element instanceof HTMLAudioElement ? element.srcObject : null;
    if (!(stream instanceof MediaStream) || stream.getAudioTracks().length === 0) return { frequency: null, rms: 0 };
    const context = new AudioContext();
    await context.resume();
    const analyser = context.createAnalyser();
    analyser.fftSize = 32768;
    context.createMediaStreamSource(stream).connect(analyser);
    await new Promise((resolve) => setTimeout(resolve, ms));
    const samples = new Float32Array(analyser.fftSize);
    analyser.getFloatTimeDomainData(samples);
    const rate = context.sampleRate;
    await context.close();

    let sum = 0;
    for (const x of samples) sum += x * x;
    const rms = Math.sqrt(sum / samples.length);
    if (rms < 0.005) return { frequency: null, rms };
    // Goertzel, written inline: this function is serialised into the page, so it must not
    // rely on helpers that a TypeScript transform might add around named inner functions.
    let best = 0;
    let frequency = 100;
    for (let f = 100; f <= 4000; f += 10) {
      const coeff = 2 * Math.cos((2 * Math.PI * f) / rate);
      let s1 = 0;
      let s2 = 0;
      for (const x of samples) {
        const s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      const power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
      if (power > best) {
        best = power;
        frequency = f;
      }
    }
    return { frequency, rms };
  }, { ms: listenMs, role });
}

/** What the page's ringtone output plays right now (the engine marks it data-role="ringtone"). */
export function ringtoneTone(page: Page, listenMs = 700): Promise<HeardTone> {
  return remoteTone(page, listenMs, 'ringtone');
}

/** True when `expected` Hz is what the page hears from the far side (within `tolerance`). */
export async function hears(page: Page, expected: number, tolerance = 20): Promise<boolean> {
  const heard = await remoteTone(page);
  return heard.frequency !== null && Math.abs(heard.frequency - expected) <= tolerance;
}

import type { Page } from '@playwright/test';

/**
 * How strongly each of `frequencies` is present in what the page hears from the far side — for
 * a conference, where one listens to several tones at once. Taps the remote <audio> element
 * (data-role="remote-audio", or `role`) with an AnalyserNode for ~0.7 s and returns, per
 * frequency, its Goertzel power as a share of the strongest of them (0..1), the RMS level, and
 * the dominant frequency between 100 and 4000 Hz (null for silence). An element playing a URL
 * (a voicemail message) is tapped with captureStream().
 */
export async function toneMix(page: Page, frequencies: number[], role = 'remote-audio'): Promise<{ rms: number; share: Record<number, number>; dominant: number | null }> {
  return page.evaluate(async ({ frequencies, role }) => {
    const element = document.querySelector(`audio[data-role="${role}"]`);
    let stream: MediaStream | null = null;
    if (element instanceof HTMLAudioElement) {
      stream = element.srcObject instanceof MediaStream ? element.srcObject : (element as HTMLAudioElement & { captureStream(): MediaStream }).captureStream();
    }
    const share: Record<number, number> = {};
    if (!stream || stream.getAudioTracks().length === 0) return { rms: 0, share, dominant: null };
    const context = new AudioContext();
    await context.resume();
    const analyser = context.createAnalyser();
    analyser.fftSize = 32768;
    context.createMediaStreamSource(stream).connect(analyser);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const samples = new Float32Array(analyser.fftSize);
    analyser.getFloatTimeDomainData(samples);
    const rate = context.sampleRate;
    await context.close();
    let sum = 0;
    for (const x of samples) sum += x * x;
    const rms = Math.sqrt(sum / samples.length);
    // Goertzel power at one frequency, inline: this function runs in the page.
    const power = (f: number) => {
      const coeff = 2 * Math.cos((2 * Math.PI * f) / rate);
      let s1 = 0;
      let s2 = 0;
      for (const x of samples) {
        const s0 = x + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
      }
      return s1 * s1 + s2 * s2 - coeff * s1 * s2;
    };
    const powers = frequencies.map(power);
    const strongest = Math.max(...powers, 1e-12);
    frequencies.forEach((f, i) => (share[f] = (powers[i] ?? 0) / strongest));
    // The dominant frequency over the voice band (10 Hz steps), as support/audio.ts finds it.
    let dominant: number | null = null;
    let best = 0;
    if (rms >= 0.005) {
      for (let f = 100; f <= 4000; f += 10) {
        const p = power(f);
        if (p > best) {
          best = p;
          dominant = f;
        }
      }
    }
    return { rms, share, dominant };
  }, { frequencies, role });
}

/** True when the page hears every one of `present` (each at least 10 % of the strongest) and none of `absent` (under 2 %). */
export async function hearsMix(page: Page, present: number[], absent: number[] = []): Promise<boolean> {
  const { rms, share } = await toneMix(page, [...present, ...absent]);
  if (rms < 0.005) return false;
  return present.every((f) => (share[f] ?? 0) >= 0.1) && absent.every((f) => (share[f] ?? 0) < 0.02);
}

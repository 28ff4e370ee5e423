import type { AudioOutput } from './audio-output.js';

export interface Ringtone {
  /** Starts ringing on the ringer output; false when the browser blocks sound. */
  start(): Promise<boolean>;
  stop(): void;
  /** True while the browser will not play sound until the user interacts with the page. */
  isBlocked(): boolean;
  /** Call from a click or key press: lets the page make sound from now on. */
  unlock(): Promise<boolean>;
}

/** One ring cycle: two short bursts, then quiet (seconds). */
const cycle = 3;
const bursts: readonly [number, number][] = [
  [0, 0.4],
  [0.6, 1.0],
];
const tones = [400, 450];

/**
 * A ringtone made with WebAudio (no asset to download): two mixed sines in a double-ring
 * cadence, sent through an {@link AudioOutput} so it can go to the chosen ringer device.
 */
export class WebAudioRingtone implements Ringtone {
  private context: AudioContext | null = null;
  private destination: MediaStreamAudioDestinationNode | null = null;
  private gain: GainNode | null = null;
  private oscillators: OscillatorNode[] = [];
  private timer: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly output: AudioOutput) {}

  private audioContext(): AudioContext {
    if (!this.context) {
      this.context = new AudioContext();
      this.destination = this.context.createMediaStreamDestination();
    }
    return this.context;
  }

  isBlocked(): boolean {
    if (typeof AudioContext === 'undefined') return false;
    return this.audioContext().state === 'suspended';
  }

  async unlock(): Promise<boolean> {
    if (typeof AudioContext === 'undefined') return true;
    const context = this.audioContext();
    // resume() stays pending until the page has had a user gesture; do not wait for ever.
    await Promise.race([context.resume(), new Promise((resolve) => setTimeout(resolve, 500))]);
    return context.state === 'running';
  }

  async start(): Promise<boolean> {
    if (typeof AudioContext === 'undefined') return true;
    this.stop();
    const context = this.audioContext();
    void context.resume().catch(() => undefined);
    const gain = context.createGain();
    gain.gain.value = 0;
    gain.connect(this.destination!);
    this.gain = gain;
    this.oscillators = tones.map((frequency) => {
      const oscillator = context.createOscillator();
      oscillator.frequency.value = frequency;
      oscillator.connect(gain);
      oscillator.start();
      return oscillator;
    });
    const schedule = () => this.scheduleCycle();
    schedule();
    this.timer = setInterval(schedule, cycle * 1000);
    const playing = await this.output.play(this.destination!.stream);
    return playing && context.state !== 'suspended';
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const oscillator of this.oscillators) {
      oscillator.stop();
      oscillator.disconnect();
    }
    this.oscillators = [];
    this.gain?.disconnect();
    this.gain = null;
    this.output.stop();
  }

  private scheduleCycle(): void {
    if (!this.context || !this.gain) return;
    const t0 = this.context.currentTime + 0.05;
    const g = this.gain.gain;
    for (const [on, off] of bursts) {
      g.setValueAtTime(0, t0 + on);
      g.linearRampToValueAtTime(0.15, t0 + on + 0.02);
      g.setValueAtTime(0.15, t0 + off - 0.02);
      g.linearRampToValueAtTime(0, t0 + off);
    }
  }
}

import { describeTimeline, toneTimeline } from '../src/index.js';

describe('toneTimeline', () => {
  it('tells the story of a recording: tone, other sound, silence, tone', () => {
    const rate = 8000;
    const parts: Array<[number | null, number]> = [
      [440, 1],
      [415, 1], // a hold-music note close to the tone must not count as the tone
      [null, 0.5],
      [440, 1],
    ];
    const samples: number[] = [];
    for (const [hz, seconds] of parts) {
      for (let i = 0; i < seconds * rate; i++) samples.push(hz === null ? 0 : 0.4 * Math.sin((2 * Math.PI * hz * i) / rate));
    }
    const story = describeTimeline(toneTimeline({ sampleRate: rate, samples: Float32Array.from(samples) }), 440);
    expect(story).toBe('TTTToooo..TTTT');
  });
});

import { analyseTone } from '@switchboard/testkit';
import { FileSource, SequenceSource, SilenceSource, ToneSource } from '../../src/audio/audio-source.js';
import { TONE_REGIONS, toneSpec } from '../../src/audio/tones.js';
import { encodeWav, parseWav, WavFormatError } from '../../src/audio/wav.js';

function run(source: { next(): Int16Array | null }, frames: number): Int16Array[] {
  const out: Int16Array[] = [];
  for (let i = 0; i < frames; i++) {
    const f = source.next();
    if (!f) break;
    out.push(f);
  }
  return out;
}
const rms = (f: Int16Array) => Math.sqrt(f.reduce((a, s) => a + s * s, 0) / f.length);

describe('call-progress tones', () => {
  it('has dial, ringback, busy and congestion for us, uk and eu', () => {
    for (const region of ['us', 'uk', 'eu']) for (const name of ['dial', 'ringback', 'busy', 'congestion'] as const) expect(toneSpec(name, region).frequencies.length).toBeGreaterThan(0);
    expect(() => toneSpec('busy', 'mars')).toThrow(/us, uk, eu/);
  });

  it('follows the UK ringback cadence (0.4 on, 0.2 off, 0.4 on, 2 off) at 400+450 Hz', () => {
    const frames = run(new ToneSource(TONE_REGIONS.uk!.ringback, 8000), 150); // 3 s
    const on = frames.map((f) => rms(f) > 1000);
    // 20 frames on, 10 off, 20 on, 100 off.
    expect(on.slice(0, 20).every(Boolean)).toBe(true);
    expect(on.slice(20, 30).some(Boolean)).toBe(false);
    expect(on.slice(30, 50).every(Boolean)).toBe(true);
    expect(on.slice(50, 150).some(Boolean)).toBe(false);
    const burst = Float32Array.from(frames.slice(0, 20).flatMap((f) => [...f]), (s) => s / 32768);
    expect([400, 450]).toContain(analyseTone({ sampleRate: 8000, samples: burst }).dominant);
  });

  it('stops after maxMs when given', () => {
    expect(run(new ToneSource({ frequencies: [1000], cadence: [] }, 16000, 100), 100)).toHaveLength(5);
  });
});

describe('file player and WAV', () => {
  const audio = { sampleRate: 16000, samples: Int16Array.from({ length: 4000 }, (_, i) => i % 100) };

  it('plays once (last frame padded) or loops', () => {
    const once = run(new FileSource(audio), 100);
    expect(once).toHaveLength(13); // 4000 samples / 320 per frame, rounded up
    expect(once[12]!.subarray(160).every((s) => s === 0)).toBe(true);
    const looped = run(new FileSource(audio, true), 100);
    expect(looped).toHaveLength(100);
    expect(looped[12]![160]).toBe(audio.samples[0]);
  });

  it('plays a sequence of pieces, and silence', () => {
    const seq = new SequenceSource([new FileSource(audio), new SilenceSource(100, 16000), new FileSource(audio)]);
    expect(run(seq, 100)).toHaveLength(13 + 5 + 13);
  });

  it('round-trips WAV and mixes stereo down; refuses what it cannot read', () => {
    expect(parseWav(encodeWav(audio))).toEqual(audio);
    const stereo = encodeWav({ sampleRate: 8000, samples: Int16Array.of(100, 300, -50, 50) });
    stereo.writeUInt16LE(2, 22); // claim 2 channels: frames become (100,300) and (-50,50)
    expect([...parseWav(stereo).samples]).toEqual([200, 0]);
    expect(() => parseWav(Buffer.from('not a wav file at all'))).toThrow(WavFormatError);
    const eightBit = encodeWav(audio);
    eightBit.writeUInt16LE(8, 34);
    expect(() => parseWav(eightBit)).toThrow(/16-bit/);
  });
});

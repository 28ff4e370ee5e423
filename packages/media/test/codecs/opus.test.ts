import { goertzelPower } from '@switchboard/testkit';
import { OpusDecoder, OpusEncoder, opusPacketSamples } from '../../src/codecs/opus.js';

function tone(frequency: number, frame: number): Int16Array {
  return Int16Array.from({ length: 960 }, (_, i) => Math.round(10000 * Math.sin((2 * Math.PI * frequency * (frame * 960 + i)) / 48000)));
}

function toFloat(pcm: Int16Array): Float32Array {
  return Float32Array.from(pcm, (s) => s / 32768);
}

describe('Opus (mono, 48 kHz, in-band FEC)', () => {
  it('encodes 8 kHz input as it comes: 160 samples make a 20 ms packet on the 48 kHz clock, and the tone survives', () => {
    const encoder = new OpusEncoder({ sampleRate: 8000 });
    const decoder = new OpusDecoder();
    try {
      let last: Int16Array = new Int16Array(0);
      for (let f = 0; f < 20; f++) {
        const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(10000 * Math.sin((2 * Math.PI * 700 * (f * 160 + i)) / 8000)));
        const packet = encoder.encode(pcm);
        expect(opusPacketSamples(packet)).toBe(960);
        last = decoder.decode(packet);
      }
      expect(goertzelPower(toFloat(last), 48000, 700)).toBeGreaterThan(100 * goertzelPower(toFloat(last), 48000, 1000));
    } finally {
      encoder.close();
      decoder.close();
    }
    expect(() => new OpusEncoder({ sampleRate: 44100 })).toThrow(RangeError);
  });

  it('encodes and decodes a tone; the TOC says 20 ms', () => {
    const encoder = new OpusEncoder();
    const decoder = new OpusDecoder();
    try {
      let last: Int16Array = new Int16Array(0);
      for (let f = 0; f < 20; f++) {
        const packet = encoder.encode(tone(1000, f));
        expect(opusPacketSamples(packet)).toBe(960);
        last = decoder.decode(packet);
        expect(last.length).toBe(960);
      }
      expect(goertzelPower(toFloat(last), 48000, 1000)).toBeGreaterThan(100 * goertzelPower(toFloat(last), 48000, 440));
    } finally {
      encoder.close();
      decoder.close();
    }
  });

  it('conceals a lost packet from the next packet FEC data, and by PLC without it', () => {
    const encoder = new OpusEncoder({ packetLossPercent: 20 });
    const decoder = new OpusDecoder();
    try {
      const packets = Array.from({ length: 30 }, (_, f) => encoder.encode(tone(700, f)));
      for (let f = 0; f < 25; f++) decoder.decode(packets[f]!);
      // packet 25 is lost; 26 arrived
      const recovered = decoder.conceal(960, packets[26]);
      expect(recovered.length).toBe(960);
      expect(goertzelPower(toFloat(recovered), 48000, 700)).toBeGreaterThan(20 * goertzelPower(toFloat(recovered), 48000, 1500));
      decoder.decode(packets[26]!);
      const plc = decoder.conceal(960);
      expect(plc.length).toBe(960);
    } finally {
      encoder.close();
      decoder.close();
    }
  });

  it('reads frame counts from the TOC byte (RFC 6716 §3.1)', () => {
    expect(opusPacketSamples(Uint8Array.of((31 << 3) | 0))).toBe(960); // CELT FB 20 ms, one frame
    expect(opusPacketSamples(Uint8Array.of((1 << 3) | 1))).toBe(1920); // SILK NB 20 ms, two frames
    expect(opusPacketSamples(Uint8Array.of((3 << 3) | 3, 3))).toBeNull(); // 60 ms × 3 is longer than 120 ms
    expect(opusPacketSamples(Uint8Array.of((16 << 3) | 3, 4))).toBe(480); // CELT 2.5 ms × 4
    expect(opusPacketSamples(new Uint8Array(0))).toBeNull();
  });
});

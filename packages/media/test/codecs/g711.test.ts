import { aLawDecode, aLawEncode, muLawDecode, muLawEncode } from '@switchboard/testkit';
import { ALAW_DECODE, MULAW_DECODE, aLawEncodeSample, decodeG711, encodeG711, muLawEncodeSample } from '../../src/codecs/g711.js';

describe('G.711 tables', () => {
  it('decodes the reference code points (ITU-T G.711 tables 1 and 2)', () => {
    expect(MULAW_DECODE[0xff]).toBe(0);
    expect(MULAW_DECODE[0x7f]).toBe(0);
    expect(MULAW_DECODE[0x80]).toBe(32124);
    expect(MULAW_DECODE[0x00]).toBe(-32124);
    expect(MULAW_DECODE[0xfe]).toBe(8);
    expect(ALAW_DECODE[0xd5]).toBe(8);
    expect(ALAW_DECODE[0x55]).toBe(-8);
    expect(ALAW_DECODE[0xaa]).toBe(32256);
    expect(ALAW_DECODE[0x2a]).toBe(-32256);
  });

  it('agrees with an independent implementation on all 256 code points', () => {
    for (let b = 0; b < 256; b++) {
      expect(MULAW_DECODE[b]).toBe(muLawDecode(b) + 0);
      expect(ALAW_DECODE[b]).toBe(aLawDecode(b) + 0);
    }
  });

  it('encodes to the nearest code point: decode(encode(x)) stays within one quantisation step', () => {
    let muDiffers = 0;
    let aDiffers = 0;
    for (let s = -32768; s < 32768; s += 7) {
      const mu = muLawEncodeSample(s);
      const a = aLawEncodeSample(s);
      const muError = Math.abs(MULAW_DECODE[mu]! - Math.max(-32124, Math.min(32124, s)));
      const aError = Math.abs(ALAW_DECODE[a]! - Math.max(-32256, Math.min(32256, s)));
      // Step sizes double per segment: 8 at the bottom of μ-law, 16 for A-law, 1/16 of the value above.
      expect(muError).toBeLessThanOrEqual(Math.max(8, Math.abs(s) / 16 + 8));
      expect(aError).toBeLessThanOrEqual(Math.max(16, Math.abs(s) / 16 + 16));
      if (mu !== muLawEncode(s)) muDiffers++;
      if (a !== aLawEncode(s)) aDiffers++;
    }
    // The oracle rounds differently at a few segment edges; it must agree nearly everywhere.
    expect(muDiffers / 9363).toBeLessThan(0.01);
    expect(aDiffers / 9363).toBeLessThan(0.01);
  });

  it('encodes and decodes whole frames', () => {
    const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(10000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)));
    for (const law of ['mulaw', 'alaw'] as const) {
      const back = decodeG711(law, encodeG711(law, pcm));
      for (let i = 0; i < 160; i++) expect(Math.abs(back[i]! - pcm[i]!)).toBeLessThan(400);
    }
    expect(encodeG711('mulaw', new Int16Array(4)).toString('hex')).toBe('ffffffff');
    expect(encodeG711('alaw', new Int16Array(4)).toString('hex')).toBe('d5d5d5d5');
  });
});

import { RtpPeer, analyseTone, muLawDecode, muLawEncode, aLawDecode, aLawEncode } from '../src/index.js';

describe('g711 oracle', () => {
  it('round-trips within the quantisation step', () => {
    for (const s of [-30000, -1000, -10, 0, 10, 1000, 30000]) {
      expect(Math.abs(muLawDecode(muLawEncode(s)) - s)).toBeLessThanOrEqual(Math.max(8, Math.abs(s) / 16));
      expect(Math.abs(aLawDecode(aLawEncode(s)) - s)).toBeLessThanOrEqual(Math.max(16, Math.abs(s) / 16));
    }
  });
});

describe('RtpPeer', () => {
  it('two peers hear each other tone', async () => {
    const a = await RtpPeer.open({ toneHz: 440 });
    const b = await RtpPeer.open({ toneHz: 1000, codec: 'PCMA' });
    try {
      a.sendTo('127.0.0.1', b.port);
      b.sendTo('127.0.0.1', a.port);
      await new Promise((r) => setTimeout(r, 600));
      expect(analyseTone(b.heardAudio()).dominant).toBe(440);
      expect(analyseTone(a.heardAudio()).dominant).toBe(1000);
    } finally {
      a.close();
      b.close();
    }
  });
});

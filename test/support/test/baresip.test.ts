import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Baresip, analyseTone, writeToneWav, goertzelPower } from '../src/index.js';

describe('goertzel', () => {
  it('finds a synthetic tone and rejects silence', () => {
    const rate = 8000;
    const samples = new Float32Array(rate).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / rate));
    expect(analyseTone({ sampleRate: rate, samples }).dominant).toBe(1000);
    expect(analyseTone({ sampleRate: rate, samples: new Float32Array(rate) }).dominant).toBeNull();
    expect(goertzelPower(samples, rate, 1000)).toBeGreaterThan(100 * goertzelPower(samples, rate, 440));
  });
});

// The driver itself, proven with two real baresip phones calling each other directly (no server):
// each hears the other's tone.
describe.skipIf(!Baresip.isAvailable())('baresip driver', () => {
  it('two phones call each other and each hears the other tone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-testkit-'));
    writeToneWav(join(dir, '440.wav'), 440, 20);
    writeToneWav(join(dir, '1000.wav'), 1000, 20);
    const a = await Baresip.start({ account: { user: 'alice', domain: '127.0.0.1' }, audioSource: join(dir, '440.wav') });
    const b = await Baresip.start({ account: { user: 'bob', domain: '127.0.0.1' }, audioSource: join(dir, '1000.wav') });
    try {
      // Mark before acting: the event may arrive before waitFor is called.
      const mark = b.events.length;
      await a.dial(`sip:bob@127.0.0.1:${b.sipPort}`);
      await b.waitFor('CALL_INCOMING', { since: mark });
      await b.accept();
      await a.waitFor('CALL_ESTABLISHED', { since: 0 });
      await new Promise((r) => setTimeout(r, 1500));
      await b.sendDtmf('5');
      await a.waitFor('CALL_DTMF_START', { since: 0 });
      await a.hangup();
      await b.waitFor('CALL_CLOSED', { since: 0 });
      await new Promise((r) => setTimeout(r, 300));
      expect(analyseTone(a.heardAudio(), { skipSeconds: 0.3 }).dominant).toBeCloseTo(1000, -2);
      expect(analyseTone(b.heardAudio(), { skipSeconds: 0.3 }).dominant).toBeCloseTo(440, -2);
      expect(a.receivedDtmf()).toBe('5');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});

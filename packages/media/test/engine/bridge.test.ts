import { analyseTone } from '@switchboard/testkit';
import { MediaEngine } from '../../src/engine/media-engine.js';
import type { Leg } from '../../src/engine/leg.js';
import { TestPeer, type PeerCodec } from '../support/test-peer.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

let engine: MediaEngine;
const peers: TestPeer[] = [];

beforeAll(async () => {
  engine = await MediaEngine.start({ workers: 2, rtpPortRange: 'ephemeral', bindAddress: '127.0.0.1', announcedAddress: '127.0.0.1', testHooks: true });
});
afterAll(async () => {
  for (const p of peers) p.close();
  await engine.stop();
});

/** A peer with a tone, and the engine leg that answered its offer. */
async function party(codec: PeerCodec, toneHz: number | null, group?: string): Promise<{ peer: TestPeer; leg: Leg }> {
  const peer = await TestPeer.open(codec, toneHz);
  peers.push(peer);
  const leg = engine.createLeg({ kind: 'rtp', ...(group ? { group } : {}) });
  const { answer } = await leg.answerOffer(peer.sdp());
  peer.start(answer);
  return { peer, leg };
}

/** Index of the first heard sample (at or after `from`) of a 20 ms block with sound in it. */
async function firstAudibleSample(peer: TestPeer, from: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let i = from; Date.now() < deadline; ) {
    const pcm = peer.heardAudio(i);
    for (let b = 0; b + 160 <= pcm.samples.length; b += 160) {
      const block = pcm.samples.subarray(b, b + 160);
      if (Math.sqrt(block.reduce((sum, x) => sum + x * x, 0) / 160) >= 0.01) return i + b;
    }
    i += pcm.samples.length - (pcm.samples.length % 160);
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('nothing audible was heard');
}

/** The dominant frequency in the next `seconds` of what the peer hears (the first 0.2 s skipped: the switch-over). */
async function nextTone(peer: TestPeer, seconds = 0.8): Promise<number | null> {
  return analyseTone(await peer.hear(seconds + 0.2), { skipSeconds: 0.2 }).dominant;
}

describe('bridge', () => {
  it('passes PCMU through between legs on different threads, a tone each way', async () => {
    const a = await party('PCMU', 440);
    const b = await party('PCMU', 1000);
    expect(a.leg.worker).not.toBe(b.leg.worker);
    await engine.bridge(a.leg, b.leg);
    expect(await nextTone(a.peer)).toBe(1000);
    expect(await nextTone(b.peer)).toBe(440);
    const stats = await engine.stats();
    expect(stats.reduce((n, s) => n + s.relayed, 0)).toBeGreaterThan(50);
    await a.leg.close();
    await b.leg.close();
  });

  it('transcodes PCMU <-> Opus and relays DTMF between 8 kHz and 48 kHz clocks', async () => {
    const a = await party('PCMU', 440, 'call-2');
    const b = await party('opus', 1000, 'call-2');
    expect(a.leg.worker).toBe(b.leg.worker);
    await engine.bridge(a.leg, b.leg);
    expect(await nextTone(a.peer)).toBe(1000);
    expect(await nextTone(b.peer)).toBe(440);
    a.peer.sendDigits('5');
    b.peer.sendDigits('#');
    await Promise.all([a.peer.waitForDigits(1), b.peer.waitForDigits(1)]);
    // The 8 kHz digit arrives as a 48 kHz event of the same length (5 × 20 ms), and back.
    expect(b.peer.digits).toEqual([{ digit: '5', duration: 4800, rate: 48000 }]);
    expect(a.peer.digits).toEqual([{ digit: '#', duration: 800, rate: 8000 }]);
    const stats = await engine.stats();
    expect(stats.reduce((n, s) => n + s.transcoded, 0)).toBeGreaterThan(50);
    await a.leg.close();
    await b.leg.close();
  });

  it('reports DTMF from a leg and sends DTMF to it', async () => {
    const a = await party('PCMU', 440);
    const got: string[] = [];
    a.leg.on('dtmf', (d) => got.push(d));
    a.peer.sendDigits('12#');
    await a.leg.sendDtmf('*7');
    await a.peer.waitForDigits(2);
    for (let i = 0; i < 100 && got.length < 3; i++) await wait(50);
    expect(got.join('')).toBe('12#');
    expect(a.peer.digits.map((d) => d.digit).join('')).toBe('*7');
    await a.leg.close();
  });

  it('keeps one continuous stream for a leg re-bridged to another party (transfer)', async () => {
    const a = await party('PCMU', 440);
    const b = await party('PCMU', 1000);
    const c = await party('opus', 1600);
    await engine.bridge(a.leg, b.leg);
    expect(await nextTone(a.peer, 0.4)).toBe(1000);
    expect(await nextTone(b.peer, 0.4)).toBe(440);
    await engine.bridge(a.leg, c.leg);
    expect(await nextTone(a.peer)).toBe(1600);
    expect(await nextTone(c.peer)).toBe(440);
    const ssrcs = new Set(a.peer.packets.map((p) => p.ssrc));
    expect(ssrcs.size).toBe(1);
    // No sequence jump at the switch: every step is +1 (reordering aside, loopback keeps order).
    const seqs = a.peer.packets.filter((p) => p.pt === 0).map((p) => p.seq);
    const steps = seqs.slice(1).map((s, i) => (s - seqs[i]! + 65536) % 65536);
    expect(Math.max(...steps)).toBe(1);
    // Timestamps keep moving forward with the wall clock across the switch.
    const tss = a.peer.packets.map((p) => p.ts);
    const tsSteps = tss.slice(1).map((t, i) => (t - tss[i]! + 2 ** 32) % 2 ** 32);
    expect(Math.max(...tsSteps)).toBeLessThan(8000);
    for (const p of [a, b, c]) await p.leg.close();
  });

  it('plays hold music to a leg over its bridge, then the bridge resumes', async () => {
    const a = await party('PCMU', 440);
    const b = await party('PCMU', 1000);
    await engine.bridge(a.leg, b.leg);
    expect(await nextTone(b.peer, 0.4)).toBe(440);
    const playing = b.leg.play({ file: 'music/hold.wav' }, { loop: true });
    const music = analyseTone(await b.peer.hear(1.5), { skipSeconds: 0.2 });
    expect(music.rms).toBeGreaterThan(0.02);
    expect(music.dominant).not.toBe(440);
    await b.leg.stopPlayback();
    expect(await playing).toBe('stopped');
    expect(await nextTone(b.peer)).toBe(440);
    await a.leg.close();
    await b.leg.close();
  });

  it('plays call-progress tones with their cadence', async () => {
    const a = await party('PCMU', null);
    const from = a.peer.heardSamples;
    const done = a.leg.play({ tone: 'busy', region: 'eu' });
    // The leg sends silence until the player starts, which on a busy machine can take a while:
    // the cadence is measured from the first audible 20 ms block on.
    const start = await firstAudibleSample(a.peer, from);
    const heard = await a.peer.hear(2, start);
    await a.leg.stopPlayback();
    expect(await done).toBe('stopped');
    expect(Math.abs(analyseTone(heard).dominant! - 425)).toBeLessThanOrEqual(5); // to the analyser's 10 Hz step
    // 500 ms on, 500 ms off: about half of the 20 ms blocks are silent.
    const blocks = Math.floor(heard.samples.length / 160);
    let silent = 0;
    for (let i = 0; i < blocks; i++) {
      const block = heard.samples.subarray(i * 160, (i + 1) * 160);
      if (Math.sqrt(block.reduce((s, x) => s + x * x, 0) / 160) < 0.01) silent++;
    }
    expect(silent / blocks).toBeGreaterThan(0.3);
    expect(silent / blocks).toBeLessThan(0.7);
    await a.leg.close();
  });

  it('echoes a caller back to itself', async () => {
    const a = await party('PCMA', 700);
    await a.leg.echo();
    expect(await nextTone(a.peer)).toBe(700);
    await a.leg.close();
  });
});

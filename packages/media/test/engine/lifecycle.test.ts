import { analyseTone } from '@switchboard/testkit';
import { MediaEngine, splitRange } from '../../src/engine/media-engine.js';
import type { Leg } from '../../src/engine/leg.js';
import type { MediaError } from '../../src/engine/media-worker.js';
import { TestPeer } from '../support/test-peer.js';

let engine: MediaEngine;
const peers: TestPeer[] = [];

beforeAll(async () => {
  engine = await MediaEngine.start({ workers: 2, rtpPortRange: 'ephemeral', bindAddress: '127.0.0.1', announcedAddress: '127.0.0.1', testHooks: true, inactivityTimeoutMs: 1500 });
});
afterAll(async () => {
  for (const p of peers) p.close();
  await engine.stop();
});

async function party(toneHz: number | null, group?: string): Promise<{ peer: TestPeer; leg: Leg }> {
  const peer = await TestPeer.open('PCMU', toneHz);
  peers.push(peer);
  const leg = engine.createLeg({ kind: 'rtp', ...(group ? { group } : {}) });
  const { answer } = await leg.answerOffer(peer.sdp());
  peer.start(answer);
  return { peer, leg };
}

describe('engine life cycle', () => {
  it('a bug in one leg closes that leg only; a bridge on the same thread keeps its audio', async () => {
    const a = await party(440, 'g1');
    const b = await party(1000, 'g1');
    const c = await party(700, 'g1');
    expect(new Set([a.leg.worker, b.leg.worker, c.leg.worker]).size).toBe(1);
    await engine.bridge(a.leg, b.leg);
    const errors: MediaError[] = [];
    const closed = new Promise<string>((resolve) => c.leg.on('closed', resolve));
    c.leg.on('error', (e) => errors.push(e));
    await engine.injectLegFault(c.leg);
    expect(await closed).toBe('error');
    expect(errors[0]?.message).toMatch(/injected fault/);
    expect(c.leg.closed).toBe(true);
    expect(analyseTone(await a.peer.hear(1), { skipSeconds: 0.2 }).dominant).toBe(1000);
    await expect(c.leg.sendDtmf('1')).rejects.toThrow(/closed/);
    await a.leg.close();
    await b.leg.close();
  });

  it('a media thread that dies takes only its own legs; a new thread takes its place', async () => {
    const a = await party(440, 'g2');
    const survivor = await party(500, 'g3');
    expect(a.leg.worker).not.toBe(survivor.leg.worker);
    const closed = new Promise<string>((resolve) => a.leg.on('closed', resolve));
    const errors: MediaError[] = [];
    a.leg.on('error', (e) => errors.push(e));
    await engine.crashThreadForTest(a.leg.worker);
    expect(await closed).toBe('media thread failed');
    expect(errors[0]?.code).toBe('worker-down');
    await survivor.leg.echo();
    expect(analyseTone(await survivor.peer.hear(0.8), { skipSeconds: 0.2 }).dominant).toBe(500);
    // The replacement thread serves new legs.
    for (let i = 0; i < 40 && (await engine.stats()).length < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const fresh = await party(600, 'g2');
    await fresh.leg.echo();
    expect(analyseTone(await fresh.peer.hear(0.8), { skipSeconds: 0.2 }).dominant).toBe(600);
    await survivor.leg.close();
    await fresh.leg.close();
  });

  it('reports a leg whose peer stops sending', async () => {
    const a = await party(440);
    const inactive = new Promise<number>((resolve) => a.leg.on('inactive', resolve));
    a.peer.close();
    const silentMs = await inactive;
    expect(silentMs).toBeGreaterThanOrEqual(1500);
    await a.leg.close();
  });

  it('closes cleanly: close() twice, everything released', async () => {
    const a = await party(440);
    const b = await party(1000);
    await engine.bridge(a.leg, b.leg);
    const mixer = engine.createMixer();
    await a.leg.close();
    await a.leg.close();
    await mixer.close();
    await mixer.close();
    await b.leg.close();
    const stats = await engine.stats();
    for (const s of stats) expect(s).toMatchObject({ legs: 0, links: 0, taps: 0, mixers: 0, clockTasks: 0 });
  });

  it('splits the RTP range between threads on even boundaries', () => {
    expect(splitRange([20000, 29999], 2, 0)).toEqual({ min: 20000, max: 24999 });
    expect(splitRange([20000, 29999], 2, 1)).toEqual({ min: 25000, max: 29999 });
    expect(() => splitRange([20000, 20002], 4, 0)).toThrow(RangeError);
  });
});

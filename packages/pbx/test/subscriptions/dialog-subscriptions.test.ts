import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Baresip, writeToneWav } from '@switchboard/testkit';
import { PbxFixture } from '../support/pbx-fixture.js';
import { dialogStates, SipSubscriber } from './sip-subscriber.js';

const tones = mkdtempSync(join(tmpdir(), 'sb-tones-'));
writeToneWav(join(tones, '440.wav'), 440, 20);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function registeredPhone(pbx: PbxFixture, extension: string, name: string): Promise<Baresip> {
  const creds = await pbx.addPhone(extension, name);
  const phone = await Baresip.start({
    account: { user: creds.username, domain: `127.0.0.1:${pbx.port}`, password: creds.password, displayName: name },
    audioSource: join(tones, '440.wav'),
  });
  const deadline = Date.now() + 15000;
  while (pbx.pbx.location.bindings(creds.tenantId, extension).length === 0) {
    if (Date.now() > deadline) throw new Error(`${name} did not register:\n${phone.logText()}`);
    await sleep(50);
  }
  return phone;
}

describe('SUBSCRIBE/NOTIFY: the dialog event package (RFC 4235)', () => {
  let pbx: PbxFixture;
  const cleanup: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    pbx = await PbxFixture.start({ media: true, ringTimeoutMs: 10_000 });
  });
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
    await pbx.close();
  });

  it('challenges, grants, NOTIFYs at once, refuses unknown events and short intervals, fetches with Expires: 0, refreshes and ends', async () => {
    const watcher = await pbx.addPhone('201', 'Wanda Watcher');
    await pbx.addPhone('202', 'Bob Baker');
    const sub = await SipSubscriber.start({ server: pbx.port, username: watcher.username, password: watcher.password, domain: watcher.domain, extension: '201' });
    cleanup.push(() => sub.close());

    expect((await sub.subscribe('presence.winfo', '202', 600)).status).toBe(489);
    expect((await sub.subscribe('dialog', '202', 5)).status).toBe(423);
    expect((await sub.subscribe('dialog', '299', 600)).status).toBe(404);

    // A fetch: one NOTIFY with the state, terminated.
    const fetch = await sub.subscribe('dialog', '202', 0);
    expect(fetch.status).toBe(200);
    await sub.waitFor((n) => n.length === 1);
    expect(sub.notifies[0]).toMatchObject({ event: 'dialog', state: 'terminated', reason: 'timeout' });
    expect(sub.notifies[0]!.request.get('content-type')).toBe('application/dialog-info+xml');
    expect(sub.notifies[0]!.body).toContain('entity="sip:202@');

    const ok = await sub.subscribe('dialog', '202', 7200);
    expect(ok.status).toBe(200);
    expect(ok.get('expires')).toBe('3600');
    await sub.waitFor((n) => n.length === 2);
    expect(sub.notifies[1]).toMatchObject({ state: 'active' });
    expect(sub.notifies[1]!.body).toMatch(/version="0"/);
    expect(dialogStates(sub.notifies[1]!.body)).toEqual([]);
    expect(pbx.pbx.subscriptions.size).toBe(1);

    const refreshed = await sub.refresh('dialog', 120);
    expect(refreshed.status).toBe(200);
    await sub.waitFor((n) => n.length === 3);
    expect(sub.notifies[2]!.body).toMatch(/version="1"/);
    expect(sub.notifies[2]!.request.get('subscription-state')).toMatch(/^active;expires=1[12][0-9]$/);

    const ended = await sub.refresh('dialog', 0);
    expect(ended.status).toBe(200);
    await sub.waitFor((n) => n.length === 4);
    expect(sub.notifies[3]).toMatchObject({ state: 'terminated', reason: 'timeout' });
    await sleep(100);
    expect(pbx.pbx.subscriptions.size).toBe(0);
    // The dialog is gone: a late refresh is 481.
    expect((await sub.refresh('dialog', 120)).status).toBe(481);
  });

  it('a subscriber whose phone answers NOTIFY with 481 loses the subscription; shutdown ends the rest with a terminating NOTIFY', async () => {
    const watcher = await pbx.addPhone('211', 'Wanda Watcher');
    await pbx.addPhone('212', 'Bob Baker');
    const forgetful = await SipSubscriber.start({ server: pbx.port, username: watcher.username, password: watcher.password, domain: watcher.domain, extension: '211' });
    const steady = await SipSubscriber.start({ server: pbx.port, username: watcher.username, password: watcher.password, domain: watcher.domain, extension: '211' });
    cleanup.push(() => forgetful.close(), () => steady.close());
    forgetful.notifyStatus = 481;
    expect((await forgetful.subscribe('dialog', '212', 600)).status).toBe(200);
    expect((await steady.subscribe('dialog', '212', 600)).status).toBe(200);
    await forgetful.waitFor((n) => n.length === 1);
    await steady.waitFor((n) => n.length === 1);
    await sleep(200);
    expect(pbx.pbx.subscriptions.size).toBe(1);
    await pbx.pbx.subscriptions.close();
    expect(steady.notifies.at(-1)).toMatchObject({ state: 'terminated', reason: 'deactivated' });
  });

  it.skipIf(!Baresip.isAvailable())('dialog NOTIFYs for an extension go early -> confirmed -> terminated while baresip calls it', async () => {
    const alice = await registeredPhone(pbx, '221', 'Alice Adams');
    const bob = await registeredPhone(pbx, '222', 'Bob Baker');
    cleanup.push(() => alice.stop(), () => bob.stop());
    const watcher = await pbx.addPhone('223', 'Wanda Watcher');
    const sub = await SipSubscriber.start({ server: pbx.port, username: watcher.username, password: watcher.password, domain: watcher.domain, extension: '223' });
    cleanup.push(() => sub.close());
    expect((await sub.subscribe('dialog', '222', 600)).status).toBe(200);
    await sub.waitFor((n) => n.length === 1);

    const mark = bob.events.length;
    await alice.dial(`sip:222@127.0.0.1:${pbx.port}`);
    await bob.waitFor('CALL_INCOMING', { since: mark });
    await sub.waitFor((n) => n.some((x) => dialogStates(x.body).includes('early')));
    expect(pbx.pbx.presence.stateOf(watcher.tenantId, '222')).toBe('ringing');
    expect(pbx.pbx.presence.stateOf(watcher.tenantId, '221')).toBe('busy');
    await bob.accept();
    await sub.waitFor((n) => n.some((x) => dialogStates(x.body).includes('confirmed')));
    expect(pbx.pbx.presence.stateOf(watcher.tenantId, '222')).toBe('busy');
    await alice.hangup();
    await sub.waitFor((n) => n.some((x) => dialogStates(x.body).includes('terminated')));
    expect(pbx.pbx.presence.stateOf(watcher.tenantId, '222')).toBe('idle');

    const states = sub.notifies.map((n) => dialogStates(n.body)[0] ?? 'none');
    expect(states).toEqual(['none', 'early', 'confirmed', 'terminated']);
    const early = sub.notifies[1]!.body;
    expect(early).toContain('direction="recipient"');
    expect(early).toContain('display="Alice Adams"');
    const versions = sub.notifies.map((n) => Number(/version="(\d+)"/.exec(n.body)![1]));
    expect(versions).toEqual([0, 1, 2, 3]);
  });
});

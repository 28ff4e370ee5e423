import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Baresip, analyseTone, writeToneWav } from '@switchboard/testkit';
import { PbxFixture } from '../support/pbx-fixture.js';

const tones = mkdtempSync(join(tmpdir(), 'sb-tones-'));
writeToneWav(join(tones, '440.wav'), 440, 30);
writeToneWav(join(tones, '1000.wav'), 1000, 30);
writeToneWav(join(tones, '1600.wav'), 1600, 30);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A baresip desk phone registered to the fixture as `extension`, sending `toneFile`. */
async function deskPhone(pbx: PbxFixture, extension: string, name: string, toneFile: string): Promise<Baresip> {
  const creds = await pbx.addPhone(extension, name);
  return Baresip.startRegistered({
    account: { user: creds.username, domain: `127.0.0.1:${pbx.port}`, password: creds.password, displayName: name },
    audioSource: join(tones, toneFile),
  });
}

// Real desk phones (baresip) calling through the PBX: the B2BUA anchors the media, and each
// phone must hear the other's tone — measured on what the phone itself decoded.
describe.skipIf(!Baresip.isAvailable())('calls between desk phones', () => {
  let pbx: PbxFixture;
  const phones: Baresip[] = [];
  beforeEach(async () => {
    pbx = await PbxFixture.start({ media: true, ringTimeoutMs: 8000 });
  });
  afterEach(async () => {
    await Promise.all(phones.splice(0).map((p) => p.stop()));
    await pbx.close();
  });

  it('101 calls 102: the callee sees the caller ID, both hear each other, DTMF crosses, history is written', async () => {
    const alice = await deskPhone(pbx, '101', 'Alice Adams', '440.wav');
    const bob = await deskPhone(pbx, '102', 'Bob Baker', '1000.wav');
    phones.push(alice, bob);

    const mark = bob.events.length;
    await alice.dial(`sip:102@127.0.0.1:${pbx.port}`);
    const incoming = await bob.waitFor('CALL_INCOMING', { since: mark });
    expect(incoming.peeruri).toContain('sip:101@');
    expect(bob.logText()).toContain('Alice Adams');
    await bob.accept();
    await alice.waitFor('CALL_ESTABLISHED', { since: 0 });
    await sleep(1500);
    await alice.sendDtmf('42');
    await sleep(500);
    expect(bob.receivedDtmf()).toBe('42');
    await alice.hangup();
    await bob.waitFor('CALL_CLOSED', { since: mark });
    await sleep(300);

    // Each phone heard the other's tone (not its own) through the server.
    expect(analyseTone(bob.heardAudio(), { skipSeconds: 0.5 }).dominant).toBeCloseTo(440, -1);
    expect(analyseTone(alice.heardAudio(), { skipSeconds: 0.5 }).dominant).toBeCloseTo(1000, -1);

    const tenantId = (await pbx.store.tenants.list())[0]!.id;
    const history = await pbx.store.callHistory.page(tenantId, (await pbx.store.users.findByExtension(tenantId, '101'))!.id, { limit: 5 });
    expect(history.items[0]).toMatchObject({ outcome: 'answered' });
    expect(pbx.pbx.calls?.activeCalls).toBe(0);
  });

  it('hold by the caller plays hold music to the other party, resume brings the voices back', async () => {
    const alice = await deskPhone(pbx, '111', 'Alice Adams', '440.wav');
    const bob = await deskPhone(pbx, '112', 'Bob Baker', '1000.wav');
    phones.push(alice, bob);
    const mark = bob.events.length;
    await alice.dial(`sip:112@127.0.0.1:${pbx.port}`);
    await bob.waitFor('CALL_INCOMING', { since: mark });
    await bob.accept();
    await alice.waitFor('CALL_ESTABLISHED', { since: 0 });
    await sleep(800);
    await alice.hold();
    await sleep(2500);
    await alice.resume();
    await sleep(1500);
    await bob.hangup();
    await alice.waitFor('CALL_CLOSED', { since: 0 });
    await sleep(300);
    // Bob's recording: Alice's 440 Hz first, then hold music (not 440 Hz, not silence).
    const heard = bob.heardAudio();
    expect(analyseTone(heard, { skipSeconds: 0.3, maxSeconds: 0.4 }).dominant).toBeCloseTo(440, -1);
    const onHold = analyseTone(heard, { skipSeconds: 1.6, maxSeconds: 1.2 });
    expect(onHold.rms).toBeGreaterThan(0.01);
    expect(onHold.dominant).not.toBe(440);
    // After resume Alice is heard again.
    expect(analyseTone(heard, { skipSeconds: 4.0, maxSeconds: 0.5 }).dominant).toBeCloseTo(440, -1);
  });

  it('answers 404 for an extension that does not exist and 480 when nobody is registered', async () => {
    const alice = await deskPhone(pbx, '121', 'Alice Adams', '440.wav');
    phones.push(alice);
    await pbx.addPhone('122', 'Nobody Home');
    let mark = alice.events.length;
    await alice.dial(`sip:199@127.0.0.1:${pbx.port}`);
    const closed404 = await alice.waitFor('CALL_CLOSED', { since: mark });
    expect(closed404.param).toContain('404');
    mark = alice.events.length;
    await alice.dial(`sip:122@127.0.0.1:${pbx.port}`);
    const closed480 = await alice.waitFor('CALL_CLOSED', { since: mark });
    expect(closed480.param).toContain('480');
  });

  it('a declined or busy callee gives the caller busy, and the echo test *43 returns the caller’s own tone', async () => {
    const alice = await deskPhone(pbx, '131', 'Alice Adams', '1600.wav');
    const bob = await deskPhone(pbx, '132', 'Bob Baker', '1000.wav');
    phones.push(alice, bob);
    let mark = bob.events.length;
    const aliceMark = alice.events.length;
    await alice.dial(`sip:132@127.0.0.1:${pbx.port}`);
    await bob.waitFor('CALL_INCOMING', { since: mark });
    await bob.hangup(); // rejecting an incoming call: baresip answers 486 Busy Here
    const closed = await alice.waitFor('CALL_CLOSED', { since: aliceMark });
    expect(closed.param).toContain('486');

    mark = alice.events.length;
    await alice.dial(`sip:*43@127.0.0.1:${pbx.port}`);
    await alice.waitFor('CALL_ESTABLISHED', { since: mark });
    await sleep(1500);
    await alice.hangup();
    await alice.waitFor('CALL_CLOSED', { since: mark });
    await sleep(300);
    expect(analyseTone(alice.heardAudio(), { skipSeconds: 0.5 }).dominant).toBeCloseTo(1600, -1);
  });
});

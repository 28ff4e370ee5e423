import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Baresip, describeTimeline, toneTimeline, writeToneWav, type Pcm } from '@switchboard/testkit';
import { PbxFixture } from '../support/pbx-fixture.js';
import { ScriptedPhone } from '../conference/scripted-phone.js';

const tones = mkdtempSync(join(tmpdir(), 'sb-transfer-tones-'));
for (const hz of [440, 1000, 1600]) writeToneWav(join(tones, `${hz}.wav`), hz, 60);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function deskPhone(pbx: PbxFixture, extension: string, name: string, hz: number): Promise<Baresip> {
  const creds = await pbx.addPhone(extension, name);
  const phone = await Baresip.start({
    account: { user: creds.username, domain: `127.0.0.1:${pbx.port}`, password: creds.password, displayName: name },
    audioSource: join(tones, `${hz}.wav`),
  });
  await phone.waitRegistered();
  return phone;
}

/** The story of a recording for one tone: `T` heard, `o` something else, `.` silence (0.25 s blocks). */
function story(pcm: Pcm, hz: number): string {
  return describeTimeline(toneTimeline(pcm), hz);
}

/** The recording ends (bar trailing silence) with at least `blocks` blocks of `hz`. */
function endsHearing(pcm: Pcm, hz: number, blocks = 6): boolean {
  return new RegExp(`T{${blocks},}[.o]{0,3}$`).test(story(pcm, hz));
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

// Transfers through the B2BUA with real phones: who hears whom afterwards is proven by the tone
// each phone decoded (440 Hz Alice, 1000 Hz Bob, 1600 Hz Carol).
describe.skipIf(!Baresip.isAvailable())('transfers (REFER, Replaces)', () => {
  let pbx: PbxFixture;
  const phones: Array<{ stop(): Promise<void> }> = [];
  beforeEach(async () => {
    pbx = await PbxFixture.start({ media: true, ringTimeoutMs: 5000 });
  });
  afterEach(async () => {
    await Promise.all(phones.splice(0).map((p) => p.stop()));
    await pbx.close();
  });

  async function tenantUser(extension: string): Promise<{ tenantId: string; userId: string }> {
    const tenantId = (await pbx.store.tenants.list())[0]!.id;
    return { tenantId, userId: (await pbx.store.users.findByExtension(tenantId, extension))!.id };
  }

  it('blind: Bob transfers Alice to Carol; Alice and Carol hear each other, Bob is gone, history has both calls', async () => {
    const alice = await deskPhone(pbx, '101', 'Alice Adams', 440);
    const bob = await deskPhone(pbx, '102', 'Bob Baker', 1000);
    const carol = await deskPhone(pbx, '103', 'Carol Cole', 1600);
    phones.push(alice, bob, carol);

    await alice.dial(`sip:102@127.0.0.1:${pbx.port}`);
    await bob.waitFor('CALL_INCOMING', { since: 0 });
    await bob.accept();
    await alice.waitFor('CALL_ESTABLISHED', { since: 0 });
    await sleep(1500);

    await bob.transfer(`sip:103@127.0.0.1:${pbx.port}`);
    const incoming = await carol.waitFor('CALL_INCOMING', { since: 0 });
    expect(incoming.peeruri).toContain('sip:101@'); // Carol sees who is being put through: Alice
    await carol.accept();
    await bob.waitFor('CALL_CLOSED', { since: 0, timeoutMs: 10_000 });
    await sleep(2500);
    await alice.hangup();
    await carol.waitFor('CALL_CLOSED', { since: 0 });
    await sleep(300);

    expect(endsHearing(alice.heardAudio(), 1600), story(alice.heardAudio(), 1600)).toBe(true);
    expect(endsHearing(carol.heardAudio(), 440), story(carol.heardAudio(), 440)).toBe(true);
    expect(story(alice.heardAudio(), 1000)).toMatch(/T{4,}/); // Bob before the transfer

    const { tenantId, userId } = await tenantUser('101');
    const history = (await pbx.store.callHistory.page(tenantId, userId, { limit: 5 })).items;
    expect(history.map((v) => [v.other.number, v.outcome])).toEqual([
      ['103', 'answered'],
      ['102', 'answered'],
    ]);
    await until('every call ended', () => pbx.pbx.calls?.activeCalls === 0);
  });

  it('blind to a target that does not answer: the call rings back the transferor, who gets Alice back', async () => {
    const alice = await deskPhone(pbx, '111', 'Alice Adams', 440);
    const bob = await deskPhone(pbx, '112', 'Bob Baker', 1000);
    const carol = await deskPhone(pbx, '113', 'Carol Cole', 1600);
    phones.push(alice, bob, carol);

    await alice.dial(`sip:112@127.0.0.1:${pbx.port}`);
    await bob.waitFor('CALL_INCOMING', { since: 0 });
    await bob.accept();
    await alice.waitFor('CALL_ESTABLISHED', { since: 0 });
    await sleep(1000);
    const mark = bob.events.length;
    await bob.transfer(`sip:113@127.0.0.1:${pbx.port}`);
    await carol.waitFor('CALL_INCOMING', { since: 0 });
    // Bob hangs up at once, as many phones do after a blind transfer; Carol never answers.
    await bob.hangup();
    const recall = await bob.waitFor('CALL_INCOMING', { since: mark, timeoutMs: 20_000 });
    expect(recall.peeruri).toContain('sip:111@');
    await bob.accept();
    await sleep(2500);
    await bob.hangup();
    await alice.waitFor('CALL_CLOSED', { since: 0 });
    await sleep(300);
    expect(endsHearing(alice.heardAudio(), 1000), story(alice.heardAudio(), 1000)).toBe(true);
    expect(endsHearing(bob.heardAudio(), 440), story(bob.heardAudio(), 440)).toBe(true);

    const { tenantId, userId } = await tenantUser('111');
    const history = (await pbx.store.callHistory.page(tenantId, userId, { limit: 5 })).items;
    expect(history.map((v) => [v.other.number, v.outcome])).toEqual([
      ['112', 'answered'], // the recall
      ['113', 'missed'], // the transfer nobody took
      ['112', 'answered'], // the original call
    ]);
  });

  it('attended: REFER with Replaces bridges Alice with Carol and ends both of the transferor\'s calls', async () => {
    const alice = await deskPhone(pbx, '121', 'Alice Adams', 440);
    const carol = await deskPhone(pbx, '123', 'Carol Cole', 1600);
    phones.push(alice, carol);
    const bobCreds = await pbx.addPhone('122', 'Bob Baker');
    const bob = await ScriptedPhone.start({ server: pbx.port, username: bobCreds.username, password: bobCreds.password, domain: bobCreds.domain, extension: '122', toneHz: 1000 });
    phones.push({ stop: () => bob.close() });

    const toAlice = bob.call('121');
    await alice.waitFor('CALL_INCOMING', { since: 0 });
    await alice.accept();
    const first = await toAlice;
    await sleep(1000);
    // Bob holds Alice while he consults Carol: she hears hold music until the transfer.
    expect((await bob.hold(first)).status).toBe(200);
    await sleep(1500);
    const toCarol = bob.call('123');
    await carol.waitFor('CALL_INCOMING', { since: 0 });
    await carol.accept();
    const consultation = await toCarol;
    await sleep(1000);

    const referTo = `<sip:123@127.0.0.1:${pbx.port}?Replaces=${encodeURIComponent(bob.replacesFor(consultation))}>`;
    const accepted = await bob.send(first, 'REFER', { headers: { 'Refer-To': referTo, 'Referred-By': '<sip:122@127.0.0.1>' } });
    expect(`${accepted.status} ${accepted.reason}`).toBe('202 Accepted');
    await until('the NOTIFY with 200', () => bob.referProgress().includes('SIP/2.0 200 OK'));
    expect(bob.referProgress()[0]).toBe('SIP/2.0 100 Trying');
    // The consultation leg is ended by the server; the transferor hangs up the first call itself.
    await until('the consultation BYE', () => bob.byes.some((b) => b.callId === consultation.dialog.callId));
    expect((await bob.hangUp(first)).status).toBe(200);
    await sleep(2500);

    await alice.hangup();
    await carol.waitFor('CALL_CLOSED', { since: 0 });
    await sleep(300);
    // Alice: Bob, then hold music, then Carol.
    expect(story(alice.heardAudio(), 1000)).toMatch(/T{3,}/);
    expect(story(alice.heardAudio(), 1600)).toMatch(/o{4,}[^T]*T{6,}[.o]{0,3}$/);
    expect(endsHearing(carol.heardAudio(), 440), story(carol.heardAudio(), 440)).toBe(true);
    await until('every call ended', () => pbx.pbx.calls?.activeCalls === 0);
  });

  it('an INVITE with Replaces takes the place of a leg: Dave replaces Bob in his call with Alice, Bob gets a BYE', async () => {
    const alice = await deskPhone(pbx, '131', 'Alice Adams', 440);
    phones.push(alice);
    const bobCreds = await pbx.addPhone('132', 'Bob Baker');
    const daveCreds = await pbx.addPhone('134', 'Dave Dunn');
    const bob = await ScriptedPhone.start({ server: pbx.port, username: bobCreds.username, password: bobCreds.password, domain: bobCreds.domain, extension: '132', toneHz: 1000 });
    const dave = await ScriptedPhone.start({ server: pbx.port, username: daveCreds.username, password: daveCreds.password, domain: daveCreds.domain, extension: '134', toneHz: 1600 });
    phones.push({ stop: () => bob.close() }, { stop: () => dave.close() });

    const toAlice = bob.call('131');
    await alice.waitFor('CALL_INCOMING', { since: 0 });
    await alice.accept();
    const call = await toAlice;
    await sleep(1500);
    const unknown = await dave.attempt('131', { Replaces: 'no-such-call;to-tag=1;from-tag=2' });
    expect(unknown.response.status).toBe(481);
    const replacing = await dave.call('131', { Replaces: bob.replacesFor(call) });
    expect(replacing.response.status).toBe(200);
    await until('Bob\'s BYE', () => bob.byes.some((b) => b.callId === call.dialog.callId));
    await sleep(2500);
    expect((await dave.hangUp(replacing)).status).toBe(200);
    await alice.waitFor('CALL_CLOSED', { since: 0 });
    await sleep(300);
    expect(story(alice.heardAudio(), 1000)).toMatch(/T{4,}/);
    expect(endsHearing(alice.heardAudio(), 1600), story(alice.heardAudio(), 1600)).toBe(true);
    expect(replacing.peer.heardAudio().samples.length).toBeGreaterThan(8000);
    await until('every call ended', () => pbx.pbx.calls?.activeCalls === 0);
  });
});

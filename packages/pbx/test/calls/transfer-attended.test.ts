import { Baresip } from '@switchboard/testkit';
import { PbxFixture } from '../support/pbx-fixture.js';
import { deskPhone, endsHearing, sleep, story, until } from '../conference/phones.js';
import { ScriptedPhone } from '../conference/scripted-phone.js';

// Attended transfers through the B2BUA with real phones: who hears whom afterwards is proven by the tone
// each phone decoded (440 Hz Alice, 1000 Hz Bob, 1600 Hz Carol).
describe.skipIf(!Baresip.isAvailable())('attended transfers (REFER with Replaces, INVITE with Replaces)', () => {
  let pbx: PbxFixture;
  const phones: Array<{ stop(): Promise<void> }> = [];
  beforeEach(async () => {
    pbx = await PbxFixture.start({ media: true, ringTimeoutMs: 5000 });
  });
  afterEach(async () => {
    await Promise.all(phones.splice(0).map((p) => p.stop()));
    await pbx.close();
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

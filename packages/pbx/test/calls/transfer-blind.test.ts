import { Baresip } from '@switchboard/testkit';
import { PbxFixture } from '../support/pbx-fixture.js';
import { deskPhone, endsHearing, sleep, story, until } from '../conference/phones.js';

// Transfers through the B2BUA with real phones: who hears whom afterwards is proven by the tone
// each phone decoded (440 Hz Alice, 1000 Hz Bob, 1600 Hz Carol).
describe.skipIf(!Baresip.isAvailable())('blind transfers (REFER)', () => {
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

  it('blind, sent at once after answering while the caller is not yet connected: carried out once the caller is', async () => {
    const alice = await deskPhone(pbx, '151', 'Alice Adams', 440);
    const bob = await deskPhone(pbx, '152', 'Bob Baker', 1000);
    const carol = await deskPhone(pbx, '153', 'Carol Cole', 1600);
    phones.push(alice, bob, carol);
    // Hold the caller's side of the answer (its history write comes before the caller's 200), as
    // a loaded server does while it sets up the media: Bob has the call, Alice does not yet.
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const history = pbx.store.callHistory;
    const answer = history.answer.bind(history);
    history.answer = async (...args) => {
      await held;
      return answer(...args);
    };
    let referred = false;
    pbx.udp.on('message', (result) => {
      if (result.ok && result.message.isRequest && result.message.method === 'REFER') referred = true;
    });

    await alice.dial(`sip:152@127.0.0.1:${pbx.port}`);
    await bob.waitFor('CALL_INCOMING', { since: 0 });
    await bob.accept();
    await bob.waitFor('CALL_ESTABLISHED', { since: 0 });
    await bob.transfer(`sip:153@127.0.0.1:${pbx.port}`);
    await until('the REFER reached the server', () => referred);
    expect(alice.events.some((e) => e.type === 'CALL_ESTABLISHED')).toBe(false);
    release();

    const incoming = await carol.waitFor('CALL_INCOMING', { since: 0 });
    expect(incoming.peeruri).toContain('sip:151@');
    await carol.accept();
    await bob.waitFor('CALL_CLOSED', { since: 0, timeoutMs: 10_000 });
    await sleep(2500);
    await alice.hangup();
    await carol.waitFor('CALL_CLOSED', { since: 0 });
    expect(endsHearing(alice.heardAudio(), 1600), story(alice.heardAudio(), 1600)).toBe(true);
    expect(endsHearing(carol.heardAudio(), 440), story(carol.heardAudio(), 440)).toBe(true);
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

  it('blind to a target that refuses: the transferor is told (NOTIFY 486); baresip then hangs up, so the transferee rings it back', async () => {
    const alice = await deskPhone(pbx, '141', 'Alice Adams', 440);
    const bob = await deskPhone(pbx, '142', 'Bob Baker', 1000);
    const carol = await deskPhone(pbx, '143', 'Carol Cole', 1600);
    phones.push(alice, bob, carol);

    await alice.dial(`sip:142@127.0.0.1:${pbx.port}`);
    await bob.waitFor('CALL_INCOMING', { since: 0 });
    await bob.accept();
    await alice.waitFor('CALL_ESTABLISHED', { since: 0 });
    await sleep(1000);
    const mark = bob.events.length;
    await bob.transfer(`sip:143@127.0.0.1:${pbx.port}`);
    await carol.waitFor('CALL_INCOMING', { since: 0 });
    await sleep(500);
    await carol.hangup(); // refuses the call (busy)
    const failed = await bob.waitFor('TRANSFER_FAILED', { since: mark });
    expect(String(failed.param)).toContain('486');
    // baresip 1.0 ends its call when a transfer fails: Alice is not dropped, she rings Bob back.
    const recall = await bob.waitFor('CALL_INCOMING', { since: mark, timeoutMs: 20_000 });
    expect(recall.peeruri).toContain('sip:141@');
    await bob.accept();
    await sleep(2500);
    await bob.hangup();
    await alice.waitFor('CALL_CLOSED', { since: 0 });
    await sleep(300);
    expect(endsHearing(alice.heardAudio(), 1000), story(alice.heardAudio(), 1000)).toBe(true);
    expect(endsHearing(bob.heardAudio(), 440), story(bob.heardAudio(), 440)).toBe(true);
    await until('every call ended', () => pbx.pbx.calls?.activeCalls === 0);
  });
});

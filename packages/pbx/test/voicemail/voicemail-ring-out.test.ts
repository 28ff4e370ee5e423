import { until } from '@switchboard/testkit';
import { analyseTone, Baresip, readWav } from '@switchboard/testkit';
import { VoicemailFixture } from '../features/voicemail-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Real desk phones (baresip); messages are measured by their tone.
describe.skipIf(!Baresip.isAvailable())('voicemail after ringing', () => {
  let f: VoicemailFixture;
  beforeEach(async () => {
    f = await VoicemailFixture.start({ ringTimeoutMs: 3000 });
  });
  afterEach(async () => {
    await f.close();
  });

  it('a call nobody answers rings out to voicemail on the same caller leg: the rung phone is cancelled, the message holds the caller tone', async () => {
    const { phone: alice } = await f.phone('331', 'Alice Adams', '1000');
    const { phone: bob, creds } = await f.phone('332', 'Bob Baker', '440');
    const bobMark = bob.events.length;
    const mark = alice.events.length;
    await alice.dial(`sip:332@127.0.0.1:${f.port}`);
    await bob.waitFor('CALL_INCOMING', { since: bobMark });
    // The ring timeout (3 s) passes: Bob's phone stops ringing, voicemail answers Alice.
    await bob.waitFor('CALL_CLOSED', { since: bobMark, timeoutMs: 15_000 });
    await alice.waitFor('CALL_ESTABLISHED', { since: mark, timeoutMs: 20_000 });
    await f.recordingStarted();
    await sleep(2500);
    await alice.hangup();
    await until('the message row', async () => (await f.store.voicemail.list(creds.tenantId, creds.userId)).length === 1);
    const [message] = await f.store.voicemail.list(creds.tenantId, creds.userId);
    expect(message!.from).toEqual({ number: '331', name: 'Alice Adams' });
    expect(analyseTone(readWav((await f.pbx.mailbox!.audioPath(creds.tenantId, creds.userId, message!.id))!), { skipSeconds: 0.3 }).dominant).toBeCloseTo(1000, -1);
    const history = await f.store.callHistory.page(creds.tenantId, creds.userId, { limit: 5 });
    expect(history.items[0]).toMatchObject({ outcome: 'missed' });
    await until('every call to end', () => f.pbx.calls?.activeCalls === 0 && f.pbx.answered.size === 0);
  });

  it('a callee who rejects the call (486 busy) sends the caller to voicemail (the default for busy)', async () => {
    const { phone: alice } = await f.phone('341', 'Alice Adams', '1000');
    const { phone: bob, creds } = await f.phone('342', 'Bob Baker', '440');
    const bobMark = bob.events.length;
    const mark = alice.events.length;
    await alice.dial(`sip:342@127.0.0.1:${f.port}`);
    await bob.waitFor('CALL_INCOMING', { since: bobMark });
    await bob.hangup(); // baresip rejects a ringing call with 486 Busy Here
    await alice.waitFor('CALL_ESTABLISHED', { since: mark, timeoutMs: 20_000 });
    await f.recordingStarted();
    await sleep(2000);
    await alice.hangup();
    await until('the message row', async () => (await f.store.voicemail.list(creds.tenantId, creds.userId)).length === 1);
    const [message] = await f.store.voicemail.list(creds.tenantId, creds.userId);
    expect(analyseTone(readWav((await f.pbx.mailbox!.audioPath(creds.tenantId, creds.userId, message!.id))!), { skipSeconds: 0.3 }).dominant).toBeCloseTo(1000, -1);
  });

  it('a user who turned "voicemail when busy" off: a caller who finds them busy hears busy (486), and no message is taken', async () => {
    const { phone: alice } = await f.phone('361', 'Alice Adams', '1000');
    const { phone: bob, creds } = await f.phone('362', 'Bob Baker', '440');
    await f.store.voicemail.updateBox(creds.tenantId, creds.userId, { whenBusy: false });
    const bobMark = bob.events.length;
    const mark = alice.events.length;
    await alice.dial(`sip:362@127.0.0.1:${f.port}`);
    await bob.waitFor('CALL_INCOMING', { since: bobMark });
    await bob.hangup(); // 486 Busy Here
    const closed = await alice.waitFor('CALL_CLOSED', { since: mark, timeoutMs: 20_000 });
    expect(String(closed.param)).toContain('486');
    expect(alice.events.slice(mark).some((e) => e.type === 'CALL_ESTABLISHED')).toBe(false);
    expect(await f.store.voicemail.list(creds.tenantId, creds.userId)).toEqual([]);
    const history = await f.store.callHistory.page(creds.tenantId, creds.userId, { limit: 5 });
    expect(history.items[0]).toMatchObject({ outcome: 'busy' });
  });
});

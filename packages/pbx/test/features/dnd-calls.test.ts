import { analyseTone, Baresip, readWav } from '@switchboard/testkit';
import { VoicemailFixture } from './voicemail-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Real desk phones (baresip); messages are measured by their tone.
describe.skipIf(!Baresip.isAvailable())('Do Not Disturb from a phone', () => {
  let f: VoicemailFixture;
  beforeEach(async () => {
    f = await VoicemailFixture.start({ ringTimeoutMs: 3000 });
  });
  afterEach(async () => {
    await f.close();
  });

  it('*78 turns DND on (presence dnd, the next call goes to voicemail without ringing), *79 turns it off', async () => {
    const { phone: alice } = await f.phone('311', 'Alice Adams', '440');
    const { phone: bob, creds: bobCreds } = await f.phone('312', 'Bob Baker', '1000');
    let mark = bob.events.length;
    await bob.dial(`sip:*78@127.0.0.1:${f.port}`);
    await bob.waitFor('CALL_ESTABLISHED', { since: mark });
    await bob.waitFor('CALL_CLOSED', { since: mark, timeoutMs: 15_000 });
    expect(await f.store.dnd.get(bobCreds.tenantId, bobCreds.userId)).toBe(true);
    expect(f.pbx.presence.stateOf(bobCreds.tenantId, '312')).toBe('dnd');
    expect(f.events).toContainEqual({ kind: 'dnd', tenantId: bobCreds.tenantId, userId: bobCreds.userId, value: true });

    const bobMark = bob.events.length;
    mark = alice.events.length;
    await alice.dial(`sip:312@127.0.0.1:${f.port}`);
    await alice.waitFor('CALL_ESTABLISHED', { since: mark, timeoutMs: 20_000 });
    await f.recordingStarted();
    await sleep(2000);
    await alice.sendDtmf('#');
    // '#' ends the message: "message saved", then the server hangs up.
    await alice.waitFor('CALL_CLOSED', { since: mark, timeoutMs: 20_000 });
    expect(bob.events.slice(bobMark).some((e) => e.type === 'CALL_INCOMING')).toBe(false);
    const messages = await f.store.voicemail.list(bobCreds.tenantId, bobCreds.userId);
    expect(messages).toHaveLength(1);
    expect(analyseTone(readWav((await f.pbx.mailbox!.audioPath(bobCreds.tenantId, bobCreds.userId, messages[0]!.id))!), { skipSeconds: 0.3 }).dominant).toBeCloseTo(440, -1);

    mark = bob.events.length;
    await bob.dial(`sip:*79@127.0.0.1:${f.port}`);
    await bob.waitFor('CALL_CLOSED', { since: mark, timeoutMs: 15_000 });
    expect(await f.store.dnd.get(bobCreds.tenantId, bobCreds.userId)).toBe(false);
    expect(f.pbx.presence.stateOf(bobCreds.tenantId, '312')).toBe('idle');
  });
});

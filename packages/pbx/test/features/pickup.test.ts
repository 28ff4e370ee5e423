import { until } from '@switchboard/testkit';
import { analyseTone, Baresip } from '@switchboard/testkit';
import { VoicemailFixture } from './voicemail-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!Baresip.isAvailable())('directed pickup', () => {
  let f: VoicemailFixture;
  beforeEach(async () => {
    f = await VoicemailFixture.start({ ringTimeoutMs: 20_000 });
  });
  afterEach(async () => {
    await f.close();
  });

  it('**102 while 102 rings answers the call on the dialling phone: the ringing phone is cancelled, caller and picker hear each other', async () => {
    const { phone: alice, creds } = await f.phone('401', 'Alice Adams', '440');
    const { phone: bob } = await f.phone('402', 'Bob Baker', '1000');
    const { phone: carol } = await f.phone('403', 'Carol Clark', '1000');
    // Nothing rings at 402 yet: nothing to pick up.
    let carolMark = carol.events.length;
    await carol.dial(`sip:**402@127.0.0.1:${f.port}`);
    expect((await carol.waitFor('CALL_CLOSED', { since: carolMark })).param).toContain('404');

    const bobMark = bob.events.length;
    const aliceMark = alice.events.length;
    await alice.dial(`sip:402@127.0.0.1:${f.port}`);
    await bob.waitFor('CALL_INCOMING', { since: bobMark });
    expect(f.pbx.presence.stateOf(creds.tenantId, '402')).toBe('ringing');

    carolMark = carol.events.length;
    await carol.dial(`sip:**402@127.0.0.1:${f.port}`);
    await carol.waitFor('CALL_ESTABLISHED', { since: carolMark });
    await alice.waitFor('CALL_ESTABLISHED', { since: aliceMark });
    await bob.waitFor('CALL_CLOSED', { since: bobMark });
    // Presence follows who has the call: the picker is busy, the extension that rang is free again.
    await until('Carol busy, Bob idle', () => f.pbx.presence.stateOf(creds.tenantId, '403') === 'busy' && f.pbx.presence.stateOf(creds.tenantId, '402') === 'idle');
    await sleep(1500);
    await alice.hangup();
    await carol.waitFor('CALL_CLOSED', { since: carolMark });
    await until('the call to end', () => f.pbx.calls?.activeCalls === 0);
    await until('Carol idle again', () => f.pbx.presence.stateOf(creds.tenantId, '403') === 'idle');

    // Through the server: Alice's 440 Hz at Carol, Carol's 1 kHz at Alice.
    expect(analyseTone(carol.heardAudio(), { skipSeconds: 0.5, maxSeconds: 1 }).dominant).toBeCloseTo(440, -1);
    expect(analyseTone(alice.heardAudio(), { skipSeconds: 0.5, maxSeconds: 1 }).dominant).toBeCloseTo(1000, -1);
    const history = await f.store.callHistory.page(creds.tenantId, creds.userId, { limit: 5 });
    expect(history.items[0]).toMatchObject({ outcome: 'answered' });
  });
});

import { until } from '@switchboard/testkit';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { analyseTone, Baresip, encodeWav, farEndMedia, readWav, runSipp, SIPP_SCENARIOS, sippAvailable, type Pcm } from '@switchboard/testkit';
import { writeDurably } from '../../src/voicemail/mailbox.js';
import { SipSubscriber } from '../subscriptions/sip-subscriber.js';
import { VoicemailFixture } from '../features/voicemail-fixture.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Real desk phones (baresip) leave messages; the recording is measured, the lamps watched.
describe.skipIf(!Baresip.isAvailable())('voicemail with real phones', () => {
  let f: VoicemailFixture;
  const subscribers: SipSubscriber[] = [];
  beforeEach(async () => {
    f = await VoicemailFixture.start({ ringTimeoutMs: 3000 });
  });
  afterEach(async () => {
    for (const s of subscribers.splice(0)) await s.close();
    await f.close();
  });

  it('a caller to a user with no device leaves a message: the WAV holds its tone, the row exists, MWI goes yes, then no once heard', async () => {
    const { phone: alice } = await f.phone('301', 'Alice Adams', '440');
    const bob = await f.addUser('302', 'Bob Baker');
    // Bob's desk phone (not registered for calls) watches his mailbox.
    const lamp = await SipSubscriber.start({ server: f.port, username: bob.username, password: bob.password, domain: bob.domain, extension: '302' });
    subscribers.push(lamp);
    expect((await lamp.subscribe('message-summary', '302', 600)).status).toBe(200);
    await lamp.waitFor((n) => n.length === 1);
    expect(lamp.notifies[0]!.body).toContain('Messages-Waiting: no');
    expect(lamp.notifies[0]!.request.get('content-type')).toBe('application/simple-message-summary');

    const mark = alice.events.length;
    await alice.dial(`sip:302@127.0.0.1:${f.port}`);
    await alice.waitFor('CALL_ESTABLISHED', { since: mark, timeoutMs: 20_000 });
    await f.recordingStarted();
    await sleep(3000);
    await alice.hangup();
    await until('the message row', async () => (await f.store.voicemail.list(bob.tenantId, bob.userId)).length === 1);

    const [message] = await f.store.voicemail.list(bob.tenantId, bob.userId);
    expect(message).toMatchObject({ from: { number: '301', name: 'Alice Adams' }, heard: false });
    expect(message!.durationMs).toBeGreaterThan(1500);
    const audio = await f.pbx.mailbox!.audioPath(bob.tenantId, bob.userId, message!.id);
    expect(existsSync(audio!)).toBe(true);
    expect(analyseTone(readWav(audio!), { skipSeconds: 0.3 }).dominant).toBeCloseTo(440, -1);
    expect(await f.store.voicemail.counts(bob.tenantId, bob.userId)).toEqual({ unread: 1, heard: 0 });
    expect(f.events).toContainEqual({ kind: 'voicemail', tenantId: bob.tenantId, userId: bob.userId, value: 1 });

    await lamp.waitFor((n) => n.some((x) => x.body.includes('Messages-Waiting: yes')));
    expect(lamp.notifies.at(-1)!.body).toContain('Voice-Message: 1/0 (0/0)');
    expect(lamp.notifies.at(-1)!.body).toMatch(/Message-Account: sip:\*97@/);

    await f.pbx.mailbox!.setHeard(bob.tenantId, bob.userId, message!.id, true);
    await lamp.waitFor((n) => n.at(-1)!.body.includes('Messages-Waiting: no'));
    expect(lamp.notifies.at(-1)!.body).toContain('Voice-Message: 0/1 (0/0)');
    expect(f.events.at(-1)).toEqual({ kind: 'voicemail', tenantId: bob.tenantId, userId: bob.userId, value: 0 });

    // Another user's mailbox cannot be watched.
    expect((await lamp.subscribe('message-summary', '301', 600)).status).toBe(403);
  });

  it.skipIf(!sippAvailable())('a carrier call without an SDP offer leaves a message: our offer in the 200, its answer in the ACK, and the same for its re-INVITE', async () => {
    const bob = await f.addUser('302', 'Bob Baker');
    await f.store.trunks.set(bob.tenantId, { host: '127.0.0.1', port: 5060 });
    await f.store.dids.add(bob.tenantId, '+15550100302', { extension: '302' });
    const media = await farEndMedia(1600);
    try {
      // The scenario fails unless each 200 carries an SDP offer; 8 s after its ACK (the greeting
      // is still playing) it re-INVITEs without an offer, and hangs up 8 s after that.
      const carrier = await runSipp({
        scenario: join(SIPP_SCENARIOS, 'trunk-uac-delayed-offer.xml'),
        target: `127.0.0.1:${f.port}`,
        service: '+15550100302',
        keys: { peer_media_port: media.peer.port, caller: '15550001' },
        durationMs: 8000,
        timeoutSeconds: 40,
      });
      const result = await carrier.done;
      expect(result.code, result.output).toBe(0);
    } finally {
      media.close();
    }
    await until('the message row', async () => (await f.store.voicemail.list(bob.tenantId, bob.userId)).length === 1);
    const [message] = await f.store.voicemail.list(bob.tenantId, bob.userId);
    expect(message).toMatchObject({ from: { number: '15550001' } });
    const recorded = readWav((await f.pbx.mailbox!.audioPath(bob.tenantId, bob.userId, message!.id))!);
    expect(analyseTone(recorded, { skipSeconds: 0.3 }).dominant).toBeCloseTo(1600, -1);
    // The last second was recorded after the re-INVITE: the carrier's voice went on through it.
    expect(recorded.samples.length / recorded.sampleRate).toBeGreaterThan(2);
    expect(analyseTone({ sampleRate: recorded.sampleRate, samples: recorded.samples.subarray(recorded.samples.length - recorded.sampleRate) }).dominant).toBeCloseTo(1600, -1);
  });

  it('*97 plays the new message (its tone heard by the phone) and 7 deletes it; the server says goodbye and hangs up', async () => {
    const { phone: alice, creds } = await f.phone('321', 'Alice Adams', '440');
    // A message in Alice's mailbox, as a deposit leaves it: file (fsync'd), then the row.
    const id = randomUUID();
    const file = join('messages', creds.tenantId, creds.userId, `${id}.wav`);
    const path = join(f.pbx.mailbox!.dir, file);
    mkdirSync(dirname(path), { recursive: true });
    const samples = new Float32Array(8000 * 2).map((_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
    await writeDurably(path, encodeWav({ sampleRate: 8000, samples }));
    await f.store.voicemail.add(creds.tenantId, { id, userId: creds.userId, from: { number: '399', name: null }, durationMs: 2000, file });

    const mark = alice.events.length;
    await alice.dial(`sip:*97@127.0.0.1:${f.port}`);
    await alice.waitFor('CALL_ESTABLISHED', { since: mark, timeoutMs: 20_000 });
    await until('the message played and marked heard', async () => (await f.store.voicemail.get(creds.tenantId, creds.userId, id))?.heard === true, 30_000);
    await alice.sendDtmf('7');
    await alice.waitFor('CALL_CLOSED', { since: mark, timeoutMs: 30_000 });
    expect(await f.store.voicemail.get(creds.tenantId, creds.userId, id)).toBeNull();
    expect(existsSync(path)).toBe(false);
    expect(f.events.filter((e) => e.kind === 'voicemail').map((e) => e.value)).toEqual([0, 0]);

    // Somewhere in what the phone heard: the message's 1 kHz tone.
    const heard: Pcm = alice.heardAudio();
    const windows = Math.floor(heard.samples.length / heard.sampleRate / 0.5);
    const tones = Array.from({ length: windows }, (_, i) => analyseTone(heard, { skipSeconds: i * 0.5, maxSeconds: 0.5 }).dominant);
    expect(tones.filter((t) => t !== null && Math.abs(t - 1000) <= 20).length).toBeGreaterThanOrEqual(2);
  });

  it('*97 then 9 records a greeting by phone (kept with 1); a caller sent to voicemail then hears it, not the spoken default', async () => {
    const { phone: alice, creds } = await f.phone('351', 'Alice Adams', '440');
    const { phone: bob } = await f.phone('352', 'Bob Baker', '1000');
    expect(await f.pbx.mailbox!.greetingPath(creds.tenantId, creds.userId)).toBeNull();

    let mark = alice.events.length;
    await alice.dial(`sip:*97@127.0.0.1:${f.port}`);
    await alice.waitFor('CALL_ESTABLISHED', { since: mark, timeoutMs: 20_000 });
    await alice.sendDtmf('9'); // during "You have zero new messages"
    await f.recordingStarted(30_000, 'greetings');
    await sleep(2500); // Alice's phone sends its 440 Hz tone: that is her greeting
    await alice.sendDtmf('#');
    await sleep(1000); // the playback begins with "Here is your greeting"
    await alice.sendDtmf('1'); // keep it
    await until('the greeting stored', async () => (await f.pbx.mailbox!.greetingPath(creds.tenantId, creds.userId)) !== null, 30_000);
    const greeting = (await f.pbx.mailbox!.greetingPath(creds.tenantId, creds.userId))!;
    expect(analyseTone(readWav(greeting), { skipSeconds: 0.3 }).dominant).toBeCloseTo(440, -1);
    // Only the kept greeting is left in the folder (the recording itself is removed).
    await alice.waitFor('CALL_CLOSED', { since: mark, timeoutMs: 30_000 }); // "saved", the offer of 9 again, "Goodbye"
    expect(readdirSync(dirname(greeting)).filter((n) => n.endsWith('.wav'))).toHaveLength(1);

    // Bob calls; Alice declines (486): voicemail answers Bob with Alice's own greeting.
    mark = bob.events.length;
    const aliceMark = alice.events.length;
    await bob.dial(`sip:351@127.0.0.1:${f.port}`);
    await alice.waitFor('CALL_INCOMING', { since: aliceMark });
    await alice.hangup();
    await bob.waitFor('CALL_ESTABLISHED', { since: mark, timeoutMs: 20_000 });
    await f.recordingStarted();
    await bob.hangup();
    await bob.waitFor('CALL_CLOSED', { since: mark });
    await until('the call to end', () => f.pbx.answered.size === 0);
    const heard = bob.heardAudio();
    const windows = Math.floor(heard.samples.length / heard.sampleRate / 0.5);
    const tones = Array.from({ length: windows }, (_, i) => analyseTone(heard, { skipSeconds: i * 0.5, maxSeconds: 0.5 }).dominant);
    expect(tones.filter((t) => t !== null && Math.abs(t - 440) <= 15).length).toBeGreaterThanOrEqual(2);
  });
});

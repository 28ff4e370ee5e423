import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyseTone, Baresip, farEndMedia, goertzelPower, runSipp, SIPP_SCENARIOS, sippAvailable, until, writeToneWav, type Pcm } from '@switchboard/testkit';
import type { RoomView } from '../../src/conference/conference-room.js';
import { PbxFixture } from '../support/pbx-fixture.js';
import { SipSubscriber, dialogStates } from '../subscriptions/sip-subscriber.js';
import { ScriptedPhone } from './scripted-phone.js';

const tones = mkdtempSync(join(tmpdir(), 'sb-room-tones-'));
const TONES = [440, 1000, 1600] as const;
for (const hz of TONES) writeToneWav(join(tones, `${hz}.wav`), hz, 60);

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

/**
 * Which of the three test tones each 0.25 s block holds: e.g. "1000+1600" for a block where both
 * are heard. A tone counts when its power is at least a fifth of the strongest of the three.
 */
function toneSets(pcm: Pcm): string[] {
  const size = Math.round(pcm.sampleRate / 4);
  const sets: string[] = [];
  for (let at = 0; at + size <= pcm.samples.length; at += size) {
    const block = pcm.samples.subarray(at, at + size);
    const powers = TONES.map((hz) => goertzelPower(block, pcm.sampleRate, hz));
    const strongest = Math.max(...powers);
    if (strongest < 1e-4) {
      sets.push('-');
      continue;
    }
    sets.push(TONES.filter((_, i) => powers[i]! >= strongest / 5).join('+'));
  }
  return sets;
}

/** The longest run of consecutive blocks with exactly this set of tones. */
function longestRun(sets: string[], wanted: string): number {
  let best = 0;
  let run = 0;
  for (const s of sets) {
    run = s === wanted ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}


describe.skipIf(!Baresip.isAvailable())('conference rooms', () => {
  let pbx: PbxFixture;
  const stops: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    pbx = await PbxFixture.start({ media: true, ringTimeoutMs: 8000 });
  });
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((stop) => stop()));
    await pbx.close();
  });

  const rooms = () => pbx.pbx.calls!.conferences;
  async function ids(extension: string): Promise<{ tenantId: string; userId: string }> {
    const tenantId = (await pbx.store.tenants.list())[0]!.id;
    return { tenantId, userId: (await pbx.store.users.findByExtension(tenantId, extension))!.id };
  }

  it('three people in a room each hear the other two and not themselves; leave and rejoin by number; the room ends when empty', async () => {
    const alice = await deskPhone(pbx, '201', 'Alice Adams', 440);
    const bob = await deskPhone(pbx, '202', 'Bob Baker', 1000);
    const carol = await deskPhone(pbx, '203', 'Carol Cole', 1600);
    stops.push(() => alice.stop(), () => bob.stop(), () => carol.stop());
    const seen: Array<RoomView | null> = [];
    rooms().observe({ roomChanged: (_t, _u, room) => seen.push(room) });

    await alice.dial(`sip:*38@127.0.0.1:${pbx.port}`);
    await alice.waitFor('CALL_ESTABLISHED', { since: 0 });
    const a = await ids('201');
    const room = rooms().ownedBy(a.tenantId, a.userId);
    expect(room?.number).toBe('99900');
    await bob.dial(`sip:99900@127.0.0.1:${pbx.port}`);
    await carol.dial(`sip:99900@127.0.0.1:${pbx.port}`);
    await bob.waitFor('CALL_ESTABLISHED', { since: 0 });
    await carol.waitFor('CALL_ESTABLISHED', { since: 0 });
    await until('three participants', () => room!.participants.size === 3);
    expect(seen.at(-1)?.participants.map((p) => p.number).sort()).toEqual(['201', '202', '203']);
    await sleep(3000);
    // Talk detection: the phones send a steady tone, so the portal saw them speaking.
    expect(seen.some((v) => v?.participants.some((p) => p.speaking))).toBe(true);

    // Carol leaves: the room goes on; her history has the room number; she rejoins by dialling it.
    const carolMark = carol.events.length;
    await carol.hangup();
    await carol.waitFor('CALL_CLOSED', { since: carolMark });
    await sleep(300);
    const carolHeard = toneSets(carol.heardAudio());
    expect(longestRun(carolHeard, '440+1000'), carolHeard.join(' ')).toBeGreaterThanOrEqual(6);
    expect(carolHeard.filter((s) => s.includes('1600')).length).toBeLessThanOrEqual(1);
    const c = await ids('203');
    await until('carol out', () => room!.participants.size === 2);
    const recent = await pbx.store.callHistory.recent(c.tenantId, c.userId);
    expect(recent[0]).toMatchObject({ other: { number: '99900' }, record: { room: '99900' }, outcome: 'answered' });
    await carol.dial(`sip:99900@127.0.0.1:${pbx.port}`);
    await carol.waitFor('CALL_ESTABLISHED', { since: carolMark });
    await until('carol back', () => room!.participants.size === 3);
    await sleep(2500);

    const bobMark = bob.events.length;
    await bob.hangup();
    await bob.waitFor('CALL_CLOSED', { since: bobMark });
    await sleep(300);
    const bobHeard = toneSets(bob.heardAudio());
    expect(longestRun(bobHeard, '440+1600'), bobHeard.join(' ')).toBeGreaterThanOrEqual(6);
    expect(bobHeard.filter((s) => s.includes('1000')).length).toBeLessThanOrEqual(1);

    await carol.hangup();
    await alice.hangup();
    await alice.waitFor('CALL_CLOSED', { since: 0 });
    await sleep(300);
    const aliceHeard = toneSets(alice.heardAudio());
    expect(longestRun(aliceHeard, '1000+1600'), aliceHeard.join(' ')).toBeGreaterThanOrEqual(6);
    expect(aliceHeard.filter((s) => s.includes('440')).length).toBeLessThanOrEqual(1);

    await until('the room ended', () => rooms().byNumber(a.tenantId, '99900') === null);
    expect(seen.at(-1)).toBeNull();
    // Dialling a room that is not live.
    const failMark = alice.events.length;
    await alice.dial(`sip:99900@127.0.0.1:${pbx.port}`);
    const closed = await alice.waitFor('CALL_CLOSED', { since: failMark });
    expect(String(closed.param)).toContain('404');
    await until('every call ended', () => pbx.pbx.calls?.activeCalls === 0);
  });

  it('*38 as a transfer target drops the other party into my room, *38 alone joins me; the Conference key lights and goes dark', async () => {
    const alice = await deskPhone(pbx, '211', 'Alice Adams', 440);
    const bob = await deskPhone(pbx, '212', 'Bob Baker', 1000);
    stops.push(() => alice.stop(), () => bob.stop());
    // The Conference key: Bob's phone subscribes to *38 (here a scripted subscriber with his device's credentials).
    const b = await ids('212');
    const bobDevice = (await pbx.store.devices.list(b.tenantId, { userId: b.userId }))[0]!;
    const key = await SipSubscriber.start({ server: pbx.port, username: bobDevice.sipUsername, password: bobDevice.sipPassword, domain: (await pbx.store.tenants.list())[0]!.sipDomain, extension: '212' });
    stops.push(() => key.close());
    expect((await key.subscribe('dialog', '*38', 600)).status).toBe(200);
    await key.waitFor((n) => n.length >= 1);
    expect(dialogStates(key.notifies.at(-1)!.body)).toEqual(['terminated']);

    await alice.dial(`sip:212@127.0.0.1:${pbx.port}`);
    await bob.waitFor('CALL_INCOMING', { since: 0 });
    await bob.accept();
    await alice.waitFor('CALL_ESTABLISHED', { since: 0 });
    await sleep(1000);
    await bob.transfer(`sip:*38@127.0.0.1:${pbx.port}`);
    await bob.waitFor('CALL_CLOSED', { since: 0, timeoutMs: 10_000 });
    const room = rooms().ownedBy(b.tenantId, b.userId);
    expect(room?.participants.size).toBe(1);
    await key.waitFor((n) => dialogStates(n.at(-1)!.body)[0] === 'confirmed');

    const mark = bob.events.length;
    await bob.dial(`sip:*38@127.0.0.1:${pbx.port}`);
    await bob.waitFor('CALL_ESTABLISHED', { since: mark });
    await until('two in the room', () => room!.participants.size === 2);
    await sleep(2500);
    await bob.hangup();
    await bob.waitFor('CALL_CLOSED', { since: mark });
    await alice.hangup();
    await alice.waitFor('CALL_CLOSED', { since: 0 });
    await sleep(300);
    const bobHeard = toneSets(bob.heardAudio());
    expect(longestRun(bobHeard, '440'), bobHeard.join(' ')).toBeGreaterThanOrEqual(6);
    const aliceHeard = toneSets(alice.heardAudio());
    expect(aliceHeard.slice(-16).filter((s) => s === '1000').length, aliceHeard.join(' ')).toBeGreaterThanOrEqual(6);
    await key.waitFor((n) => dialogStates(n.at(-1)!.body)[0] === 'terminated');
    expect(rooms().liveRooms).toBe(0);
  });

  it('Add Participant, Send to Conference: a participant of someone else\'s room holds it, consults, and REFERs the consultation to *38; the new person joins that room', async () => {
    const alice = await deskPhone(pbx, '231', 'Alice Adams', 440);
    const carol = await deskPhone(pbx, '233', 'Carol Cole', 1600);
    stops.push(() => alice.stop(), () => carol.stop());
    const bobCreds = await pbx.addPhone('232', 'Bob Baker');
    const bob = await ScriptedPhone.start({ server: pbx.port, username: bobCreds.username, password: bobCreds.password, domain: bobCreds.domain, extension: '232', toneHz: 1000 });
    stops.push(() => bob.close());

    await alice.dial(`sip:*38@127.0.0.1:${pbx.port}`);
    await alice.waitFor('CALL_ESTABLISHED', { since: 0 });
    const inRoom = await bob.call('99900');
    const a = await ids('231');
    const room = rooms().ownedBy(a.tenantId, a.userId)!;
    await until('two in the room', () => room.participants.size === 2);
    expect((await bob.hold(inRoom)).status).toBe(200);
    await until('Bob muted while he consults', () => [...room.participants.values()].some((p) => p.party.number === '232' && p.muted));

    const toCarol = bob.call('233');
    await carol.waitFor('CALL_INCOMING', { since: 0 });
    await carol.accept();
    const consultation = await toCarol;
    await sleep(500);
    const refer = await bob.send(consultation, 'REFER', { headers: { 'Refer-To': `<sip:*38@127.0.0.1:${pbx.port}>` } });
    expect(refer.status).toBe(202);
    await until('the NOTIFY with 200', () => bob.referProgress().includes('SIP/2.0 200 OK'));
    await bob.hangUp(consultation);
    await until('Carol in the room', () => [...room.participants.values()].some((p) => p.party.number === '233'));
    expect(rooms().ownedBy(a.tenantId, (await ids('232')).userId)).toBeNull(); // no second room for Bob
    await sleep(2500);
    await carol.hangup();
    await carol.waitFor('CALL_CLOSED', { since: 0 });
    await alice.hangup();
    await alice.waitFor('CALL_CLOSED', { since: 0 });
    await sleep(300);
    const aliceHeard = toneSets(alice.heardAudio());
    expect(longestRun(aliceHeard, '1600'), aliceHeard.join(' ')).toBeGreaterThanOrEqual(6);
    const carolHeard = toneSets(carol.heardAudio());
    expect(longestRun(carolHeard, '440'), carolHeard.join(' ')).toBeGreaterThanOrEqual(6);
    await bob.hangUp(inRoom);
    await until('the room ended', () => rooms().liveRooms === 0);
  });

  it.skipIf(!sippAvailable())('a phone whose INVITE has no SDP offer joins a room: our offer in the 200, its answer in the ACK; it and the room hear each other', async () => {
    const alice = await deskPhone(pbx, '241', 'Alice Adams', 440);
    stops.push(() => alice.stop());
    const creds = await pbx.addPhone('242', 'Bob Baker');
    await alice.dial(`sip:*38@127.0.0.1:${pbx.port}`);
    await alice.waitFor('CALL_ESTABLISHED', { since: 0 });
    const media = await farEndMedia(1600);
    stops.push(() => Promise.resolve(media.close()));
    // SIPp as Bob's desk phone: the scenario fails unless the 200 carries an SDP offer.
    const bob = await runSipp({
      scenario: join(SIPP_SCENARIOS, 'phone-delayed-offer.xml'),
      target: `127.0.0.1:${pbx.port}`,
      service: '99900',
      keys: { peer_media_port: media.peer.port, extension: '242', domain: creds.domain },
      extraArgs: ['-au', creds.username, '-ap', creds.password],
      durationMs: 3000,
      timeoutSeconds: 30,
    });
    stops.push(() => Promise.resolve(bob.kill()));
    const result = await bob.done;
    expect(result.code, result.output).toBe(0);
    await alice.hangup();
    await alice.waitFor('CALL_CLOSED', { since: 0 });
    await sleep(300);
    expect(analyseTone(media.peer.heardAudio(), { skipSeconds: 0.3 }).dominant).toBeCloseTo(440, -1);
    const aliceHeard = toneSets(alice.heardAudio());
    expect(longestRun(aliceHeard, '1600'), aliceHeard.join(' ')).toBeGreaterThanOrEqual(6);
  });

  it('the 200 names the room (X-Switchboard-Room, To "Room 999XX"); the eleventh person is refused with 486', async () => {
    const creds = await pbx.addPhone('221', 'Dana Dunn');
    const dana = await ScriptedPhone.start({ server: pbx.port, username: creds.username, password: creds.password, domain: creds.domain, extension: '221', toneHz: 700 });
    stops.push(() => dana.close());
    const first = await dana.call('*38');
    expect(first.response.get('x-switchboard-room')).toBe('99900');
    expect(first.response.to.displayName).toBe('Room 99900');
    for (let i = 0; i < 9; i++) await dana.call('99900');
    const eleventh = await dana.attempt('99900');
    expect(eleventh.call).toBeNull();
    expect(eleventh.response.status).toBe(486);
    expect(eleventh.response.reason).toBe('The conference room is full (10 people)');
    // The announcement came first, as early media.
    expect(eleventh.provisional).toContain(183);
    expect(analyseTone(eleventh.peer.heardAudio(), { maxSeconds: 10 }).rms).toBeGreaterThan(0.01);
    for (const call of dana.calls) expect((await dana.hangUp(call)).status).toBe(200);
    await until('the room ended', () => rooms().liveRooms === 0);
    const gone = await dana.attempt('99900');
    expect(`${gone.response.status} ${gone.response.reason}`).toBe('404 Room 99900 is not in use');
  });
});

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Baresip, SIPP_SCENARIOS, analyseTone, farEndMedia, freePortBlock, runSipp, sippAvailable, until, writeToneWav } from '@switchboard/testkit';
import { PbxFixture } from '../support/pbx-fixture.js';

const tones = mkdtempSync(join(tmpdir(), 'sb-trunk-tones-'));
writeToneWav(join(tones, '1000.wav'), 1000, 30);
writeToneWav(join(tones, '1600.wav'), 1600, 30);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Phone {
  phone: Baresip;
  tenantId: string;
  userId: string;
}

/** A baresip desk phone registered to the fixture as `extension`, sending `toneFile`. */
async function deskPhone(pbx: PbxFixture, extension: string, name: string, toneFile: string): Promise<Phone> {
  const creds = await pbx.addPhone(extension, name);
  const phone = await Baresip.startRegistered({
    account: { user: creds.username, domain: `127.0.0.1:${pbx.port}`, password: creds.password, displayName: name },
    audioSource: join(tones, toneFile),
  });
  return { phone, tenantId: creds.tenantId, userId: creds.userId };
}

/**
 * Phone 102 (sending 1000 Hz) behind the DID +15550100200; SIPp as the carrier calls it with
 * `scenario`, its media an RtpPeer sending 1600 Hz, and the phone answers.
 */
async function didCall(pbx: PbxFixture, cleanup: Array<() => Promise<void> | void>, scenario: string, options: { transport?: 'udp' | 'tcp'; durationMs?: number; from?: string; inboundFrom?: string[] } = {}) {
  const { phone: bob, tenantId, userId } = await deskPhone(pbx, '102', 'Bob Baker', '1000.wav');
  cleanup.push(() => bob.stop());
  await pbx.store.trunks.set(tenantId, { host: '127.0.0.1', port: 5060, ...(options.inboundFrom ? { inboundFrom: options.inboundFrom } : {}) });
  await pbx.store.dids.add(tenantId, '+15550100200', { extension: '102' });
  const media = await farEndMedia(1600);
  cleanup.push(() => media.close());
  const mark = bob.events.length;
  const carrier = await runSipp({
    scenario: join(SIPP_SCENARIOS, scenario),
    target: `127.0.0.1:${pbx.port}`,
    transport: options.transport ?? 'udp',
    ...(options.from !== undefined ? { localAddress: options.from } : {}),
    service: '+15550100200',
    keys: { peer_media_port: media.peer.port, caller: '15550001' },
    ...(options.durationMs !== undefined ? { durationMs: options.durationMs } : {}),
    timeoutSeconds: 40,
  });
  cleanup.push(() => carrier.kill());
  const incoming = await bob.waitFor('CALL_INCOMING', { since: mark });
  await bob.accept();
  return { bob, mark, media, carrier, incoming, tenantId, userId };
}

/** A DID call runs to the carrier's hang-up; then each side heard the other (carrier 1600 Hz, phone 1000 Hz). */
async function heardBothWays({ bob, mark, media, carrier }: Awaited<ReturnType<typeof didCall>>): Promise<void> {
  const result = await carrier.done;
  expect(result.code, result.output).toBe(0);
  await bob.waitFor('CALL_CLOSED', { since: mark });
  await sleep(300);
  expect(analyseTone(media.peer.heardAudio(), { skipSeconds: 0.3 }).dominant).toBeCloseTo(1000, -1);
  expect(analyseTone(bob.heardAudio(), { skipSeconds: 0.5 }).dominant).toBeCloseTo(1600, -1);
}

const hasTools = Baresip.isAvailable() && sippAvailable();

// The SIP trunk with real endpoints: a baresip desk phone on one side, SIPp as the carrier on the
// other with an RtpPeer as the carrier's media. Audio is proven by tones measured on both sides.
describe.skipIf(!hasTools)('SIP trunk: outside calls and DIDs', () => {
  let pbx: PbxFixture;
  const cleanup: Array<() => Promise<void> | void> = [];
  beforeEach(async () => {
    pbx = await PbxFixture.start({ media: true, ringTimeoutMs: 8000 });
  });
  afterEach(async () => {
    for (const undo of cleanup.splice(0).reverse()) await undo();
    await pbx.close();
  });

  it('a phone calls an outside number: the carrier gets the caller ID, both hear each other, DTMF arrives, history says outbound', async () => {
    const { phone: alice, tenantId, userId } = await deskPhone(pbx, '101', 'Alice Adams', '1600.wav');
    cleanup.push(() => alice.stop());
    await pbx.store.users.update(tenantId, userId, { canDialExternal: true });
    const media = await farEndMedia(1000);
    cleanup.push(() => media.close());
    const trunkPort = await freePortBlock(1);
    await pbx.store.trunks.set(tenantId, { host: '127.0.0.1', port: trunkPort, callerIdNumber: '+15550100100', callerIdName: 'Test Co' });
    const messages = join(mkdtempSync(join(tmpdir(), 'sb-trunk-msg-')), 'carrier.log');
    const carrier = await runSipp({
      scenario: join(SIPP_SCENARIOS, 'trunk-uas.xml'),
      localPort: trunkPort,
      keys: { peer_media_port: media.peer.port },
      timeoutSeconds: 40,
      extraArgs: ['-trace_msg', '-message_file', messages],
    });
    cleanup.push(() => carrier.kill());

    const mark = alice.events.length;
    await alice.dial(`sip:5551234@127.0.0.1:${pbx.port}`);
    await alice.waitFor('CALL_ESTABLISHED', { since: mark });
    await sleep(1500);
    await alice.sendDtmf('7#');
    await sleep(600);
    await alice.hangup();
    const result = await carrier.done;
    expect(result.code, result.output).toBe(0);
    await alice.waitFor('CALL_CLOSED', { since: mark });
    await sleep(300);

    // Each side heard the other's tone through the server (the phone after its ringback).
    expect(analyseTone(media.peer.heardAudio(), { skipSeconds: 0.2 }).dominant).toBeCloseTo(1600, -1);
    expect(analyseTone(alice.heardAudio(), { skipSeconds: 1.2, maxSeconds: 1 }).dominant).toBeCloseTo(1000, -1);
    expect(media.peer.receivedDtmf()).toBe('7#');

    // The carrier saw the tenant's number, not the extension.
    const invite = readFileSync(messages, 'utf8').split(/-{10,}/).find((m) => /INVITE sip:5551234@127\.0\.0\.1/.test(m)) ?? '';
    expect(invite).toMatch(/^From: "Test Co" <sip:\+15550100100@127\.0\.0\.1>;tag=/m);
    expect(invite).toMatch(/^P-Asserted-Identity: "Test Co" <sip:\+15550100100@127\.0\.0\.1>/m);

    const history = await pbx.store.callHistory.page(tenantId, userId, { limit: 5 });
    expect(history.items[0]).toMatchObject({ direction: 'outbound', outcome: 'answered', other: { number: '5551234' } });
    expect(pbx.pbx.calls?.activeCalls).toBe(0);
  });

  it('a carrier answer that crosses our CANCEL is ACKed and hung up at once (BYE), and the call stays cancelled', async () => {
    const { phone: alice, tenantId, userId } = await deskPhone(pbx, '121', 'Alice Adams', '1600.wav');
    cleanup.push(() => alice.stop());
    await pbx.store.users.update(tenantId, userId, { canDialExternal: true });
    const trunkPort = await freePortBlock(1);
    await pbx.store.trunks.set(tenantId, { host: '127.0.0.1', port: trunkPort });
    const carrier = await runSipp({ scenario: join(SIPP_SCENARIOS, 'trunk-uas-answers-cancel.xml'), localPort: trunkPort, keys: { peer_media_port: 40000 }, timeoutSeconds: 30 });
    cleanup.push(() => carrier.kill());

    const mark = alice.events.length;
    await alice.dial(`sip:5550199@127.0.0.1:${pbx.port}`);
    await alice.waitFor('CALL_PROGRESS', { since: mark }); // our ringback (180 with SDP)
    await sleep(1000); // the carrier has the INVITE and rings
    await alice.hangup(); // CANCEL: the server cancels the carrier, whose 200 comes anyway
    // The carrier's scenario ends only after our ACK and our BYE (and answers the BYE).
    const result = await carrier.done;
    expect(result.code, result.output).toBe(0);
    await until('the call to be gone', () => pbx.pbx.calls?.activeCalls === 0);
    const history = await pbx.store.callHistory.page(tenantId, userId, { limit: 5 });
    expect(history.items[0]).toMatchObject({ direction: 'outbound', outcome: 'cancelled', other: { number: '5550199' } });
  });

  it('refuses outside calls a user may not make, with the reason; no trunk is a 503', async () => {
    const { phone: alice, tenantId, userId } = await deskPhone(pbx, '111', 'Alice Adams', '1600.wav');
    cleanup.push(() => alice.stop());
    const closedWith = async (number: string): Promise<string> => {
      const mark = alice.events.length;
      await alice.dial(`sip:${number}@127.0.0.1:${pbx.port}`);
      return (await alice.waitFor('CALL_CLOSED', { since: mark })).param ?? '';
    };

    expect(await closedWith('5551234')).toMatch(/403 Outside calls are not allowed for your account/);
    await pbx.store.users.update(tenantId, userId, { canDialExternal: true });
    expect(await closedWith('5551234')).toMatch(/503 No outside line is configured/);
    await pbx.store.trunks.set(tenantId, { host: '127.0.0.1', port: await freePortBlock(1) });
    expect(await closedWith('0044207946000')).toMatch(/403 International calls are not allowed for your account/);
    expect(await closedWith('+44207946000')).toMatch(/403 International calls are not allowed for your account/);
    expect(await closedWith('19005550100')).toMatch(/403 Premium-rate numbers are blocked/);
    expect(pbx.pbx.calls?.activeCalls).toBe(0);
  });

  it('the carrier delivers a call to a DID: the mapped phone rings with the caller’s number, answers, both hear each other', async () => {
    const call = await didCall(pbx, cleanup, 'trunk-uac.xml', { durationMs: 2500 });
    const { bob, incoming, tenantId, userId } = call;
    expect(incoming.peeruri).toContain('sip:15550001@');
    expect(bob.logText()).toContain('Carrier');
    await heardBothWays(call);
    const history = await pbx.store.callHistory.page(tenantId, userId, { limit: 5 });
    expect(history.items[0]).toMatchObject({ direction: 'inbound', outcome: 'answered', other: { number: '15550001', name: 'Carrier' } });
  });

  it('a carrier calling from another address than its host reaches the DID when that address is in the trunk’s inbound list, and is not trusted when it is not', async () => {
    // The carrier sends from 127.0.0.2 (loopback), its trunk host is 127.0.0.1.
    const call = await didCall(pbx, cleanup, 'trunk-uac.xml', { durationMs: 1500, from: '127.0.0.2', inboundFrom: ['127.0.0.2/31'] });
    const { bob, media, tenantId } = call;
    await heardBothWays(call);

    // Without the list, the same call is a stranger's: challenged like an unknown device, logged, the phone never rings.
    await pbx.store.trunks.set(tenantId, { inboundFrom: [] });
    const again = bob.events.length;
    const stranger = await runSipp({
      scenario: join(SIPP_SCENARIOS, 'trunk-uac.xml'),
      target: `127.0.0.1:${pbx.port}`,
      localAddress: '127.0.0.2',
      service: '+15550100200',
      keys: { peer_media_port: media.peer.port, caller: '15550001' },
      timeoutSeconds: 20,
    });
    cleanup.push(() => stranger.kill());
    const refused = await stranger.done;
    expect(refused.code).not.toBe(0);
    expect(refused.output).toMatch(/407/);
    expect(pbx.logs.find((l) => l.fields?.event === 'did_untrusted_source')?.fields).toMatchObject({ address: '127.0.0.2', did: '+15550100200' });
    expect(bob.events.slice(again).some((e) => e.type === 'CALL_INCOMING')).toBe(false);
  });

  it('a carrier INVITE without an SDP offer, and a re-INVITE without one: our offer goes in each 200, its answer in the ACK, and both sides hear each other throughout', async () => {
    // The scenario fails unless each 200 carries an SDP offer; it re-INVITEs 2.5 s after its ACK.
    const { bob, mark, media, carrier } = await didCall(pbx, cleanup, 'trunk-uac-delayed-offer.xml', { durationMs: 2500 });
    const result = await carrier.done;
    expect(result.code, result.output).toBe(0);
    await bob.waitFor('CALL_CLOSED', { since: mark });
    await sleep(300);

    const heard = media.peer.heardAudio();
    expect(analyseTone(heard, { skipSeconds: 0.3 }).dominant).toBeCloseTo(1000, -1);
    // The last second the carrier heard came after its re-INVITE (2.5 s before its BYE).
    const lastSecond = { sampleRate: heard.sampleRate, samples: heard.samples.subarray(Math.max(0, heard.samples.length - heard.sampleRate)) };
    expect(heard.samples.length / heard.sampleRate).toBeGreaterThan(3);
    expect(analyseTone(lastSecond).dominant).toBeCloseTo(1000, -1);
    expect(analyseTone(bob.heardAudio(), { skipSeconds: 0.5 }).dominant).toBeCloseTo(1600, -1);
  });

  it('a carrier that challenges the INVITE gets the trunk credentials; its early media is heard before the answer', async () => {
    const { phone: alice, tenantId, userId } = await deskPhone(pbx, '121', 'Alice Adams', '1600.wav');
    cleanup.push(() => alice.stop());
    await pbx.store.users.update(tenantId, userId, { canDialExternal: true });
    const media = await farEndMedia(1000);
    cleanup.push(() => media.close());
    const trunkPort = await freePortBlock(1);
    // Credentials without registration: this carrier only authenticates calls.
    await pbx.store.trunks.set(tenantId, { host: '127.0.0.1', port: trunkPort, username: 'acme-trunk', password: 'c4rrier-s3cret', register: false, callerIdNumber: '15550100100' });
    const carrier = await runSipp({
      scenario: join(SIPP_SCENARIOS, 'trunk-uas-auth.xml'),
      localPort: trunkPort,
      keys: { peer_media_port: media.peer.port, trunk_user: 'acme-trunk', trunk_password: 'c4rrier-s3cret' },
      timeoutSeconds: 40,
    });
    cleanup.push(() => carrier.kill());

    const mark = alice.events.length;
    await alice.dial(`sip:5557777@127.0.0.1:${pbx.port}`);
    await alice.waitFor('CALL_ESTABLISHED', { since: mark });
    await sleep(1500);
    await alice.hangup();
    const result = await carrier.done;
    expect(result.code, result.output).toBe(0);
    await alice.waitFor('CALL_CLOSED', { since: mark });
    await sleep(300);
    expect(analyseTone(media.peer.heardAudio(), { skipSeconds: 0.2 }).dominant).toBeCloseTo(1600, -1);
    // The 183's media (the carrier's tone) replaced our ringback well before the 200 came 1.5 s later.
    const heard = alice.heardAudio();
    expect(analyseTone(heard, { skipSeconds: 0.3, maxSeconds: 0.8 }).dominant).toBeCloseTo(1000, -1);
    expect(analyseTone(heard, { skipSeconds: 2.0, maxSeconds: 0.8 }).dominant).toBeCloseTo(1000, -1);
  });

  it('a TLS trunk on a server without SIP over TLS: the call is refused with the reason, never sent in the clear, and the log says what to set', async () => {
    const { phone: alice, tenantId, userId } = await deskPhone(pbx, '131', 'Alice Adams', '1600.wav');
    cleanup.push(() => alice.stop());
    await pbx.store.users.update(tenantId, userId, { canDialExternal: true });
    await pbx.store.trunks.set(tenantId, { host: '127.0.0.1', transport: 'tls', username: 'acme-trunk', password: 'c4rrier-s3cret' });
    const mark = alice.events.length;
    await alice.dial(`sip:5551234@127.0.0.1:${pbx.port}`);
    const closed = await alice.waitFor('CALL_CLOSED', { since: mark });
    expect(closed.param).toMatch(/^503 The outside line is not set up on this server \(SIP over TLS is off\)/);
    expect(pbx.logs.find((l) => l.message === 'an outside call cannot use the trunk')?.fields).toMatchObject({ error: expect.stringMatching(/SWITCHBOARD_TLS_CERT/) as unknown });
    // The registration is not attempted in the clear either.
    await pbx.pbx.trunks!.sync();
    expect(pbx.pbx.trunks!.registration(tenantId)).toMatchObject({ state: 'failed', detail: expect.stringMatching(/SIP over TLS is off/) as unknown });
  });

  it('a DID forwarded to an outside number: the carrier’s call goes back out through the trunk (over TCP), media both ways', async () => {
    const { tenantId } = await pbx.addPhone('101');
    const callee = await farEndMedia(1000);
    const caller = await farEndMedia(1600);
    cleanup.push(() => callee.close(), () => caller.close());
    const trunkPort = await freePortBlock(1);
    await pbx.store.trunks.set(tenantId, { host: '127.0.0.1', port: trunkPort, transport: 'tcp', callerIdNumber: '15550100100' });
    await pbx.store.dids.add(tenantId, 'sales', { forwardTo: '5550199' });
    const far = await runSipp({ scenario: join(SIPP_SCENARIOS, 'trunk-uas.xml'), localPort: trunkPort, transport: 'tcp', keys: { peer_media_port: callee.peer.port }, timeoutSeconds: 40 });
    cleanup.push(() => far.kill());
    await sleep(200);
    const near = await runSipp({
      scenario: join(SIPP_SCENARIOS, 'trunk-uac.xml'),
      target: `127.0.0.1:${pbx.port}`,
      service: 'sales',
      keys: { peer_media_port: caller.peer.port, caller: '15550002' },
      durationMs: 2000,
      timeoutSeconds: 40,
    });
    cleanup.push(() => near.kill());
    const [inbound, outbound] = await Promise.all([near.done, far.done]);
    expect(inbound.code, inbound.output).toBe(0);
    expect(outbound.code, outbound.output).toBe(0);
    expect(analyseTone(caller.peer.heardAudio(), { skipSeconds: 0.5 }).dominant).toBeCloseTo(1000, -1);
    expect(analyseTone(callee.peer.heardAudio(), { skipSeconds: 0.2 }).dominant).toBeCloseTo(1600, -1);
    const record = (await pbx.store.db.selectFrom('call_records').selectAll().where('tenant_id', '=', tenantId).execute())[0];
    expect(record).toMatchObject({ direction: 'inbound', from_number: '15550002', to_number: '5550199', outcome: 'answered' });
  });
});

// A caller that will never ACK our 200 has left the call, and the phone that answered must not
// stay connected to nobody. SIPp plays such callers against a real baresip phone.
describe.skipIf(!hasTools)('an answered call whose caller never acknowledges the answer', () => {
  let pbx: PbxFixture;
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const undo of cleanup.splice(0).reverse()) await undo();
    await pbx.close();
  });

  /**
   * The phone that answered `call` is hung up by the server, and the carrier gets a BYE (each
   * scenario waits for one); the server says why it ended the call.
   */
  async function endedByServer(call: Awaited<ReturnType<typeof didCall>>, why: string): Promise<void> {
    await call.bob.waitFor('CALL_ESTABLISHED', { since: call.mark });
    await call.bob.waitFor('CALL_CLOSED', { since: call.mark, timeoutMs: 15_000 });
    const result = await call.carrier.done;
    expect(result.code, result.output).toBe(0);
    expect(pbx.logs.some((l) => l.message === 'a party left the call without acknowledging our answer: ending it' && l.fields?.why === why)).toBe(true);
    await until('the call to be gone', () => pbx.pbx.calls?.activeCalls === 0);
  }

  it('a CANCEL that crosses the 200 (and no ACK after it, as JsSIP does) hangs up the phone that answered', async () => {
    pbx = await PbxFixture.start({ media: true });
    const call = await didCall(pbx, cleanup, 'trunk-uac-cancel-crosses-answer.xml', { transport: 'tcp' });
    await endedByServer(call, 'a CANCEL crossed our answer');
    const history = await pbx.store.callHistory.page(call.tenantId, call.userId, { limit: 5 });
    expect(history.items[0]).toMatchObject({ direction: 'inbound', outcome: 'answered', other: { number: '15550001' } });
  });

  it('no ACK within 64×T1 (§13.3.1.4): the call ends with a BYE to the caller and to the phone', async () => {
    // T1 = 50 ms: the answer is given up on after 3.2 s, not 32 s.
    pbx = await PbxFixture.start({ media: true, sipTimers: { T1: 50 } });
    await endedByServer(await didCall(pbx, cleanup, 'trunk-uac-no-ack.xml'), 'no ACK came for our answer');
  });

  it('no ACK within 64×T1 for the 200 that offered SDP to a re-INVITE without an offer: the call ends the same way', async () => {
    pbx = await PbxFixture.start({ media: true, sipTimers: { T1: 50 } });
    await endedByServer(await didCall(pbx, cleanup, 'trunk-uac-reinvite-no-ack.xml', { durationMs: 1000 }), 'no ACK came for our answer');
  });
});

describe.skipIf(!sippAvailable())('SIP trunk registration', () => {
  let pbx: PbxFixture;
  afterEach(async () => {
    await pbx.close();
  });

  it('registers with digest, refreshes before the granted expiry, and unregisters when the trunk is removed', async () => {
    pbx = await PbxFixture.start({ media: true });
    const { tenantId } = await pbx.addPhone('101');
    const registrarPort = await freePortBlock(1);
    const registrar = await runSipp({
      scenario: join(SIPP_SCENARIOS, 'trunk-registrar.xml'),
      localPort: registrarPort,
      keys: { trunk_user: 'acme-trunk', trunk_password: 'c4rrier-s3cret' },
      timeoutSeconds: 30,
    });
    try {
      await sleep(200);
      await pbx.store.trunks.set(tenantId, { host: '127.0.0.1', port: registrarPort, username: 'acme-trunk', password: 'c4rrier-s3cret' });
      await pbx.pbx.trunks!.sync();
      const registration = pbx.pbx.trunks!.registration(tenantId)!;
      const deadline = Date.now() + 10_000;
      while (registration.registrations < 2 && Date.now() < deadline) await sleep(50);
      expect(registration).toMatchObject({ state: 'registered', registrations: 2, detail: 'registered for 2 s' });

      await pbx.store.trunks.remove(tenantId);
      await pbx.pbx.trunks!.sync();
      expect(registration.state).toBe('stopped');
      expect(pbx.pbx.trunks!.registration(tenantId)).toBeNull();
      const result = await registrar.done;
      expect(result.code, result.output).toBe(0);
    } finally {
      registrar.kill();
    }
  });
});

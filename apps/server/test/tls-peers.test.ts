import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { generate } from 'selfsigned';
import type { TcpTransport } from '@switchboard/sip';
import { Baresip, analyseTone, writeToneWav, type BaresipEvent } from '@switchboard/testkit';
import { createLogger } from '../src/logging.js';
import { selfSigned } from '../src/tls/certificate.js';
import { startTestServer } from './support/server.js';

// SIP over TLS with real endpoints, against the whole server with its self-signed certificate:
// a baresip desk phone that registers and calls over TLS, and a carrier (baresip listening on
// TLS with a certificate of its own) reached through a TLS trunk and calling in to a DID. Every
// call's audio is proven by the tone measured on each side.

const noBaresip = Baresip.isAvailable() ? null : 'baresip is not installed (apt-get install baresip-core): the SIP-over-TLS tests are skipped';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let work: string;
const tone = (hz: number) => join(work, `${hz}.wav`);

/** The carrier's certificate and key (its own self-signed pair, for 127.0.0.1), and baresip's bundle of both. */
interface CarrierIdentity {
  certPath: string;
  bundlePath: string;
}

/**
 * A carrier's certificate: the server's self-signed kind (names localhost and 127.0.0.1), or with
 * `nameOnly` one that names the host `localhost` and no address, as a real carrier's names its host.
 */
async function carrierIdentity(name: string, options: { nameOnly?: boolean } = {}): Promise<CarrierIdentity> {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  let pair: { cert: string; key: string; certPath: string };
  if (options.nameOnly) {
    const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
      keyType: 'ec',
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }] }],
    });
    pair = { cert: pems.cert, key: pems.private, certPath: join(dir, 'carrier.crt') };
    writeFileSync(pair.certPath, pair.cert);
  } else {
    pair = await selfSigned(dir, '127.0.0.1');
  }
  const bundlePath = join(dir, 'bundle.pem');
  writeFileSync(bundlePath, `${pair.cert.trim()}\n${pair.key.trim()}\n`);
  return { certPath: pair.certPath, bundlePath };
}

type TestServer = Awaited<ReturnType<typeof startTestServer>>;

/** A server with SIP over TLS (self-signed) that trusts `trust` for its outgoing TLS; its log lines are kept. */
async function tlsServer(trust: string): Promise<{ test: TestServer; logs: string[] }> {
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const test = await startTestServer({ SWITCHBOARD_TLS_SELF_SIGNED: '1', SWITCHBOARD_TLS_TRUST: trust, SWITCHBOARD_DEMO: '0' }, { logger: createLogger('info', sink) });
  return { test, logs };
}

interface Line {
  tenantId: string;
  userId: string;
  username: string;
  password: string;
}

/** A tenant (made once per server) with a user on `extension` and a desk phone. */
async function line(test: TestServer, extension: string, name: string): Promise<Line> {
  const store = test.server.store;
  const tenant = (await store.tenants.list())[0] ?? (await store.tenants.create({ name: 'TLS Co', sipDomain: 'tls-co.test' }));
  const user = await store.users.create(tenant.id, { name, email: `u${extension}@tls-co.test`, canDialExternal: true });
  await store.extensions.assign(tenant.id, extension, user.id);
  const device = await store.devices.create(tenant.id, { userId: user.id, kind: 'desk_phone' });
  return { tenantId: tenant.id, userId: user.id, username: device.sipUsername, password: device.sipPassword };
}

/** A desk phone registered over UDP, sending `hz`. */
function udpPhone(test: TestServer, l: Line, hz: number): Promise<Baresip> {
  return Baresip.startRegistered({ account: { user: l.username, domain: `127.0.0.1:${test.server.sip.udpPort}`, password: l.password }, audioSource: tone(hz) });
}

/**
 * The carrier: answers any call to `number` at once, sending `hz`; listens for TLS on its SIP
 * port + 1 and trusts the server's certificate. With `srtp` it takes SDES-SRTP media only.
 */
function carrier(test: TestServer, identity: CarrierIdentity, number: string, hz: number, options: { srtp?: boolean } = {}): Promise<Baresip> {
  return Baresip.start({
    account: { user: number, domain: '127.0.0.1', register: false, answerMode: 'auto', ...(options.srtp ? { mediaenc: 'srtp-mand' } : {}) },
    audioSource: tone(hz),
    extraConfig: [`sip_certificate ${identity.bundlePath}`, `sip_cafile ${test.server.tls!.certPath}`, ...(options.srtp ? ['module srtp.so'] : [])],
    sipTrace: true,
  });
}

/**
 * `caller` dials `uri`; `callee` answers (unless it answers by itself), they talk 1.5 s, and
 * `hangUpBy` hangs up. Returns the callee's CALL_INCOMING (none when it answered by itself) and
 * the tone each side heard.
 */
async function talk(caller: Baresip, callee: Baresip, uri: string, options: { hangUpBy: Baresip; autoAnswer?: boolean; beforeHangUp?: () => Promise<void> }): Promise<{ incoming: BaresipEvent | null; callerHeard: number | null; calleeHeard: number | null }> {
  const callerMark = caller.events.length;
  const calleeMark = callee.events.length;
  await caller.dial(uri);
  // A phone that answers by itself reports no CALL_INCOMING.
  const incoming = options.autoAnswer ? null : await callee.waitFor('CALL_INCOMING', { since: calleeMark });
  if (!options.autoAnswer) await callee.accept();
  await caller.waitFor('CALL_ESTABLISHED', { since: callerMark });
  await callee.waitFor('CALL_ESTABLISHED', { since: calleeMark });
  await sleep(1500);
  await options.beforeHangUp?.();
  await options.hangUpBy.hangup();
  await caller.waitFor('CALL_CLOSED', { since: callerMark });
  await callee.waitFor('CALL_CLOSED', { since: calleeMark });
  return {
    incoming,
    // The caller's first half second may be ringback.
    callerHeard: analyseTone(caller.heardAudio(), { skipSeconds: 0.5 }).dominant,
    calleeHeard: analyseTone(callee.heardAudio(), { skipSeconds: 0.3 }).dominant,
  };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'sb-tls-peers-'));
  for (const hz of [1000, 1600]) writeToneWav(tone(hz), hz, 30);
});

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('SIP over TLS', () => {
  let server: { test: TestServer; logs: string[] } | undefined;
  const cleanup: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const undo of cleanup.splice(0).reverse()) await undo();
    await server?.test.stop();
    server = undefined;
  });

  /**
   * A server trusting `trusted`'s certificate, Alice (101) on a UDP desk phone sending 1600 Hz, and
   * a carrier on TLS with `carrierIdentity` (default: the trusted one) answering 5551234 with 1000 Hz.
   */
  async function trunkScene(trusted: CarrierIdentity, options: { carrierIdentity?: CarrierIdentity; srtp?: boolean } = {}) {
    server = await tlsServer(trusted.certPath);
    const { test, logs } = server;
    const alice = await line(test, '101', 'Alice Adams');
    const phone = await udpPhone(test, alice, 1600);
    cleanup.push(() => phone.stop());
    const far = await carrier(test, options.carrierIdentity ?? trusted, '5551234', 1000, { srtp: options.srtp ?? false });
    cleanup.push(() => far.stop());
    return { test, logs, alice, phone, far, carrierTls: far.sipPort + 1, dialOut: `sip:5551234@127.0.0.1:${test.server.sip.udpPort}` };
  }

  it('a desk phone registers over TLS, is called through its connection and calls out the same way; both hear each other', async ({ skip }) => {
    skip(noBaresip !== null, noBaresip ?? '');
    const identity = await carrierIdentity('unused-carrier');
    server = await tlsServer(identity.certPath);
    const { test } = server;
    const tlsPort = test.server.sip.tlsPort!;
    const alice = await line(test, '101', 'Alice Adams');
    const bob = await line(test, '102', 'Bob Baker');
    const secure = await Baresip.startRegistered({
      account: { user: alice.username, domain: `127.0.0.1:${tlsPort}`, password: alice.password, transport: 'tls' },
      audioSource: tone(1600),
      extraConfig: [`sip_cafile ${test.server.tls!.certPath}`],
    });
    cleanup.push(() => secure.stop());
    const plain = await udpPhone(test, bob, 1000);
    cleanup.push(() => plain.stop());
    const [binding] = await test.server.store.registrations.listForDevice(alice.tenantId, (await test.server.store.devices.list(alice.tenantId)).find((d) => d.sipUsername === alice.username)!.id);
    expect(binding).toMatchObject({ transport: 'tls' });
    expect(binding!.flowId).not.toBeNull();

    // Called: the INVITE reaches the phone through the connection it registered on.
    const called = await talk(plain, secure, `sip:101@127.0.0.1:${test.server.sip.udpPort}`, { hangUpBy: plain });
    expect(called.calleeHeard).toBeCloseTo(1000, -1);
    expect(called.callerHeard).toBeCloseTo(1600, -1);

    // Calling: the TLS phone dials the desk phone (baresip adds its account's transport=tls) and hangs up itself.
    const calling = await talk(secure, plain, `sip:102@127.0.0.1:${tlsPort}`, { hangUpBy: secure });
    expect(calling.calleeHeard).toBeCloseTo(1600, -1);
    expect(calling.callerHeard).toBeCloseTo(1000, -1);
  });

  it('a TLS trunk to a host name: an outside call goes to the carrier over TLS (its certificate checked for the name), and the carrier calls a DID over TLS; both hear each other each time', async ({ skip }) => {
    skip(noBaresip !== null, noBaresip ?? '');
    // The carrier's certificate names "localhost" only; its Contact carries the bare address, so
    // requests within the call must keep to the connection checked for the name.
    const { test, alice, phone, far, carrierTls, dialOut } = await trunkScene(await carrierIdentity('carrier', { nameOnly: true }));
    await test.server.store.trunks.set(alice.tenantId, { host: 'localhost', port: carrierTls, transport: 'tls', callerIdNumber: '+15550100100' });
    await test.server.store.dids.add(alice.tenantId, '+15550100200', { extension: '101' });

    // Out: the phone dials the carrier's number; the carrier answers by itself. Before the phone
    // hangs up, the server's TLS connections drop (a carrier closing an idle one): our BYE must
    // then reach the carrier at its host, checked by name, not at the bare address of its Contact.
    const dropConnections = async (): Promise<void> => {
      for (const flow of (test.server.sip.stack.transport('tls') as TcpTransport).connections) (flow as unknown as { socket: Socket }).socket.destroy();
      await sleep(300);
    };
    const out = await talk(phone, far, dialOut, { hangUpBy: phone, autoAnswer: true, beforeHangUp: dropConnections });
    expect(out.calleeHeard).toBeCloseTo(1600, -1);
    expect(out.callerHeard).toBeCloseTo(1000, -1);
    // The carrier's trace names the transport each message came over.
    expect(far.logText()).toMatch(new RegExp(`^TLS 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${carrierTls}\\nINVITE sip:5551234@`, 'm'));
    const invite = far.sipMessages().find((m) => m.startsWith('INVITE sip:5551234@')) ?? '';
    expect(invite).toContain(`INVITE sip:5551234@localhost:${carrierTls};transport=tls SIP/2.0`);
    expect(invite).toMatch(/^Via: SIP\/2\.0\/TLS /m);
    expect(invite).toMatch(/^From: <sip:\+15550100100@localhost>;tag=/m);
    const answer = far.sipMessages().find((m) => m.startsWith('SIP/2.0 200') && /^CSeq: 1 INVITE/m.test(m)) ?? '';
    expect(answer).toMatch(/^Contact: <sip:5551234-\S+@127\.0\.0\.1:\d+;transport=tls>/m);
    // Our BYE reached the carrier (it hung up because of it), over TLS.
    const bye = far.sipMessages().find((m) => m.startsWith('BYE sip:5551234-')) ?? '';
    expect(bye).toMatch(/^Via: SIP\/2\.0\/TLS /m);

    // In: the carrier calls the DID over TLS; the phone answers and hangs up, so our BYE goes to the carrier's TLS Contact.
    const inbound = await talk(far, phone, `sip:+15550100200@127.0.0.1:${test.server.sip.tlsPort!};transport=tls`, { hangUpBy: phone });
    expect(inbound.incoming?.peeruri).toContain('5551234');
    expect(inbound.calleeHeard).toBeCloseTo(1000, -1);
    expect(inbound.callerHeard).toBeCloseTo(1600, -1);
    expect(far.logText()).toMatch(new RegExp(`^TLS 127\\.0\\.0\\.1:\\d+ -> 127\\.0\\.0\\.1:${carrierTls}\\nBYE sip:`, 'm'));

    const history = await test.server.store.callHistory.page(alice.tenantId, alice.userId, { limit: 5 });
    expect(history.items.map((v) => [v.direction, v.outcome])).toEqual([
      ['inbound', 'answered'],
      ['outbound', 'answered'],
    ]);
  });

  it('a TLS trunk with SRTP: the carrier, which takes only SRTP, gets an RTP/SAVP offer with a key; both hear each other', async ({ skip }) => {
    skip(noBaresip !== null, noBaresip ?? '');
    const { test, alice, phone, far, carrierTls, dialOut } = await trunkScene(await carrierIdentity('srtp-carrier'), { srtp: true });
    await test.server.store.trunks.set(alice.tenantId, { host: '127.0.0.1', port: carrierTls, transport: 'tls', srtp: true });

    const out = await talk(phone, far, dialOut, { hangUpBy: phone, autoAnswer: true });
    expect(out.calleeHeard).toBeCloseTo(1600, -1);
    expect(out.callerHeard).toBeCloseTo(1000, -1);
    const invite = far.sipMessages().find((m) => m.startsWith('INVITE sip:5551234@')) ?? '';
    expect(invite).toMatch(/^m=audio \d+ RTP\/SAVP /m);
    expect(invite).toMatch(/^a=crypto:\d+ AES_CM_128_HMAC_SHA1_80 inline:\S+/m);
  });

  it('a carrier whose certificate the server does not trust gets no call: the caller hears the line is not answering, the log says why', async ({ skip }) => {
    skip(noBaresip !== null, noBaresip ?? '');
    const { test, logs, alice, phone, far, carrierTls, dialOut } = await trunkScene(await carrierIdentity('trusted-carrier'), { carrierIdentity: await carrierIdentity('stranger') });
    await test.server.store.trunks.set(alice.tenantId, { host: '127.0.0.1', port: carrierTls, transport: 'tls' });

    const mark = phone.events.length;
    await phone.dial(dialOut);
    const closed = await phone.waitFor('CALL_CLOSED', { since: mark });
    expect(closed.param).toMatch(/503 The outside line is not answering/);
    expect(far.events.some((e) => e.type === 'CALL_INCOMING')).toBe(false);
    expect(far.sipMessages().some((m) => m.includes('INVITE sip:5551234@'))).toBe(false);
    const failure = logs.map((l) => JSON.parse(l) as { msg: string; reason?: string }).find((l) => l.msg === 'an outside call failed at the trunk');
    expect(failure?.reason).toMatch(/certificate/i);
    const history = await test.server.store.callHistory.page(alice.tenantId, alice.userId, { limit: 1 });
    expect(history.items[0]).toMatchObject({ direction: 'outbound', outcome: 'failed' });
  });

  it('SWITCHBOARD_TLS_TRUST that holds no certificate stops the server with one clear line', async () => {
    const bad = join(work, 'not-a-cert.pem');
    writeFileSync(bad, 'hello\n');
    await expect(startTestServer({ SWITCHBOARD_TLS_SELF_SIGNED: '1', SWITCHBOARD_TLS_TRUST: bad, SWITCHBOARD_DEMO: '0' })).rejects.toThrow(`SWITCHBOARD_TLS_TRUST: ${bad} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`);
  });
});

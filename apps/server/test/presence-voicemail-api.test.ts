import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { BlfKeysResponse, DndState, PortalEvent, PresenceResponse, VoicemailListResponse, VoicemailMessage } from '@switchboard/api';
import { encodeWav } from '@switchboard/media';
import { LocationService, Mailbox, openStore, PresenceService, writeDurably, type Store, type Tenant, type User } from '@switchboard/pbx';
import type { FastifyInstance } from 'fastify';
import { EventHub } from '../src/events/event-hub.js';
import { buildApp } from '../src/http/app.js';
import { LoginThrottle } from '../src/http/login-throttle.js';
import { LivePresence } from '../src/http/presence.js';
import { createLogger } from '../src/logging.js';
import { cookieOf } from './support/portal.js';

/** A tone as a WAV file (mono 16-bit PCM). */
function toneWav(frequency: number, seconds: number, sampleRate = 8000): Buffer {
  const samples = new Int16Array(Math.round(seconds * sampleRate));
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(0.4 * 32767 * Math.sin((2 * Math.PI * frequency * i) / sampleRate));
  return encodeWav({ sampleRate, samples });
}

interface Setup {
  app: FastifyInstance;
  store: Store;
  mailbox: Mailbox;
  location: LocationService;
  presence: PresenceService;
  events: Array<{ tenantId: string; audience: string; event: PortalEvent }>;
  tenant: Tenant;
  alice: User;
  bob: User;
  carol: User;
  dir: string;
}

const password = 'correct horse battery';
let s: Setup;

beforeEach(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-features-api-'));
  const store = await openStore({ sqlitePath: join(dir, 'store.sqlite') });
  const logger = createLogger('silent');
  const hub = new EventHub(logger);
  const events: Setup['events'] = [];
  const publish = hub.publish.bind(hub);
  hub.publish = (tenantId, audience, event) => {
    events.push({ tenantId, audience, event });
    return publish(tenantId, audience, event);
  };
  const mailbox = new Mailbox({ store, dir: join(dir, 'voicemail'), notifier: { voicemailChanged: (t, u, unread) => void hub.publish(t, u, { type: 'voicemail', unread }) } });
  const location = new LocationService();
  const presence = new PresenceService({
    location,
    userOf: async (t, e) => (await store.users.findByExtension(t, e))?.id ?? null,
    isDnd: () => false,
  });
  const app = await buildApp({
    store,
    events: hub,
    logger,
    throttle: new LoginThrottle(),
    presence: new LivePresence(store, presence),
    webRoot: join(dir, 'no-portal'),
    version: 'test',
    secure: false,
    mailbox,
  } as Parameters<typeof buildApp>[0]);
  const tenant = await store.tenants.create({ name: 'Acme', sipDomain: 'acme.example.test' });
  const alice = await store.users.create(tenant.id, { name: 'Alice Adams', email: 'alice@acme.example.test', password });
  const bob = await store.users.create(tenant.id, { name: 'Bob Baker', email: 'bob@acme.example.test', password });
  const carol = await store.users.create(tenant.id, { name: 'Carol Clark', email: 'carol@acme.example.test', password });
  await store.extensions.assign(tenant.id, '101', alice.id);
  await store.extensions.assign(tenant.id, '102', bob.id);
  await store.extensions.assign(tenant.id, '103', carol.id);
  s = { app, store, mailbox, location, presence, events, tenant, alice, bob, carol, dir };
});

afterEach(async () => {
  await s.app.close();
  await s.store.close();
  rmSync(s.dir, { recursive: true, force: true });
});

async function signIn(email: string): Promise<string> {
  const response = await s.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password } });
  expect(response.statusCode).toBe(200);
  return cookieOf(response);
}

/** A message in Alice's mailbox, as the deposit writes it: file first, then the row. */
async function leaveMessage(from: string, frequency: number): Promise<string> {
  const id = randomUUID();
  const file = join('messages', s.tenant.id, s.alice.id, `${id}.wav`);
  mkdirSync(dirname(join(s.mailbox.dir, file)), { recursive: true });
  await writeDurably(join(s.mailbox.dir, file), toneWav(frequency, 1.5));
  await s.store.voicemail.add(s.tenant.id, { id, userId: s.alice.id, from: { number: from, name: null }, durationMs: 1500, file });
  await s.mailbox.mailboxChanged(s.tenant.id, s.alice.id);
  return id;
}

describe('presence and BLF keys', () => {
  test('GET /api/presence lists every extension; the default BLF layout is the others by name; a saved layout is validated and kept', async () => {
    const cookie = await signIn('alice@acme.example.test');
    const presence = await s.app.inject({ method: 'GET', url: '/api/presence', headers: { cookie } });
    expect(presence.statusCode).toBe(200);
    expect(presence.json<PresenceResponse>()).toEqual({ entries: [{ extension: '101', state: 'offline' }, { extension: '102', state: 'offline' }, { extension: '103', state: 'offline' }] });

    const layout = await s.app.inject({ method: 'GET', url: '/api/me/blf-keys', headers: { cookie } });
    expect(layout.json<BlfKeysResponse>()).toEqual({ keys: [{ extension: '102', label: 'Bob Baker' }, { extension: '103', label: 'Carol Clark' }] });

    const bad = await s.app.inject({ method: 'PUT', url: '/api/me/blf-keys', headers: { cookie }, payload: { keys: [{ extension: '199', label: 'Ghost' }] } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('199') as unknown } });
    const twice = await s.app.inject({ method: 'PUT', url: '/api/me/blf-keys', headers: { cookie }, payload: { keys: [{ extension: '102', label: 'a' }, { extension: '102', label: 'b' }] } });
    expect(twice.statusCode).toBe(400);

    const saved = await s.app.inject({ method: 'PUT', url: '/api/me/blf-keys', headers: { cookie }, payload: { keys: [{ extension: '103', label: ' Carol (desk) ' }, { extension: '102', label: '' }] } });
    expect(saved.statusCode).toBe(200);
    expect(saved.json<BlfKeysResponse>()).toEqual({ keys: [{ extension: '103', label: 'Carol (desk)' }, { extension: '102', label: 'Bob Baker' }] });
    const again = await s.app.inject({ method: 'GET', url: '/api/me/blf-keys', headers: { cookie } });
    expect(again.json<BlfKeysResponse>().keys.map((k) => k.extension)).toEqual(['103', '102']);
    // An empty layout stays empty (not the default).
    await s.app.inject({ method: 'PUT', url: '/api/me/blf-keys', headers: { cookie }, payload: { keys: [] } });
    expect((await s.app.inject({ method: 'GET', url: '/api/me/blf-keys', headers: { cookie } })).json<BlfKeysResponse>()).toEqual({ keys: [] });
    // Bob still has the default.
    const bobCookie = await signIn('bob@acme.example.test');
    expect((await s.app.inject({ method: 'GET', url: '/api/me/blf-keys', headers: { cookie: bobCookie } })).json<BlfKeysResponse>().keys.map((k) => k.extension)).toEqual(['101', '103']);
    expect((await s.app.inject({ method: 'GET', url: '/api/me/blf-keys' })).statusCode).toBe(401);
  });

  test('the directory and /api/presence follow calls the PBX reports', async () => {
    const cookie = await signIn('alice@acme.example.test');
    const bob = { tenantId: s.tenant.id, userId: s.bob.id, number: '102', name: 'Bob Baker' };
    const carol = { tenantId: s.tenant.id, userId: s.carol.id, number: '103', name: 'Carol Clark' };
    s.presence.callState({ callId: 'c1', caller: carol, callee: bob, state: 'ringing' });
    const states = (await s.app.inject({ method: 'GET', url: '/api/presence', headers: { cookie } })).json<PresenceResponse>().entries;
    expect(states).toContainEqual({ extension: '102', state: 'ringing' });
    expect(states).toContainEqual({ extension: '103', state: 'busy' });
    s.presence.callState({ callId: 'c1', caller: carol, callee: bob, state: 'answered' });
    const directory = (await s.app.inject({ method: 'GET', url: '/api/directory', headers: { cookie } })).json<{ entries: Array<{ extension: string; presence: string }> }>();
    expect(directory.entries.find((e) => e.extension === '102')?.presence).toBe('busy');
  });
});

describe('Do Not Disturb', () => {
  test('GET/PUT /api/me/dnd store the flag and push a dnd event to the user', async () => {
    const cookie = await signIn('bob@acme.example.test');
    expect((await s.app.inject({ method: 'GET', url: '/api/me/dnd', headers: { cookie } })).json<DndState>()).toEqual({ enabled: false });
    const on = await s.app.inject({ method: 'PUT', url: '/api/me/dnd', headers: { cookie }, payload: { enabled: true } });
    expect(on.statusCode).toBe(200);
    expect(on.json<DndState>()).toEqual({ enabled: true });
    expect(await s.store.dnd.get(s.tenant.id, s.bob.id)).toBe(true);
    expect(s.events).toContainEqual({ tenantId: s.tenant.id, audience: s.bob.id, event: { type: 'dnd', enabled: true } });
    expect((await s.app.inject({ method: 'GET', url: '/api/me/dnd', headers: { cookie } })).json<DndState>()).toEqual({ enabled: true });
    expect((await s.app.inject({ method: 'PUT', url: '/api/me/dnd', headers: { cookie }, payload: { enabled: 'yes' } })).statusCode).toBe(400);
    expect((await s.app.inject({ method: 'PUT', url: '/api/me/dnd', headers: { cookie, 'content-type': 'text/plain' }, payload: 'enabled=true' })).statusCode).toBe(415);
  });
});

describe('voicemail', () => {
  test('list, play, download, mark heard (event), delete; another user cannot reach the message', async () => {
    const first = await leaveMessage('102', 440);
    const second = await leaveMessage('+15550100', 1000);
    expect(s.events.at(-1)).toEqual({ tenantId: s.tenant.id, audience: s.alice.id, event: { type: 'voicemail', unread: 2 } });
    const cookie = await signIn('alice@acme.example.test');

    const list = (await s.app.inject({ method: 'GET', url: '/api/voicemail', headers: { cookie } })).json<VoicemailListResponse>();
    expect(list.unread).toBe(2);
    expect(list.messages.map((m) => m.id)).toEqual([second, first]);
    expect(list.messages[1]).toMatchObject({ from: { number: '102', name: null }, durationSeconds: 2, heard: false });

    const audio = await s.app.inject({ method: 'GET', url: `/api/voicemail/${first}/audio`, headers: { cookie } });
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    expect(audio.headers['content-disposition']).toBeUndefined();
    expect(audio.rawPayload.subarray(0, 4).toString('latin1')).toBe('RIFF');
    const download = await s.app.inject({ method: 'GET', url: `/api/voicemail/${second}/audio?download=1`, headers: { cookie } });
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="voicemail-.*\+15550100\.wav"$/);

    const heard = await s.app.inject({ method: 'PATCH', url: `/api/voicemail/${first}`, headers: { cookie }, payload: { heard: true } });
    expect(heard.statusCode).toBe(200);
    expect(heard.json<VoicemailMessage>()).toMatchObject({ id: first, heard: true });
    expect(s.events.at(-1)).toEqual({ tenantId: s.tenant.id, audience: s.alice.id, event: { type: 'voicemail', unread: 1 } });

    const bobCookie = await signIn('bob@acme.example.test');
    expect((await s.app.inject({ method: 'GET', url: `/api/voicemail/${first}/audio`, headers: { cookie: bobCookie } })).statusCode).toBe(404);
    expect((await s.app.inject({ method: 'DELETE', url: `/api/voicemail/${first}`, headers: { cookie: bobCookie, 'content-type': 'application/json' } })).statusCode).toBe(404);

    const removed = await s.app.inject({ method: 'DELETE', url: `/api/voicemail/${second}`, headers: { cookie, 'content-type': 'application/json' } });
    expect(removed.statusCode).toBe(204);
    expect(s.events.at(-1)).toEqual({ tenantId: s.tenant.id, audience: s.alice.id, event: { type: 'voicemail', unread: 0 } });
    expect((await s.app.inject({ method: 'GET', url: `/api/voicemail/${second}/audio`, headers: { cookie } })).statusCode).toBe(404);
    expect((await s.app.inject({ method: 'GET', url: '/api/voicemail/not-an-id/audio', headers: { cookie } })).statusCode).toBe(400);
  });

  test('a greeting is uploaded as WAV (checked), replaces the spoken default, and can be removed', async () => {
    const cookie = await signIn('alice@acme.example.test');
    const put = (body: Buffer, type = 'audio/wav') => s.app.inject({ method: 'PUT', url: '/api/voicemail/greeting', headers: { cookie, 'content-type': type }, payload: body });
    const notWav = await put(Buffer.from('hello, this is not audio'));
    expect(notWav.statusCode).toBe(400);
    expect(notWav.json()).toMatchObject({ error: { code: 'validation_failed' } });
    expect((await put(toneWav(440, 1, 11025))).statusCode).toBe(400);
    expect((await put(toneWav(440, 1), 'application/octet-stream')).statusCode).toBe(415);
    const settings = async () => (await s.app.inject({ method: 'GET', url: '/api/voicemail/settings', headers: { cookie } })).json<unknown>();
    expect(await settings()).toEqual({ whenBusy: true, ownGreeting: false });
    const ok = await put(toneWav(440, 2, 16000));
    expect(ok.statusCode).toBe(204);
    const path = await s.mailbox.greetingPath(s.tenant.id, s.alice.id);
    expect(path).not.toBeNull();
    expect(await settings()).toEqual({ whenBusy: true, ownGreeting: true });
    const removed = await s.app.inject({ method: 'DELETE', url: '/api/voicemail/greeting', headers: { cookie, 'content-type': 'application/json' } });
    expect(removed.statusCode).toBe(204);
    expect(await s.mailbox.greetingPath(s.tenant.id, s.alice.id)).toBeNull();
    expect(await settings()).toEqual({ whenBusy: true, ownGreeting: false });
  });

  test('"voicemail when busy" is a setting of the signed-in user: off, it stays off (stored); only the boolean is taken', async () => {
    const alice = await signIn('alice@acme.example.test');
    const patch = (cookie: string, payload: unknown) => s.app.inject({ method: 'PATCH', url: '/api/voicemail/settings', headers: { cookie, 'content-type': 'application/json' }, payload: JSON.stringify(payload) });
    const off = await patch(alice, { whenBusy: false });
    expect(off.statusCode).toBe(200);
    expect(off.json()).toEqual({ whenBusy: false, ownGreeting: false });
    expect((await s.store.voicemail.box(s.tenant.id, s.alice.id)).whenBusy).toBe(false);
    expect((await s.app.inject({ method: 'GET', url: '/api/voicemail/settings', headers: { cookie: alice } })).json()).toEqual({ whenBusy: false, ownGreeting: false });
    const bad = await patch(alice, { whenBusy: 'no' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'validation_failed' } });
    // Anything else in the body is dropped, never stored.
    const extra = await patch(alice, { whenBusy: true, greetingFile: '/etc/passwd' });
    expect(extra.json()).toEqual({ whenBusy: true, ownGreeting: false });
    expect(await s.store.voicemail.box(s.tenant.id, s.alice.id)).toEqual({ whenBusy: true, greetingFile: null });
    expect((await s.app.inject({ method: 'GET', url: '/api/voicemail/settings' })).statusCode).toBe(401);
  });
});

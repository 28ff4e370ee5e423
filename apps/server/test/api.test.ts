import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiError, CallHistoryPage, DirectoryResponse, Me, RecentCallsResponse } from '@switchboard/api';
import { testPortal } from './support/portal.js';
import type { TestPortal } from './support/portal.js';

let portal: TestPortal;
beforeEach(async () => {
  portal = await testPortal();
});
afterEach(async () => {
  await portal.close();
});

const login = (email: string, password: string, remoteAddress = '127.0.0.1') =>
  portal.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password }, remoteAddress });

describe('sign-in', () => {
  test('answers Me with browser SIP credentials and sets an httpOnly, SameSite=Lax session cookie', async () => {
    const response = await login('Alice@Acme.example.test', portal.password);
    expect(response.statusCode).toBe(200);
    const me = response.json<Me>();
    expect(me).toMatchObject({
      user: { id: portal.alice.id, name: 'Alice Adams', email: 'alice@acme.example.test', role: 'admin', canDialExternal: true },
      tenant: { id: portal.tenant.id, name: 'Acme', sipDomain: 'acme.example.test' },
      extension: '101',
      sip: { uri: 'sip:101@acme.example.test', displayName: 'Alice Adams', wsPath: '/sip' },
    });
    expect(me.sip!.authorizationUser).toMatch(/^web-[0-9a-f]{16}$/);
    expect(Date.parse(me.sip!.expiresAt) - Date.now()).toBeGreaterThan(11.9 * 3_600_000);
    // The issued credentials are real: the registrar will find them.
    const account = await portal.store.devices.findBySipUsername(me.sip!.authorizationUser);
    expect(account).toMatchObject({ user: { id: portal.alice.id }, device: { kind: 'browser', sipPassword: me.sip!.password } });

    const cookie = String(response.headers['set-cookie']);
    expect(cookie).toMatch(/^switchboard_session=[\w-]{40,};/);
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; SameSite=Lax/i);
    expect(cookie).toMatch(/; Path=\//);
    expect(cookie).not.toMatch(/; Secure/i);
    expect(response.headers['cache-control']).toBe('no-store');
  });

  test('the cookie is Secure on the HTTPS listener', async () => {
    const secure = await testPortal({ secure: true });
    try {
      const response = await secure.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'bob@acme.example.test', password: secure.password } });
      expect(response.statusCode).toBe(200);
      expect(String(response.headers['set-cookie'])).toMatch(/; Secure/i);
    } finally {
      await secure.close();
    }
  });

  test('an unknown email and a wrong password get the same 401', async () => {
    // Both paths run one scrypt verification (a decoy hash for unknown emails); tests do not
    // assert on wall-clock time, so the equal answer is what is checked here.
    const attempt = (email: string) => login(email, 'not the password', `10.0.0.${Math.floor(Math.random() * 200)}`);
    const responses = [await attempt('alice@acme.example.test'), await attempt('bob@acme.example.test'), await attempt('nobody@acme.example.test'), await attempt('ghost@nowhere.example.test')];
    for (const response of responses) {
      expect(response.statusCode).toBe(401);
      expect(response.json<ApiError>()).toEqual({ error: { code: 'invalid_credentials', message: 'The email or password is incorrect.' } });
      expect(response.headers['set-cookie']).toBeUndefined();
    }
  });

  test('five failures in five minutes from one address give 429 with Retry-After, logged as a security event', async () => {
    for (let i = 0; i < 5; i++) expect((await login(`user${i}@acme.example.test`, 'guess', '192.0.2.9')).statusCode).toBe(401);
    const refused = await login('alice@acme.example.test', portal.password, '192.0.2.9');
    expect(refused.statusCode).toBe(429);
    expect(refused.json<ApiError>().error.code).toBe('rate_limited');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(250);
    expect(retryAfter).toBeLessThanOrEqual(300);
    // Another address is not affected.
    expect((await login('alice@acme.example.test', portal.password, '192.0.2.10')).statusCode).toBe(200);

    const security = portal.logs.lines.filter((line) => line.security === true).map((line) => line.event);
    expect(security).toContain('login.rate_limited');
    expect(security).toContain('login.throttled');
  });

  test('five failures on one account from many addresses lock that account for a while', async () => {
    for (let i = 0; i < 5; i++) expect((await login('bob@acme.example.test', 'guess', `198.51.100.${i}`)).statusCode).toBe(401);
    const refused = await login('bob@acme.example.test', portal.password, '198.51.100.99');
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login('alice@acme.example.test', portal.password, '198.51.100.99')).statusCode).toBe(200);
  });

  test('state-changing requests must be JSON (CSRF guard)', async () => {
    const form = await portal.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'email=alice%40acme.example.test&password=x',
    });
    expect(form.statusCode).toBe(415);
    expect(form.json<ApiError>().error.code).toBe('validation_failed');
    const plain = await portal.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { 'content-type': 'text/plain' }, payload: '' });
    expect(plain.statusCode).toBe(415);
  });

  test('malformed and incomplete bodies are coded validation errors', async () => {
    const broken = await portal.app.inject({ method: 'POST', url: '/api/auth/login', headers: { 'content-type': 'application/json' }, payload: '{"email":' });
    expect(broken.statusCode).toBe(400);
    expect(broken.json<ApiError>().error).toEqual({ code: 'validation_failed', message: 'The request body is not valid JSON.' });
    const missing = await portal.app.inject({ method: 'POST', url: '/api/auth/login', payload: { email: 'alice@acme.example.test' } });
    expect(missing.statusCode).toBe(400);
    expect(missing.json<ApiError>().error.code).toBe('validation_failed');
    expect(missing.json<ApiError>().error.message).toMatch(/password/);
  });
});

describe('session', () => {
  test('me answers for the cookie, reuses the browser credentials, and 401s without it', async () => {
    const cookie = await portal.signIn('alice@acme.example.test');
    const first = await portal.app.inject({ url: '/api/me', headers: { cookie } });
    const second = await portal.app.inject({ url: '/api/me', headers: { cookie } });
    expect(first.statusCode).toBe(200);
    expect(second.json<Me>().sip!.authorizationUser).toBe(first.json<Me>().sip!.authorizationUser);

    const anonymous = await portal.app.inject({ url: '/api/me' });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json<ApiError>().error.code).toBe('unauthorized');
    const forged = await portal.app.inject({ url: '/api/me', headers: { cookie: 'switchboard_session=forged' } });
    expect(forged.statusCode).toBe(401);
  });

  test('a user without an extension gets no SIP credentials', async () => {
    await portal.store.users.create(portal.tenant.id, { name: 'Nina NoExt', email: 'nina@acme.example.test', password: portal.password });
    const cookie = await portal.signIn('nina@acme.example.test');
    const me = (await portal.app.inject({ url: '/api/me', headers: { cookie } })).json<Me>();
    expect(me).toMatchObject({ extension: null, sip: null });
  });

  test('logout ends the session and clears the cookie', async () => {
    const cookie = await portal.signIn('bob@acme.example.test');
    const out = await portal.app.inject({ method: 'POST', url: '/api/auth/logout', headers: { cookie, 'content-type': 'application/json' } });
    expect(out.statusCode).toBe(204);
    expect(String(out.headers['set-cookie'])).toMatch(/switchboard_session=;.*(Max-Age=0|Expires=Thu, 01 Jan 1970)/i);
    expect((await portal.app.inject({ url: '/api/me', headers: { cookie } })).statusCode).toBe(401);
  });
});

describe('directory and calls', () => {
  test('directory lists the tenant’s extensions with presence from registrations', async () => {
    const cookie = await portal.signIn('alice@acme.example.test');
    const before = (await portal.app.inject({ url: '/api/directory', headers: { cookie } })).json<DirectoryResponse>();
    expect(before.entries).toEqual([
      { userId: portal.alice.id, name: 'Alice Adams', extension: '101', presence: 'offline' },
      { userId: portal.bob.id, name: 'Bob Baker', extension: '102', presence: 'offline' },
    ]);
    const phone = await portal.store.devices.create(portal.tenant.id, { userId: portal.bob.id, kind: 'desk_phone' });
    await portal.store.registrations.save(portal.tenant.id, {
      deviceId: phone.id,
      aor: 'sip:102@acme.example.test',
      contact: 'sip:102@127.0.0.1:5070',
      instanceId: null,
      regId: null,
      expiresAt: new Date(Date.now() + 60_000),
      transport: 'udp',
      sourceAddress: '127.0.0.1',
      sourcePort: 5070,
      flowId: null,
      callId: 'x',
      cseq: 1,
      userAgent: 'baresip',
    });
    const after = (await portal.app.inject({ url: '/api/directory', headers: { cookie } })).json<DirectoryResponse>();
    expect(after.entries.map((entry) => entry.presence)).toEqual(['offline', 'idle']);
    expect((await portal.app.inject({ url: '/api/directory' })).statusCode).toBe(401);
  });

  test('recent calls are deduplicated by number, newest first; history pages with a cursor', async () => {
    const { store, tenant, alice, bob } = portal;
    const t0 = Date.now() - 3_600_000;
    const call = async (minute: number, to: { number: string; name: string | null; userId: string | null }, answered: boolean) => {
      const started = new Date(t0 + minute * 60_000);
      const record = await store.callHistory.start(tenant.id, {
        direction: to.userId ? 'internal' : 'outbound',
        from: { number: '101', name: 'Alice Adams', userId: alice.id },
        to,
        startedAt: started,
      });
      if (answered) await store.callHistory.answer(tenant.id, record.id, new Date(started.getTime() + 2_000));
      await store.callHistory.end(tenant.id, record.id, answered ? 'answered' : 'busy', new Date(started.getTime() + 32_000));
    };
    await call(0, { number: '102', name: 'Bob Baker', userId: bob.id }, true);
    await call(1, { number: '5551234', name: null, userId: null }, false);
    await call(2, { number: '102', name: 'Bob Baker', userId: bob.id }, true);
    await call(3, { number: '5559876', name: null, userId: null }, true);

    const cookie = await portal.signIn('alice@acme.example.test');
    const recent = (await portal.app.inject({ url: '/api/calls/recent', headers: { cookie } })).json<RecentCallsResponse>();
    expect(recent.calls.map((entry) => [entry.number, entry.direction, entry.outcome, entry.durationSeconds])).toEqual([
      ['5559876', 'outbound', 'answered', 30],
      ['102', 'outbound', 'answered', 30],
      ['5551234', 'outbound', 'busy', 0],
    ]);
    expect(recent.calls[1]).toMatchObject({ name: 'Bob Baker', room: null, at: new Date(t0 + 2 * 60_000).toISOString() });

    const first = (await portal.app.inject({ url: '/api/calls?limit=3', headers: { cookie } })).json<CallHistoryPage>();
    expect(first.items).toHaveLength(3);
    expect(first.items[0]).toMatchObject({ direction: 'outbound', from: { number: '101', name: 'Alice Adams' }, to: { number: '5559876', name: null } });
    expect(first.nextCursor).not.toBeNull();
    const second = (
      await portal.app.inject({ url: `/api/calls?limit=3&cursor=${encodeURIComponent(first.nextCursor!)}`, headers: { cookie } })
    ).json<CallHistoryPage>();
    expect(second.items.map((item) => item.to.number)).toEqual(['102']);
    expect(second.nextCursor).toBeNull();

    // Bob sees the internal calls from his side: they came in.
    const bobCookie = await portal.signIn('bob@acme.example.test');
    const bobRecent = (await portal.app.inject({ url: '/api/calls/recent', headers: { cookie: bobCookie } })).json<RecentCallsResponse>();
    expect(bobRecent.calls).toEqual([expect.objectContaining({ number: '101', name: 'Alice Adams', direction: 'inbound' })]);

    const badCursor = await portal.app.inject({ url: '/api/calls?cursor=nonsense', headers: { cookie } });
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json<ApiError>().error.code).toBe('validation_failed');
    expect((await portal.app.inject({ url: '/api/calls?limit=0', headers: { cookie } })).statusCode).toBe(400);
  });

  test('another tenant’s user sees none of this tenant', async () => {
    const other = await portal.store.tenants.create({ name: 'Other', sipDomain: 'other.example.test' });
    const zed = await portal.store.users.create(other.id, { name: 'Zed', email: 'zed@other.example.test', password: portal.password });
    await portal.store.extensions.assign(other.id, '101', zed.id);
    const record = await portal.store.callHistory.start(portal.tenant.id, {
      direction: 'internal',
      from: { number: '101', userId: portal.alice.id },
      to: { number: '102', userId: portal.bob.id },
    });
    await portal.store.callHistory.end(portal.tenant.id, record.id, 'cancelled');

    const cookie = await portal.signIn('zed@other.example.test');
    const me = (await portal.app.inject({ url: '/api/me', headers: { cookie } })).json<Me>();
    expect(me.sip!.uri).toBe('sip:101@other.example.test');
    const directory = (await portal.app.inject({ url: '/api/directory', headers: { cookie } })).json<DirectoryResponse>();
    expect(directory.entries.map((entry) => entry.name)).toEqual(['Zed']);
    expect((await portal.app.inject({ url: '/api/calls/recent', headers: { cookie } })).json<RecentCallsResponse>().calls).toEqual([]);
    expect((await portal.app.inject({ url: '/api/calls', headers: { cookie } })).json<CallHistoryPage>().items).toEqual([]);
  });
});

describe('errors and static files', () => {
  test('unknown API paths are coded 404s; health needs no session', async () => {
    const missing = await portal.app.inject({ url: '/api/nothing-here' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json<ApiError>()).toEqual({ error: { code: 'not_found', message: 'GET /api/nothing-here does not exist.' } });
    const health = await portal.app.inject({ url: '/api/health' });
    expect(health.json()).toEqual({ status: 'ok', version: '9.9.9-test' });
  });

  test('without a built portal, pages answer a placeholder that says so', async () => {
    const page = await portal.app.inject({ url: '/phone' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.body).toMatch(/portal has not been built/);
  });

  test('a built portal is served with SPA fallback and long-cached hashed assets', async () => {
    const webRoot = mkdtempSync(join(tmpdir(), 'sb-web-'));
    mkdirSync(join(webRoot, 'assets'));
    writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>Switchboard portal</title>');
    writeFileSync(join(webRoot, 'assets', 'index-3f2a9c1b.js'), 'console.log("portal")');
    const withPortal = await testPortal({ webRoot });
    try {
      const root = await withPortal.app.inject({ url: '/' });
      expect(root.body).toMatch(/Switchboard portal/);
      expect(root.headers['cache-control']).toBe('no-cache');
      const asset = await withPortal.app.inject({ url: '/assets/index-3f2a9c1b.js' });
      expect(asset.statusCode).toBe(200);
      expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      const deepLink = await withPortal.app.inject({ url: '/phone/history?x=1' });
      expect(deepLink.statusCode).toBe(200);
      expect(deepLink.body).toMatch(/Switchboard portal/);
      expect((await withPortal.app.inject({ url: '/api/unknown' })).json<ApiError>().error.code).toBe('not_found');
      expect((await withPortal.app.inject({ url: '/assets/missing.js', method: 'POST' })).statusCode).toBe(404);
    } finally {
      await withPortal.close();
      rmSync(webRoot, { recursive: true, force: true });
    }
  });
});


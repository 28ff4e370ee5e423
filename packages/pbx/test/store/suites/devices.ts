import type { RegistrationInput } from '../../../src/index.js';
import { bindingKeyOf } from '../../../src/index.js';
import type { SuiteContext } from './context.js';
import { newTenant, newUser } from './context.js';
import { unique } from '../support/stores.js';

const hour = 3_600_000;

function binding(deviceId: string, aor: string, overrides: Partial<RegistrationInput> = {}): RegistrationInput {
  return {
    deviceId,
    aor,
    contact: 'sip:101@192.0.2.10:5062;transport=udp',
    instanceId: null,
    regId: null,
    expiresAt: new Date(Date.now() + hour),
    transport: 'udp',
    sourceAddress: '192.0.2.10',
    sourcePort: 5062,
    flowId: null,
    callId: 'a84b4c76e66710',
    cseq: 1,
    userAgent: 'Yealink SIP-T46U',
    ...overrides,
  };
}

/** Devices, browser credentials, registrations and portal sessions. */
export function devicesSuite(ctx: SuiteContext): void {
  test('device SIP usernames are unique server-wide: the extension when free, else a suffix', async () => {
    const store = ctx.store();
    const a = await newTenant(store);
    const b = await newTenant(store);
    const ext = String(100000 + Math.floor(Math.random() * 800000));
    const alice = await newUser(store, a, { name: 'Alice', extension: ext });
    const zed = await newUser(store, b, { name: 'Zed', extension: ext });

    const desk = await store.devices.create(a.id, { userId: alice.id, kind: 'desk_phone' });
    const soft = await store.devices.create(a.id, { userId: alice.id, kind: 'softphone' });
    const other = await store.devices.create(b.id, { userId: zed.id, kind: 'desk_phone' });
    expect([desk.sipUsername, soft.sipUsername, other.sipUsername]).toEqual([ext, `${ext}-2`, `${ext}-3`]);
    expect(desk.sipPassword).toMatch(/^[A-Za-z0-9]{20}$/);
    await expect(store.devices.create(b.id, { userId: zed.id, kind: 'desk_phone', sipUsername: ext })).rejects.toMatchObject({
      code: 'conflict',
    });

    const account = await store.devices.findBySipUsername(`${ext}-3`);
    expect(account).toMatchObject({ tenant: { id: b.id }, user: { id: zed.id }, extension: ext, device: { kind: 'desk_phone' } });
    expect(await store.devices.findBySipUsername(unique('nobody'))).toBeNull();
    expect((await store.devices.list(a.id)).map((device) => device.id).sort()).toEqual([desk.id, soft.id].sort());
    // A device of tenant A cannot be created for a user of tenant B.
    await expect(store.devices.create(a.id, { userId: zed.id, kind: 'desk_phone' })).rejects.toMatchObject({ code: 'not_found' });
  });

  test('browser credentials are random, reused while valid, renewed near expiry, and expire', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    const user = await newUser(store, tenant, { extension: '101' });
    const t0 = new Date();
    const first = await store.devices.issueBrowserCredentials(tenant.id, user.id, t0);
    expect(first).toMatchObject({ kind: 'browser', expiresAt: new Date(t0.getTime() + 12 * hour) });
    expect(first.sipUsername).not.toBe('101');

    const later = await store.devices.issueBrowserCredentials(tenant.id, user.id, new Date(t0.getTime() + 5 * hour));
    expect(later.id).toBe(first.id);
    const nearExpiry = new Date(t0.getTime() + 11.5 * hour);
    const renewed = await store.devices.issueBrowserCredentials(tenant.id, user.id, nearExpiry);
    expect(renewed.id).not.toBe(first.id);
    expect(renewed.sipPassword).not.toBe(first.sipPassword);

    expect(await store.devices.findBySipUsername(first.sipUsername, nearExpiry)).not.toBeNull();
    const afterExpiry = new Date(t0.getTime() + 12 * hour + 1);
    expect(await store.devices.findBySipUsername(first.sipUsername, afterExpiry)).toBeNull();
    expect(await store.devices.purgeExpired(afterExpiry)).toBeGreaterThanOrEqual(1);
    expect(await store.devices.get(tenant.id, first.id)).toBeNull();
    expect(await store.devices.get(tenant.id, renewed.id)).not.toBeNull();
  });

  test('registrations: upsert per binding, expiry, flows, presence, and restore after reopen', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    const user = await newUser(store, tenant, { extension: '101' });
    const phone = await store.devices.create(tenant.id, { userId: user.id, kind: 'desk_phone' });
    const aor = `sip:101@${tenant.sipDomain}`;

    const first = await store.registrations.save(tenant.id, binding(phone.id, aor));
    const refreshed = await store.registrations.save(tenant.id, binding(phone.id, aor, { cseq: 2 }));
    expect(refreshed.id).toBe(first.id);
    expect(refreshed.cseq).toBe(2);
    await store.registrations.save(
      tenant.id,
      binding(phone.id, aor, { contact: 'sip:x@198.51.100.7;transport=ws', instanceId: '<urn:uuid:1>', regId: 1, transport: 'wss', flowId: 'ws-7' }),
    );
    const live = await store.registrations.list(tenant.id, aor);
    expect(live).toHaveLength(2);
    expect(live.map((registration) => bindingKeyOf(registration)).sort()).toEqual(['<urn:uuid:1>|1', first.contact].sort());
    expect(await store.registrations.registeredUserIds(tenant.id)).toEqual(new Set([user.id]));

    const restarted = await ctx.backend().reopen(store);
    try {
      expect(await restarted.registrations.listForDevice(tenant.id, phone.id)).toHaveLength(2);
    } finally {
      if (restarted !== store) await restarted.close();
    }

    expect((await store.registrations.removeByFlow('ws-7')).map((registration) => registration.instanceId)).toEqual(['<urn:uuid:1>']);
    const expired = await store.registrations.expire(new Date(Date.now() + 2 * hour));
    expect(expired.map((registration) => registration.id)).toContain(first.id);
    expect(await store.registrations.list(tenant.id, aor)).toEqual([]);
    expect(await store.registrations.registeredUserIds(tenant.id)).toEqual(new Set());

    await store.registrations.save(tenant.id, binding(phone.id, aor));
    expect(await store.registrations.remove(tenant.id, aor, first.contact)).toBe(true);
    await store.registrations.save(tenant.id, binding(phone.id, aor));
    expect(await store.registrations.removeAll(tenant.id, aor)).toBe(1);
  });

  test('portal sessions: token lookup, sliding expiry, sign-out', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    const user = await newUser(store, tenant);
    const t0 = new Date();
    const { session, token } = await store.sessions.create(tenant.id, user.id, { remoteAddress: '127.0.0.1', userAgent: 'test' }, t0);
    expect(token.length).toBeGreaterThanOrEqual(40);
    expect((await store.sessions.findByToken(token, t0))?.id).toBe(session.id);
    expect(await store.sessions.findByToken(`${token}x`, t0)).toBeNull();

    const day29 = new Date(t0.getTime() + 29 * 24 * hour);
    const touched = await store.sessions.findByToken(token, day29);
    expect(touched?.expiresAt.getTime()).toBe(day29.getTime() + 30 * 24 * hour);
    expect(await store.sessions.findByToken(token, new Date(day29.getTime() + 31 * 24 * hour))).toBeNull();

    const second = await store.sessions.create(tenant.id, user.id);
    expect(await store.sessions.remove(tenant.id, session.id)).toBe(true);
    expect(await store.sessions.findByToken(token, t0)).toBeNull();
    expect(await store.sessions.removeForUser(tenant.id, user.id)).toBe(1);
    expect(await store.sessions.findByToken(second.token)).toBeNull();
  });
}

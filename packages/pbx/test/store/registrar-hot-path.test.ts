import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, StoreError, type RegistrationInput, type Store } from '../../src/index.js';

// SQLite's registrar path (registrar-hot-path.ts): cached device accounts that follow every
// change, from this connection or another, and grouped binding writes that fail one by one.

let dir: string;
let sqlitePath: string;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-hot-path-'));
  sqlitePath = join(dir, 'store.sqlite');
  store = await openStore({ sqlitePath });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function organisation(domain: string) {
  const tenant = await store.tenants.create({ name: domain, sipDomain: domain });
  const user = await store.users.create(tenant.id, { name: 'Alice', email: `alice@${domain}` });
  await store.extensions.assign(tenant.id, '101', user.id);
  const phone = await store.devices.create(tenant.id, { userId: user.id, kind: 'desk_phone', sipUsername: `desk-${domain}` });
  return { tenant, user, phone };
}

function binding(deviceId: string, aor: string, contact: string): RegistrationInput {
  const at = new Date(Date.now() + 3_600_000);
  return { deviceId, aor, contact, instanceId: null, regId: null, expiresAt: at, transport: 'udp', sourceAddress: '192.0.2.1', sourcePort: 5060, flowId: null, callId: contact, cseq: 1, userAgent: null };
}

test('a cached device account follows changes made through this store', async () => {
  const { tenant, user, phone } = await organisation('cache-local.example.test');
  expect((await store.devices.findBySipUsername(phone.sipUsername))?.user.name).toBe('Alice');
  expect(await store.devices.findBySipUsername('nobody-here')).toBeNull();

  await store.users.update(tenant.id, user.id, { name: 'Alicia' });
  expect((await store.devices.findBySipUsername(phone.sipUsername))?.user.name).toBe('Alicia');
  await store.extensions.remove(tenant.id, '101');
  expect((await store.devices.findBySipUsername(phone.sipUsername))?.extension).toBeNull();
  const later = await store.devices.create(tenant.id, { userId: user.id, kind: 'softphone', sipUsername: 'nobody-here' });
  expect((await store.devices.findBySipUsername('nobody-here'))?.device.id).toBe(later.id);
  await store.devices.remove(tenant.id, phone.id);
  expect(await store.devices.findBySipUsername(phone.sipUsername)).toBeNull();
});

test('a cached device account follows changes committed by another connection (the CLI)', async () => {
  const { tenant, phone } = await organisation('cache-other.example.test');
  const before = await store.devices.findBySipUsername(phone.sipUsername);
  expect(before?.device.sipPassword).toBe(phone.sipPassword);
  const cli = await openStore({ sqlitePath });
  try {
    await cli.devices.remove(tenant.id, phone.id);
    await cli.devices.create(tenant.id, { userId: phone.userId, kind: 'desk_phone', sipUsername: phone.sipUsername, sipPassword: 'changed-by-the-cli' });
  } finally {
    await cli.close();
  }
  // Another connection's commits are looked for once per turn of the event loop (a CLI is
  // another process: its commit always lands in a later turn than the lookups before it).
  await new Promise((resolve) => setImmediate(resolve));
  expect((await store.devices.findBySipUsername(phone.sipUsername))?.device.sipPassword).toBe('changed-by-the-cli');
});

test('inside a transaction, lookups read the tables and nothing uncommitted is cached', async () => {
  const { tenant, user } = await organisation('cache-tx.example.test');
  await expect(
    store.transaction(async (tx) => {
      await tx.devices.create(tenant.id, { userId: user.id, kind: 'softphone', sipUsername: 'rolled-back' });
      expect(await store.devices.findBySipUsername('rolled-back')).not.toBeNull();
      throw new Error('roll back');
    }),
  ).rejects.toThrow('roll back');
  expect(await store.devices.findBySipUsername('rolled-back')).toBeNull();
});

test('binding writes issued together commit together, and one failing write fails alone', async () => {
  const { tenant, phone } = await organisation('group.example.test');
  const aor = 'sip:101@group.example.test';
  const results = await Promise.allSettled([
    store.registrations.save(tenant.id, binding(phone.id, aor, 'sip:101@192.0.2.1')),
    store.registrations.save(tenant.id, binding('no-such-device', aor, 'sip:101@192.0.2.2')),
    store.registrations.save(tenant.id, binding(phone.id, aor, 'sip:101@192.0.2.3')),
    store.registrations.refresh(tenant.id, aor, 'sip:101@192.0.2.9', { expiresAt: new Date(), cseq: 2 }),
  ]);
  expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
  expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(StoreError);
  expect((results[3] as PromiseFulfilledResult<boolean>).value).toBe(false);
  const saved = await store.registrations.list(tenant.id, aor);
  expect(saved.map((r) => r.contact).sort()).toEqual(['sip:101@192.0.2.1', 'sip:101@192.0.2.3']);

  const expiresAt = new Date(Date.now() + 7_200_000);
  expect(await store.registrations.refresh(tenant.id, aor, 'sip:101@192.0.2.1', { expiresAt, cseq: 7 })).toBe(true);
  const refreshed = (await store.registrations.list(tenant.id, aor)).find((r) => r.contact === 'sip:101@192.0.2.1');
  expect(refreshed).toMatchObject({ cseq: 7, expiresAt });
});

test('a binding saved again keeps its id, and one that moves to another device follows it', async () => {
  const { tenant, user, phone } = await organisation('rebind.example.test');
  const other = await store.devices.create(tenant.id, { userId: user.id, kind: 'softphone', sipUsername: 'rebind-softphone' });
  const aor = 'sip:101@rebind.example.test';
  const first = await store.registrations.save(tenant.id, binding(phone.id, aor, 'sip:101@192.0.2.7'));
  const again = await store.registrations.save(tenant.id, { ...binding(phone.id, aor, 'sip:101@192.0.2.7'), callId: 'second-call', cseq: 5 });
  expect(again.id).toBe(first.id);
  expect((await store.registrations.list(tenant.id, aor))[0]).toMatchObject({ id: first.id, deviceId: phone.id, callId: 'second-call', cseq: 5 });

  const moved = await store.registrations.save(tenant.id, { ...binding(other.id, aor, 'sip:101@192.0.2.7'), cseq: 6 });
  expect(moved.id).toBe(first.id);
  expect(await store.registrations.listForDevice(tenant.id, phone.id)).toEqual([]);
  expect((await store.registrations.listForDevice(tenant.id, other.id)).map((r) => r.cseq)).toEqual([6]);
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type Store } from '../../src/index.js';

// SQLite's call path (docs/store.md): DIDs and trunks answered from memory yet following every
// change, from this store, a transaction or another connection; call history written in groups.

let dir: string;
let sqlitePath: string;
let store: Store;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sb-call-path-'));
  sqlitePath = join(dir, 'store.sqlite');
  store = await openStore({ sqlitePath });
});
afterAll(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

test('DID and trunk lookups follow changes made through this store, its transactions and another connection (the CLI)', async () => {
  const tenant = await store.tenants.create({ name: 'Routing', sipDomain: 'routing.example.test' });
  expect(await store.dids.find('15550100200')).toBeNull();
  expect(await store.trunks.get(tenant.id)).toBeNull();

  await store.dids.add(tenant.id, '+15550100200', { forwardTo: '5550199' });
  await store.trunks.set(tenant.id, { host: '192.0.2.10', callerIdNumber: '15550100100' });
  expect(await store.dids.find('15550100200')).toMatchObject({ number: '+15550100200', forwardTo: '5550199' });
  expect(await store.trunks.get(tenant.id)).toMatchObject({ host: '192.0.2.10', port: 5060 });

  await store.transaction(async (tx) => {
    await tx.trunks.set(tenant.id, { port: 5080 });
    // Inside the transaction the tables are read: its own change shows.
    expect((await tx.trunks.get(tenant.id))?.port).toBe(5080);
  });
  expect((await store.trunks.get(tenant.id))?.port).toBe(5080);
  await expect(
    store.transaction(async (tx) => {
      await tx.dids.remove(tenant.id, '+15550100200');
      throw new Error('rolled back');
    }),
  ).rejects.toThrow('rolled back');
  expect(await store.dids.find('+15550100200')).not.toBeNull();

  const cli = await openStore({ sqlitePath });
  try {
    await cli.trunks.set(tenant.id, { host: 'carrier.example.test' });
    await cli.dids.remove(tenant.id, '+15550100200');
    await cli.dids.add(tenant.id, 'bench', { forwardTo: '5550198' });
  } finally {
    await cli.close();
  }
  expect((await store.trunks.get(tenant.id))?.host).toBe('carrier.example.test');
  expect(await store.dids.find('15550100200')).toBeNull();
  expect(await store.dids.find('bench')).toMatchObject({ tenantId: tenant.id, forwardTo: '5550198' });
  await store.trunks.remove(tenant.id);
  expect(await store.trunks.get(tenant.id)).toBeNull();
});

test('call history writes issued together commit together; one that cannot be written fails alone', async () => {
  const tenant = await store.tenants.create({ name: 'History', sipDomain: 'history.example.test' });
  const call = { direction: 'inbound' as const, from: { number: '15550100300' }, to: { number: '101' } };
  const [a, b] = await Promise.all([store.callHistory.start(tenant.id, call), store.callHistory.start(tenant.id, call)]);
  const outcomes = await Promise.allSettled([
    store.callHistory.answer(tenant.id, a.id),
    store.callHistory.end(tenant.id, b.id, 'answered'),
    store.callHistory.answer(tenant.id, 'no-such-call'),
    store.callHistory.start('no-such-tenant', call),
  ]);
  expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
  expect(outcomes.slice(1).map((o) => (o.status === 'rejected' ? (o.reason as { code?: string }).code : null))).toEqual(['invalid', 'not_found', 'not_found']);
  await Promise.all([store.callHistory.end(tenant.id, a.id, 'answered'), store.callHistory.end(tenant.id, b.id, 'missed')]);

  // Another connection sees both ends: they were committed when the promises resolved.
  const reader = await openStore({ sqlitePath, migrate: false });
  try {
    expect((await reader.callHistory.get(tenant.id, a.id))?.outcome).toBe('answered');
    expect((await reader.callHistory.get(tenant.id, b.id))?.outcome).toBe('missed');
  } finally {
    await reader.close();
  }
});

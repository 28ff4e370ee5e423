import type { Store, Tenant, User } from '../../../src/index.js';
import type { SuiteContext } from './context.js';
import { newTenant, newUser } from './context.js';

const t0 = Date.parse('2026-03-02T09:00:00.000Z');
const at = (minutes: number): Date => new Date(t0 + minutes * 60_000);

async function finishedCall(
  store: Store,
  tenant: Tenant,
  from: { number: string; user?: User },
  to: { number: string; user?: User },
  minute: number,
  outcome: 'answered' | 'cancelled' | 'busy' = 'answered',
): Promise<string> {
  const direction = from.user && to.user ? 'internal' : from.user ? 'outbound' : 'inbound';
  const call = await store.callHistory.start(tenant.id, {
    direction,
    from: { number: from.number, name: from.user?.name ?? null, userId: from.user?.id ?? null },
    to: { number: to.number, name: to.user?.name ?? null, userId: to.user?.id ?? null },
    startedAt: at(minute),
  });
  if (outcome === 'answered') await store.callHistory.answer(tenant.id, call.id, new Date(at(minute).getTime() + 5_000));
  await store.callHistory.end(tenant.id, call.id, outcome, new Date(at(minute).getTime() + 65_000));
  return call.id;
}

/** Call history, settings, and tenant isolation across every repository. */
export function historySuite(ctx: SuiteContext): void {
  test('a call is written at start, answer and end; each user sees it from their side', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    const alice = await newUser(store, tenant, { name: 'Alice', extension: '101' });
    const bob = await newUser(store, tenant, { name: 'Bob', extension: '102' });

    const call = await store.callHistory.start(tenant.id, {
      direction: 'internal',
      from: { number: '101', name: 'Alice', userId: alice.id },
      to: { number: '102', name: 'Bob', userId: bob.id },
      startedAt: at(0),
    });
    expect((await store.callHistory.page(tenant.id, alice.id)).items).toEqual([]); // in progress: not history yet
    await expect(store.callHistory.end(tenant.id, call.id, 'answered', at(1))).rejects.toMatchObject({ code: 'invalid' });
    await store.callHistory.end(tenant.id, call.id, 'cancelled', at(1));

    const [asCaller] = (await store.callHistory.page(tenant.id, alice.id)).items;
    const [asCallee] = (await store.callHistory.page(tenant.id, bob.id)).items;
    expect(asCaller).toMatchObject({ direction: 'outbound', outcome: 'cancelled', other: { number: '102', name: 'Bob' }, durationSeconds: 0 });
    expect(asCallee).toMatchObject({ direction: 'inbound', outcome: 'missed', other: { number: '101', name: 'Alice' } });

    const external = await finishedCall(store, tenant, { number: '+15551234567' }, { number: '101', user: alice }, 10);
    const [latest] = (await store.callHistory.page(tenant.id, alice.id)).items;
    expect(latest).toMatchObject({ direction: 'inbound', outcome: 'answered', durationSeconds: 60, record: { id: external } });

    await store.callHistory.setRoom(tenant.id, external, '99901');
    expect((await store.callHistory.get(tenant.id, external))?.room).toBe('99901');
  });

  test('recent calls: the last 20 distinct numbers, newest first', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    const alice = await newUser(store, tenant, { name: 'Alice', extension: '101' });
    // 30 calls with 24 distinct numbers; numbers 0-5 are called again later.
    for (let i = 0; i < 24; i++) await finishedCall(store, tenant, { number: '101', user: alice }, { number: `55500${i}` }, i);
    for (let i = 0; i < 6; i++) await finishedCall(store, tenant, { number: `55500${i}` }, { number: '101', user: alice }, 100 + i, 'cancelled');

    const recent = await store.callHistory.recent(tenant.id, alice.id);
    expect(recent).toHaveLength(20);
    const numbers = recent.map((view) => view.other.number);
    expect(new Set(numbers).size).toBe(20);
    expect(numbers.slice(0, 7)).toEqual(['555005', '555004', '555003', '555002', '555001', '555000', '5550023']);
    expect(recent[0]).toMatchObject({ direction: 'inbound', outcome: 'missed' });
    const times = recent.map((view) => view.record.startedAt.getTime());
    expect([...times].sort((x, y) => y - x)).toEqual(times);
  });

  test('history pages with a cursor: newest first, every call exactly once', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    const alice = await newUser(store, tenant, { name: 'Alice', extension: '101' });
    const ids: string[] = [];
    // Two calls share each start time, so the cursor must break ties by id.
    for (let i = 0; i < 13; i++) ids.push(await finishedCall(store, tenant, { number: '101', user: alice }, { number: `7${i}` }, Math.floor(i / 2)));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Awaited<ReturnType<typeof store.callHistory.page>> = await store.callHistory.page(tenant.id, alice.id, { cursor, limit: 5 });
      seen.push(...page.items.map((view) => view.record.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== null && pages < 10);
    expect(pages).toBe(3);
    expect(seen).toHaveLength(13);
    expect(new Set(seen)).toEqual(new Set(ids));
    const starts = await Promise.all(seen.map(async (id) => (await store.callHistory.get(tenant.id, id))!.startedAt.getTime()));
    expect([...starts].sort((x, y) => y - x)).toEqual(starts);
    await expect(store.callHistory.page(tenant.id, alice.id, { cursor: 'garbage' })).rejects.toMatchObject({ code: 'invalid' });
  });

  test('settings hold JSON values per user', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    const alice = await newUser(store, tenant);
    const bob = await newUser(store, tenant);
    const layout = [{ key: 1, extension: '102', label: 'Bob' }];
    await store.settings.set(tenant.id, alice.id, 'blf', layout);
    await store.settings.set(tenant.id, alice.id, 'dnd', false);
    await store.settings.set(tenant.id, alice.id, 'dnd', true);
    expect(await store.settings.get(tenant.id, alice.id, 'blf')).toEqual(layout);
    expect(await store.settings.list(tenant.id, alice.id)).toEqual({ blf: layout, dnd: true });
    expect(await store.settings.get(tenant.id, bob.id, 'dnd')).toBeUndefined();
    expect(await store.settings.remove(tenant.id, alice.id, 'dnd')).toBe(true);
    expect(await store.settings.get(tenant.id, alice.id, 'dnd')).toBeUndefined();
  });

  test('tenant isolation: nothing of tenant A can be seen or reached with tenant B', async () => {
    const store = ctx.store();
    const a = await newTenant(store, 'A');
    const b = await newTenant(store, 'B');
    const alice = await newUser(store, a, { name: 'Alice', extension: '101' });
    await newUser(store, b, { name: 'Zed', extension: '109' });
    const phone = await store.devices.create(a.id, { userId: alice.id, kind: 'desk_phone' });
    const web = await store.devices.issueBrowserCredentials(a.id, alice.id);
    const aor = `sip:101@${a.sipDomain}`;
    await store.registrations.save(a.id, binding(phone.id, aor));
    const { session } = await store.sessions.create(a.id, alice.id);
    const callId = await finishedCall(store, a, { number: '101', user: alice }, { number: '555' }, 0);
    await store.settings.set(a.id, alice.id, 'dnd', true);

    // Reads with B's id find nothing of A.
    expect(await store.users.get(b.id, alice.id)).toBeNull();
    expect(await store.users.findByEmail(b.id, alice.email)).toBeNull();
    expect(await store.users.findByExtension(b.id, '101')).toBeNull();
    expect((await store.users.list(b.id)).map((user) => user.name)).toEqual(['Zed']);
    expect((await store.extensions.directory(b.id)).map((entry) => entry.extension)).toEqual(['109']);
    expect(await store.devices.get(b.id, phone.id)).toBeNull();
    expect(await store.devices.list(b.id)).toEqual([]);
    expect(await store.registrations.list(b.id, aor)).toEqual([]);
    expect(await store.registrations.listForTenant(b.id)).toEqual([]);
    expect(await store.callHistory.get(b.id, callId)).toBeNull();
    expect((await store.callHistory.page(b.id, alice.id)).items).toEqual([]);
    expect(await store.callHistory.recent(b.id, alice.id)).toEqual([]);
    expect(await store.settings.list(b.id, alice.id)).toEqual({});

    // Writes with B's id cannot touch or point at A's rows.
    await expect(store.extensions.assign(b.id, '150', alice.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.registrations.save(b.id, binding(web.id, `sip:109@${b.sipDomain}`))).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.settings.set(b.id, alice.id, 'dnd', false)).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.callHistory.answer(b.id, callId)).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.callHistory.end(b.id, callId, 'failed')).rejects.toMatchObject({ code: 'not_found' });
    await expect(store.users.update(b.id, alice.id, { name: 'Mallory' })).rejects.toMatchObject({ code: 'not_found' });
    expect(await store.users.remove(b.id, alice.id)).toBe(false);
    expect(await store.devices.remove(b.id, phone.id)).toBe(false);
    expect(await store.extensions.remove(b.id, '101')).toBe(false);
    expect(await store.sessions.remove(b.id, session.id)).toBe(false);
    expect(await store.registrations.removeAll(b.id, aor)).toBe(0);
    expect(await store.settings.remove(b.id, alice.id, 'dnd')).toBe(false);
    await expect(store.sessions.create(b.id, alice.id)).rejects.toMatchObject({ code: 'not_found' });

    // And A's data is intact.
    expect((await store.users.get(a.id, alice.id))?.name).toBe('Alice');
    expect(await store.registrations.list(a.id, aor)).toHaveLength(1);
    expect(await store.settings.get(a.id, alice.id, 'dnd')).toBe(true);
  });
}

function binding(deviceId: string, aor: string) {
  return {
    deviceId,
    aor,
    contact: 'sip:101@192.0.2.10:5062',
    instanceId: null,
    regId: null,
    expiresAt: new Date(Date.now() + 3_600_000),
    transport: 'udp' as const,
    sourceAddress: '192.0.2.10',
    sourcePort: 5062,
    flowId: null,
    callId: 'c1',
    cseq: 1,
    userAgent: null,
  };
}

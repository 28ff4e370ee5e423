import { Migrator } from 'kysely';
import { migrationProvider } from '../../../src/store/migrations.js';
import type { SuiteContext } from './context.js';
import { newTenant, newUser } from './context.js';
import { unique } from '../support/stores.js';

/** A phone number no other test uses (DIDs are unique server-wide, and the database is shared). */
function uniqueNumber(): string {
  return `1555${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
}

/** Trunks, DIDs and the users' toll-fraud rights. */
export function trunksSuite(ctx: SuiteContext): void {
  test('a trunk is created with a host, changed field by field, and removed', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    expect(await store.trunks.get(tenant.id)).toBeNull();
    await expect(store.trunks.set(tenant.id, { port: 5080 })).rejects.toMatchObject({ code: 'invalid', message: 'a new trunk needs a host' });

    const created = await store.trunks.set(tenant.id, { host: 'SIP.Carrier.example', callerIdNumber: '+1 (555) 010-0100', callerIdName: 'Acme' });
    expect(created).toMatchObject({ host: 'sip.carrier.example', port: 5060, transport: 'udp', username: null, password: null, register: true, callerIdNumber: '+15550100100', callerIdName: 'Acme' });

    const changed = await store.trunks.set(tenant.id, { transport: 'tcp', port: 5080, username: 'acme', password: 's3cret' });
    expect(changed).toMatchObject({ host: 'sip.carrier.example', port: 5080, transport: 'tcp', username: 'acme', password: 's3cret', callerIdNumber: '+15550100100' });
    expect(await store.trunks.get(tenant.id)).toEqual(changed);

    // Changing the password alone keeps the username; clearing the username makes the trunk IP-based.
    expect(await store.trunks.set(tenant.id, { password: 'other' })).toMatchObject({ username: 'acme', password: 'other' });
    expect(await store.trunks.set(tenant.id, { username: '' })).toMatchObject({ username: null, password: null });
    expect(await store.trunks.set(tenant.id, { host: '[::1]', register: false })).toMatchObject({ host: '::1', register: false });

    expect(await store.trunks.remove(tenant.id)).toBe(true);
    expect(await store.trunks.get(tenant.id)).toBeNull();
    expect(await store.trunks.remove(tenant.id)).toBe(false);
  });

  test('a TLS trunk: the port follows the transport while it is the default, and stays when set', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    expect(await store.trunks.set(tenant.id, { host: 'sip.carrier.example', transport: 'tls' })).toMatchObject({ transport: 'tls', port: 5061 });
    expect(await store.trunks.set(tenant.id, { transport: 'udp' })).toMatchObject({ transport: 'udp', port: 5060 });
    expect(await store.trunks.set(tenant.id, { transport: 'tls', port: 5081 })).toMatchObject({ transport: 'tls', port: 5081 });
    expect(await store.trunks.set(tenant.id, { transport: 'tcp' })).toMatchObject({ transport: 'tcp', port: 5081 });
    expect(await store.trunks.get(tenant.id)).toMatchObject({ transport: 'tcp', port: 5081, srtp: false });
    expect(await store.trunks.set(tenant.id, { transport: 'tls', srtp: true })).toMatchObject({ transport: 'tls', srtp: true });
    expect(await store.trunks.get(tenant.id)).toMatchObject({ transport: 'tls', port: 5081, srtp: true });
  });

  test('inbound addresses: addresses and CIDR ranges, normalised and deduplicated; [] clears; anything else is refused by name', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    await store.trunks.set(tenant.id, { host: 'sip.carrier.example' });
    expect((await store.trunks.get(tenant.id))?.inboundFrom).toEqual([]);
    const set = await store.trunks.set(tenant.id, { inboundFrom: [' 203.0.113.0/24', '198.51.100.7', '[2001:DB8::]/32', '203.0.113.0/24', ''] });
    expect(set.inboundFrom).toEqual(['203.0.113.0/24', '198.51.100.7', '2001:db8::/32']);
    expect((await store.trunks.get(tenant.id))?.inboundFrom).toEqual(['203.0.113.0/24', '198.51.100.7', '2001:db8::/32']);
    for (const bad of ['carrier.example', '203.0.113.0/33', '2001:db8::/129', '10.0.0.1/x', '300.1.1.1']) {
      await expect(store.trunks.set(tenant.id, { inboundFrom: [bad] })).rejects.toMatchObject({ code: 'invalid', message: `"${bad}" is not an IP address or CIDR range (like 203.0.113.0/24)` });
    }
    expect((await store.trunks.set(tenant.id, { inboundFrom: [] })).inboundFrom).toEqual([]);
  });

  test('a trunk stored before TLS trunks existed keeps its settings through the migration that allows them', async () => {
    const old = await ctx.backend().open();
    try {
      const migrator = new Migrator({ db: old.db, provider: migrationProvider });
      expect((await migrator.migrateTo('0004_registrations_without_expiry_index')).error).toBeUndefined();
      const tenant = await old.tenants.create({ name: 'Before TLS', sipDomain: `${unique('t')}.example.test` });
      // The row as that release wrote it (no srtp column yet), and its check refuses TLS.
      const row = { tenant_id: tenant.id, host: 'sip.carrier.example', port: 5080, transport: 'tcp', username: 'acme', password: 's3cret', register: 0, caller_id_number: '15550100100', caller_id_name: 'Acme', created_at: '2026-11-20T10:00:00.000Z', updated_at: '2026-11-21T10:00:00.000Z' };
      await old.db.insertInto('trunks').values(row as never).execute();
      await expect(old.db.updateTable('trunks').set({ transport: 'tls' } as never).where('tenant_id', '=', tenant.id).execute()).rejects.toThrow();
      expect(await old.migrate()).toEqual(['0005_trunks_over_tls', '0006_trunk_inbound_addresses']);
      expect(await old.trunks.get(tenant.id)).toEqual({
        tenantId: tenant.id,
        host: 'sip.carrier.example',
        port: 5080,
        transport: 'tcp',
        username: 'acme',
        password: 's3cret',
        register: false,
        srtp: false,
        inboundFrom: [],
        callerIdNumber: '15550100100',
        callerIdName: 'Acme',
        createdAt: new Date(row.created_at),
        updatedAt: new Date(row.updated_at),
      });
      expect(await old.trunks.set(tenant.id, { transport: 'tls', port: 5061 })).toMatchObject({ transport: 'tls', port: 5061, username: 'acme' });
    } finally {
      await old.close();
    }
  });

  test('trunk settings are checked: host, port, transport, credentials together, caller ID', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    await expect(store.trunks.set(tenant.id, { host: 'not a host' })).rejects.toMatchObject({ code: 'invalid' });
    await expect(store.trunks.set(tenant.id, { host: '192.0.2.1', port: 70000 })).rejects.toMatchObject({ code: 'invalid' });
    await expect(store.trunks.set(tenant.id, { host: '192.0.2.1', transport: 'sctp' as 'udp' })).rejects.toMatchObject({ code: 'invalid', message: 'the trunk transport must be udp, tcp or tls, not "sctp"' });
    await expect(store.trunks.set(tenant.id, { host: '192.0.2.1', username: 'acme' })).rejects.toMatchObject({ code: 'invalid', message: 'the trunk username acme needs a password' });
    await expect(store.trunks.set(tenant.id, { host: '192.0.2.1', password: 'pw' })).rejects.toMatchObject({ code: 'invalid', message: 'a trunk password needs a username' });
    await expect(store.trunks.set(tenant.id, { host: '192.0.2.1', callerIdNumber: 'ACME' })).rejects.toMatchObject({ code: 'invalid' });
    expect(await store.trunks.get(tenant.id)).toBeNull();
  });

  test('DIDs ring an existing extension or forward outside; unique across the server; found with or without +', async () => {
    const store = ctx.store();
    const a = await newTenant(store);
    const b = await newTenant(store);
    await newUser(store, a, { extension: '101' });
    const number = uniqueNumber();

    const did = await store.dids.add(a.id, `+${number.slice(0, 4)} ${number.slice(4)}`, { extension: '101' });
    expect(did).toMatchObject({ number: `+${number}`, tenantId: a.id, extension: '101', forwardTo: null });
    await expect(store.dids.add(b.id, `+${number}`, { forwardTo: '5550000' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(store.dids.add(a.id, number, { extension: '101' })).rejects.toMatchObject({ code: 'conflict' });
    await expect(store.dids.add(a.id, uniqueNumber(), { extension: '199' })).rejects.toMatchObject({ code: 'not_found', message: 'there is no extension 199' });
    await expect(store.dids.add(a.id, 'no such thing!', { extension: '101' })).rejects.toMatchObject({ code: 'invalid' });

    // The carrier may send the number with or without the +.
    expect((await store.dids.find(number))?.tenantId).toBe(a.id);
    expect((await store.dids.find(`+${number}`))?.extension).toBe('101');
    expect(await store.dids.find('garbage!')).toBeNull();

    const name = unique('bench');
    const forward = await store.dids.add(b.id, name, { forwardTo: '+44 20 7946 0000' });
    expect(forward).toMatchObject({ number: name, extension: null, forwardTo: '+442079460000' });
    expect((await store.dids.find(name))?.tenantId).toBe(b.id);

    expect((await store.dids.list(a.id)).map((d) => d.number)).toEqual([`+${number}`]);
    expect(await store.dids.get(b.id, `+${number}`)).toBeNull();
    expect(await store.dids.remove(b.id, `+${number}`)).toBe(false);
    expect(await store.dids.remove(a.id, `+${number}`)).toBe(true);
    expect(await store.dids.find(number)).toBeNull();
  });

  test('a tenant cannot see or change another tenant\'s trunk; removing a tenant removes its trunk and DIDs', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    const other = await newTenant(store);
    await store.trunks.set(tenant.id, { host: '192.0.2.7' });
    expect(await store.trunks.get(other.id)).toBeNull();
    expect(await store.trunks.remove(other.id)).toBe(false);
    expect((await store.trunks.get(tenant.id))?.host).toBe('192.0.2.7');
    const number = uniqueNumber();
    await store.dids.add(tenant.id, number, { forwardTo: '5551234' });
    await store.tenants.remove(tenant.id);
    expect(await store.trunks.get(tenant.id)).toBeNull();
    expect(await store.dids.find(number)).toBeNull();
    expect((await store.trunks.listAll()).some((t) => t.tenantId === tenant.id)).toBe(false);
  });

  test('users may dial international and premium numbers only when given the right (default off)', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    const plain = await store.users.create(tenant.id, { name: 'Plain', email: `${unique('p')}@example.test`, canDialExternal: true });
    expect(plain).toMatchObject({ canDialExternal: true, canDialInternational: false, canDialPremium: false });
    const wide = await store.users.create(tenant.id, { name: 'Wide', email: `${unique('w')}@example.test`, canDialExternal: true, canDialInternational: true, canDialPremium: true });
    expect(wide).toMatchObject({ canDialInternational: true, canDialPremium: true });
    const changed = await store.users.update(tenant.id, plain.id, { canDialInternational: true });
    expect(changed).toMatchObject({ canDialExternal: true, canDialInternational: true, canDialPremium: false });
    expect(await store.users.update(tenant.id, wide.id, { canDialPremium: false })).toMatchObject({ canDialInternational: true, canDialPremium: false });
    await expect(store.users.update(tenant.id, wide.id, { name: '  ' })).rejects.toMatchObject({ code: 'invalid' });
  });

  test('a store made before trunks existed upgrades: users keep their data and get no new rights', async () => {
    const old = await ctx.backend().open();
    try {
      // Back to the first migration, as a store written by an earlier release would be.
      const migrator = new Migrator({ db: old.db, provider: migrationProvider });
      const down = await migrator.migrateTo('0001_initial');
      expect(down.error).toBeUndefined();
      const tenant = await old.tenants.create({ name: 'Old', sipDomain: `${unique('o')}.example.test` });
      await old.db
        .insertInto('users')
        .values({ id: 'u-old', tenant_id: tenant.id, name: 'Old Timer', email: `${unique('old')}@example.test`, password_hash: null, role: 'user', can_dial_external: 1, created_at: new Date().toISOString() } as never)
        .execute();
      // Later migrations run after it too; this one is what the test is about.
      expect((await old.migrate()).slice(0, 1)).toEqual(['0002_trunks']);
      expect(await old.users.get(tenant.id, 'u-old')).toMatchObject({ name: 'Old Timer', canDialExternal: true, canDialInternational: false, canDialPremium: false });
    } finally {
      await old.close();
    }
  });
}

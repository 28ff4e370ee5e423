import { StoreError } from '../../../src/index.js';
import type { SuiteContext } from './context.js';
import { newTenant, newUser } from './context.js';
import { unique } from '../support/stores.js';

/** Tenants, users, extensions and the directory. */
export function organisationSuite(ctx: SuiteContext): void {
  test('migrations run once, and a reopened store applies nothing new', async () => {
    const fresh = await ctx.backend().open();
    try {
      expect(await fresh.migrate()).toEqual([]);
      const again = await ctx.backend().reopen(fresh);
      expect(await again.migrate()).toEqual([]);
      expect(await again.tenants.count()).toBe(0);
      await again.close();
    } finally {
      await fresh.close();
    }
  });

  test('tenants: SIP domains are unique, case-insensitively', async () => {
    const store = ctx.store();
    const domain = `${unique('d')}.Example.test`;
    const tenant = await store.tenants.create({ name: 'Demo', sipDomain: domain });
    expect(tenant.sipDomain).toBe(domain.toLowerCase());
    await expect(store.tenants.create({ name: 'Other', sipDomain: domain.toUpperCase() })).rejects.toMatchObject({ code: 'conflict' });
    expect((await store.tenants.findBySipDomain(domain.toUpperCase()))?.id).toBe(tenant.id);
    await expect(store.tenants.create({ name: 'Bad', sipDomain: 'not a domain' })).rejects.toBeInstanceOf(StoreError);
  });

  test('users: emails are unique across tenants; sign-in checks the scrypt hash', async () => {
    const store = ctx.store();
    const a = await newTenant(store);
    const b = await newTenant(store);
    const email = `${unique('alice')}@Example.test`;
    const alice = await store.users.create(a.id, { name: 'Alice', email, password: 'correct horse', role: 'admin', canDialExternal: true });
    expect(alice).toMatchObject({ email: email.toLowerCase(), role: 'admin', canDialExternal: true, hasPassword: true });
    await expect(store.users.create(b.id, { name: 'Alice B', email })).rejects.toMatchObject({ code: 'conflict' });

    expect((await store.users.signIn(email.toUpperCase(), 'correct horse'))?.id).toBe(alice.id);
    expect(await store.users.signIn(email, 'wrong')).toBeNull();
    expect(await store.users.signIn(`${unique('nobody')}@example.test`, 'correct horse')).toBeNull();
    const noPassword = await newUser(store, a);
    expect(noPassword.hasPassword).toBe(false);
    expect(await store.users.signIn(noPassword.email, '')).toBeNull();

    await store.users.setPassword(a.id, alice.id, 'battery staple');
    expect(await store.users.signIn(email, 'correct horse')).toBeNull();
    expect((await store.users.signIn(email, 'battery staple'))?.id).toBe(alice.id);
  });

  test('extensions: unique per tenant, one per user, and the same number in two tenants', async () => {
    const store = ctx.store();
    const a = await newTenant(store);
    const b = await newTenant(store);
    const alice = await newUser(store, a, { name: 'Alice', extension: '101' });
    const bob = await newUser(store, a, { name: 'Bob' });
    await expect(store.extensions.assign(a.id, '101', bob.id)).rejects.toMatchObject({ code: 'conflict' });
    await expect(store.extensions.assign(a.id, '102', alice.id)).rejects.toMatchObject({ code: 'conflict' });
    await expect(store.extensions.assign(a.id, '1x', bob.id)).rejects.toMatchObject({ code: 'invalid' });
    await store.extensions.assign(a.id, '102', bob.id);
    const other = await newUser(store, b, { name: 'Zed', extension: '101' });

    expect((await store.users.findByExtension(a.id, '101'))?.id).toBe(alice.id);
    expect((await store.users.findByExtension(b.id, '101'))?.id).toBe(other.id);
    expect(await store.extensions.forUser(a.id, bob.id)).toBe('102');
    expect((await store.extensions.directory(a.id)).map((entry) => [entry.extension, entry.name])).toEqual([
      ['101', 'Alice'],
      ['102', 'Bob'],
    ]);
    expect(await store.extensions.remove(a.id, '102')).toBe(true);
    expect(await store.extensions.forUser(a.id, bob.id)).toBeNull();
  });

  test('removing a user removes their extension, devices and sessions; removing a tenant removes all', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    const user = await newUser(store, tenant, { extension: '150' });
    const device = await store.devices.create(tenant.id, { userId: user.id, kind: 'desk_phone' });
    const { token } = await store.sessions.create(tenant.id, user.id);
    await store.settings.set(tenant.id, user.id, 'dnd', true);

    expect(await store.users.remove(tenant.id, user.id)).toBe(true);
    expect(await store.extensions.get(tenant.id, '150')).toBeNull();
    expect(await store.devices.findBySipUsername(device.sipUsername)).toBeNull();
    expect(await store.sessions.findByToken(token)).toBeNull();
    expect(await store.settings.list(tenant.id, user.id)).toEqual({});

    const keep = await newUser(store, tenant, { extension: '151' });
    expect(await store.tenants.remove(tenant.id)).toBe(true);
    expect(await store.users.get(tenant.id, keep.id)).toBeNull();
    expect(await store.tenants.get(tenant.id)).toBeNull();
  });

  test('a transaction commits all of its writes or none', async () => {
    const store = ctx.store();
    const tenant = await newTenant(store);
    await expect(
      store.transaction(async (tx) => {
        const user = await newUser(tx, tenant, { name: 'Rolled Back', extension: '160' });
        await tx.devices.create(tenant.id, { userId: user.id, kind: 'desk_phone' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect(await store.users.list(tenant.id)).toEqual([]);
    expect(await store.extensions.get(tenant.id, '160')).toBeNull();
  });
}

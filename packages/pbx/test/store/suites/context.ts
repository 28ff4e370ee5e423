import type { Repositories, Store, Tenant, User } from '../../../src/index.js';
import type { Backend } from '../support/stores.js';
import { unique } from '../support/stores.js';

/** What a suite gets: the backend, and one migrated store shared by the file's tests. */
export interface SuiteContext {
  backend(): Backend;
  store(): Store;
}

/** A new tenant with a unique SIP domain, so tests never collide in a shared database. */
export function newTenant(store: Repositories, name = 'Acme'): Promise<Tenant> {
  return store.tenants.create({ name, sipDomain: `${unique('t')}.example.test` });
}

/** A new user with a unique email, optionally with an extension. */
export async function newUser(
  store: Repositories,
  tenant: Tenant,
  options: { name?: string; extension?: string; password?: string } = {},
): Promise<User> {
  const user = await store.users.create(tenant.id, {
    name: options.name ?? 'Pat Doe',
    email: `${unique('u')}@example.test`,
    password: options.password ?? null,
  });
  if (options.extension !== undefined) await store.extensions.assign(tenant.id, options.extension, user.id);
  return user;
}

import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { StoreError, guardWrite } from './errors.js';
import type { Tenant } from './records.js';
import type { Database, TenantsTable } from './schema.js';

export function toTenant(row: Selectable<TenantsTable>): Tenant {
  return { id: row.id, name: row.name, sipDomain: row.sip_domain, createdAt: new Date(row.created_at) };
}

const domainPattern = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** Normalises and checks a SIP domain (a host name, compared case-insensitively). */
export function normaliseSipDomain(domain: string): string {
  const normalised = domain.trim().toLowerCase();
  if (!domainPattern.test(normalised)) throw new StoreError('invalid', `"${domain}" is not a valid SIP domain (a host name such as pbx.example.com)`);
  return normalised;
}

/** Tenants: the organisations served by this server. Creating and listing them is server-wide. */
export class TenantRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async create(input: { name: string; sipDomain: string }, now = new Date()): Promise<Tenant> {
    const name = input.name.trim();
    if (name === '') throw new StoreError('invalid', 'a tenant needs a name');
    const row = { id: randomUUID(), name, sip_domain: normaliseSipDomain(input.sipDomain), created_at: now.toISOString() };
    await guardWrite(() => this.db.insertInto('tenants').values(row).execute(), {
      conflict: `the SIP domain ${row.sip_domain} is already used by another tenant`,
    });
    return toTenant(row);
  }

  async get(tenantId: string): Promise<Tenant | null> {
    const row = await this.db.selectFrom('tenants').selectAll().where('id', '=', tenantId).executeTakeFirst();
    return row ? toTenant(row) : null;
  }

  async findBySipDomain(sipDomain: string): Promise<Tenant | null> {
    const row = await this.db
      .selectFrom('tenants')
      .selectAll()
      .where('sip_domain', '=', sipDomain.trim().toLowerCase())
      .executeTakeFirst();
    return row ? toTenant(row) : null;
  }

  async list(): Promise<Tenant[]> {
    const rows = await this.db.selectFrom('tenants').selectAll().orderBy('created_at').orderBy('id').execute();
    return rows.map(toTenant);
  }

  async count(): Promise<number> {
    const row = await this.db.selectFrom('tenants').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async rename(tenantId: string, name: string): Promise<void> {
    const result = await this.db.updateTable('tenants').set({ name: name.trim() }).where('id', '=', tenantId).executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new StoreError('not_found', 'no such tenant');
  }

  /** Removes a tenant and everything in it (users, extensions, devices, registrations, history). */
  async remove(tenantId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('tenants').where('id', '=', tenantId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

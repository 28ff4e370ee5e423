import type { Kysely } from 'kysely';
import { StoreError, guardWrite } from './errors.js';
import type { DirectoryListing, Extension } from './records.js';
import type { Database } from './schema.js';

const numberPattern = /^[0-9]{2,15}$/;

export function checkExtensionNumber(number: string): string {
  const trimmed = number.trim();
  if (!numberPattern.test(trimmed)) throw new StoreError('invalid', `"${number}" is not an extension number (2 to 15 digits)`);
  return trimmed;
}

/** Extension numbers of a tenant. A number belongs to one user; a user has at most one number. */
export class ExtensionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async assign(tenantId: string, number: string, userId: string, now = new Date()): Promise<Extension> {
    const row = { tenant_id: tenantId, number: checkExtensionNumber(number), user_id: userId, created_at: now.toISOString() };
    const taken = await this.db
      .selectFrom('extensions')
      .select(['number', 'user_id'])
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('number', '=', row.number), eb('user_id', '=', userId)]))
      .execute();
    for (const existing of taken) {
      if (existing.number === row.number) throw new StoreError('conflict', `extension ${row.number} is already assigned`);
      throw new StoreError('conflict', `that user already has extension ${existing.number}`);
    }
    await guardWrite(() => this.db.insertInto('extensions').values(row).execute(), {
      conflict: `extension ${row.number} is already assigned`,
      missing: 'no such user in this tenant',
    });
    return { tenantId, number: row.number, userId };
  }

  async get(tenantId: string, number: string): Promise<Extension | null> {
    const row = await this.db
      .selectFrom('extensions')
      .select(['tenant_id', 'number', 'user_id'])
      .where('tenant_id', '=', tenantId)
      .where('number', '=', number)
      .executeTakeFirst();
    return row ? { tenantId: row.tenant_id, number: row.number, userId: row.user_id } : null;
  }

  /** The user's extension number, or null. */
  async forUser(tenantId: string, userId: string): Promise<string | null> {
    const row = await this.db
      .selectFrom('extensions')
      .select('number')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.number ?? null;
  }

  async list(tenantId: string): Promise<Extension[]> {
    const rows = await this.db
      .selectFrom('extensions')
      .select(['tenant_id', 'number', 'user_id'])
      .where('tenant_id', '=', tenantId)
      .orderBy('number')
      .execute();
    return rows.map((row) => ({ tenantId: row.tenant_id, number: row.number, userId: row.user_id }));
  }

  /** Every user of the tenant who has an extension, ordered by extension number. */
  async directory(tenantId: string): Promise<DirectoryListing[]> {
    const rows = await this.db
      .selectFrom('extensions')
      .innerJoin('users', (join) => join.onRef('users.tenant_id', '=', 'extensions.tenant_id').onRef('users.id', '=', 'extensions.user_id'))
      .select(['users.id as userId', 'users.name as name', 'users.email as email', 'extensions.number as extension'])
      .where('extensions.tenant_id', '=', tenantId)
      .orderBy('extensions.number')
      .execute();
    return rows;
  }

  async remove(tenantId: string, number: string): Promise<boolean> {
    const result = await this.db.deleteFrom('extensions').where('tenant_id', '=', tenantId).where('number', '=', number).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }
}

import type { Kysely } from 'kysely';
import { StoreError, guardWrite } from './errors.js';
import type { Database } from './schema.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** Per-user settings as JSON values by key (BLF layout, DND, preferences). */
export class SettingsRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(tenantId: string, userId: string, key: string): Promise<JsonValue | undefined> {
    const row = await this.db
      .selectFrom('user_settings')
      .select('value')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .executeTakeFirst();
    return row ? (JSON.parse(row.value) as JsonValue) : undefined;
  }

  /** Writes a value; resolves after commit. */
  async set(tenantId: string, userId: string, key: string, value: JsonValue, now = new Date()): Promise<void> {
    if (key === '' || key.length > 200) throw new StoreError('invalid', 'a setting key is 1 to 200 characters');
    const text = JSON.stringify(value);
    await guardWrite(
      () =>
        this.db
          .insertInto('user_settings')
          .values({ tenant_id: tenantId, user_id: userId, key, value: text, updated_at: now.toISOString() })
          .onConflict((oc) => oc.columns(['tenant_id', 'user_id', 'key']).doUpdateSet({ value: text, updated_at: now.toISOString() }))
          .execute(),
      { missing: 'no such user in this tenant' },
    );
  }

  async remove(tenantId: string, userId: string, key: string): Promise<boolean> {
    const result = await this.db
      .deleteFrom('user_settings')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  async list(tenantId: string, userId: string): Promise<Record<string, JsonValue>> {
    const rows = await this.db
      .selectFrom('user_settings')
      .select(['key', 'value'])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .orderBy('key')
      .execute();
    return Object.fromEntries(rows.map((row) => [row.key, JSON.parse(row.value) as JsonValue]));
  }
}

import type { Kysely } from 'kysely';
import { StoreError, guardWrite } from './errors.js';
import type { Database } from './schema.js';

/** One BLF key: the monitored extension and the label shown on it. */
export interface BlfKeyRecord {
  extension: string;
  label: string;
}

export const MAX_BLF_KEYS = 100;

function parseKeys(text: string): BlfKeyRecord[] {
  const value: unknown = JSON.parse(text);
  if (!Array.isArray(value)) return [];
  return value
    .filter((k): k is { extension: unknown; label: unknown } => typeof k === 'object' && k !== null)
    .filter((k) => typeof k.extension === 'string' && typeof k.label === 'string')
    .map((k) => ({ extension: k.extension as string, label: k.label as string }));
}

/** Each user's BLF key layout, saved whole; null when the user never saved one. */
export class BlfLayoutRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(tenantId: string, userId: string): Promise<BlfKeyRecord[] | null> {
    const row = await this.db.selectFrom('blf_layouts').select('keys').where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
    return row ? parseKeys(row.keys) : null;
  }

  /** Replaces the layout; resolves after commit. */
  async set(tenantId: string, userId: string, keys: readonly BlfKeyRecord[], now = new Date()): Promise<void> {
    if (keys.length > MAX_BLF_KEYS) throw new StoreError('invalid', `a layout has at most ${MAX_BLF_KEYS} keys`);
    const text = JSON.stringify(keys.map((k) => ({ extension: k.extension, label: k.label })));
    const values = { keys: text, updated_at: now.toISOString() };
    await guardWrite(
      () =>
        this.db
          .insertInto('blf_layouts')
          .values({ tenant_id: tenantId, user_id: userId, ...values })
          .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doUpdateSet(values))
          .execute(),
      { missing: 'no such user in this tenant' },
    );
  }

  /** Back to the default layout. */
  async remove(tenantId: string, userId: string): Promise<void> {
    await this.db.deleteFrom('blf_layouts').where('tenant_id', '=', tenantId).where('user_id', '=', userId).execute();
  }
}

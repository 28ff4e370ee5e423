import type { Kysely } from 'kysely';
import { guardWrite } from './errors.js';
import type { Database } from './schema.js';

/** Do Not Disturb per user (off when never set). */
export class DndRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async get(tenantId: string, userId: string): Promise<boolean> {
    const row = await this.db.selectFrom('dnd_states').select('enabled').where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
    return row?.enabled === 1;
  }

  /** Resolves after commit. */
  async set(tenantId: string, userId: string, enabled: boolean, now = new Date()): Promise<void> {
    const values = { enabled: enabled ? 1 : 0, updated_at: now.toISOString() };
    await guardWrite(
      () =>
        this.db
          .insertInto('dnd_states')
          .values({ tenant_id: tenantId, user_id: userId, ...values })
          .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doUpdateSet(values))
          .execute(),
      { missing: 'no such user in this tenant' },
    );
  }

  /** Server-wide (upkeep): every user with DND on, to load the in-memory view on start. */
  async listEnabled(): Promise<Array<{ tenantId: string; userId: string }>> {
    const rows = await this.db.selectFrom('dnd_states').select(['tenant_id', 'user_id']).where('enabled', '=', 1).execute();
    return rows.map((r) => ({ tenantId: r.tenant_id, userId: r.user_id }));
  }
}

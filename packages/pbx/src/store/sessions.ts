import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { guardWrite } from './errors.js';
import type { PortalSession } from './records.js';
import type { Database, SessionsTable } from './schema.js';

function toSession(row: Selectable<SessionsTable>): PortalSession {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    createdAt: new Date(row.created_at),
    expiresAt: new Date(row.expires_at),
    lastSeenAt: new Date(row.last_seen_at),
  };
}

/** Only a hash of the token is stored: a copy of the database does not let anyone sign in. */
function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

export interface SessionPolicy {
  /** Idle lifetime: a session unused this long expires. Default 30 days. */
  ttlMs?: number;
}

const day = 86_400_000;
/** Sliding expiry is written at most this often, not on every request. */
const touchEveryMs = 3_600_000;

/** Durable portal sessions: a server restart does not sign anyone out. */
export class SessionRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly policy: SessionPolicy = {},
  ) {}

  private get ttlMs(): number {
    return this.policy.ttlMs ?? 30 * day;
  }

  /** Opens a session; returns it with the secret token that goes in the cookie. */
  async create(
    tenantId: string,
    userId: string,
    context: { remoteAddress?: string | null; userAgent?: string | null } = {},
    now = new Date(),
  ): Promise<{ session: PortalSession; token: string }> {
    const token = randomBytes(32).toString('base64url');
    const row: Selectable<SessionsTable> = {
      id: randomUUID(),
      token_hash: hashToken(token),
      tenant_id: tenantId,
      user_id: userId,
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + this.ttlMs).toISOString(),
      last_seen_at: now.toISOString(),
      remote_address: context.remoteAddress ?? null,
      user_agent: context.userAgent?.slice(0, 512) ?? null,
    };
    await guardWrite(() => this.db.insertInto('sessions').values(row).execute(), { missing: 'no such user in this tenant' });
    return { session: toSession(row), token };
  }

  /**
   * The live session for a cookie token, or null. The token is the credential, so this lookup is
   * server-wide; the session names its tenant. Extends the idle expiry at most once an hour.
   */
  async findByToken(token: string, now = new Date()): Promise<PortalSession | null> {
    const row = await this.db
      .selectFrom('sessions')
      .selectAll()
      .where('token_hash', '=', hashToken(token))
      .where('expires_at', '>', now.toISOString())
      .executeTakeFirst();
    if (!row) return null;
    if (now.getTime() - new Date(row.last_seen_at).getTime() >= touchEveryMs) {
      row.last_seen_at = now.toISOString();
      row.expires_at = new Date(now.getTime() + this.ttlMs).toISOString();
      await this.db
        .updateTable('sessions')
        .set({ last_seen_at: row.last_seen_at, expires_at: row.expires_at })
        .where('id', '=', row.id)
        .execute();
    }
    return toSession(row);
  }

  async remove(tenantId: string, sessionId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('sessions').where('tenant_id', '=', tenantId).where('id', '=', sessionId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Signs the user out everywhere (e.g. after a password change). */
  async removeForUser(tenantId: string, userId: string): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('tenant_id', '=', tenantId).where('user_id', '=', userId).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Deletes expired sessions; server-wide upkeep. */
  async purgeExpired(now = new Date()): Promise<number> {
    const result = await this.db.deleteFrom('sessions').where('expires_at', '<=', now.toISOString()).executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

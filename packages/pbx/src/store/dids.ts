import type { Kysely, Selectable } from 'kysely';
import { StoreError, guardWrite } from './errors.js';
import type { Did } from './records.js';
import type { RoutingCache } from './routing-cache.js';
import type { Database, DidsTable } from './schema.js';

const phoneNumberPattern = /^\+?[0-9]{2,20}$/;
/** Some carriers put a name rather than a number in the Request-URI; a DID may be such a name. */
const namePattern = /^[A-Za-z][A-Za-z0-9._-]{0,63}$/;
const outsideNumberPattern = /^\+?[0-9]{3,20}$/;

export function toDid(row: Selectable<DidsTable>): Did {
  return { number: row.number, tenantId: row.tenant_id, extension: row.extension, forwardTo: row.forward_to, createdAt: new Date(row.created_at) };
}

/**
 * A DID as stored: a phone number with the separators people type dropped (`+1 (555) 010-0200`
 * is `+15550100200`), or a name the carrier sends in the Request-URI (e.g. `bench`).
 */
export function normaliseDid(number: string): string {
  const trimmed = number.trim();
  const compact = trimmed.replace(/[\s().-]/g, '');
  if (phoneNumberPattern.test(compact)) return compact;
  if (namePattern.test(trimmed)) return trimmed;
  throw new StoreError('invalid', `"${number}" is not a DID (a phone number, optionally starting with +)`);
}

/** An outside number a DID forwards to, in the dial plan's form (digits, optional leading +). */
export function normaliseOutsideNumber(number: string): string {
  const compact = number.trim().replace(/[\s().-]/g, '');
  if (!outsideNumberPattern.test(compact)) throw new StoreError('invalid', `"${number}" is not an outside number (3 to 20 digits, optionally starting with +)`);
  return compact;
}

export type DidTarget = { extension: string } | { forwardTo: string };

/**
 * Inbound numbers (DIDs). A DID is unique across the whole server, so the carrier's INVITE —
 * which names only the number — finds its tenant without doubt, even when tenants share a
 * carrier. Every other method is per tenant.
 */
export class DidRepository {
  constructor(
    private readonly db: Kysely<Database>,
    /** SQLite: `find` answers from memory (routing-cache.ts). */
    private readonly cache: RoutingCache | null = null,
  ) {}

  /** Maps a DID to an extension of the tenant (which must exist) or to an outside number. */
  async add(tenantId: string, number: string, target: DidTarget, now = new Date()): Promise<Did> {
    const did = normaliseDid(number);
    let extension: string | null = null;
    let forwardTo: string | null = null;
    if ('extension' in target) {
      extension = target.extension.trim();
      const exists = await this.db.selectFrom('extensions').select('number').where('tenant_id', '=', tenantId).where('number', '=', extension).executeTakeFirst();
      if (!exists) throw new StoreError('not_found', `there is no extension ${extension}`);
    } else {
      forwardTo = normaliseOutsideNumber(target.forwardTo);
    }
    // "+15550100" and "15550100" are one number to a carrier: only one of them may exist.
    if (await this.find(did)) throw new StoreError('conflict', `the number ${did} is already in use on this server`);
    const row: Selectable<DidsTable> = { number: did, tenant_id: tenantId, extension, forward_to: forwardTo, created_at: now.toISOString() };
    await guardWrite(() => this.db.insertInto('dids').values(row).execute(), {
      conflict: `the number ${did} is already in use on this server`,
      missing: 'no such tenant',
    });
    return toDid(row);
  }

  async get(tenantId: string, number: string): Promise<Did | null> {
    const row = await this.db.selectFrom('dids').selectAll().where('tenant_id', '=', tenantId).where('number', '=', normaliseDid(number)).executeTakeFirst();
    return row ? toDid(row) : null;
  }

  async list(tenantId: string): Promise<Did[]> {
    const rows = await this.db.selectFrom('dids').selectAll().where('tenant_id', '=', tenantId).orderBy('number').execute();
    return rows.map(toDid);
  }

  async remove(tenantId: string, number: string): Promise<boolean> {
    const result = await this.db.deleteFrom('dids').where('tenant_id', '=', tenantId).where('number', '=', normaliseDid(number)).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /**
   * The DID a carrier's INVITE names, server-wide by design (the request carries no tenant).
   * Carriers differ on the leading `+`: `15550100` also finds `+15550100` and the other way round.
   */
  async find(number: string): Promise<Did | null> {
    let did: string;
    try {
      did = normaliseDid(number);
    } catch {
      return null;
    }
    const forms = [did];
    if (phoneNumberPattern.test(did)) forms.push(did.startsWith('+') ? did.slice(1) : `+${did}`);
    const cached = this.cache?.did(did);
    if (cached !== undefined) return cached ?? (forms[1] === undefined ? null : (this.cache?.did(forms[1]) ?? null));
    const rows = await this.db.selectFrom('dids').selectAll().where('number', 'in', forms).execute();
    const row = rows.find((r) => r.number === did) ?? rows[0];
    return row ? toDid(row) : null;
  }
}

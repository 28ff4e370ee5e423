import { randomBytes, randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { StoreError, guardWrite } from './errors.js';
import { generatePassword } from './password.js';
import type { Device, DeviceAccount, DeviceKind } from './records.js';
import type { RegistrarHotPath } from './registrar-hot-path.js';
import type { Database, DevicesTable } from './schema.js';
import { toTenant } from './tenants.js';
import { toUser } from './users.js';

export function toDevice(row: Selectable<DevicesTable>): Device {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    kind: row.kind,
    label: row.label,
    sipUsername: row.sip_username,
    sipPassword: row.sip_password,
    expiresAt: row.expires_at === null ? null : new Date(row.expires_at),
    createdAt: new Date(row.created_at),
  };
}

const usernamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface NewDevice {
  userId: string;
  kind: Exclude<DeviceKind, 'browser'>;
  label?: string;
  /** Default: the first free of the user's extension, `<ext>-2`, `<ext>-3`… (or a random name). */
  sipUsername?: string;
  /** Default: a random 20-character password. */
  sipPassword?: string;
}

export interface BrowserCredentialPolicy {
  /** How long newly issued browser credentials stay valid. Default 12 h. */
  ttlMs?: number;
  /** Credentials with less than this left are not handed out again; new ones are issued. Default 1 h. */
  renewBeforeMs?: number;
}

const hour = 3_600_000;

/**
 * Devices: what registers and authenticates over SIP. SIP usernames are unique across the whole
 * server, so the registrar finds a device, and from it the tenant, by the digest username alone
 * (even when a phone registers to the server's IP address instead of the tenant's domain).
 */
export class DeviceRepository {
  constructor(
    private readonly db: Kysely<Database>,
    /** SQLite's prepared, cached account lookup (absent on PostgreSQL and inside transactions). */
    private readonly hotPath: RegistrarHotPath | null = null,
  ) {}

  async create(tenantId: string, input: NewDevice, now = new Date()): Promise<Device> {
    const sipUsername = input.sipUsername ?? (await this.availableSipUsername(await this.usernameBase(tenantId, input.userId)));
    if (!usernamePattern.test(sipUsername)) {
      throw new StoreError('invalid', `"${sipUsername}" is not a valid SIP username (letters, digits, . _ -; up to 64)`);
    }
    const row: Selectable<DevicesTable> = {
      id: randomUUID(),
      tenant_id: tenantId,
      user_id: input.userId,
      kind: input.kind,
      label: input.label?.trim() || (input.kind === 'desk_phone' ? 'Desk phone' : 'Softphone'),
      sip_username: sipUsername,
      sip_password: input.sipPassword ?? generatePassword(20),
      expires_at: null,
      created_at: now.toISOString(),
    };
    await guardWrite(() => this.db.insertInto('devices').values(row).execute(), {
      conflict: `the SIP username ${sipUsername} is already taken`,
      missing: 'no such user in this tenant',
    });
    return toDevice(row);
  }

  async get(tenantId: string, deviceId: string): Promise<Device | null> {
    const row = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', deviceId)
      .executeTakeFirst();
    return row ? toDevice(row) : null;
  }

  /** The tenant's devices (optionally one user's), browser credentials included. */
  async list(tenantId: string, filter: { userId?: string } = {}): Promise<Device[]> {
    let query = this.db.selectFrom('devices').selectAll().where('tenant_id', '=', tenantId);
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    const rows = await query.orderBy('sip_username').execute();
    return rows.map(toDevice);
  }

  async remove(tenantId: string, deviceId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('devices').where('tenant_id', '=', tenantId).where('id', '=', deviceId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /**
   * The device with this SIP username, with its user, tenant and extension; null when there is
   * none or it is a browser credential that has expired. Server-wide by design (see the class).
   * The registrar calls it for every REGISTER: on SQLite the answer comes from memory
   * (registrar-hot-path.ts); treat the account as read-only.
   */
  async findBySipUsername(sipUsername: string, now = new Date()): Promise<DeviceAccount | null> {
    if (this.hotPath) return this.hotPath.findAccount(sipUsername, now);
    const row = await this.db.selectFrom('devices').selectAll().where('sip_username', '=', sipUsername).executeTakeFirst();
    if (!row || (row.expires_at !== null && row.expires_at <= now.toISOString())) return null;
    const [user, tenant, extension] = await Promise.all([
      this.db.selectFrom('users').selectAll().where('tenant_id', '=', row.tenant_id).where('id', '=', row.user_id).executeTakeFirstOrThrow(),
      this.db.selectFrom('tenants').selectAll().where('id', '=', row.tenant_id).executeTakeFirstOrThrow(),
      this.db
        .selectFrom('extensions')
        .select('number')
        .where('tenant_id', '=', row.tenant_id)
        .where('user_id', '=', row.user_id)
        .executeTakeFirst(),
    ]);
    return { device: toDevice(row), user: toUser(user), tenant: toTenant(tenant), extension: extension?.number ?? null };
  }

  /** `base` when no device uses it, else the first free of `base-2`, `base-3`, … */
  async availableSipUsername(base: string): Promise<string> {
    const rows = await this.db
      .selectFrom('devices')
      .select('sip_username')
      .where((eb) => eb.or([eb('sip_username', '=', base), eb('sip_username', 'like', `${base}-%`)]))
      .execute();
    const taken = new Set(rows.map((row) => row.sip_username));
    if (!taken.has(base)) return base;
    for (let n = 2; ; n++) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
  }

  /**
   * Short-lived SIP credentials for the user's browser softphone: the current ones while more
   * than `renewBeforeMs` of their life remains, else new random ones valid for `ttlMs`.
   */
  async issueBrowserCredentials(tenantId: string, userId: string, now = new Date(), policy: BrowserCredentialPolicy = {}): Promise<Device> {
    const ttlMs = policy.ttlMs ?? 12 * hour;
    const renewBeforeMs = Math.min(policy.renewBeforeMs ?? hour, ttlMs / 2);
    const current = await this.db
      .selectFrom('devices')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('kind', '=', 'browser')
      .where('expires_at', '>', new Date(now.getTime() + renewBeforeMs).toISOString())
      .orderBy('expires_at', 'desc')
      .executeTakeFirst();
    if (current) return toDevice(current);

    const row: Selectable<DevicesTable> = {
      id: randomUUID(),
      tenant_id: tenantId,
      user_id: userId,
      kind: 'browser',
      label: 'Browser',
      sip_username: `web-${randomBytes(8).toString('hex')}`,
      sip_password: generatePassword(24),
      expires_at: new Date(now.getTime() + ttlMs).toISOString(),
      created_at: now.toISOString(),
    };
    await guardWrite(() => this.db.insertInto('devices').values(row).execute(), { missing: 'no such user in this tenant' });
    return toDevice(row);
  }

  /** Deletes browser credentials that have expired (with their registrations); server-wide upkeep. */
  async purgeExpired(now = new Date()): Promise<number> {
    const result = await this.db
      .deleteFrom('devices')
      .where('kind', '=', 'browser')
      .where('expires_at', '<=', now.toISOString())
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  private async usernameBase(tenantId: string, userId: string): Promise<string> {
    const row = await this.db
      .selectFrom('extensions')
      .select('number')
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return row?.number ?? `phone-${randomBytes(4).toString('hex')}`;
  }
}

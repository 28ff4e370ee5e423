import { isIP } from 'node:net';
import type { Kysely, Selectable } from 'kysely';
import { StoreError, guardWrite } from './errors.js';
import type { Trunk, TrunkSettings, TrunkTransport } from './records.js';
import type { RoutingCache } from './routing-cache.js';
import type { Database, TrunksTable } from './schema.js';

const hostPattern = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const callerIdPattern = /^\+?[0-9]{2,20}$/;
/** Digest usernames: what SIP allows in a user part, without the characters that would need escaping. */
const usernamePattern = /^[A-Za-z0-9._~+!$&'()*,;=%-]{1,64}$/;

export const DEFAULT_TRUNK_PORT = 5060;
const DEFAULT_TLS_TRUNK_PORT = 5061;

export function toTrunk(row: Selectable<TrunksTable>): Trunk {
  return {
    tenantId: row.tenant_id,
    host: row.host,
    port: row.port,
    transport: row.transport,
    username: row.username,
    password: row.password,
    register: row.register === 1,
    srtp: row.srtp === 1,
    inboundFrom: row.inbound_from === null ? [] : row.inbound_from.split(','),
    callerIdNumber: row.caller_id_number,
    callerIdName: row.caller_id_name,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

/** At most this many inbound addresses per trunk (carriers publish a handful of ranges). */
const MAX_INBOUND_ENTRIES = 64;

/** An IPv4/IPv6 address or CIDR range, as `inboundFrom` keeps it: lower-case, no brackets, no spaces. */
function normaliseInboundEntry(entry: string): string {
  const text = entry.trim().toLowerCase();
  const slash = text.indexOf('/');
  const address = (slash === -1 ? text : text.slice(0, slash)).replace(/^\[(.*)\]$/, '$1');
  const family = isIP(address);
  const prefix = slash === -1 ? null : text.slice(slash + 1);
  const maxPrefix = family === 6 ? 128 : 32;
  if (family === 0 || (prefix !== null && (!/^[0-9]{1,3}$/.test(prefix) || Number(prefix) > maxPrefix))) {
    throw new StoreError('invalid', `"${entry.trim()}" is not an IP address or CIDR range (like 203.0.113.0/24)`);
  }
  return prefix === null ? address : `${address}/${Number(prefix)}`;
}

/** A host name (lower-cased) or an IP address (IPv6 without brackets). */
export function normaliseTrunkHost(host: string): string {
  const trimmed = host.trim().replace(/^\[(.*)\]$/, '$1');
  if (isIP(trimmed) !== 0) return trimmed.toLowerCase();
  const name = trimmed.toLowerCase();
  if (!hostPattern.test(name)) throw new StoreError('invalid', `"${host}" is not a host name or IP address`);
  return name;
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new StoreError('invalid', `${port} is not a port (1 to 65535)`);
  return port;
}

function checkTransport(transport: string): TrunkTransport {
  if (transport !== 'udp' && transport !== 'tcp' && transport !== 'tls') throw new StoreError('invalid', `the trunk transport must be udp, tcp or tls, not "${transport}"`);
  return transport;
}

/** The carrier's port when none is given: 5061 for TLS, 5060 otherwise. */
function defaultTrunkPort(transport: TrunkTransport): number {
  return transport === 'tls' ? DEFAULT_TLS_TRUNK_PORT : DEFAULT_TRUNK_PORT;
}

/** A caller ID number as carriers take it: digits, optionally with a leading +; separators dropped. */
export function normaliseCallerId(number: string): string {
  const compact = number.trim().replace(/[\s().-]/g, '');
  if (!callerIdPattern.test(compact)) throw new StoreError('invalid', `"${number}" is not a caller ID number (digits, optionally starting with +)`);
  return compact;
}

function blankToNull(value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return value;
  return value.trim() === '' ? null : value;
}

/**
 * Each tenant's outside line (at most one). `set` creates or changes it; the call engine reads it
 * per call (from memory on SQLite, re-read after any change), so a change applies to the next
 * call, also while the server runs and when the CLI makes it.
 */
export class TrunkRepository {
  constructor(
    private readonly db: Kysely<Database>,
    /** SQLite: `get` answers from memory (routing-cache.ts). */
    private readonly cache: RoutingCache | null = null,
  ) {}

  async get(tenantId: string): Promise<Trunk | null> {
    const cached = this.cache?.trunk(tenantId);
    if (cached !== undefined) return cached;
    const row = await this.db.selectFrom('trunks').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
    return row ? toTrunk(row) : null;
  }

  /** Creates the trunk (needs `host`) or changes the given settings of the existing one. */
  async set(tenantId: string, settings: TrunkSettings, now = new Date()): Promise<Trunk> {
    const current = await this.db.selectFrom('trunks').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
    if (!current && settings.host === undefined) throw new StoreError('invalid', 'a new trunk needs a host');
    const row: Selectable<TrunksTable> = current
      ? { ...current }
      : {
          tenant_id: tenantId,
          host: '',
          port: DEFAULT_TRUNK_PORT,
          transport: 'udp',
          username: null,
          password: null,
          register: 1,
          srtp: 0,
          inbound_from: null,
          caller_id_number: null,
          caller_id_name: null,
          created_at: now.toISOString(),
          updated_at: now.toISOString(),
        };
    if (settings.host !== undefined) row.host = normaliseTrunkHost(settings.host);
    if (settings.transport !== undefined) {
      const transport = checkTransport(settings.transport);
      // A port left at the old transport's default follows the new one's (5060 <-> 5061).
      if (settings.port === undefined && row.port === defaultTrunkPort(row.transport)) row.port = defaultTrunkPort(transport);
      row.transport = transport;
    }
    if (settings.port !== undefined) row.port = checkPort(settings.port);
    const username = blankToNull(settings.username);
    if (username === null) {
      row.username = null;
      row.password = null;
    } else if (username !== undefined) {
      if (!usernamePattern.test(username)) throw new StoreError('invalid', `"${username}" is not a usable SIP username`);
      row.username = username;
    }
    const password = blankToNull(settings.password);
    if (password !== undefined) {
      if (password !== null && row.username === null) throw new StoreError('invalid', 'a trunk password needs a username');
      row.password = password;
    }
    if (row.username !== null && row.password === null) throw new StoreError('invalid', `the trunk username ${row.username} needs a password`);
    if (settings.register !== undefined) row.register = settings.register ? 1 : 0;
    if (settings.srtp !== undefined) row.srtp = settings.srtp ? 1 : 0;
    if (settings.inboundFrom !== undefined) {
      const entries = [...new Set(settings.inboundFrom.filter((e) => e.trim() !== '').map(normaliseInboundEntry))];
      if (entries.length > MAX_INBOUND_ENTRIES) throw new StoreError('invalid', `at most ${MAX_INBOUND_ENTRIES} inbound addresses per trunk`);
      row.inbound_from = entries.length === 0 ? null : entries.join(',');
    }
    const callerId = blankToNull(settings.callerIdNumber);
    if (callerId !== undefined) row.caller_id_number = callerId === null ? null : normaliseCallerId(callerId);
    const callerName = blankToNull(settings.callerIdName);
    if (callerName !== undefined) row.caller_id_name = callerName === null ? null : callerName.trim();
    row.updated_at = now.toISOString();

    if (current) {
      await this.db
        .updateTable('trunks')
        .set({
          host: row.host,
          port: row.port,
          transport: row.transport,
          username: row.username,
          password: row.password,
          register: row.register,
          srtp: row.srtp,
          inbound_from: row.inbound_from,
          caller_id_number: row.caller_id_number,
          caller_id_name: row.caller_id_name,
          updated_at: row.updated_at,
        })
        .where('tenant_id', '=', tenantId)
        .execute();
    } else {
      await guardWrite(() => this.db.insertInto('trunks').values(row).execute(), { conflict: 'this tenant already has a trunk', missing: 'no such tenant' });
    }
    return toTrunk(row);
  }

  async remove(tenantId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('trunks').where('tenant_id', '=', tenantId).executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Every tenant's trunk. Server-wide by design: trunk registrations are kept up for all tenants. */
  async listAll(): Promise<Trunk[]> {
    const rows = await this.db.selectFrom('trunks').selectAll().orderBy('tenant_id').execute();
    return rows.map(toTrunk);
  }
}

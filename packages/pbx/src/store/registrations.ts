import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { guardWrite } from './errors.js';
import type { Registration, RegistrationInput } from './records.js';
import type { RegistrarHotPath } from './registrar-hot-path.js';
import type { Database, RegistrationsTable } from './schema.js';

function toRegistration(row: Selectable<RegistrationsTable>): Registration {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    deviceId: row.device_id,
    aor: row.aor,
    contact: row.contact,
    instanceId: row.instance_id,
    regId: row.reg_id,
    expiresAt: new Date(row.expires_at),
    transport: row.transport as Registration['transport'],
    sourceAddress: row.source_address,
    sourcePort: row.source_port,
    flowId: row.flow_id,
    callId: row.call_id,
    cseq: row.cseq,
    userAgent: row.user_agent,
    updatedAt: new Date(row.updated_at),
  };
}

/**
 * What identifies a binding within an AOR: the instance id and reg-id when the device sent them
 * (RFC 5626 §6), else the Contact URI (RFC 3261 §10.3 step 7).
 */
export function bindingKeyOf(binding: Pick<RegistrationInput, 'instanceId' | 'regId' | 'contact'>): string {
  return binding.instanceId !== null ? `${binding.instanceId}|${binding.regId ?? ''}` : binding.contact;
}

/**
 * A time-ordered UUID (version 7 layout, RFC 9562: 48-bit milliseconds, then random bits): new
 * bindings' ids append to the end of the id index instead of landing on a random page of it.
 */
function timeOrderedId(now: Date): string {
  const random = randomUUID();
  const ms = now.getTime().toString(16).padStart(12, '0').slice(-12);
  return `${ms.slice(0, 8)}-${ms.slice(8)}-7${random.slice(15)}`;
}

/** The row of a new or refreshed binding (a fresh id; an upsert keeps the existing one). */
export function bindingRow(tenantId: string, input: RegistrationInput, now: Date): Selectable<RegistrationsTable> {
  return {
    id: timeOrderedId(now),
    tenant_id: tenantId,
    device_id: input.deviceId,
    aor: input.aor,
    binding_key: bindingKeyOf(input),
    contact: input.contact,
    instance_id: input.instanceId,
    reg_id: input.regId,
    expires_at: input.expiresAt.toISOString(),
    transport: input.transport,
    source_address: input.sourceAddress,
    source_port: input.sourcePort,
    flow_id: input.flowId,
    call_id: input.callId,
    cseq: input.cseq,
    user_agent: input.userAgent,
    updated_at: now.toISOString(),
  };
}

/**
 * Registrations (the location service), persisted so they survive a restart. Reads return only
 * bindings that have not expired at `now`.
 */
export class RegistrationRepository {
  constructor(
    private readonly db: Kysely<Database>,
    /** SQLite's grouped binding writes (absent on PostgreSQL and inside transactions). */
    private readonly hotPath: RegistrarHotPath | null = null,
  ) {}

  /**
   * Adds or refreshes a binding (keyed by tenant, AOR and binding key). Resolves after commit;
   * on SQLite, the writes of concurrent calls share one commit (registrar-hot-path.ts).
   */
  async save(tenantId: string, input: RegistrationInput, now = new Date()): Promise<Registration> {
    const hotPath = this.hotPath;
    if (hotPath) return guardWrite(() => hotPath.saveBinding(tenantId, input, now), { missing: 'no such device in this tenant' });
    const row = bindingRow(tenantId, input, now);
    const { id: _id, tenant_id: _t, aor: _a, binding_key: _b, ...changes } = row;
    const saved = await guardWrite(
      () =>
        this.db
          .insertInto('registrations')
          .values(row)
          .onConflict((oc) => oc.columns(['tenant_id', 'aor', 'binding_key']).doUpdateSet(changes))
          .returningAll()
          .executeTakeFirstOrThrow(),
      { missing: 'no such device in this tenant' },
    );
    return toRegistration(saved);
  }

  /** The live bindings of an AOR. */
  async list(tenantId: string, aor: string, now = new Date()): Promise<Registration[]> {
    const rows = await this.db
      .selectFrom('registrations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('aor', '=', aor)
      .where('expires_at', '>', now.toISOString())
      .orderBy('updated_at', 'desc')
      .execute();
    return rows.map(toRegistration);
  }

  async listForDevice(tenantId: string, deviceId: string, now = new Date()): Promise<Registration[]> {
    const rows = await this.db
      .selectFrom('registrations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('device_id', '=', deviceId)
      .where('expires_at', '>', now.toISOString())
      .orderBy('updated_at', 'desc')
      .execute();
    return rows.map(toRegistration);
  }

  async listForTenant(tenantId: string, now = new Date()): Promise<Registration[]> {
    const rows = await this.db
      .selectFrom('registrations')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('expires_at', '>', now.toISOString())
      .orderBy('aor')
      .execute();
    return rows.map(toRegistration);
  }

  /** Every live binding of every tenant: what the registrar restores at start-up. */
  async listAllActive(now = new Date()): Promise<Registration[]> {
    const rows = await this.db.selectFrom('registrations').selectAll().where('expires_at', '>', now.toISOString()).execute();
    return rows.map(toRegistration);
  }

  /** Users of the tenant with at least one live binding (for presence). */
  async registeredUserIds(tenantId: string, now = new Date()): Promise<Set<string>> {
    const rows = await this.db
      .selectFrom('registrations')
      .innerJoin('devices', (join) => join.onRef('devices.tenant_id', '=', 'registrations.tenant_id').onRef('devices.id', '=', 'registrations.device_id'))
      .select('devices.user_id')
      .distinct()
      .where('registrations.tenant_id', '=', tenantId)
      .where('registrations.expires_at', '>', now.toISOString())
      .execute();
    return new Set(rows.map((row) => row.user_id));
  }

  /**
   * A refresh that changes nothing but the expiry and CSeq (RFC 3261 §10.3 step 7): writes only
   * those. False when there is no such binding (then `save` it).
   */
  async refresh(tenantId: string, aor: string, bindingKey: string, changes: { expiresAt: Date; cseq: number }, now = new Date()): Promise<boolean> {
    if (this.hotPath) return this.hotPath.refreshBinding(tenantId, aor, bindingKey, changes.expiresAt, changes.cseq, now);
    const result = await this.db
      .updateTable('registrations')
      .set({ expires_at: changes.expiresAt.toISOString(), cseq: changes.cseq, updated_at: now.toISOString() })
      .where('tenant_id', '=', tenantId)
      .where('aor', '=', aor)
      .where('binding_key', '=', bindingKey)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  /** Removes one binding (a REGISTER with Expires: 0 for that contact). */
  async remove(tenantId: string, aor: string, bindingKey: string): Promise<boolean> {
    if (this.hotPath) return this.hotPath.removeBinding(tenantId, aor, bindingKey);
    const result = await this.db
      .deleteFrom('registrations')
      .where('tenant_id', '=', tenantId)
      .where('aor', '=', aor)
      .where('binding_key', '=', bindingKey)
      .executeTakeFirst();
    return result.numDeletedRows > 0n;
  }

  /** Removes every binding of an AOR (`Contact: *`, RFC 3261 §10.2.2). */
  async removeAll(tenantId: string, aor: string): Promise<number> {
    const result = await this.db.deleteFrom('registrations').where('tenant_id', '=', tenantId).where('aor', '=', aor).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /**
   * Removes the bindings that arrived over a connection that has closed (RFC 5626 §5.3). Flow ids
   * are unique across the server, so this is server-wide upkeep; returns what was removed.
   */
  async removeByFlow(flowId: string): Promise<Registration[]> {
    const rows = await this.db.deleteFrom('registrations').where('flow_id', '=', flowId).returningAll().execute();
    return rows.map(toRegistration);
  }

  /** Deletes bindings whose expiry has passed; server-wide upkeep; returns what was removed. */
  async expire(now = new Date()): Promise<Registration[]> {
    const rows = await this.db.deleteFrom('registrations').where('expires_at', '<=', now.toISOString()).returningAll().execute();
    return rows.map(toRegistration);
  }
}

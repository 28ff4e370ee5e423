import { sql } from 'kysely';
import type { Kysely, Migration, MigrationProvider } from 'kysely';

/**
 * The one set of migrations, for SQLite and PostgreSQL alike. Append new migrations with a name
 * that sorts after the last one; never edit one that has shipped.
 *
 * Tenant isolation is also enforced by the schema: rows that point at a user or a device carry
 * the tenant id and reference the pair (tenant_id, id), so a row of one tenant cannot name a user
 * or device of another.
 */
const initial: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('tenants')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('sip_domain', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('users')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('password_hash', 'text')
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('can_dial_external', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('users_tenant_id_id_unique', ['tenant_id', 'id'])
      .addCheckConstraint('users_role_check', sql`role in ('admin', 'user')`)
      .execute();

    await db.schema
      .createTable('extensions')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('number', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('extensions_pk', ['tenant_id', 'number'])
      .addUniqueConstraint('extensions_one_per_user', ['tenant_id', 'user_id'])
      .addForeignKeyConstraint('extensions_user_fk', ['tenant_id', 'user_id'], 'users', ['tenant_id', 'id'], (c) =>
        c.onDelete('cascade'),
      )
      .execute();

    await db.schema
      .createTable('devices')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('kind', 'text', (c) => c.notNull())
      .addColumn('label', 'text', (c) => c.notNull())
      .addColumn('sip_username', 'text', (c) => c.notNull().unique())
      .addColumn('sip_password', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('devices_tenant_id_id_unique', ['tenant_id', 'id'])
      .addCheckConstraint('devices_kind_check', sql`kind in ('browser', 'desk_phone', 'softphone')`)
      .addForeignKeyConstraint('devices_user_fk', ['tenant_id', 'user_id'], 'users', ['tenant_id', 'id'], (c) =>
        c.onDelete('cascade'),
      )
      .execute();
    await db.schema.createIndex('devices_by_user').on('devices').columns(['tenant_id', 'user_id']).execute();

    await db.schema
      .createTable('registrations')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('aor', 'text', (c) => c.notNull())
      .addColumn('binding_key', 'text', (c) => c.notNull())
      .addColumn('contact', 'text', (c) => c.notNull())
      .addColumn('instance_id', 'text')
      .addColumn('reg_id', 'integer')
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('transport', 'text', (c) => c.notNull())
      .addColumn('source_address', 'text', (c) => c.notNull())
      .addColumn('source_port', 'integer', (c) => c.notNull())
      .addColumn('flow_id', 'text')
      .addColumn('call_id', 'text', (c) => c.notNull())
      .addColumn('cseq', 'integer', (c) => c.notNull())
      .addColumn('user_agent', 'text')
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addUniqueConstraint('registrations_binding_unique', ['tenant_id', 'aor', 'binding_key'])
      .addForeignKeyConstraint('registrations_device_fk', ['tenant_id', 'device_id'], 'devices', ['tenant_id', 'id'], (c) =>
        c.onDelete('cascade'),
      )
      .execute();
    await db.schema.createIndex('registrations_by_expiry').on('registrations').column('expires_at').execute();
    await db.schema.createIndex('registrations_by_device').on('registrations').columns(['tenant_id', 'device_id']).execute();

    await db.schema
      .createTable('sessions')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('token_hash', 'text', (c) => c.notNull().unique())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('expires_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('remote_address', 'text')
      .addColumn('user_agent', 'text')
      .addForeignKeyConstraint('sessions_user_fk', ['tenant_id', 'user_id'], 'users', ['tenant_id', 'id'], (c) =>
        c.onDelete('cascade'),
      )
      .execute();
    await db.schema.createIndex('sessions_by_expiry').on('sessions').column('expires_at').execute();

    // Call records keep plain user ids (no foreign key): history outlives a removed user.
    await db.schema
      .createTable('call_records')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('direction', 'text', (c) => c.notNull())
      .addColumn('from_number', 'text', (c) => c.notNull())
      .addColumn('from_name', 'text')
      .addColumn('from_user_id', 'text')
      .addColumn('to_number', 'text', (c) => c.notNull())
      .addColumn('to_name', 'text')
      .addColumn('to_user_id', 'text')
      .addColumn('started_at', 'text', (c) => c.notNull())
      .addColumn('answered_at', 'text')
      .addColumn('ended_at', 'text')
      .addColumn('outcome', 'text')
      .addColumn('room', 'text')
      .addCheckConstraint('call_records_direction_check', sql`direction in ('inbound', 'outbound', 'internal')`)
      .addCheckConstraint(
        'call_records_outcome_check',
        sql`outcome is null or outcome in ('answered', 'missed', 'busy', 'declined', 'failed', 'cancelled')`,
      )
      .execute();
    await db.schema
      .createIndex('call_records_by_caller')
      .on('call_records')
      .columns(['tenant_id', 'from_user_id', 'started_at'])
      .execute();
    await db.schema
      .createIndex('call_records_by_callee')
      .on('call_records')
      .columns(['tenant_id', 'to_user_id', 'started_at'])
      .execute();

    await db.schema
      .createTable('user_settings')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('value', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('user_settings_pk', ['tenant_id', 'user_id', 'key'])
      .addForeignKeyConstraint('user_settings_user_fk', ['tenant_id', 'user_id'], 'users', ['tenant_id', 'id'], (c) =>
        c.onDelete('cascade'),
      )
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['user_settings', 'call_records', 'sessions', 'registrations', 'devices', 'extensions', 'users', 'tenants']) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};

/** The trunks table as 0002 made it, with the transports its check allows (0005 adds TLS). */
async function createTrunksTable(db: Kysely<unknown>, transports: readonly string[]): Promise<void> {
  await db.schema
    .createTable('trunks')
    .addColumn('tenant_id', 'text', (c) => c.primaryKey().references('tenants.id').onDelete('cascade'))
    .addColumn('host', 'text', (c) => c.notNull())
    .addColumn('port', 'integer', (c) => c.notNull())
    .addColumn('transport', 'text', (c) => c.notNull())
    .addColumn('username', 'text')
    .addColumn('password', 'text')
    .addColumn('register', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('caller_id_number', 'text')
    .addColumn('caller_id_name', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addCheckConstraint('trunks_transport_check', sql`transport in (${sql.join(transports.map((t) => sql.lit(t)))})`)
    .addCheckConstraint('trunks_port_check', sql`port between 1 and 65535`)
    .addCheckConstraint('trunks_credentials_check', sql`(username is null) = (password is null)`)
    .execute();
}

/**
 * SIP trunks (one outside line per tenant), inbound numbers (DIDs) and the users' toll-fraud
 * rights. DIDs are unique across the server: a carrier's INVITE names only the number, and a
 * public number belongs to one subscriber anyway (docs/trunks.md, "Decisions").
 */
const trunks: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('users').addColumn('can_dial_international', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('users').addColumn('can_dial_premium', 'integer', (c) => c.notNull().defaultTo(0)).execute();

    await createTrunksTable(db, ['udp', 'tcp']);

    // A DID rings an extension (by number, whoever holds it) or is sent on to an outside number.
    await db.schema
      .createTable('dids')
      .addColumn('number', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
      .addColumn('extension', 'text')
      .addColumn('forward_to', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addCheckConstraint('dids_target_check', sql`(extension is null) <> (forward_to is null)`)
      .execute();
    await db.schema.createIndex('dids_by_tenant').on('dids').columns(['tenant_id', 'number']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('dids').ifExists().execute();
    await db.schema.dropTable('trunks').ifExists().execute();
    await db.schema.alterTable('users').dropColumn('can_dial_premium').execute();
    await db.schema.alterTable('users').dropColumn('can_dial_international').execute();
  },
};

/**
 * Voicemail (messages, each user's greeting and busy preference), Do Not Disturb and BLF key
 * layouts (docs/presence-voicemail-dnd.md). Message audio lives in files under the data folder;
 * a row names its file, written and fsync'd before the row is committed.
 */
const voicemail: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('voicemail_messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('from_number', 'text', (c) => c.notNull())
      .addColumn('from_name', 'text')
      .addColumn('received_at', 'text', (c) => c.notNull())
      .addColumn('duration_ms', 'integer', (c) => c.notNull())
      .addColumn('file', 'text', (c) => c.notNull())
      .addColumn('heard', 'integer', (c) => c.notNull().defaultTo(0))
      .addForeignKeyConstraint('voicemail_messages_user_fk', ['tenant_id', 'user_id'], 'users', ['tenant_id', 'id'], (c) => c.onDelete('cascade'))
      .execute();
    await db.schema.createIndex('voicemail_messages_by_user').on('voicemail_messages').columns(['tenant_id', 'user_id', 'received_at']).execute();

    await db.schema
      .createTable('voicemail_boxes')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('greeting_file', 'text')
      .addColumn('when_busy', 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('voicemail_boxes_pk', ['tenant_id', 'user_id'])
      .addForeignKeyConstraint('voicemail_boxes_user_fk', ['tenant_id', 'user_id'], 'users', ['tenant_id', 'id'], (c) => c.onDelete('cascade'))
      .execute();

    await db.schema
      .createTable('dnd_states')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('enabled', 'integer', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('dnd_states_pk', ['tenant_id', 'user_id'])
      .addForeignKeyConstraint('dnd_states_user_fk', ['tenant_id', 'user_id'], 'users', ['tenant_id', 'id'], (c) => c.onDelete('cascade'))
      .execute();

    // The layout as one JSON array: saved whole, and "never saved" (no row) differs from "saved empty".
    await db.schema
      .createTable('blf_layouts')
      .addColumn('tenant_id', 'text', (c) => c.notNull())
      .addColumn('user_id', 'text', (c) => c.notNull())
      .addColumn('keys', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('blf_layouts_pk', ['tenant_id', 'user_id'])
      .addForeignKeyConstraint('blf_layouts_user_fk', ['tenant_id', 'user_id'], 'users', ['tenant_id', 'id'], (c) => c.onDelete('cascade'))
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['blf_layouts', 'dnd_states', 'voicemail_boxes', 'voicemail_messages']) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};

/**
 * Bindings lose their index on expiry: every refresh moves `expires_at`, so the index cost a
 * B-tree delete and insert per REGISTER (about a third of an upsert's CPU), while the queries
 * that filter on expiry (start-up restore, periodic purge) read a table of one row per binding.
 */
const registrationsWithoutExpiryIndex: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropIndex('registrations_by_expiry').ifExists().execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.createIndex('registrations_by_expiry').on('registrations').column('expires_at').execute();
  },
};

/**
 * Trunks may use TLS, and SRTP for their media (1: our offers to the carrier are RTP/SAVP).
 * SQLite cannot change a check constraint in place, so on both databases the table is made again
 * with the wider check and its rows copied over (nothing references it).
 */
const trunksOverTls: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await rebuildTrunks(db, ['udp', 'tcp', 'tls']);
    await db.schema.alterTable('trunks').addColumn('srtp', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('trunks').dropColumn('srtp').execute();
    await sql`update trunks set transport = 'tcp', port = case when port = 5061 then 5060 else port end where transport = 'tls'`.execute(db);
    await rebuildTrunks(db, ['udp', 'tcp']);
  },
};

/**
 * Addresses a carrier's calls may come from besides its host's: many carriers deliver calls from
 * other servers than the one they take calls and registrations on. Comma-separated addresses and
 * CIDR ranges, null for none.
 */
const trunkInboundAddresses: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('trunks').addColumn('inbound_from', 'text').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('trunks').dropColumn('inbound_from').execute();
  },
};

/** Moves the rows to a new trunks table whose check allows `transports` (constraint names may repeat across tables). */
async function rebuildTrunks(db: Kysely<unknown>, transports: readonly string[]): Promise<void> {
  await db.schema.alterTable('trunks').renameTo('trunks_before_rebuild').execute();
  await createTrunksTable(db, transports);
  await sql`insert into trunks select tenant_id, host, port, transport, username, password, register, caller_id_number, caller_id_name, created_at, updated_at from trunks_before_rebuild`.execute(db);
  await db.schema.dropTable('trunks_before_rebuild').execute();
}

/** Every migration, by name; the Migrator runs them in name order. */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001_initial': initial,
  '0002_trunks': trunks,
  '0003_voicemail_dnd_blf': voicemail,
  '0004_registrations_without_expiry_index': registrationsWithoutExpiryIndex,
  '0005_trunks_over_tls': trunksOverTls,
  '0006_trunk_inbound_addresses': trunkInboundAddresses,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: () => Promise.resolve({ ...migrations }),
};

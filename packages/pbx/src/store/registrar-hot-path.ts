import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';
import type { GroupCommit } from './group-commit.js';
import type { Selectable } from 'kysely';
import { toDevice } from './devices.js';
import type { DeviceAccount, Registration, RegistrationInput } from './records.js';
import { bindingRow } from './registrations.js';
import type { DevicesTable, ExtensionsTable, RegistrationsTable, TenantsTable, UsersTable } from './schema.js';
import { toTenant } from './tenants.js';
import { toUser } from './users.js';

type Sqlite = SqliteDatabase.Database;
type Statement<Parameters extends unknown[]> = SqliteDatabase.Statement<Parameters>;

export interface RegistrarHotPathOptions {
  /** Binding commits reach the disk (a checkpoint, which first syncs the WAL) at most about this long after their 200 OK. Default 1000 ms. */
  checkpointIntervalMs?: number;
}

interface Statements {
  device: Statement<[string]>;
  user: Statement<[string, string]>;
  tenant: Statement<[string]>;
  extension: Statement<[string, string]>;
  allDevices: Statement<[]>;
  allUsers: Statement<[]>;
  allTenants: Statement<[]>;
  allExtensions: Statement<[]>;
  dataVersion: Statement<[]>;
  upsertBinding: Statement<[Selectable<RegistrationsTable>]>;
  rebindBinding: Statement<[Selectable<RegistrationsTable>]>;
  refreshBinding: Statement<[string, number, string, string, string, string]>;
  removeBinding: Statement<[string, string, string]>;
}

/**
 * The tables a device account is read from, and what a written row names: a device (by SIP
 * username), a user (tenant and user id: their devices), or a tenant (its devices).
 */
const ACCOUNT_SOURCES = [
  { table: 'devices', names: (row: string) => `'device', ${row}.sip_username, NULL` },
  { table: 'users', names: (row: string) => `'user', ${row}.tenant_id, ${row}.id` },
  { table: 'extensions', names: (row: string) => `'user', ${row}.tenant_id, ${row}.user_id` },
  { table: 'tenants', names: (row: string) => `'tenant', ${row}.id, NULL` },
];
const CHANGED_FUNCTION = 'switchboard_device_account_changed';

/**
 * The checkpoint worker (CommonJS, evaluated): its own connection to the file, a passive
 * checkpoint (never waits for readers or writers; syncs the WAL first) on a timer and once more
 * when told to close. A passive checkpoint does not change the other connection's data_version.
 */
const CHECKPOINTER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 5000');
const checkpoint = () => db.pragma('wal_checkpoint(PASSIVE)');
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
`;

/**
 * The registrar's path through SQLite, which a busy server takes for every REGISTER: statements
 * prepared once on the store's own connection (Kysely prepares each query anew), device accounts
 * kept in memory, and binding writes committed in groups. PostgreSQL keeps the plain repository
 * code; this exists because better-sqlite3 runs on the main thread.
 *
 * **Device accounts**: every account is kept in memory, by SIP username (like Kamailio's user
 * table), so a known and an unknown username take the same path and time: one map lookup.
 * Temporary triggers on this connection name every device, user and tenant this process writes
 * (API, portal); the accounts they touch are read again at the next lookup. A commit of any
 * other connection (the CLI, another process) changes `PRAGMA data_version`, and then every
 * account is read again (a few hundred milliseconds for 10 000 devices on a busy machine). While
 * a transaction of this connection is open (it may roll back), lookups read the tables instead.
 *
 * **Binding writes** (save, refresh, remove) go through the store's `GroupCommit`, with the
 * call-history writes of the same turn: one transaction for all the REGISTERs of one turn of the
 * event loop, and each write's promise resolves only after that commit, so the registrar still
 * answers 200 after its binding is stored. These commits use `synchronous=NORMAL`: the WAL is
 * written before the promise resolves (it survives `kill -9` of the server) but not flushed to
 * the disk at each commit (GroupCommit flushes it within a second). Once bindings are written, WAL
 * checkpoints move off the main thread (a checkpoint copies the WAL into the database and
 * flushes both, milliseconds to hundreds of milliseconds of waiting on a busy disk): this
 * connection stops checkpointing, and a worker thread with its own connection runs a passive
 * checkpoint every `checkpointIntervalMs`, which first syncs the WAL, so a power cut loses at
 * most about the last second of registrations (docs/decisions/0003). Every other write of the
 * store keeps `synchronous=FULL`.
 */
export class RegistrarHotPath {
  private readonly checkpointIntervalMs: number;
  /** Every device account by SIP username; null until read, or after a change. */
  private accounts: Map<string, DeviceAccount> | null = null;
  /** What this connection wrote since the accounts were last brought up to date (the triggers). */
  private readonly changed = { usernames: new Set<string>(), owners: new Set<string>(), tenants: new Set<string>() };
  private seenDataVersion: unknown = null;
  /** `PRAGMA data_version` as read in this turn of the event loop (undefined: not read yet). */
  private dataVersionThisTurn: unknown = undefined;
  private statements: Statements | null = null;
  private checkpointer: { worker: Worker; exited: Promise<unknown> } | null = null;
  private closed = false;

  constructor(
    private readonly sqlite: Sqlite,
    /** The store's group commit on this connection (shared with call history). */
    private readonly commits: GroupCommit,
    options: RegistrarHotPathOptions = {},
  ) {
    this.checkpointIntervalMs = options.checkpointIntervalMs ?? 1000;
    sqlite.function(CHANGED_FUNCTION, { deterministic: false }, (kind: unknown, a: unknown, b: unknown) => {
      if (kind === 'device') this.changed.usernames.add(String(a));
      else if (kind === 'user') this.changed.owners.add(`${String(a)}|${String(b)}`);
      else this.changed.tenants.add(String(a));
      return null;
    });
  }

  /** The device with this SIP username with its user, tenant and extension, as `devices.findBySipUsername`. */
  findAccount(sipUsername: string, now: Date): DeviceAccount | null {
    const s = this.prepared();
    const account = this.sqlite.inTransaction ? this.readAccount(s, sipUsername) : this.currentAccounts(s).get(sipUsername);
    if (!account) return null;
    const expiresAt = account.device.expiresAt;
    return expiresAt !== null && expiresAt.getTime() <= now.getTime() ? null : account;
  }

  /** Adds or replaces a binding, as `registrations.save`; resolves after its group commits. */
  saveBinding(tenantId: string, input: RegistrationInput, now: Date): Promise<Registration> {
    const row = bindingRow(tenantId, input, now);
    return this.enqueue((s) => {
      // A binding that moves to another device (rare) is updated whole by the second statement.
      const saved = (s.upsertBinding.get(row) ?? s.rebindBinding.get(row)) as { id: string };
      return { ...input, id: saved.id, tenantId, updatedAt: now } satisfies Registration;
    });
  }

  /** Moves an existing binding's expiry and CSeq (a refresh that changes nothing else); false when there is no such binding. */
  refreshBinding(tenantId: string, aor: string, bindingKey: string, expiresAt: Date, cseq: number, now: Date): Promise<boolean> {
    const values = [expiresAt.toISOString(), cseq, now.toISOString(), tenantId, aor, bindingKey] as const;
    return this.enqueue((s) => s.refreshBinding.run(...values).changes > 0);
  }

  removeBinding(tenantId: string, aor: string, bindingKey: string): Promise<boolean> {
    return this.enqueue((s) => s.removeBinding.run(tenantId, aor, bindingKey).changes > 0);
  }

  /** Stops the checkpoint worker after its last checkpoint; call after the group commit closed, before closing the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.checkpointer) {
      // Its last checkpoint runs before it exits; the connection checkpoints itself again.
      this.checkpointer.worker.postMessage('close');
      await this.checkpointer.exited;
      this.sqlite.pragma('wal_autocheckpoint = 1000');
    }
  }

  private async enqueue<T>(run: (s: Statements) => T): Promise<T> {
    if (this.closed) throw new Error('the store is closed');
    const s = this.prepared();
    const value = await this.commits.run(() => run(s));
    this.startCheckpointer();
    return value;
  }

  private startCheckpointer(): void {
    if (this.checkpointer || this.closed) return;
    const worker = new Worker(CHECKPOINTER, {
      eval: true,
      workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), path: this.sqlite.name, intervalMs: this.checkpointIntervalMs },
    });
    worker.unref();
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.on('error', () => {
      // Without the worker, the connection checkpoints itself again (on the main thread).
      if (this.sqlite.open) this.sqlite.pragma('wal_autocheckpoint = 1000');
    });
    this.sqlite.pragma('wal_autocheckpoint = 0');
    this.checkpointer = { worker, exited };
  }

  /** The in-memory accounts, brought up to date first. */
  private currentAccounts(s: Statements): Map<string, DeviceAccount> {
    // Another connection's commit is looked for once per turn of the event loop, not per
    // REGISTER: the requests of one turn share the answer.
    const dataVersion = this.dataVersionThisTurn ?? this.readDataVersion(s);
    if (!this.accounts || dataVersion !== this.seenDataVersion) {
      this.seenDataVersion = dataVersion;
      this.accounts = this.readAllAccounts(s);
    } else if (this.changed.usernames.size + this.changed.owners.size + this.changed.tenants.size > 0) {
      this.rereadChangedAccounts(s, this.accounts);
    }
    this.changed.usernames.clear();
    this.changed.owners.clear();
    this.changed.tenants.clear();
    return this.accounts;
  }

  private readDataVersion(s: Statements): unknown {
    const version = s.dataVersion.get();
    this.dataVersionThisTurn = version;
    setImmediate(() => (this.dataVersionThisTurn = undefined));
    return version;
  }

  private rereadChangedAccounts(s: Statements, accounts: Map<string, DeviceAccount>): void {
    const { usernames, owners, tenants } = this.changed;
    if (owners.size + tenants.size > 0) {
      for (const [username, account] of accounts) {
        if (tenants.has(account.tenant.id) || owners.has(`${account.tenant.id}|${account.user.id}`)) usernames.add(username);
      }
    }
    for (const username of usernames) {
      const account = this.readAccount(s, username);
      if (account) accounts.set(username, account);
      else accounts.delete(username);
    }
  }

  private readAllAccounts(s: Statements): Map<string, DeviceAccount> {
    const tenants = new Map((s.allTenants.all() as Array<Selectable<TenantsTable>>).map((row) => [row.id, toTenant(row)]));
    const users = new Map((s.allUsers.all() as Array<Selectable<UsersTable>>).map((row) => [`${row.tenant_id}|${row.id}`, toUser(row)]));
    const extensions = new Map((s.allExtensions.all() as Array<Selectable<ExtensionsTable>>).map((row) => [`${row.tenant_id}|${row.user_id}`, row.number]));
    const accounts = new Map<string, DeviceAccount>();
    for (const row of s.allDevices.all() as Array<Selectable<DevicesTable>>) {
      const user = users.get(`${row.tenant_id}|${row.user_id}`);
      const tenant = tenants.get(row.tenant_id);
      if (!user || !tenant) continue;
      accounts.set(row.sip_username, { device: toDevice(row), user, tenant, extension: extensions.get(`${row.tenant_id}|${row.user_id}`) ?? null });
    }
    return accounts;
  }

  private readAccount(s: Statements, sipUsername: string): DeviceAccount | null {
    const device = s.device.get(sipUsername) as Selectable<DevicesTable> | undefined;
    if (!device) return null;
    const user = s.user.get(device.tenant_id, device.user_id) as Selectable<UsersTable> | undefined;
    const tenant = s.tenant.get(device.tenant_id) as Selectable<TenantsTable> | undefined;
    const extension = s.extension.get(device.tenant_id, device.user_id) as Pick<ExtensionsTable, 'number'> | undefined;
    if (!user || !tenant) return null;
    return { device: toDevice(device), user: toUser(user), tenant: toTenant(tenant), extension: extension?.number ?? null };
  }

  /**
   * Prepared on first use, not at open: the migrations create the tables after the connection
   * exists. The triggers are TEMP (this connection only, gone when it closes), so the schema and
   * other processes never see them.
   */
  private prepared(): Statements {
    if (this.statements) return this.statements;
    for (const { table, names } of ACCOUNT_SOURCES) {
      for (const [event, rows] of [['INSERT', ['NEW']], ['UPDATE', ['OLD', 'NEW']], ['DELETE', ['OLD']]] as const) {
        const calls = rows.map((row) => `SELECT ${CHANGED_FUNCTION}(${names(row)});`).join(' ');
        this.sqlite.exec(`CREATE TEMP TRIGGER IF NOT EXISTS switchboard_${table}_${event.toLowerCase()}_account AFTER ${event} ON main.${table} BEGIN ${calls} END`);
      }
    }
    const db = this.sqlite;
    this.statements = {
      device: db.prepare('SELECT * FROM devices WHERE sip_username = ?'),
      user: db.prepare('SELECT * FROM users WHERE tenant_id = ? AND id = ?'),
      tenant: db.prepare('SELECT * FROM tenants WHERE id = ?'),
      extension: db.prepare('SELECT number FROM extensions WHERE tenant_id = ? AND user_id = ?'),
      allDevices: db.prepare('SELECT * FROM devices'),
      allUsers: db.prepare('SELECT * FROM users'),
      allTenants: db.prepare('SELECT * FROM tenants'),
      allExtensions: db.prepare('SELECT tenant_id, user_id, number FROM extensions'),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      // The update of an existing binding leaves device_id out of its SET when it is unchanged
      // (the usual case): SQLite rewrites an index whose column is SET even to the same value,
      // and this keeps registrations_by_device untouched (half of such an upsert's CPU).
      upsertBinding: db.prepare(
        `INSERT INTO registrations (id, tenant_id, device_id, aor, binding_key, contact, instance_id, reg_id, expires_at, transport,
           source_address, source_port, flow_id, call_id, cseq, user_agent, updated_at)
         VALUES (@id, @tenant_id, @device_id, @aor, @binding_key, @contact, @instance_id, @reg_id, @expires_at, @transport,
           @source_address, @source_port, @flow_id, @call_id, @cseq, @user_agent, @updated_at)
         ON CONFLICT (tenant_id, aor, binding_key) DO UPDATE SET contact = excluded.contact,
           instance_id = excluded.instance_id, reg_id = excluded.reg_id, expires_at = excluded.expires_at, transport = excluded.transport,
           source_address = excluded.source_address, source_port = excluded.source_port, flow_id = excluded.flow_id,
           call_id = excluded.call_id, cseq = excluded.cseq, user_agent = excluded.user_agent, updated_at = excluded.updated_at
         WHERE registrations.device_id = excluded.device_id
         RETURNING id`,
      ),
      rebindBinding: db.prepare(
        `UPDATE registrations SET device_id = @device_id, contact = @contact, instance_id = @instance_id, reg_id = @reg_id,
           expires_at = @expires_at, transport = @transport, source_address = @source_address, source_port = @source_port,
           flow_id = @flow_id, call_id = @call_id, cseq = @cseq, user_agent = @user_agent, updated_at = @updated_at
         WHERE tenant_id = @tenant_id AND aor = @aor AND binding_key = @binding_key
         RETURNING id`,
      ),
      refreshBinding: db.prepare('UPDATE registrations SET expires_at = ?, cseq = ?, updated_at = ? WHERE tenant_id = ? AND aor = ? AND binding_key = ?'),
      removeBinding: db.prepare('DELETE FROM registrations WHERE tenant_id = ? AND aor = ? AND binding_key = ?'),
    };
    return this.statements;
  }
}

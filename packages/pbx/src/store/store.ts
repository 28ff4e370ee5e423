import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { CallHistoryRepository } from './call-history.js';
import { CallHistoryWriter } from './call-history-writer.js';
import { DeviceRepository } from './devices.js';
import { DidRepository } from './dids.js';
import { StoreError } from './errors.js';
import { ExtensionRepository } from './extensions.js';
import { GroupCommit } from './group-commit.js';
import { migrationProvider } from './migrations.js';
import { RegistrarHotPath } from './registrar-hot-path.js';
import { RegistrationRepository } from './registrations.js';
import { RoutingCache } from './routing-cache.js';
import type { Database } from './schema.js';
import { SessionRepository } from './sessions.js';
import type { SessionPolicy } from './sessions.js';
import { SettingsRepository } from './settings.js';
import { TenantRepository } from './tenants.js';
import { TrunkRepository } from './trunks.js';
import { UserRepository } from './users.js';
import { VoicemailRepository } from './voicemail.js';
import { DndRepository } from './dnd.js';
import { BlfLayoutRepository } from './blf-layouts.js';

export type StoreDialect = 'sqlite' | 'postgres';

export interface StoreOptions {
  /** `postgres://…` or `postgresql://…` for PostgreSQL; absent: SQLite at `sqlitePath`. */
  databaseUrl?: string | null;
  /** The SQLite file (created with its folder when missing). Required when there is no databaseUrl. */
  sqlitePath?: string;
  /** Run the migrations on open (default true). */
  migrate?: boolean;
  sessions?: SessionPolicy;
}

/** SQLite only: what every call writes and reads, prepared, group-committed and cached (docs/store.md). */
interface CallPath {
  commits: GroupCommit;
  history: CallHistoryWriter;
  routing: RoutingCache;
}

function callPathOf(sqlite: SqliteDatabase.Database): CallPath {
  const commits = new GroupCommit(sqlite);
  return { commits, history: new CallHistoryWriter(sqlite, commits), routing: new RoutingCache(sqlite) };
}

/** The repositories, bound to the store or to one transaction. Every method takes the tenant id. */
export class Repositories {
  readonly tenants: TenantRepository;
  readonly users: UserRepository;
  readonly extensions: ExtensionRepository;
  readonly devices: DeviceRepository;
  readonly registrations: RegistrationRepository;
  readonly sessions: SessionRepository;
  readonly callHistory: CallHistoryRepository;
  readonly settings: SettingsRepository;
  readonly trunks: TrunkRepository;
  readonly dids: DidRepository;
  readonly voicemail: VoicemailRepository;
  readonly dnd: DndRepository;
  readonly blfLayouts: BlfLayoutRepository;

  constructor(db: Kysely<Database>, sessionPolicy: SessionPolicy = {}, hotPath: RegistrarHotPath | null = null, callPath: CallPath | null = null) {
    this.tenants = new TenantRepository(db);
    this.users = new UserRepository(db);
    this.extensions = new ExtensionRepository(db);
    this.devices = new DeviceRepository(db, hotPath);
    this.registrations = new RegistrationRepository(db, hotPath);
    this.sessions = new SessionRepository(db, sessionPolicy);
    this.callHistory = new CallHistoryRepository(db, callPath?.history ?? null);
    this.settings = new SettingsRepository(db);
    this.trunks = new TrunkRepository(db, callPath?.routing ?? null);
    this.dids = new DidRepository(db, callPath?.routing ?? null);
    this.voicemail = new VoicemailRepository(db);
    this.dnd = new DndRepository(db);
    this.blfLayouts = new BlfLayoutRepository(db);
  }
}

/**
 * The store: SQLite (a file, WAL, synchronous=FULL so a committed write survives `kill -9` and
 * power loss) or PostgreSQL, behind the same repositories and one set of migrations.
 */
export class Store extends Repositories {
  private closed = false;

  private constructor(
    /** The query builder, for migrations and tests; application code goes through repositories. */
    readonly db: Kysely<Database>,
    readonly dialect: StoreDialect,
    private readonly sessionPolicy: SessionPolicy,
    /** SQLite only: the registrar's prepared, cached and group-committed path (registrar-hot-path.ts). */
    private readonly hotPath: RegistrarHotPath | null = null,
    private readonly callPath: CallPath | null = null,
  ) {
    super(db, sessionPolicy, hotPath, callPath);
  }

  static async open(options: StoreOptions): Promise<Store> {
    const { db, dialect, sqlite } = connect(options);
    const callPath = sqlite ? callPathOf(sqlite) : null;
    const hotPath = sqlite && callPath ? new RegistrarHotPath(sqlite, callPath.commits) : null;
    const store = new Store(db, dialect, options.sessions ?? {}, hotPath, callPath);
    if (options.migrate !== false) {
      try {
        await store.migrate();
      } catch (error) {
        await store.close();
        throw error;
      }
    }
    return store;
  }

  /** Applies pending migrations; returns the names applied. */
  async migrate(): Promise<string[]> {
    const migrator = new Migrator({ db: this.db, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    if (error !== undefined) {
      const failed = results?.find((result) => result.status === 'Error')?.migrationName ?? 'unknown';
      throw new StoreError('invalid', `migration ${failed} failed: ${error instanceof Error ? error.message : 'unknown error'}`);
    }
    return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
  }

  /** Runs `work` in one transaction: all of its writes commit together or none do. */
  transaction<T>(work: (repositories: Repositories) => Promise<T>): Promise<T> {
    return this.db.transaction().execute((trx) => work(new Repositories(trx, this.sessionPolicy)));
  }

  /** Closes the connection(s); safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.callPath?.commits.close();
    await this.hotPath?.close();
    await this.db.destroy();
  }
}

export function openStore(options: StoreOptions): Promise<Store> {
  return Store.open(options);
}

function connect(options: StoreOptions): { db: Kysely<Database>; dialect: StoreDialect; sqlite?: SqliteDatabase.Database } {
  const url = options.databaseUrl?.trim();
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) throw new StoreError('invalid', 'DATABASE_URL must start with postgres:// or postgresql://');
    const pool = new pg.Pool({ connectionString: url, max: 10 });
    return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
  }
  if (!options.sqlitePath) throw new StoreError('invalid', 'no SQLite file given and no DATABASE_URL');
  mkdirSync(dirname(options.sqlitePath), { recursive: true });
  const database = new SqliteDatabase(options.sqlitePath);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  // The CLI and the server may write the same file at once: wait for the lock instead of failing.
  database.pragma('busy_timeout = 5000');
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), dialect: 'sqlite', sqlite: database };
}

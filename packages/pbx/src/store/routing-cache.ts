import type SqliteDatabase from 'better-sqlite3';
import type { Selectable } from 'kysely';
import { toDid } from './dids.js';
import type { Did, Trunk } from './records.js';
import type { DidsTable, TrunksTable } from './schema.js';
import { toTrunk } from './trunks.js';

type Sqlite = SqliteDatabase.Database;

const CHANGED_FUNCTION = 'switchboard_routing_changed';
const TABLES = ['dids', 'trunks'] as const;

/**
 * DIDs and trunks in memory, for the lookups every trunk call makes (`dids.find`,
 * `trunks.get`) on SQLite, kept true the way the registrar keeps device accounts
 * (registrar-hot-path.ts): temporary triggers on this connection note any write to either
 * table (repositories, transactions, rolled back or not), and `PRAGMA data_version` tells when
 * another connection (the CLI) committed; either way both tables are read again at the next
 * lookup. They are small (one trunk per tenant, a few DIDs). While a transaction is open on the
 * connection the answer is `undefined`: the caller reads the tables (it may roll back).
 */
export class RoutingCache {
  private dids: Map<string, Did> | null = null;
  private trunks: Map<string, Trunk> | null = null;
  private changed = true;
  private seenDataVersion: unknown = null;
  private statements: { dataVersion: SqliteDatabase.Statement<[]>; dids: SqliteDatabase.Statement<[]>; trunks: SqliteDatabase.Statement<[]> } | null = null;

  constructor(private readonly sqlite: Sqlite) {
    sqlite.function(CHANGED_FUNCTION, { deterministic: false }, () => {
      this.changed = true;
      return null;
    });
  }

  /** The DID stored as exactly `number`; undefined: read the table instead. */
  did(number: string): Did | null | undefined {
    return this.current() ? (this.dids!.get(number) ?? null) : undefined;
  }

  /** The tenant's trunk; undefined: read the table instead. */
  trunk(tenantId: string): Trunk | null | undefined {
    return this.current() ? (this.trunks!.get(tenantId) ?? null) : undefined;
  }

  private current(): boolean {
    if (this.sqlite.inTransaction) return false;
    const s = this.prepared();
    const dataVersion = s.dataVersion.get();
    if (this.changed || dataVersion !== this.seenDataVersion) {
      this.changed = false;
      this.seenDataVersion = dataVersion;
      this.dids = new Map((s.dids.all() as Array<Selectable<DidsTable>>).map((row) => [row.number, toDid(row)]));
      this.trunks = new Map((s.trunks.all() as Array<Selectable<TrunksTable>>).map((row) => [row.tenant_id, toTrunk(row)]));
    }
    return true;
  }

  /** Prepared, and the TEMP triggers made, on first use: the migrations create the tables after the connection opens. */
  private prepared(): NonNullable<RoutingCache['statements']> {
    if (this.statements) return this.statements;
    for (const table of TABLES) {
      for (const event of ['INSERT', 'UPDATE', 'DELETE']) {
        this.sqlite.exec(`CREATE TEMP TRIGGER IF NOT EXISTS switchboard_${table}_${event.toLowerCase()}_routing AFTER ${event} ON main.${table} BEGIN SELECT ${CHANGED_FUNCTION}(); END`);
      }
    }
    this.statements = {
      dataVersion: this.sqlite.prepare('PRAGMA data_version').pluck(),
      dids: this.sqlite.prepare('SELECT * FROM dids'),
      trunks: this.sqlite.prepare('SELECT * FROM trunks'),
    };
    return this.statements;
  }
}

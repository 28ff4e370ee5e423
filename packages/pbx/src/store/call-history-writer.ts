import type SqliteDatabase from 'better-sqlite3';
import type { Selectable } from 'kysely';
import { StoreError, isForeignKeyViolation } from './errors.js';
import type { GroupCommit } from './group-commit.js';
import type { CallOutcome } from './records.js';
import type { CallRecordsTable } from './schema.js';

type Sqlite = SqliteDatabase.Database;

/**
 * Call history writes on SQLite, three per call (start, answer, end): statements prepared once,
 * committed in groups (group-commit.ts), never read back. Each promise still resolves only once
 * its write is committed, so the call engine writes a call's end before it acknowledges the
 * hang-up. What the repository's Kysely code checks by reading first is checked here by the
 * write itself (a `WHERE` that matches nothing), and read only then, to say why.
 */
export class CallHistoryWriter {
  private statements: {
    insert: SqliteDatabase.Statement<[Selectable<CallRecordsTable>]>;
    answer: SqliteDatabase.Statement<[string, string, string]>;
    end: SqliteDatabase.Statement<[string, string, string, string, string]>;
    find: SqliteDatabase.Statement<[string, string]>;
  } | null = null;

  constructor(
    private readonly sqlite: Sqlite,
    private readonly group: GroupCommit,
  ) {}

  insert(row: Selectable<CallRecordsTable>): Promise<void> {
    const s = this.prepared();
    return this.group.run(() => {
      try {
        s.insert.run(row);
      } catch (error) {
        if (isForeignKeyViolation(error)) throw new StoreError('not_found', 'no such tenant');
        throw error;
      }
    });
  }

  answer(tenantId: string, callId: string, at: string): Promise<void> {
    const s = this.prepared();
    return this.group.run(() => {
      if (s.answer.run(at, tenantId, callId).changes === 0 && !s.find.get(tenantId, callId)) throw new StoreError('not_found', 'no such call record');
    });
  }

  end(tenantId: string, callId: string, outcome: CallOutcome, at: string): Promise<void> {
    const s = this.prepared();
    return this.group.run(() => {
      if (s.end.run(at, outcome, tenantId, callId, outcome).changes > 0) return;
      if (!s.find.get(tenantId, callId)) throw new StoreError('not_found', 'no such call record');
      throw new StoreError('invalid', 'a call that was never answered cannot end as answered');
    });
  }

  /** Prepared on first use: the migrations create the table after the connection opens. */
  private prepared(): NonNullable<CallHistoryWriter['statements']> {
    this.statements ??= {
      insert: this.sqlite.prepare(
        `INSERT INTO call_records (id, tenant_id, direction, from_number, from_name, from_user_id, to_number, to_name, to_user_id,
           started_at, answered_at, ended_at, outcome, room)
         VALUES (@id, @tenant_id, @direction, @from_number, @from_name, @from_user_id, @to_number, @to_name, @to_user_id,
           @started_at, @answered_at, @ended_at, @outcome, @room)`,
      ),
      answer: this.sqlite.prepare('UPDATE call_records SET answered_at = ? WHERE tenant_id = ? AND id = ? AND answered_at IS NULL'),
      end: this.sqlite.prepare(
        `UPDATE call_records SET ended_at = ?, outcome = ? WHERE tenant_id = ? AND id = ? AND (? <> 'answered' OR answered_at IS NOT NULL)`,
      ),
      find: this.sqlite.prepare('SELECT 1 FROM call_records WHERE tenant_id = ? AND id = ?'),
    };
    return this.statements;
  }
}

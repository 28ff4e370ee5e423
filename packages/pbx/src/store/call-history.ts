import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import type { CallHistoryWriter } from './call-history-writer.js';
import { StoreError, guardWrite } from './errors.js';
import type { CallDirection, CallHistoryRecord, CallOutcome, CallPartyRecord, UserCallView } from './records.js';
import type { CallRecordsTable, Database } from './schema.js';

function toRecord(row: Selectable<CallRecordsTable>): CallHistoryRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    direction: row.direction,
    from: { number: row.from_number, name: row.from_name, userId: row.from_user_id },
    to: { number: row.to_number, name: row.to_name, userId: row.to_user_id },
    startedAt: new Date(row.started_at),
    answeredAt: row.answered_at === null ? null : new Date(row.answered_at),
    endedAt: row.ended_at === null ? null : new Date(row.ended_at),
    outcome: row.outcome,
    room: row.room,
  };
}

/**
 * The call as `userId` saw it. The caller's side keeps the recorded outcome; on the callee's side
 * a call the caller gave up on ("cancelled") is a missed call. The direction is the user's own:
 * a call between two extensions is outbound for the caller and inbound for the callee (the
 * record keeps "internal").
 */
export function viewFor(record: CallHistoryRecord, userId: string): UserCallView {
  const isCaller = record.from.userId === userId;
  const direction: CallDirection = isCaller ? 'outbound' : 'inbound';
  const recorded = record.outcome ?? 'failed';
  const outcome: CallOutcome = !isCaller && recorded === 'cancelled' ? 'missed' : recorded;
  const durationSeconds =
    record.answeredAt && record.endedAt ? Math.max(0, Math.floor((record.endedAt.getTime() - record.answeredAt.getTime()) / 1000)) : 0;
  return { record, direction, outcome, other: isCaller ? record.to : record.from, durationSeconds };
}

export interface NewCall {
  direction: CallDirection;
  from: { number: string; name?: string | null; userId?: string | null };
  to: { number: string; name?: string | null; userId?: string | null };
  startedAt?: Date;
  room?: string | null;
}

function encodeCursor(row: { started_at: string; id: string }): string {
  return Buffer.from(JSON.stringify([row.started_at, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { startedAt: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { startedAt: value[0], id: value[1] };
    }
  } catch {
    // fall through to the typed error
  }
  throw new StoreError('invalid', 'the history cursor is not valid');
}

function party(input: NewCall['from']): CallPartyRecord {
  return { number: input.number, name: input.name ?? null, userId: input.userId ?? null };
}

/**
 * Call history. Every write resolves after it is committed, so the call engine can write a
 * call's end before it acknowledges the hang-up. Reads list finished calls only. On SQLite the
 * writes go through the prepared, group-committed writer (call-history-writer.ts); PostgreSQL
 * and repositories inside a transaction use Kysely. Neither reads a record back after writing it.
 */
export class CallHistoryRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly writer: CallHistoryWriter | null = null,
  ) {}

  async start(tenantId: string, call: NewCall): Promise<CallHistoryRecord> {
    const from = party(call.from);
    const to = party(call.to);
    const row: Selectable<CallRecordsTable> = {
      id: randomUUID(),
      tenant_id: tenantId,
      direction: call.direction,
      from_number: from.number,
      from_name: from.name,
      from_user_id: from.userId,
      to_number: to.number,
      to_name: to.name,
      to_user_id: to.userId,
      started_at: (call.startedAt ?? new Date()).toISOString(),
      answered_at: null,
      ended_at: null,
      outcome: null,
      room: call.room ?? null,
    };
    if (this.writer) await this.writer.insert(row);
    else await guardWrite(() => this.db.insertInto('call_records').values(row).execute(), { missing: 'no such tenant' });
    return toRecord(row);
  }

  async answer(tenantId: string, callId: string, at = new Date()): Promise<void> {
    if (this.writer) return this.writer.answer(tenantId, callId, at.toISOString());
    const result = await this.db
      .updateTable('call_records')
      .set({ answered_at: at.toISOString() })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', callId)
      .where('answered_at', 'is', null)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) await this.require(tenantId, callId);
  }

  /** Notes the conference room the call went into. */
  async setRoom(tenantId: string, callId: string, room: string | null): Promise<void> {
    const result = await this.db
      .updateTable('call_records')
      .set({ room })
      .where('tenant_id', '=', tenantId)
      .where('id', '=', callId)
      .executeTakeFirst();
    if (result.numUpdatedRows === 0n) throw new StoreError('not_found', 'no such call record');
  }

  /** Ends the call with its outcome ('answered' only for a call that was answered); resolves once the record is committed. */
  async end(tenantId: string, callId: string, outcome: CallOutcome, at = new Date()): Promise<void> {
    if (this.writer) return this.writer.end(tenantId, callId, outcome, at.toISOString());
    let update = this.db.updateTable('call_records').set({ ended_at: at.toISOString(), outcome }).where('tenant_id', '=', tenantId).where('id', '=', callId);
    if (outcome === 'answered') update = update.where('answered_at', 'is not', null);
    const result = await update.executeTakeFirst();
    if (result.numUpdatedRows > 0n) return;
    await this.require(tenantId, callId);
    throw new StoreError('invalid', 'a call that was never answered cannot end as answered');
  }

  async get(tenantId: string, callId: string): Promise<CallHistoryRecord | null> {
    const row = await this.db
      .selectFrom('call_records')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('id', '=', callId)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /**
   * The user's Recent Calls: their latest finished call with each other party (deduplicated by
   * the other party's number), newest first, at most `limit` (20).
   */
  async recent(tenantId: string, userId: string, limit = 20): Promise<UserCallView[]> {
    const seen = new Set<string>();
    const out: UserCallView[] = [];
    let cursor: string | null = null;
    // Pages of 100 rows until enough distinct numbers are found; bounded by the user's history.
    do {
      const page = await this.page(tenantId, userId, { cursor, limit: 100 });
      for (const view of page.items) {
        if (seen.has(view.other.number)) continue;
        seen.add(view.other.number);
        out.push(view);
        if (out.length === limit) return out;
      }
      cursor = page.nextCursor;
    } while (cursor !== null);
    return out;
  }

  /** The user's full history, newest first, `limit` per page; pass back `nextCursor` for more. */
  async page(
    tenantId: string,
    userId: string,
    options: { cursor?: string | null; limit?: number } = {},
  ): Promise<{ items: UserCallView[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 200);
    let query = this.db
      .selectFrom('call_records')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('ended_at', 'is not', null)
      .where((eb) => eb.or([eb('from_user_id', '=', userId), eb('to_user_id', '=', userId)]));
    if (options.cursor) {
      const after = decodeCursor(options.cursor);
      query = query.where((eb) =>
        eb.or([eb('started_at', '<', after.startedAt), eb.and([eb('started_at', '=', after.startedAt), eb('id', '<', after.id)])]),
      );
    }
    const rows = await query
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    const more = rows.length > limit;
    const pageRows = more ? rows.slice(0, limit) : rows;
    const last = pageRows[pageRows.length - 1];
    return {
      items: pageRows.map((row) => viewFor(toRecord(row), userId)),
      nextCursor: more && last ? encodeCursor(last) : null,
    };
  }

  private async require(tenantId: string, callId: string): Promise<CallHistoryRecord> {
    const record = await this.get(tenantId, callId);
    if (!record) throw new StoreError('not_found', 'no such call record');
    return record;
  }
}

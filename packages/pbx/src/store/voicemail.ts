import { randomUUID } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { guardWrite } from './errors.js';
import type { Database, VoicemailMessagesTable } from './schema.js';

/** A voicemail message as the mailbox owner sees it. */
export interface VoicemailRecord {
  id: string;
  tenantId: string;
  userId: string;
  from: { number: string; name: string | null };
  receivedAt: Date;
  durationMs: number;
  /** The audio file, relative to the voicemail folder. */
  file: string;
  heard: boolean;
}

export interface NewVoicemail {
  userId: string;
  from: { number: string; name: string | null };
  durationMs: number;
  file: string;
  receivedAt?: Date;
  /** Chosen by the caller when the file is named after it; else a new UUID. */
  id?: string;
}

/** A mailbox's settings. */
export interface VoicemailBox {
  /** The user's recorded greeting (relative to the voicemail folder), null: the spoken default. */
  greetingFile: string | null;
  /** Calls to the user while they are on a call go to voicemail (default true). */
  whenBusy: boolean;
}

function toRecord(row: Selectable<VoicemailMessagesTable>): VoicemailRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    userId: row.user_id,
    from: { number: row.from_number, name: row.from_name },
    receivedAt: new Date(row.received_at),
    durationMs: row.duration_ms,
    file: row.file,
    heard: row.heard === 1,
  };
}

/**
 * Voicemail messages and mailbox settings, per user. Every write resolves after commit; the
 * deposit writes the audio file (fsync'd) before `add`, so a committed row always has its audio.
 */
export class VoicemailRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async add(tenantId: string, message: NewVoicemail): Promise<VoicemailRecord> {
    const row: Selectable<VoicemailMessagesTable> = {
      id: message.id ?? randomUUID(),
      tenant_id: tenantId,
      user_id: message.userId,
      from_number: message.from.number,
      from_name: message.from.name,
      received_at: (message.receivedAt ?? new Date()).toISOString(),
      duration_ms: Math.max(0, Math.round(message.durationMs)),
      file: message.file,
      heard: 0,
    };
    await guardWrite(() => this.db.insertInto('voicemail_messages').values(row).execute(), { missing: 'no such user in this tenant', conflict: 'that message id is taken' });
    return toRecord(row);
  }

  /** The user's messages, newest first. */
  async list(tenantId: string, userId: string): Promise<VoicemailRecord[]> {
    const rows = await this.db
      .selectFrom('voicemail_messages')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .orderBy('received_at', 'desc')
      .orderBy('id', 'desc')
      .execute();
    return rows.map(toRecord);
  }

  async get(tenantId: string, userId: string, id: string): Promise<VoicemailRecord | null> {
    const row = await this.db
      .selectFrom('voicemail_messages')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    return row ? toRecord(row) : null;
  }

  /** Marks a message heard or new; null when there is no such message. */
  async setHeard(tenantId: string, userId: string, id: string, heard: boolean): Promise<VoicemailRecord | null> {
    await this.db
      .updateTable('voicemail_messages')
      .set({ heard: heard ? 1 : 0 })
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .execute();
    return this.get(tenantId, userId, id);
  }

  /** Removes the row; returns it (the caller deletes the file), or null. */
  async remove(tenantId: string, userId: string, id: string): Promise<VoicemailRecord | null> {
    const existing = await this.get(tenantId, userId, id);
    if (!existing) return null;
    await this.db.deleteFrom('voicemail_messages').where('tenant_id', '=', tenantId).where('user_id', '=', userId).where('id', '=', id).execute();
    return existing;
  }

  async counts(tenantId: string, userId: string): Promise<{ unread: number; heard: number }> {
    const rows = await this.db
      .selectFrom('voicemail_messages')
      .select(['heard', (eb) => eb.fn.countAll<number | string | bigint>().as('n')])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .groupBy('heard')
      .execute();
    let unread = 0;
    let heard = 0;
    for (const row of rows) {
      if (row.heard === 1) heard = Number(row.n);
      else unread = Number(row.n);
    }
    return { unread, heard };
  }

  async box(tenantId: string, userId: string): Promise<VoicemailBox> {
    const row = await this.db
      .selectFrom('voicemail_boxes')
      .select(['greeting_file', 'when_busy'])
      .where('tenant_id', '=', tenantId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return { greetingFile: row?.greeting_file ?? null, whenBusy: row ? row.when_busy === 1 : true };
  }

  /** Changes the mailbox settings given; resolves after commit. */
  async updateBox(tenantId: string, userId: string, changes: Partial<VoicemailBox>, now = new Date()): Promise<VoicemailBox> {
    const current = await this.box(tenantId, userId);
    const next = { ...current, ...changes };
    const values = { greeting_file: next.greetingFile, when_busy: next.whenBusy ? 1 : 0, updated_at: now.toISOString() };
    await guardWrite(
      () =>
        this.db
          .insertInto('voicemail_boxes')
          .values({ tenant_id: tenantId, user_id: userId, ...values })
          .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doUpdateSet(values))
          .execute(),
      { missing: 'no such user in this tenant' },
    );
    return next;
  }
}

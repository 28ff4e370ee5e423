import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';
import type SqliteDatabase from 'better-sqlite3';

type Sqlite = SqliteDatabase.Database;

interface Pending {
  write: () => unknown;
  settle: (outcome: { ok: true; value: unknown } | { ok: false; error: unknown }) => void;
}

/**
 * Writes of one turn of the event loop committed as one SQLite transaction (group commit), on
 * the store's own connection, with `synchronous=NORMAL` for that transaction only: a write's
 * promise resolves after its group committed, so it survives `kill -9` (the WAL is written), and
 * the WAL file is flushed to the disk within `syncIntervalMs` after it, on libuv's thread pool,
 * never on the main thread (decision 0006). A write that throws (a constraint)
 * fails alone; the others of its group still commit. Nothing is ever written inside a
 * transaction the repositories have open on the connection: the group waits for it to end.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;
  private closed = false;
  private readonly begin;
  private readonly commit;
  private readonly rollback;
  private readonly relaxed;
  private readonly restore;

  private walFd: number | null = null;
  private syncTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly sqlite: Sqlite,
    private readonly syncIntervalMs = 1000,
  ) {
    const synchronous = Number(sqlite.pragma('synchronous', { simple: true }));
    this.begin = sqlite.prepare('BEGIN IMMEDIATE');
    this.commit = sqlite.prepare('COMMIT');
    this.rollback = sqlite.prepare('ROLLBACK');
    this.relaxed = sqlite.prepare('PRAGMA synchronous = NORMAL');
    this.restore = sqlite.prepare(`PRAGMA synchronous = ${synchronous}`);
  }

  /** Queues `write` (run later, inside the group's transaction); resolves with its result once committed. */
  run<T>(write: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new Error('the store is closed'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ write, settle: (o) => (o.ok ? resolve(o.value as T) : reject(o.error instanceof Error ? o.error : new Error(String(o.error)))) });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued (unless a transaction is open: then those writes fail); no write is taken afterwards. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.sqlite.inTransaction) {
      for (const p of this.queue.splice(0)) p.settle({ ok: false, error: new Error('the store closed inside a transaction') });
    } else {
      this.commitQueue();
    }
    if (this.syncTimer) clearTimeout(this.syncTimer);
    if (this.walFd !== null) {
      try {
        fsyncSync(this.walFd);
      } finally {
        closeSync(this.walFd);
        this.walFd = null;
      }
    }
  }

  /** A flush of the WAL file, once per interval after commits, off the main thread. */
  private scheduleSync(): void {
    if (this.syncTimer || this.closed) return;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      try {
        this.walFd ??= openSync(`${this.sqlite.name}-wal`, 'r');
        fsync(this.walFd, () => undefined);
      } catch {
        // No WAL file (an in-memory database): nothing to flush.
      }
    }, this.syncIntervalMs);
    this.syncTimer.unref();
  }

  private flush(): void {
    this.scheduled = false;
    if (this.queue.length === 0) return;
    if (this.sqlite.inTransaction) {
      this.scheduled = true;
      setTimeout(() => this.flush(), 1);
      return;
    }
    this.commitQueue();
  }

  private commitQueue(): void {
    const group = this.queue;
    this.queue = [];
    if (group.length === 0) return;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      this.relaxed.run();
      this.begin.run();
      for (const p of group) {
        try {
          outcomes.push({ ok: true, value: p.write() });
        } catch (error) {
          outcomes.push({ ok: false, error });
        }
      }
      this.commit.run();
    } catch (error) {
      if (this.sqlite.inTransaction) this.rollback.run();
      for (const p of group) p.settle({ ok: false, error });
      return;
    } finally {
      this.restore.run();
    }
    this.scheduleSync();
    group.forEach((p, i) => p.settle(outcomes[i]!));
  }
}

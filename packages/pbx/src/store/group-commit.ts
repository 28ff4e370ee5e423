import { closeSync, fsync, fsyncSync, openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import type SqliteDatabase from 'better-sqlite3';

type Sqlite = SqliteDatabase.Database;

interface Pending {
  write: () => unknown;
  settle: (outcome: { ok: true; value: unknown } | { ok: false; error: unknown }) => void;
}

/**
 * Writes committed in groups, one SQLite transaction each (group commit), on the store's own
 * connection, with `synchronous=NORMAL` for that transaction only: a write's promise resolves
 * after its group committed, so it survives `kill -9` (the WAL is written), and the WAL file is
 * flushed to the disk within `syncIntervalMs` after it, on libuv's thread pool, never on the main
 * thread (decision 0006). A group is what was queued in one turn of the event loop, and, under
 * load, in the `spacingMs` after the previous commit: a write that comes less than that after a
 * commit waits for the rest of it, so a busy server commits at most once per `spacingMs` and an
 * idle one at once. A write that throws (a constraint) fails alone; the others of its group
 * still commit. Nothing is ever written inside a transaction the repositories have open on the
 * connection: the group waits for it to end.
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
  private lastCommitAt = -Infinity;
  private spacingTimer: NodeJS.Timeout | null = null;
  private groups = 0;
  private writes = 0;

  constructor(
    private readonly sqlite: Sqlite,
    private readonly syncIntervalMs = 1000,
    private readonly spacingMs = 2,
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
        const wait = this.lastCommitAt + this.spacingMs - performance.now();
        if (wait > 0) this.spacingTimer = setTimeout(() => this.flush(), wait);
        else setImmediate(() => this.flush());
      }
    });
  }

  /** Groups committed and the writes in them, since the start. */
  stats(): { groups: number; writes: number } {
    return { groups: this.groups, writes: this.writes };
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
    if (this.spacingTimer) clearTimeout(this.spacingTimer);
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
    this.spacingTimer = null;
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
      this.lastCommitAt = performance.now();
      this.groups++;
      this.writes += group.length;
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

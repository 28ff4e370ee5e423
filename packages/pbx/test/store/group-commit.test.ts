import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GroupCommit } from '../../src/store/group-commit.js';

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function fixture(spacingMs: number) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-group-commit-'));
  const sqlite = new Database(join(dir, 'store.sqlite'));
  sqlite.pragma('journal_mode = WAL');
  sqlite.exec('CREATE TABLE t (n INTEGER PRIMARY KEY)');
  const group = new GroupCommit(sqlite, 1000, spacingMs);
  const insert = sqlite.prepare('INSERT INTO t (n) VALUES (?)');
  const write = (n: number): Promise<unknown> => group.run(() => insert.run(n));
  const rows = (): number[] => sqlite.prepare('SELECT n FROM t ORDER BY n').pluck().all() as number[];
  const close = (): void => {
    group.close();
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  };
  return { group, write, rows, close };
}

describe('group commit', () => {
  it('commits the writes of one turn as one transaction, and a failing write fails alone', async () => {
    const { group, write, rows, close } = fixture(0);
    try {
      const results = await Promise.allSettled([write(1), write(2), write(1), write(3)]);
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
      expect(rows()).toEqual([1, 2, 3]);
      expect(group.stats()).toEqual({ groups: 1, writes: 4 });
    } finally {
      close();
    }
  });

  it('holds a write that comes right after a commit for the spacing, so later writes join its group', async () => {
    // 10 s: far longer than the turns this test takes, so the grouping does not depend on speed.
    const { group, write, rows, close } = fixture(10_000);
    try {
      await write(1);
      let firstSettled = false;
      const first = write(2).then(() => (firstSettled = true));
      await turn();
      await turn();
      expect(firstSettled).toBe(false);
      expect(rows()).toEqual([1]);
      const second = write(3);
      // close() commits what waits, as on shutdown.
      group.close();
      await Promise.all([first, second]);
      expect(rows()).toEqual([1, 2, 3]);
      expect(group.stats()).toEqual({ groups: 2, writes: 3 });
    } finally {
      close();
    }
  });

  it('without spacing commits each turn on its own', async () => {
    const { group, write, close } = fixture(0);
    try {
      await write(1);
      const first = write(2);
      await turn();
      await turn();
      await Promise.all([first, write(3)]);
      expect(group.stats()).toEqual({ groups: 3, writes: 3 });
    } finally {
      close();
    }
  });
});

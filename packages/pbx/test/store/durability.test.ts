import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openStore } from '../../src/index.js';

const tsxLoader = createRequire(import.meta.url).resolve('tsx');

test('writes reported as committed survive kill -9 of the writing process (SQLite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-durable-'));
  const sqlitePath = join(dir, 'store.sqlite');
  try {
    const child = spawn(process.execPath, ['--import', tsxLoader, join(import.meta.dirname, 'fixtures/write-until-killed.ts'), sqlitePath], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    let ids: string[] = [];
    let lastCommitted = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      const [word, ...rest] = line.split(' ');
      if (word === 'ready') ids = rest;
      if (word === 'committed') lastCommitted = Number(rest[0]);
      // Kill in the middle of the write stream, with writes still in flight.
      if (lastCommitted >= 150) child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
    const [tenantId, userId] = ids as [string, string];

    const store = await openStore({ sqlitePath });
    try {
      const counter = await store.settings.get(tenantId, userId, 'counter');
      expect(counter).toBeGreaterThanOrEqual(lastCommitted);
      let calls = 0;
      let cursor: string | null = null;
      do {
        const page: Awaited<ReturnType<typeof store.callHistory.page>> = await store.callHistory.page(tenantId, userId, { cursor, limit: 200 });
        calls += page.items.length;
        cursor = page.nextCursor;
      } while (cursor !== null);
      expect(calls).toBeGreaterThanOrEqual(lastCommitted);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

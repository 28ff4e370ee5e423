import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openStore } from '../../src/index.js';

const tsxLoader = createRequire(import.meta.url).resolve('tsx');

// Bindings commit in groups with synchronous=NORMAL (registrar-hot-path.ts): a save that has
// resolved must still be there after kill -9, as the registrar promises with its 200 OK.
test('bindings reported as saved survive kill -9 of the registering process (SQLite, group commit)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-durable-reg-'));
  const sqlitePath = join(dir, 'store.sqlite');
  try {
    const child = spawn(process.execPath, ['--import', tsxLoader, join(import.meta.dirname, 'fixtures/register-until-killed.ts'), sqlitePath], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    let tenantId = '';
    let lastCommitted = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      const [word, value = ''] = line.split(' ');
      if (word === 'ready') tenantId = value;
      if (word === 'committed') lastCommitted = Number(value);
      // Kill in the middle of the stream, with a batch queued or committing.
      if (lastCommitted >= 120) child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');

    const store = await openStore({ sqlitePath });
    try {
      const bindings = await store.registrations.list(tenantId, 'sip:101@durable.example.test');
      const batches = new Set(bindings.map((b) => Number(/;batch=(\d+)$/.exec(b.contact)?.[1])));
      for (let batch = 1; batch <= lastCommitted; batch++) expect(batches.has(batch), `batch ${batch}`).toBe(true);
      expect(bindings.length).toBeGreaterThanOrEqual(lastCommitted * 8);
      // The refresh reported with the last batch is there too.
      const first = bindings.find((b) => b.contact === 'sip:101@192.0.2.1:5060;batch=1');
      expect(first?.cseq).toBeGreaterThanOrEqual(lastCommitted);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

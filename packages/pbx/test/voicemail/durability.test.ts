import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseWav } from '@switchboard/media';
import { openStore } from '../../src/index.js';

const tsxLoader = createRequire(import.meta.url).resolve('tsx');

test('voicemail messages (row and audio), DND and BLF layouts reported as committed survive kill -9', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-vm-durable-'));
  try {
    const child = spawn(process.execPath, ['--import', tsxLoader, join(import.meta.dirname, 'fixtures/deposit-until-killed.ts'), dir], { stdio: ['ignore', 'pipe', 'inherit'] });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
    let ids: string[] = [];
    let lastCommitted = 0;
    for await (const line of createInterface({ input: child.stdout })) {
      const [word, ...rest] = line.split(' ');
      if (word === 'ready') ids = rest;
      if (word === 'committed') lastCommitted = Number(rest[0]);
      // Kill with a round in flight.
      if (lastCommitted >= 25) child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
    const [tenantId, userId] = ids as [string, string];

    const store = await openStore({ sqlitePath: join(dir, 'switchboard.sqlite') });
    try {
      const messages = await store.voicemail.list(tenantId, userId);
      expect(messages.length).toBeGreaterThanOrEqual(lastCommitted);
      // Every row has its audio, complete: the file is written before the row.
      for (const message of messages) {
        const path = join(dir, 'voicemail', message.file);
        expect(existsSync(path)).toBe(true);
        expect(parseWav(readFileSync(path)).samples.length).toBe(8000);
      }
      const round = (await store.blfLayouts.get(tenantId, userId))?.[0]?.label;
      const saved = Number(round?.replace('round ', ''));
      expect(saved).toBeGreaterThanOrEqual(lastCommitted);
      // Each round writes message, DND (on in odd rounds), layout: with no round half-done, DND is the layout round's.
      if (messages.length === saved) expect(await store.dnd.get(tenantId, userId)).toBe(saved % 2 === 1);
      else expect(messages.length).toBe(saved + 1);
      expect(await store.voicemail.counts(tenantId, userId)).toEqual({ unread: messages.length, heard: 0 });
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

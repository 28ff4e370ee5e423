import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openStore } from '../../../src/index.js';
import type { Store } from '../../../src/index.js';
import { PostgresCluster } from './postgres-cluster.js';

/** A store backend under test: opens fresh, empty stores and cleans up after itself. */
export interface Backend {
  name: 'sqlite' | 'postgres';
  /** A new empty store (its own file or database). */
  open(): Promise<Store>;
  /** Opens the same database as `store` again (a restart). */
  reopen(store: Store): Promise<Store>;
  close(): Promise<void>;
}

export function sqliteBackend(): Backend {
  const dir = mkdtempSync(join(tmpdir(), 'sb-store-'));
  const paths = new WeakMap<Store, string>();
  let n = 0;
  return {
    name: 'sqlite',
    async open() {
      const sqlitePath = join(dir, `store-${++n}.sqlite`);
      const store = await openStore({ sqlitePath });
      paths.set(store, sqlitePath);
      return store;
    },
    async reopen(store) {
      const sqlitePath = paths.get(store)!;
      const again = await openStore({ sqlitePath });
      paths.set(again, sqlitePath);
      return again;
    },
    close() {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

export async function postgresBackend(): Promise<Backend | null> {
  const cluster = await PostgresCluster.start();
  if (!cluster) return null;
  const urls = new WeakMap<Store, string>();
  return {
    name: 'postgres',
    async open() {
      const url = await cluster.createDatabase(`t_${randomBytes(6).toString('hex')}`);
      const store = await openStore({ databaseUrl: url });
      urls.set(store, url);
      return store;
    },
    async reopen(store) {
      const url = urls.get(store)!;
      const again = await openStore({ databaseUrl: url });
      urls.set(again, url);
      return again;
    },
    close: () => cluster.stop(),
  };
}

/** A string no other test uses, for emails and SIP domains in a shared database. */
export function unique(prefix: string): string {
  return `${prefix}${randomBytes(4).toString('hex')}`;
}

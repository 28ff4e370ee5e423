import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/**
 * A throw-away PostgreSQL cluster in a temp folder, on a free loopback port, for the store's
 * tests. Runs the server as the `postgres` user when the tests run as root (PostgreSQL refuses
 * root). `start()` resolves to null, with the reason in `PostgresCluster.unavailable`, when no
 * PostgreSQL is installed or it cannot be started here.
 */
export class PostgresCluster {
  static unavailable = '';

  private constructor(
    private readonly bin: string,
    private readonly dir: string,
    private readonly asUser: string | null,
    readonly port: number,
  ) {}

  static async start(): Promise<PostgresCluster | null> {
    const bin = findBin();
    if (!bin) {
      PostgresCluster.unavailable = 'no PostgreSQL server installed (/usr/lib/postgresql/*/bin/initdb)';
      return null;
    }
    const asUser = userInfo().uid === 0 ? 'postgres' : null;
    const dir = mkdtempSync(join(tmpdir(), 'sb-pg-'));
    try {
      if (asUser) {
        const { stdout } = await run('id', ['-u', asUser]);
        const { stdout: gid } = await run('id', ['-g', asUser]);
        chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
      }
      const cluster = new PostgresCluster(bin, dir, asUser, await freePort());
      await cluster.exec('initdb', ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync', '--no-instructions']);
      const options = `-p ${cluster.port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off`;
      await cluster.exec('pg_ctl', ['-D', join(dir, 'data'), '-l', join(dir, 'log'), '-w', '-t', '30', '-o', options, 'start']);
      return cluster;
    } catch (error) {
      PostgresCluster.unavailable = `PostgreSQL could not be started: ${error instanceof Error ? error.message.split('\n')[0] : 'unknown error'}`;
      rmSync(dir, { recursive: true, force: true });
      return null;
    }
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** A new, empty database; returns its URL. */
  async createDatabase(name: string): Promise<string> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      await client.query(`CREATE DATABASE "${name}"`);
    } finally {
      await client.end();
    }
    return this.url(name);
  }

  async stop(): Promise<void> {
    try {
      await this.exec('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }

  private async exec(program: string, args: string[]): Promise<void> {
    const path = join(this.bin, program);
    if (this.asUser) await run('runuser', ['-u', this.asUser, '--', path, ...args], { timeout: 60_000 });
    else await run(path, args, { timeout: 60_000 });
  }
}

function findBin(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const bin = join(root, version, 'bin');
    if (existsSync(join(bin, 'initdb'))) return bin;
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { openStore } from '@switchboard/pbx';
import type { Store, Tenant, User } from '@switchboard/pbx';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { EventHub } from '../../src/events/event-hub.js';
import { buildApp } from '../../src/http/app.js';
import { LoginThrottle } from '../../src/http/login-throttle.js';
import { RegistrationPresence } from '../../src/http/presence.js';
import { createLogger } from '../../src/logging.js';

/** Log lines captured from a test app, parsed. */
export class LogCapture extends Writable {
  readonly lines: Array<Record<string, unknown>> = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') this.lines.push(JSON.parse(line) as Record<string, unknown>);
    done();
  }
}

export interface TestPortal {
  app: FastifyInstance;
  store: Store;
  events: EventHub;
  logs: LogCapture;
  tenant: Tenant;
  alice: User;
  bob: User;
  /** Password of every seeded user. */
  password: string;
  /** Signs in and returns the session cookie header value. */
  signIn(email: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

/**
 * An in-process portal app (`inject()`, no socket) on a fresh SQLite store with one tenant:
 * Alice (101, admin) and Bob (102).
 */
export async function testPortal(options: { secure?: boolean; webRoot?: string } = {}): Promise<TestPortal> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-portal-'));
  const store = await openStore({ sqlitePath: join(dir, 'store.sqlite') });
  const logs = new LogCapture();
  const logger = createLogger('info', logs);
  const events = new EventHub(logger);
  const app = await buildApp({
    store,
    events,
    logger,
    throttle: new LoginThrottle(),
    presence: new RegistrationPresence(store),
    webRoot: options.webRoot ?? join(dir, 'no-portal-here'),
    version: '9.9.9-test',
    secure: options.secure ?? false,
  });
  const password = 'correct horse battery';
  const tenant = await store.tenants.create({ name: 'Acme', sipDomain: 'acme.example.test' });
  const alice = await store.users.create(tenant.id, { name: 'Alice Adams', email: 'alice@acme.example.test', password, role: 'admin', canDialExternal: true });
  const bob = await store.users.create(tenant.id, { name: 'Bob Baker', email: 'bob@acme.example.test', password });
  await store.extensions.assign(tenant.id, '101', alice.id);
  await store.extensions.assign(tenant.id, '102', bob.id);

  return {
    app,
    store,
    events,
    logs,
    tenant,
    alice,
    bob,
    password,
    async signIn(email, pw = password) {
      const response = await app.inject({ method: 'POST', url: '/api/auth/login', payload: { email, password: pw } });
      if (response.statusCode !== 200) throw new Error(`sign-in failed: ${response.statusCode} ${response.body}`);
      return cookieOf(response);
    },
    async close() {
      await app.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The `name=value` of the session cookie a response sets. */
export function cookieOf(response: LightMyRequestResponse): string {
  const header = response.headers['set-cookie'];
  const first = Array.isArray(header) ? header[0] : header;
  if (!first) throw new Error('no cookie set');
  return first.split(';')[0]!;
}

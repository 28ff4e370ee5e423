import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Me } from '@switchboard/api';
import { requireFreshBuild } from './support/built.js';
import { ServerProcess } from './support/server-process.js';

const dirs: string[] = [];
const running: ServerProcess[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sb-main-'));
  dirs.push(dir);
  return dir;
}
async function start(dataDir: string, env: Record<string, string> = {}, args: string[] = []): Promise<ServerProcess> {
  const server = await ServerProcess.start(dataDir, env, args);
  running.push(server);
  return server;
}

beforeAll(() => requireFreshBuild());
afterAll(async () => {
  for (const server of running) await server.stop('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function signIn(server: ServerProcess, email: string, password: string): Promise<{ cookie: string; me: Me }> {
  const response = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(response.status).toBe(200);
  return { cookie: response.headers.get('set-cookie')!.split(';')[0]!, me: (await response.json()) as Me };
}

test('main.js prints the demo sign-ins, runs beside a second instance, and keeps its data through kill -9', async () => {
  const dirA = tempDir();
  const a = await start(dirA);
  expect(a.stdout).toContain('Demo organisation "Demo Company" (SIP domain demo.switchboard.test)');
  expect(a.signIns.map((signIn) => signIn.extension)).toEqual(['101', '102', '103', '104', '105']);
  expect(a.signIns[0]!.email).toBe('alice@demo.switchboard.test');
  expect(a.deskPhones.map((phone) => phone.username)).toEqual(['101', '102', '103', '104', '105']);
  expect(statSync(join(dirA, 'demo-sign-ins.json')).mode & 0o777).toBe(0o600);
  expect(await (await fetch(`${a.url}/api/health`)).json()).toMatchObject({ status: 'ok' });

  // A second instance with its own data folder and ports, side by side.
  const b = await start(tempDir());
  expect(b.httpPort).not.toBe(a.httpPort);
  expect(b.signIns[0]!.password).not.toBe(a.signIns[0]!.password);
  expect((await fetch(`${b.url}/api/health`)).status).toBe(200);
  expect((await fetch(`${a.url}/api/health`)).status).toBe(200);

  // Writes by A: a session and browser SIP credentials. Then kill -9 and restart on the same data.
  const alice = a.signIns[0]!;
  const { cookie, me } = await signIn(a, alice.email, alice.password);
  expect(me.sip?.uri).toBe('sip:101@demo.switchboard.test');
  expect(await a.stop('SIGKILL')).toEqual({ code: null, signal: 'SIGKILL' });

  const again = await start(dirA);
  expect(again.signIns).toEqual(a.signIns); // no second demo organisation; same sign-ins
  expect(again.deskPhones).toEqual(a.deskPhones);
  const meAgain = await fetch(`${again.url}/api/me`, { headers: { cookie } });
  expect(meAgain.status).toBe(200); // the session survived
  expect(((await meAgain.json()) as Me).sip?.authorizationUser).toBe(me.sip?.authorizationUser);
  await signIn(again, alice.email, alice.password);

  // SIGTERM is a clean shutdown.
  expect(await b.stop('SIGTERM')).toEqual({ code: 0, signal: null });
});

test('--no-demo starts an empty server; bad settings and busy ports fail with one line', async () => {
  const bare = await start(tempDir(), {}, ['--no-demo']);
  expect(bare.stdout).not.toContain('Demo organisation');
  expect(bare.signIns).toEqual([]);

  const badPort = await ServerProcess.fail(tempDir(), { SWITCHBOARD_HTTP_PORT: 'eighty' });
  expect(badPort).toEqual({ code: 1, stderr: 'switchboard: SWITCHBOARD_HTTP_PORT must be a port number from 0 to 65535, got "eighty"\n' });

  const busy = await ServerProcess.fail(tempDir(), { SWITCHBOARD_HTTP_PORT: String(bare.httpPort), SWITCHBOARD_DEMO: '0' });
  expect(busy).toEqual({
    code: 1,
    stderr: `switchboard: HTTP port ${bare.httpPort} on 127.0.0.1 is already in use; choose another with SWITCHBOARD_HTTP_PORT\n`,
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { promisify } from 'node:util';
import { runCli } from '../src/cli.js';
import { cliScript, requireFreshBuild } from './support/built.js';

const execFileAsync = promisify(execFile);

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

/** Runs the CLI in-process against the temp data folder. */
async function cli(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await runCli(argv, { env: { SWITCHBOARD_DATA_DIR: dataDir }, cwd: dataDir, out, err });
  return { status, stdout, stderr };
}

async function json<T>(...argv: string[]): Promise<T> {
  const result = await cli(...argv, '--json');
  expect(result).toMatchObject({ status: 0, stderr: '' });
  return JSON.parse(result.stdout) as T;
}

test('tenants, users, extensions and devices, with --json', async () => {
  const tenant = await json<{ id: string; sipDomain: string }>('tenant', 'add', '--name', 'Acme', '--domain', 'Acme.Example.test');
  expect(tenant.sipDomain).toBe('acme.example.test');

  const pat = await json<{ email: string; extension: string; password: string; canDialExternal: boolean }>(
    'user', 'add', '--name', 'Pat Doe', '--email', 'pat@acme.example.test', '--extension', '201', '--external',
  );
  expect(pat).toMatchObject({ email: 'pat@acme.example.test', extension: '201', canDialExternal: true });
  expect(pat.password).toMatch(/^[A-Za-z0-9]{12}$/);
  const sam = await json<{ password?: string }>('user', 'add', '--name', 'Sam Roe', '--email', 'sam@acme.example.test', '--password', 'chosen one', '--role', 'admin');
  expect(sam.password).toBeUndefined();
  expect((await cli('extension', 'add', '202', '--user', 'sam@acme.example.test')).status).toBe(0);

  const desk = await json<{ sipUsername: string; sipPassword: string; kind: string }>('device', 'add', '--user', 'pat@acme.example.test');
  const soft = await json<{ sipUsername: string }>('device', 'add', '--user', 'pat@acme.example.test', '--kind', 'softphone');
  expect([desk.sipUsername, desk.kind, soft.sipUsername]).toEqual(['201', 'desk_phone', '201-2']);
  expect(await json('device', 'show', '201')).toMatchObject({ sipUsername: '201', sipPassword: desk.sipPassword, extension: '201' });
  const shown = await cli('device', 'show', '201');
  expect(shown.stdout).toContain(`SIP password: ${desk.sipPassword}`);

  const users = await json<Array<{ email: string; extension: string | null; role: string }>>('user', 'list');
  expect(users.map((user) => [user.email, user.extension, user.role])).toEqual([
    ['pat@acme.example.test', '201', 'user'],
    ['sam@acme.example.test', '202', 'admin'],
  ]);
  expect((await cli('user', 'list')).stdout).toMatch(/^EXT +NAME +EMAIL +ROLE +EXTERNAL\n201 +Pat Doe/);
  const devices = await json<Array<{ sipUsername: string; sipPassword?: string }>>('device', 'list');
  expect(devices.map((device) => device.sipUsername)).toEqual(['201', '201-2']);
  expect(devices[0]!.sipPassword).toBeUndefined();
  expect((await json<unknown[]>('extension', 'list')).length).toBe(2);

  // A second tenant: commands then need --tenant, and SIP usernames stay unique server-wide.
  await json('tenant', 'add', '--name', 'Beta', '--domain', 'beta.example.test');
  expect(await cli('user', 'list')).toMatchObject({ status: 1, stderr: 'switchboard: there are 2 tenants; choose one with --tenant <sip domain>\n' });
  await json('user', 'add', '-t', 'beta.example.test', '--name', 'Bea', '--email', 'bea@beta.example.test', '--extension', '201');
  expect((await json<{ sipUsername: string }>('device', 'add', '-t', 'beta.example.test', '--user', 'bea@beta.example.test')).sipUsername).toBe('201-3');

  expect((await cli('device', 'remove', '201-2')).status).toBe(0);
  expect((await cli('extension', 'remove', '202', '-t', 'acme.example.test')).status).toBe(0);
  expect((await cli('user', 'set-password', 'pat@acme.example.test', '-t', 'acme.example.test')).stdout).toMatch(/^Set the portal password of pat@acme\.example\.test: \w{12}\n$/);
  expect((await cli('user', 'remove', 'sam@acme.example.test', '-t', 'acme.example.test')).status).toBe(0);
  expect((await cli('tenant', 'remove', 'beta.example.test')).status).toBe(0);
  expect((await json<unknown[]>('tenant', 'list')).length).toBe(1);
  expect((await json<Array<{ sipUsername: string }>>('device', 'list')).map((device) => device.sipUsername)).toEqual(['201']);
});

test('mistakes exit non-zero with one readable line', async () => {
  const cases: Array<[string[], number, RegExp]> = [
    [['user', 'list'], 1, /^switchboard: there are no tenants yet; create one with: switchboard tenant add/],
    [['tenant', 'add', '--name', 'X'], 1, /^switchboard: tenant add needs --domain\n$/],
    [['tenant', 'add', '--name', 'X', '--domain', 'not a domain'], 1, /^switchboard: "not a domain" is not a valid SIP domain/],
    [['frobnicate', 'things'], 2, /^switchboard: unknown command "frobnicate things"; see switchboard --help\n$/],
    [['user', 'list', '--colour'], 2, /^switchboard: Unknown option '--colour'/],
    [['device', 'show', 'nobody'], 1, /^switchboard: no device with SIP username nobody\n$/],
  ];
  for (const [argv, status, message] of cases) {
    const result = await cli(...argv);
    expect(result.status, argv.join(' ')).toBe(status);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stdout).toBe('');
  }
  await cli('tenant', 'add', '--name', 'Acme', '--domain', 'acme.example.test');
  expect((await cli('tenant', 'add', '--name', 'Again', '--domain', 'acme.example.test')).stderr).toBe(
    'switchboard: the SIP domain acme.example.test is already used by another tenant\n',
  );
  await cli('user', 'add', '--name', 'Pat', '--email', 'pat@acme.example.test', '--extension', '201');
  expect((await cli('user', 'add', '--name', 'Kim', '--email', 'kim@acme.example.test', '--extension', '201')).stderr).toBe(
    'switchboard: extension 201 is already assigned\n',
  );
  // The failed add left nothing behind (one transaction).
  expect((await json<unknown[]>('user', 'list')).length).toBe(1);
  expect((await cli('user', 'add', '--name', 'Kim', '--email', 'kim@acme.example.test', '--role', 'boss')).stderr).toBe(
    'switchboard: --role must be admin or user, not "boss"\n',
  );
});

test('the built command: --help, --json and exit statuses', async () => {
  requireFreshBuild();
  const env = { ...process.env, SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_CONFIG: '' };
  const help = await execFileAsync(process.execPath, [cliScript, '--help'], { env });
  expect(help.stdout).toMatch(/^Usage: switchboard <command> \[options\]/);
  const failed = await execFileAsync(process.execPath, [cliScript, 'user', 'list'], { env }).catch((error: { code: number; stderr: string }) => error);
  expect(failed).toMatchObject({ code: 1, stderr: expect.stringMatching(/^switchboard: there are no tenants yet/) as unknown });
  const added = await execFileAsync(process.execPath, [cliScript, 'tenant', 'add', '--name', 'Acme', '--domain', 'acme.example.test', '--json'], { env });
  expect(JSON.parse(added.stdout)).toMatchObject({ name: 'Acme', sipDomain: 'acme.example.test' });
});

import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Baresip, runSipp, sippAvailable, writeToneWav } from '@switchboard/testkit';
import type { Registration } from '@switchboard/pbx';
import { cliScript, requireFreshBuild } from './support/built.js';
import { startTestServer } from './support/server.js';

// Real SIP phones register with the real server: baresip over UDP and TCP with credentials made by
// the built CLI, and SIPp's digest REGISTER scenario (the one the Kamailio peer is measured with)
// for every user of a users CSV.

const execFileAsync = promisify(execFile);

/** The Kamailio peer's SIPp scenario and users generator (shared, read-only). */
const kamailioPeer = join(process.env.SWITCHBOARD_SHARED_DIR ?? '/work/shared', 'peers/kamailio');
const registerScenario = join(kamailioPeer, 'register-auth.xml');
const genUsers = join(kamailioPeer, 'gen-users.sh');

const noBaresip = Baresip.isAvailable() ? null : 'baresip is not installed (apt-get install baresip-core): the baresip registration tests are skipped';
const noSipp = sippAvailable() ? null : 'sipp is not installed (apt-get install sip-tester): the SIPp registration test is skipped';
const noPeer = existsSync(registerScenario) && existsSync(genUsers) ? null : `${kamailioPeer} is absent: the SIPp users-CSV registration test is skipped`;

const domain = 'peers.example.test';

interface CliDevice {
  id: string;
  sipUsername: string;
  sipPassword: string;
  extension: string;
}

let server: Awaited<ReturnType<typeof startTestServer>>;
let tenantId: string;
let desk: CliDevice;
let workDir: string;
let toneFile: string;

/** The built CLI (`node apps/server/dist/cli.js … --json`) against the running server's data folder. */
async function cli<T>(...argv: string[]): Promise<T> {
  const env = { PATH: process.env.PATH ?? '', SWITCHBOARD_DATA_DIR: server.config.dataDir };
  const { stdout } = await execFileAsync(process.execPath, [cliScript, ...argv, '--json'], { env, cwd: server.config.dataDir });
  return JSON.parse(stdout) as T;
}

/**
 * A baresip phone registering `desk` (or other credentials) to the server's address and port, as a
 * desk phone set up with the server's IP does: the device is found by its digest username alone.
 * The account is added over the control socket (`uanew`) rather than in the accounts file:
 * baresip registers the moment its account exists, and the driver connects to the control
 * socket only after start-up, so a start-up REGISTER_OK would be missed.
 */
async function registeringPhone(transport: 'udp' | 'tcp', password = desk.sipPassword): Promise<{ phone: Baresip; aor: string }> {
  const phone = await Baresip.start({
    account: { user: desk.sipUsername, domain: '127.0.0.1', transport, register: false },
    audioSource: toneFile,
  });
  const aor = `sip:${desk.sipUsername}@127.0.0.1:${server.server.sip.udpPort}`;
  const created = await phone.command('uanew', `<${aor};transport=${transport}>;auth_pass=${password};regint=300`);
  if (!created.ok) {
    await phone.stop();
    throw new Error(`baresip uanew failed: ${created.data}`);
  }
  return { phone, aor };
}

/** The phone's binding in the store (its Contact carries the phone's own SIP port). */
async function bindingsOfPhone(phone: Baresip): Promise<Registration[]> {
  const all = await server.server.store.registrations.listForDevice(tenantId, desk.id);
  return all.filter((b) => b.contact.includes(`@127.0.0.1:${phone.sipPort}`));
}

beforeAll(async () => {
  requireFreshBuild();
  workDir = mkdtempSync(join(tmpdir(), 'sb-reg-peers-'));
  toneFile = join(workDir, 'tone.wav');
  writeToneWav(toneFile, 440, 1);
  server = await startTestServer({ SWITCHBOARD_DEMO: '0' });
  tenantId = (await cli<{ id: string }>('tenant', 'add', '--name', 'Peers', '--domain', domain)).id;
  await cli('user', 'add', '--name', 'Desk Owner', '--email', 'desk@peers.example.test', '--extension', '201');
  desk = await cli<CliDevice>('device', 'add', '--user', 'desk@peers.example.test');
});

afterAll(async () => {
  await server?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe('baresip', () => {
  for (const transport of ['udp', 'tcp'] as const) {
    it(`registers over ${transport.toUpperCase()} with CLI-created credentials; the binding is stored with its transport`, async ({ skip }) => {
      skip(noBaresip !== null, noBaresip ?? '');
      expect(desk).toMatchObject({ sipUsername: '201', extension: '201' });
      const { phone, aor } = await registeringPhone(transport);
      let stopped = false;
      try {
        await phone.waitFor('REGISTER_OK', { since: 0, predicate: (e) => e.accountaor === aor });
        const mine = await bindingsOfPhone(phone);
        expect(mine).toHaveLength(1);
        expect(mine[0]).toMatchObject({ transport, aor: `sip:201@${domain}`, sourceAddress: '127.0.0.1' });
        // Over TCP the phone is reached through its connection; over UDP at its source address.
        expect(mine[0]!.flowId === null).toBe(transport === 'udp');
        expect(mine[0]!.expiresAt.getTime()).toBeGreaterThan(Date.now() + 200_000);
        expect(mine[0]!.userAgent).toMatch(/baresip/i);
        expect(server.server.sip.pbx.location.bindings(tenantId, '201').map((b) => b.contact)).toContain(mine[0]!.contact);

        // Quitting unregisters (Expires: 0): the binding goes from the store.
        await phone.stop();
        stopped = true;
        await expect.poll(() => bindingsOfPhone(phone), { timeout: 5000 }).toEqual([]);
      } finally {
        if (!stopped) await phone.stop();
      }
    });
  }

  it('gets REGISTER_FAIL (403) with a wrong password, and no binding', async ({ skip }) => {
    skip(noBaresip !== null, noBaresip ?? '');
    const { phone, aor } = await registeringPhone('udp', `${desk.sipPassword}x`);
    try {
      const failed = await phone.waitFor('REGISTER_FAIL', { since: 0, predicate: (e) => e.accountaor === aor });
      expect(failed.param).toMatch(/^403/);
      expect(phone.events.some((e) => e.type === 'REGISTER_OK')).toBe(false);
      expect(await bindingsOfPhone(phone)).toEqual([]);
    } finally {
      await phone.stop();
    }
  });
});

describe('SIPp', () => {
  it('runs register-auth.xml for every user of a users CSV: exit 0, each user bound once', async ({ skip }) => {
    skip(noSipp !== null, noSipp ?? '');
    skip(noPeer !== null, noPeer ?? '');
    const csv = join(workDir, 'users.csv');
    const { stdout } = await execFileAsync(genUsers, ['20', '127.0.0.1']);
    writeFileSync(csv, stdout);
    const users = parseUsersCsv(readFileSync(csv, 'utf8'));
    expect(users).toHaveLength(20);

    // The users become devices of their own users/extensions, in a tenant of their own.
    const store = server.server.store;
    const tenant = await store.tenants.create({ name: 'SIPp users', sipDomain: 'sipp.example.test' });
    const deviceIds = new Set<string>();
    for (const [i, u] of users.entries()) {
      const user = await store.users.create(tenant.id, { name: `SIPp ${u.username}`, email: `${u.username}@sipp.example.test` });
      await store.extensions.assign(tenant.id, String(7000 + i), user.id);
      deviceIds.add((await store.devices.create(tenant.id, { userId: user.id, kind: 'softphone', sipUsername: u.username, sipPassword: u.password })).id);
    }

    const sipp = await runSipp({
      scenario: registerScenario,
      target: `127.0.0.1:${server.server.sip.udpPort}`,
      calls: users.length,
      rate: 40,
      timeoutSeconds: 30,
      extraArgs: ['-inf', csv],
    });
    const result = await sipp.done;
    expect(result.code, result.output).toBe(0);

    const bound = (await store.registrations.listForTenant(tenant.id)).filter((r) => deviceIds.has(r.deviceId));
    expect(bound).toHaveLength(users.length);
    expect(new Set(bound.map((r) => r.deviceId)).size).toBe(users.length);
    expect(bound.every((r) => r.transport === 'udp' && r.userAgent === 'sipp-register-bench')).toBe(true);
  });
});

/** `gen-users.sh` output: a SEQUENTIAL line, then `user;password;domain;[authentication …]`. */
function parseUsersCsv(text: string): Array<{ username: string; password: string }> {
  return text
    .split('\n')
    .slice(1)
    .filter((line) => line.includes(';'))
    .map((line) => {
      const [username = '', password = ''] = line.split(';');
      return { username, password };
    });
}

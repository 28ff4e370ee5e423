import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { runCli } from '../src/cli.js';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'sb-cli-trunk-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

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

test('trunk set / show / remove, with one-line errors', async () => {
  await json('tenant', 'add', '--name', 'Acme', '--domain', 'acme.example.test');
  expect(await cli('trunk', 'show')).toMatchObject({ status: 1, stderr: 'switchboard: acme.example.test has no trunk; set one with: switchboard trunk set --host <carrier host>\n' });
  expect(await cli('trunk', 'set', '--port', '5080')).toMatchObject({ status: 1, stderr: 'switchboard: a new trunk needs a host\n' });
  expect(await cli('trunk', 'set', '--host', 'sip.carrier.example', '--transport', 'sctp')).toMatchObject({ status: 1, stderr: 'switchboard: --transport must be udp, tcp or tls, not "sctp"\n' });
  expect(await cli('trunk', 'set', '--host', 'sip.carrier.example', '--username', 'acme')).toMatchObject({ status: 1, stderr: 'switchboard: the trunk username acme needs a password\n' });

  const created = await json('trunk', 'set', '--host', 'sip.carrier.example', '--username', 'acme', '--password', 's3cret', '--caller-id', '+1 555 010 0100', '--caller-name', 'Acme Inc');
  expect(created).toEqual({
    host: 'sip.carrier.example',
    port: 5060,
    transport: 'udp',
    username: 'acme',
    hasPassword: true,
    register: true,
    srtp: false,
    inboundFrom: [],
    callerId: { number: '+15550100100', name: 'Acme Inc' },
    updatedAt: expect.any(String) as unknown,
  });
  const changed = await cli('trunk', 'set', '--transport', 'tcp', '--port', '5080', '--no-register');
  expect(changed.status).toBe(0);
  expect(changed.stdout).toContain('Changed the trunk of acme.example.test');
  const shown = await cli('trunk', 'show');
  expect(shown.stdout).toMatch(/Host: +sip\.carrier\.example\nPort: +5080\nTransport: +tcp\nAuthentication: +digest as acme \(password set\)\nRegistration: +no\nMedia: +RTP\nInbound calls from: +the host's addresses\nCaller ID: +"Acme Inc" \+15550100100\n/);
  expect(shown.stdout).not.toContain('s3cret');
  // TLS: the port left at 5080 stays; the text says what the server needs for it.
  expect(await json('trunk', 'set', '--transport', 'TLS', '--srtp')).toMatchObject({ transport: 'tls', port: 5080, srtp: true });
  expect((await cli('trunk', 'show')).stdout).toMatch(/Media: +SRTP \(SDES keys, carried over TLS\)\n/);
  expect(await json('trunk', 'set', '--inbound-from', '203.0.113.0/24, 198.51.100.7')).toMatchObject({ inboundFrom: ['203.0.113.0/24', '198.51.100.7'] });
  expect((await cli('trunk', 'show')).stdout).toMatch(/Inbound calls from: +the host's addresses and 203\.0\.113\.0\/24, 198\.51\.100\.7\n/);
  expect(await cli('trunk', 'set', '--inbound-from', 'carrier.example')).toMatchObject({ status: 1, stderr: 'switchboard: "carrier.example" is not an IP address or CIDR range (like 203.0.113.0/24)\n' });
  expect(await json('trunk', 'set', '--inbound-from', '')).toMatchObject({ inboundFrom: [] });
  expect(await cli('trunk', 'set', '--srtp', '--no-srtp')).toMatchObject({ status: 1, stderr: 'switchboard: trunk set: --srtp and --no-srtp contradict each other\n' });
  expect((await cli('trunk', 'show')).stdout).toMatch(/Transport: +tls \(needs SIP over TLS on this server: SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY, or SWITCHBOARD_TLS_SELF_SIGNED=1\)\n/);
  expect(await json('trunk', 'set', '--username', '')).toMatchObject({ username: null, hasPassword: false, register: false });
  expect(await cli('trunk', 'set')).toMatchObject({ status: 1 });

  expect((await cli('trunk', 'remove')).stdout).toBe('Removed the trunk of acme.example.test\n');
  expect(await cli('trunk', 'remove')).toMatchObject({ status: 1 });
});

test('did add / list / remove: to an extension that exists, or forwarded outside', async () => {
  await json('tenant', 'add', '--name', 'Acme', '--domain', 'acme.example.test');
  await json('user', 'add', '--name', 'Pat Doe', '--email', 'pat@acme.example.test', '--extension', '201');
  expect(await cli('did', 'add', '+15550100200')).toMatchObject({ status: 1, stderr: 'switchboard: did add needs either --extension <n> or --forward <outside number>\n' });
  expect(await cli('did', 'add', '+15550100200', '--extension', '299')).toMatchObject({ status: 1, stderr: 'switchboard: there is no extension 299\n' });

  const added = await cli('did', 'add', '+1 (555) 010-0200', '--extension', '201');
  expect(added).toMatchObject({ status: 0, stdout: 'Calls to +15550100200 now go to extension 201\n(acme.example.test has no trunk yet: see switchboard trunk set)\n' });
  expect(await json('did', 'add', 'bench', '--forward', '5550199')).toEqual({ number: 'bench', extension: null, forwardTo: '5550199' });
  // With or without the +, it is the same number to a carrier.
  expect(await cli('did', 'add', '15550100200', '--extension', '201')).toMatchObject({ status: 1, stderr: 'switchboard: the number 15550100200 is already in use on this server\n' });
  expect(await cli('did', 'add', '15550100300', '--extension', '201')).toMatchObject({ status: 0 });

  expect((await cli('did', 'list')).stdout).toBe('NUMBER        GOES TO\n+15550100200  extension 201\n15550100300   extension 201\nbench         outside number 5550199\n');
  expect((await cli('did', 'remove', '+15550100200')).stdout).toBe('Removed DID +15550100200\n');
  expect(await cli('did', 'remove', '+15550100200')).toMatchObject({ status: 1, stderr: 'switchboard: there is no DID +15550100200 in acme.example.test\n' });
  expect((await json<unknown[]>('did', 'list')).length).toBe(2);
});

test('dialling rights: user add and user set; international and premium imply outside calls', async () => {
  await json('tenant', 'add', '--name', 'Acme', '--domain', 'acme.example.test');
  expect(await json('user', 'add', '--name', 'Ina', '--email', 'ina@acme.example.test', '--international')).toMatchObject({
    canDialExternal: true,
    canDialInternational: true,
    canDialPremium: false,
  });
  expect(await json('user', 'add', '--name', 'Lou', '--email', 'lou@acme.example.test')).toMatchObject({ canDialExternal: false, canDialInternational: false, canDialPremium: false });
  expect(await json('user', 'set', 'lou@acme.example.test', '--external', '--premium')).toMatchObject({ canDialExternal: true, canDialPremium: true });
  expect((await cli('user', 'list')).stdout).toMatch(/Ina +ina@acme\.example\.test +user +yes, international\n.*Lou +lou@acme\.example\.test +user +yes, premium\n/s);
  expect(await json('user', 'set', 'ina@acme.example.test', '--no-external')).toMatchObject({ canDialExternal: false, canDialInternational: false, canDialPremium: false });
  expect(await cli('user', 'set', 'ina@acme.example.test', '--international', '--no-external')).toMatchObject({
    status: 1,
    stderr: 'switchboard: user set: international and premium-rate calls are outside calls; drop --no-external\n',
  });
  expect(await cli('user', 'set', 'ina@acme.example.test')).toMatchObject({ status: 1 });
  expect((await cli('user', 'set', 'ina@acme.example.test', '--name', 'Ina Ito', '--role', 'admin')).stdout).toBe('Updated Ina Ito <ina@acme.example.test>: role admin, outside calls no\n');
});

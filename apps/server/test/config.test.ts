import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config/index.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const load = (env: Record<string, string> = {}, flags = {}) => loadConfig({ env, cwd: dir, flags });
const failure = (env: Record<string, string>, flags = {}): string => {
  try {
    load(env, flags);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
};

test('defaults', () => {
  const config = load();
  expect(config).toMatchObject({
    bind: '0.0.0.0',
    httpPort: 8080,
    httpsPort: 8443,
    sipPort: 5060,
    sipsPort: 5061,
    rtpPorts: { min: 20000, max: 29999 },
    dataDir: join(dir, 'data'),
    databaseUrl: null,
    tlsCert: null,
    tlsKey: null,
    tlsSelfSigned: false,
    tlsTrust: null,
    demo: true,
    logLevel: 'info',
    sipTrace: false,
    configFile: null,
  });
  expect(config.publicAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
  expect(config.webRoot).toMatch(/apps\/web\/dist$/);
});

test('environment variables override the defaults; empty means unset', () => {
  const config = load({
    SWITCHBOARD_HTTP_PORT: '9090',
    SWITCHBOARD_SIP_PORT: '5070',
    SWITCHBOARD_RTP_PORTS: '40000-40099',
    SWITCHBOARD_BIND: '127.0.0.1',
    SWITCHBOARD_DATA_DIR: 'state',
    DATABASE_URL: 'postgres://switchboard:secret@db.internal:5432/switchboard',
    SWITCHBOARD_PUBLIC_ADDRESS: 'pbx.example.com',
    SWITCHBOARD_DEMO: '0',
    SWITCHBOARD_LOG_LEVEL: 'debug',
    SWITCHBOARD_SIP_TRACE: 'true',
    SWITCHBOARD_HTTPS_PORT: '',
  });
  expect(config).toMatchObject({
    httpPort: 9090,
    sipPort: 5070,
    rtpPorts: { min: 40000, max: 40099 },
    bind: '127.0.0.1',
    dataDir: join(dir, 'state'),
    databaseUrl: 'postgres://switchboard:secret@db.internal:5432/switchboard',
    publicAddress: 'pbx.example.com',
    demo: false,
    logLevel: 'debug',
    sipTrace: true,
    httpsPort: 8443,
  });
});

test('the config file is read from SWITCHBOARD_CONFIG or ./switchboard.json; env and flags win over it', () => {
  writeFileSync(join(dir, 'switchboard.json'), JSON.stringify({ httpPort: 8081, dataDir: 'from-file', demo: true, logLevel: 'warn' }));
  const implicit = load();
  expect(implicit).toMatchObject({ httpPort: 8081, dataDir: join(dir, 'from-file'), logLevel: 'warn', configFile: join(dir, 'switchboard.json') });
  expect(load({ SWITCHBOARD_HTTP_PORT: '8082' }, { demo: false })).toMatchObject({ httpPort: 8082, demo: false });

  // Relative paths in a file are relative to the file.
  const etc = join(dir, 'etc');
  mkdirSync(etc);
  writeFileSync(join(etc, 'other.json'), JSON.stringify({ sipPort: 5080, rtpPorts: '30000-30010', dataDir: 'data' }));
  expect(load({ SWITCHBOARD_CONFIG: 'etc/other.json' })).toMatchObject({
    sipPort: 5080,
    rtpPorts: { min: 30000, max: 30010 },
    httpPort: 8080,
    dataDir: join(etc, 'data'),
  });
});

test('mistakes give one clear line naming the option', () => {
  expect(failure({ SWITCHBOARD_HTTP_PORT: 'eighty' })).toBe('SWITCHBOARD_HTTP_PORT must be a port number from 0 to 65535, got "eighty"');
  expect(failure({ SWITCHBOARD_SIP_PORT: '70000' })).toMatch(/^SWITCHBOARD_SIP_PORT must be a port number/);
  expect(failure({ SWITCHBOARD_RTP_PORTS: '30000' })).toMatch(/^SWITCHBOARD_RTP_PORTS must be a port range such as "20000-29999"/);
  expect(failure({ SWITCHBOARD_RTP_PORTS: '30000-20000' })).toMatch(/^SWITCHBOARD_RTP_PORTS/);
  expect(failure({ SWITCHBOARD_BIND: 'everywhere' })).toMatch(/^SWITCHBOARD_BIND must be an IP address/);
  expect(failure({ DATABASE_URL: 'mysql://x' })).toMatch(/^DATABASE_URL must be a PostgreSQL URL/);
  expect(failure({ SWITCHBOARD_DEMO: 'maybe' })).toMatch(/^SWITCHBOARD_DEMO must be 1 or 0/);
  expect(failure({ SWITCHBOARD_LOG_LEVEL: 'loud' })).toMatch(/^SWITCHBOARD_LOG_LEVEL must be one of fatal, error/);
  expect(failure({ SWITCHBOARD_TLS_CERT: 'cert.pem' })).toBe('SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY must be set together');
  expect(failure({ SWITCHBOARD_TLS_CERT: 'cert.pem', SWITCHBOARD_TLS_KEY: 'key.pem' })).toMatch(/^the TLS file .*cert\.pem does not exist$/);
  expect(failure({ SWITCHBOARD_TLS_TRUST: 'carrier-ca.pem' })).toMatch(/^the TLS file .*carrier-ca\.pem does not exist$/);
  expect(failure({ SWITCHBOARD_HTTP_PORT: '5060' })).toBe('SWITCHBOARD_HTTP_PORT and SWITCHBOARD_SIP_PORT are both 5060; each listener needs its own port');
  expect(failure({ SWITCHBOARD_SIP_PORT: '20000' })).toMatch(/inside SWITCHBOARD_RTP_PORTS/);
  expect(failure({ SWITCHBOARD_CONFIG: 'missing.json' })).toMatch(/^cannot read the config file .*missing\.json: ENOENT$/);

  writeFileSync(join(dir, 'bad.json'), '{ "httpPort": 80, }');
  expect(failure({ SWITCHBOARD_CONFIG: 'bad.json' })).toMatch(/^the config file .*bad\.json is not valid JSON/);
  writeFileSync(join(dir, 'typo.json'), JSON.stringify({ htpPort: 80 }));
  expect(failure({ SWITCHBOARD_CONFIG: 'typo.json' })).toMatch(/typo\.json: unknown option "htpPort"/);
  writeFileSync(join(dir, 'wrong.json'), JSON.stringify({ demo: 'sometimes' }));
  expect(failure({ SWITCHBOARD_CONFIG: 'wrong.json' })).toMatch(/wrong\.json: "demo" must be 1 or 0/);
  for (const message of [failure({ SWITCHBOARD_HTTP_PORT: 'x' }), failure({ SWITCHBOARD_CONFIG: 'bad.json' })]) expect(message).not.toContain('\n');
});

test('TLS files or a self-signed certificate, not both; HTTPS ports are checked only with TLS', () => {
  writeFileSync(join(dir, 'cert.pem'), 'x');
  writeFileSync(join(dir, 'key.pem'), 'x');
  expect(load({ SWITCHBOARD_TLS_CERT: 'cert.pem', SWITCHBOARD_TLS_KEY: 'key.pem' })).toMatchObject({ tlsCert: join(dir, 'cert.pem') });
  expect(failure({ SWITCHBOARD_TLS_CERT: 'cert.pem', SWITCHBOARD_TLS_KEY: 'key.pem', SWITCHBOARD_TLS_SELF_SIGNED: '1' })).toMatch(/not both/);
  expect(load({ SWITCHBOARD_HTTPS_PORT: '8080' }).httpsPort).toBe(8080);
  expect(failure({ SWITCHBOARD_HTTPS_PORT: '8080', SWITCHBOARD_TLS_SELF_SIGNED: '1' })).toMatch(/SWITCHBOARD_HTTP_PORT and SWITCHBOARD_HTTPS_PORT are both 8080/);
});

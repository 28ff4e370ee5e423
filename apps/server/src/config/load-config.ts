import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { logLevels } from './config.js';
import type { PortRange, ServerConfig } from './config.js';
import { defaultPublicAddress } from './public-address.js';

/** A configuration mistake, with a one-line message that names the option and what was wrong. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export interface ConfigSources {
  env?: NodeJS.ProcessEnv;
  /** Command-line flags already parsed: `--no-demo` and `--config <file>`. */
  flags?: { demo?: boolean; config?: string };
  cwd?: string;
}

type Kind = 'port' | 'portRange' | 'address' | 'host' | 'path' | 'url' | 'boolean' | 'logLevel';
type Key = Exclude<keyof ServerConfig, 'configFile'>;

interface Option {
  key: Key;
  env: string;
  kind: Kind;
}

/** Every option: its config-file key, its environment variable and how it is read. */
const options: readonly Option[] = [
  { key: 'bind', env: 'SWITCHBOARD_BIND', kind: 'address' },
  { key: 'httpPort', env: 'SWITCHBOARD_HTTP_PORT', kind: 'port' },
  { key: 'httpsPort', env: 'SWITCHBOARD_HTTPS_PORT', kind: 'port' },
  { key: 'sipPort', env: 'SWITCHBOARD_SIP_PORT', kind: 'port' },
  { key: 'sipsPort', env: 'SWITCHBOARD_SIPS_PORT', kind: 'port' },
  { key: 'rtpPorts', env: 'SWITCHBOARD_RTP_PORTS', kind: 'portRange' },
  { key: 'publicAddress', env: 'SWITCHBOARD_PUBLIC_ADDRESS', kind: 'host' },
  { key: 'dataDir', env: 'SWITCHBOARD_DATA_DIR', kind: 'path' },
  { key: 'databaseUrl', env: 'DATABASE_URL', kind: 'url' },
  { key: 'tlsCert', env: 'SWITCHBOARD_TLS_CERT', kind: 'path' },
  { key: 'tlsKey', env: 'SWITCHBOARD_TLS_KEY', kind: 'path' },
  { key: 'tlsSelfSigned', env: 'SWITCHBOARD_TLS_SELF_SIGNED', kind: 'boolean' },
  { key: 'tlsTrust', env: 'SWITCHBOARD_TLS_TRUST', kind: 'path' },
  { key: 'demo', env: 'SWITCHBOARD_DEMO', kind: 'boolean' },
  { key: 'logLevel', env: 'SWITCHBOARD_LOG_LEVEL', kind: 'logLevel' },
  { key: 'sipTrace', env: 'SWITCHBOARD_SIP_TRACE', kind: 'boolean' },
  { key: 'webRoot', env: 'SWITCHBOARD_WEB_ROOT', kind: 'path' },
];

/** Where the built portal is, seen from this file (src/config or dist/config of apps/server). */
const defaultWebRoot = fileURLToPath(new URL('../../../web/dist', import.meta.url));

function defaults(cwd: string): Omit<ServerConfig, 'configFile'> {
  return {
    bind: '0.0.0.0',
    httpPort: 8080,
    httpsPort: 8443,
    sipPort: 5060,
    sipsPort: 5061,
    rtpPorts: { min: 20000, max: 29999 },
    publicAddress: defaultPublicAddress(),
    dataDir: resolve(cwd, 'data'),
    databaseUrl: null,
    tlsCert: null,
    tlsKey: null,
    tlsSelfSigned: false,
    tlsTrust: null,
    demo: true,
    logLevel: 'info',
    sipTrace: false,
    webRoot: defaultWebRoot,
  };
}

type Value = ServerConfig[Key];

/** Reads one option's raw value (a string from the environment, or any JSON value from the file). */
function parse(option: Option, raw: unknown, where: string, baseDir: string): Value {
  const fail = (what: string): never => {
    throw new ConfigError(`${where} must be ${what}, got ${JSON.stringify(raw)}`);
  };
  const text = typeof raw === 'string' ? raw.trim() : typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : null;
  switch (option.kind) {
    case 'port': {
      if (text === null || !/^\d+$/.test(text) || Number(text) > 65535) return fail('a port number from 0 to 65535');
      return Number(text);
    }
    case 'portRange': {
      const match = text === null ? null : /^(\d+)\s*-\s*(\d+)$/.exec(text);
      const range: PortRange | null = match ? { min: Number(match[1]), max: Number(match[2]) } : null;
      if (!range || range.min < 1024 || range.max > 65535 || range.min > range.max || range.max - range.min < 1) {
        return fail('a port range such as "20000-29999" (within 1024-65535, at least two ports)');
      }
      return range;
    }
    case 'address':
      if (text === null || isIP(text) === 0) return fail('an IP address such as 0.0.0.0, 127.0.0.1 or ::');
      return text;
    case 'host':
      if (text === null || (isIP(text) === 0 && !/^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/.test(text))) {
        return fail('an IP address or host name');
      }
      return text;
    case 'path':
      if (text === null || text === '') return fail('a file or folder path');
      return resolve(baseDir, text);
    case 'url':
      if (text === null || !/^postgres(ql)?:\/\/\S+$/.test(text)) return fail('a PostgreSQL URL (postgres://user:password@host:5432/database)');
      return text;
    case 'boolean': {
      const lowered = text?.toLowerCase();
      if (lowered === '1' || lowered === 'true' || lowered === 'yes' || lowered === 'on') return true;
      if (lowered === '0' || lowered === 'false' || lowered === 'no' || lowered === 'off') return false;
      return fail('1 or 0 (true or false)');
    }
    case 'logLevel':
      if (text === null || !logLevels.some((level) => level === text)) return fail(`one of ${logLevels.join(', ')}`);
      return text;
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read the config file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unknown error'}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`the config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`the config file ${path} must hold a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * Builds the configuration: defaults, then the JSON config file (`SWITCHBOARD_CONFIG`, else
 * `./switchboard.json` when it exists; relative paths in it are relative to the file), then
 * environment variables (empty means unset), then flags. Throws a ConfigError on the first problem.
 */
export function loadConfig(sources: ConfigSources = {}): ServerConfig {
  const env = sources.env ?? process.env;
  const cwd = sources.cwd ?? process.cwd();
  const config: ServerConfig = { ...defaults(cwd), configFile: null };
  const set = <K extends Key>(key: K, value: ServerConfig[K]): void => {
    config[key] = value;
  };

  const explicitFile = sources.flags?.config ?? (env.SWITCHBOARD_CONFIG?.trim() || undefined);
  const file = explicitFile !== undefined ? resolve(cwd, explicitFile) : existsSync(resolve(cwd, 'switchboard.json')) ? resolve(cwd, 'switchboard.json') : null;
  if (file !== null) {
    const values = readConfigFile(file);
    for (const [key, raw] of Object.entries(values)) {
      const option = options.find((candidate) => candidate.key === key);
      if (!option) throw new ConfigError(`${file}: unknown option "${key}" (see docs/configuration.md)`);
      if (raw === null) continue;
      set(option.key, parse(option, raw, `${file}: "${key}"`, dirname(file)));
    }
    config.configFile = file;
  }

  for (const option of options) {
    const raw = env[option.env];
    if (raw === undefined || raw.trim() === '') continue;
    set(option.key, parse(option, raw, option.env, cwd));
  }
  if (sources.flags?.demo !== undefined) config.demo = sources.flags.demo;

  check(config);
  return config;
}

function check(config: ServerConfig): void {
  if ((config.tlsCert === null) !== (config.tlsKey === null)) {
    throw new ConfigError('SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY must be set together');
  }
  if (config.tlsCert !== null && config.tlsSelfSigned) {
    throw new ConfigError('set either SWITCHBOARD_TLS_CERT/SWITCHBOARD_TLS_KEY or SWITCHBOARD_TLS_SELF_SIGNED, not both');
  }
  for (const path of [config.tlsCert, config.tlsKey, config.tlsTrust]) {
    if (path !== null && !existsSync(path)) throw new ConfigError(`the TLS file ${path} does not exist`);
  }
  const tls = config.tlsCert !== null || config.tlsSelfSigned;
  const tcpPorts: Array<[string, number]> = [
    ['SWITCHBOARD_HTTP_PORT', config.httpPort],
    ['SWITCHBOARD_SIP_PORT', config.sipPort],
    ...(tls ? ([['SWITCHBOARD_HTTPS_PORT', config.httpsPort], ['SWITCHBOARD_SIPS_PORT', config.sipsPort]] as Array<[string, number]>) : []),
  ];
  for (const [i, [name, port]] of tcpPorts.entries()) {
    const clash = tcpPorts.slice(i + 1).find(([, other]) => other === port && port !== 0);
    if (clash) throw new ConfigError(`${name} and ${clash[0]} are both ${port}; each listener needs its own port`);
  }
  if (config.sipPort !== 0 && config.sipPort >= config.rtpPorts.min && config.sipPort <= config.rtpPorts.max) {
    throw new ConfigError(`SWITCHBOARD_SIP_PORT ${config.sipPort} lies inside SWITCHBOARD_RTP_PORTS ${config.rtpPorts.min}-${config.rtpPorts.max}`);
  }
}

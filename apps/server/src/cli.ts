#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { openStore } from '@switchboard/pbx';
import { commands, CliError } from './cli/commands.js';
import { ConfigError, loadConfig, sqlitePathOf } from './config/index.js';

const optionSpec = {
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  config: { type: 'string' },
  tenant: { type: 'string', short: 't' },
  name: { type: 'string' },
  domain: { type: 'string' },
  email: { type: 'string' },
  password: { type: 'string' },
  role: { type: 'string' },
  external: { type: 'boolean' },
  extension: { type: 'string' },
  user: { type: 'string' },
  kind: { type: 'string' },
  username: { type: 'string' },
  label: { type: 'string' },
  international: { type: 'boolean' },
  premium: { type: 'boolean' },
  'no-external': { type: 'boolean' },
  'no-international': { type: 'boolean' },
  'no-premium': { type: 'boolean' },
  host: { type: 'string' },
  port: { type: 'string' },
  transport: { type: 'string' },
  register: { type: 'boolean' },
  'no-register': { type: 'boolean' },
  srtp: { type: 'boolean' },
  'no-srtp': { type: 'boolean' },
  'inbound-from': { type: 'string' },
  'caller-id': { type: 'string' },
  'caller-name': { type: 'string' },
  forward: { type: 'string' },
} as const;

export function usage(): string {
  const width = Math.max(...Object.values(commands).map((command) => command.usage.split(/ \[?--/)[0]!.length));
  const lines = Object.values(commands).map((command) => `  ${command.usage.split(/ \[?--/)[0]!.padEnd(width)}  ${command.summary}`);
  return `Usage: switchboard <command> [options]

Manages tenants, users, extensions, devices, the SIP trunk and DIDs in the store the server uses (same config file
and environment: SWITCHBOARD_CONFIG, SWITCHBOARD_DATA_DIR, DATABASE_URL). Changes apply at once,
also while the server runs.

Commands:
${lines.join('\n')}

Options:
  --tenant, -t <domain|id>  the tenant to work in (default: the only tenant, when there is one)
  --json                    print the result as JSON
  --config <file>           config file (default: SWITCHBOARD_CONFIG or ./switchboard.json)
  --help, -h                this help; "switchboard <command> --help" shows the command's options
`;
}

export interface CliIo {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  out?: NodeJS.WritableStream;
  err?: NodeJS.WritableStream;
}

/** Runs the CLI with `argv` (without node and script); returns the exit status. */
export async function runCli(argv: string[], io: CliIo = {}): Promise<number> {
  const out = io.out ?? process.stdout;
  const err = io.err ?? process.stderr;
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: optionSpec, allowPositionals: true, strict: true });
  } catch (error) {
    err.write(`switchboard: ${(error as Error).message}; see switchboard --help\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [noun, verb, ...args] = positionals;
  const name = `${noun ?? ''} ${verb ?? ''}`.trim();
  const command = commands[name];
  if (values.help || positionals.length === 0) {
    out.write(command ? `Usage: switchboard ${command.usage}\n\n${command.summary}\n` : usage());
    return 0;
  }
  if (!command) {
    err.write(`switchboard: unknown command "${name}"; see switchboard --help\n`);
    return 2;
  }

  let store;
  try {
    const config = loadConfig({
      flags: values.config !== undefined ? { config: values.config } : {},
      ...(io.env ? { env: io.env } : {}),
      ...(io.cwd !== undefined ? { cwd: io.cwd } : {}),
    });
    store = await openStore({ databaseUrl: config.databaseUrl, sqlitePath: sqlitePathOf(config) });
    const result = await command.run({ store, args, options: values });
    out.write(values.json ? `${JSON.stringify(result.json, null, 2)}\n` : result.text);
    return 0;
  } catch (error) {
    const expected = error instanceof CliError || error instanceof ConfigError || (error instanceof Error && error.name === 'StoreError');
    const message = error instanceof Error ? error.message : 'unknown error';
    err.write(`switchboard: ${expected ? message : `unexpected error: ${message}`}\n`);
    return 1;
  } finally {
    await store?.close();
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  process.exitCode = await runCli(process.argv.slice(2));
}

#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from './config/index.js';
import type { ServerConfig } from './config/index.js';
import { startServer, StartError } from './server.js';
import type { ServerHandle } from './server.js';
import { serverVersion } from './version.js';

export { startServer, StartError } from './server.js';
export type { ServerHandle, StartOptions, BoundAddress } from './server.js';
export { loadConfig, ConfigError } from './config/index.js';
export type { ServerConfig } from './config/index.js';
export type { PortalEventPublisher, Audience } from './events/event-hub.js';
export type { SipWebSocketConnection, SipWebSocketHandler } from './http/deps.js';
export type { PresenceSource } from './http/presence.js';

const usage = `Usage: switchboard-server [--no-demo] [--config <file>]

Starts the Switchboard server. Every option is also an environment variable; see
docs/configuration.md. The demo organisation is created on an empty store unless --no-demo
(or SWITCHBOARD_DEMO=0) is given.`;

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** The lines printed at start-up: where the portal is, and how to sign in and register phones. */
export function banner(server: ServerHandle): string {
  const { config } = server;
  const wildcard = config.bind === '0.0.0.0' || config.bind === '::';
  // Reachable names: this machine, and its public address when listening on every interface.
  const hosts = wildcard ? ['localhost', ...(config.publicAddress !== '127.0.0.1' ? [config.publicAddress] : [])] : [config.bind];
  const lines = [`Switchboard ${serverVersion} is running.`, ''];
  lines.push(`  Portal:      ${hosts.map((host) => `http://${urlHost(host)}:${server.http.port}/`).join('  ')}`);
  if (server.https) {
    const port = server.https.port;
    lines.push(`  HTTPS:       ${hosts.map((host) => `https://${urlHost(host)}:${port}/`).join('  ')}`);
    if (server.tls?.source === 'self-signed') lines.push(`               (self-signed certificate ${server.tls.certPath}: browsers will warn once)`);
  }
  lines.push(`  SIP server:  ${config.publicAddress}, port ${server.sip.udpPort} (UDP and TCP)${server.sip.tlsPort !== null ? `, TLS ${server.sip.tlsPort}` : ''}`);
  lines.push(`  Data:        ${config.databaseUrl ? 'PostgreSQL' : `SQLite in ${config.dataDir}`}`);

  const demo = server.demo;
  if (demo) {
    lines.push('', `Demo organisation "${demo.tenant.name}" (SIP domain ${demo.tenant.sipDomain})`, '', '  Portal sign-ins:');
    for (const signIn of demo.signIns) {
      lines.push(`    ${signIn.extension}  ${signIn.name.padEnd(12)} ${signIn.email.padEnd(32)} password: ${signIn.password}${signIn.role === 'admin' ? '  (admin)' : ''}`);
    }
    if (demo.signIns.length === 0) lines.push('    (none: the demo passwords have been changed)');
    lines.push('', `  Desk phones (SIP server ${config.publicAddress}:${server.sip.udpPort}, domain ${demo.tenant.sipDomain}):`);
    for (const phone of demo.deskPhones) {
      lines.push(`    ${phone.extension}  ${phone.name.padEnd(12)} username: ${phone.sipUsername.padEnd(8)} password: ${phone.sipPassword}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { 'no-demo': { type: 'boolean' }, config: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return;
  }
  const config: ServerConfig = loadConfig({
    flags: { ...(values['no-demo'] ? { demo: false } : {}), ...(values.config !== undefined ? { config: values.config } : {}) },
  });
  const server = await startServer(config);
  process.stdout.write(banner(server));

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      process.stderr.write(`switchboard: ${signal} again, exiting now\n`);
      process.exit(1);
    }
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    // Do not hang forever on a stuck connection.
    setTimeout(() => process.exit(1), 10_000).unref();
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** Errors whose message is the whole story (no stack trace needed). */
function isExpected(error: unknown): error is Error {
  if (error instanceof ConfigError || error instanceof StartError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return error.name === 'StoreError' || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'));
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(realpathSync(entry)).href) {
  main().catch((error: unknown) => {
    const text = isExpected(error) ? error.message : error instanceof Error ? (error.stack ?? error.message) : 'unknown error';
    process.stderr.write(`switchboard: ${text}\n`);
    process.exit(1);
  });
}

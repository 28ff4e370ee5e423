// What the bench runners (bench/calls, bench/sip) share: their output folder, the cleanups run on
// every way out, child processes run to completion, and free loopback ports.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';

/** The run's output folder: OUT, else /tmp/sb-bench-<name>-<UTC stamp>; made if missing. */
export function outputFolder(name, out = process.env.OUT) {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const folder = resolve(out ?? join('/tmp', `sb-bench-${name}-${stamp}`));
  mkdirSync(folder, { recursive: true });
  return folder;
}

/**
 * Things a run starts, stopped in reverse order by `cleanup()` (once, however often called) and on
 * SIGINT/SIGTERM; a failing cleanup is logged and the others still run.
 */
export function cleanupsOnExit(log) {
  const cleanups = [];
  let cleaning = null;
  const cleanup = () => {
    cleaning ??= (async () => {
      for (const c of cleanups.reverse()) {
        try {
          await c();
        } catch (error) {
          log(`cleanup: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
    })();
    return cleaning;
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
      log(`${signal}: stopping what this run started`);
      void cleanup().then(() => process.exit(130));
    });
  }
  return { cleanups, cleanup };
}

/** Runs a command to completion; resolves with its exit code and output (`echo`: stderr shown as it comes). */
export function run(command, args, options = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      if (options.echo) process.stderr.write(d);
    });
    child.once('error', reject);
    child.once('exit', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/**
 * A loopback port free on UDP and TCP right now (bound with port 0, then released), clear of the
 * media port ranges in use on this machine (ours 20000-29999, the peers' 30000-45999).
 */
export async function freePort() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await new Promise((res, rej) => {
      const socket = createSocket('udp4');
      socket.once('error', rej);
      socket.bind(0, '127.0.0.1', () => {
        const p = socket.address().port;
        socket.close(() => res(p));
      });
    });
    if (port >= 20000 && port < 46000) continue;
    const tcpFree = await new Promise((res) => {
      const server = createServer();
      server.once('error', () => res(false));
      server.listen(port, '127.0.0.1', () => server.close(() => res(true)));
    });
    if (tcpFree) return port;
  }
  throw new Error('no free port');
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

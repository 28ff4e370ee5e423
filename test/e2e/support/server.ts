import { execFile, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortBlock } from '@switchboard/testkit';
import { cliMain, repoRoot, serverMain } from './paths.js';

/** One demo sign-in, as the server writes them to <data dir>/demo-sign-ins.json. */
export interface DemoSignIn {
  name: string;
  email: string;
  password: string;
  extension: string;
  role: 'admin' | 'user';
}

/** A demo desk phone's SIP account, as the start-up banner prints it. */
export interface DemoDeskPhone {
  name: string;
  extension: string;
  sipUsername: string;
  sipPassword: string;
}

export interface SwitchboardServer {
  /** The portal's origin, e.g. http://127.0.0.1:41259 */
  url: string;
  sipPort: number;
  rtpPorts: { min: number; max: number };
  dataDir: string;
  /** Demo users by extension (101–105). */
  users: Map<string, DemoSignIn>;
  user(extension: string): DemoSignIn;
  /** The SIP account of the demo desk phone of this extension (101–105). */
  deskPhone(extension: string): DemoDeskPhone;
  /** Runs the `switchboard` CLI on this server's data (e.g. ['trunk', 'set', ...]); resolves with its output. */
  cli(args: string[]): Promise<string>;
  /** Everything the server printed, for failure messages. */
  output(): string;
  /** Stops the server and starts it again on the same ports and data (a restart or crash). */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

// Generous: a loaded 2-core runner has taken over 30 s to start a server beside two browsers.
const startTimeoutMs = 60_000;

interface Running {
  child: ChildProcess;
  exited: Promise<number | null>;
}

/** Stops a server process: SIGTERM, then SIGKILL after 5 s. */
async function stopProcess({ child, exited }: Running): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/**
 * Starts `node apps/server/dist/main.js` as `npm start` would, on loopback only: HTTP on an
 * ephemeral port (read back from the start-up banner), SIP and RTP on free ports, a fresh data
 * directory with the demo organisation.
 */
export async function startSwitchboard(): Promise<SwitchboardServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-'));
  const sipPort = await freePortBlock(1);
  const rtpMin = await freePortBlock(100);
  const rtpPorts = { min: rtpMin, max: rtpMin + 99 };
  let output = '';

  const launch = async (httpPort: number): Promise<{ running: Running; url: string }> => {
    const child: ChildProcess = spawn(process.execPath, [serverMain], {
      cwd: repoRoot,
      env: {
        ...process.env,
        SWITCHBOARD_BIND: '127.0.0.1',
        SWITCHBOARD_PUBLIC_ADDRESS: '127.0.0.1',
        SWITCHBOARD_HTTP_PORT: String(httpPort),
        SWITCHBOARD_SIP_PORT: String(sipPort),
        SWITCHBOARD_RTP_PORTS: `${rtpPorts.min}-${rtpPorts.max}`,
        SWITCHBOARD_DATA_DIR: dataDir,
        SWITCHBOARD_DEMO: 'true',
        SWITCHBOARD_LOG_LEVEL: process.env.SWITCHBOARD_LOG_LEVEL ?? 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let mine = '';
    const collect = (chunk: Buffer) => {
      mine += chunk.toString();
      output += chunk.toString();
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    const running: Running = { child, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`server did not start within ${startTimeoutMs} ms:\n${output}`)), startTimeoutMs);
        const check = () => {
          // The banner is printed once everything listens; the demo sign-ins file is written before.
          const match = /Portal:\s+(http:\/\/[^\s/]+)[^\n]*\n/.exec(mine);
          if (match?.[1]) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        };
        child.stdout?.on('data', check);
        void running.exited.then((code) => {
          clearTimeout(timer);
          reject(new Error(`server exited (code ${code}) before it was ready:\n${output}`));
        });
      });
      return { running, url };
    } catch (error) {
      await stopProcess(running);
      throw error;
    }
  };

  let current: Running;
  let url: string;
  try {
    ({ running: current, url } = await launch(0));
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const httpPort = Number(new URL(url).port);

  const file = JSON.parse(readFileSync(join(dataDir, 'demo-sign-ins.json'), 'utf8')) as { signIns: DemoSignIn[] };
  const users = new Map(file.signIns.map((s) => [s.extension, s]));
  return {
    url,
    sipPort,
    rtpPorts,
    dataDir,
    users,
    user(extension) {
      const user = users.get(extension);
      if (!user) throw new Error(`no demo user with extension ${extension}`);
      return user;
    },
    deskPhone(extension) {
      // The banner lists "    101  Alice Adams  username: 101      password: …" per desk phone.
      for (const match of output.matchAll(/^ {4}(\d+) {2}(.+?)\s+username: (\S+)\s+password: (\S+)$/gm)) {
        if (match[1] === extension) return { extension, name: match[2]!, sipUsername: match[3]!, sipPassword: match[4]! };
      }
      throw new Error(`no demo desk phone with extension ${extension} in the server's banner:\n${output}`);
    },
    cli(args) {
      return new Promise((resolve, reject) => {
        const env = { ...process.env, SWITCHBOARD_DATA_DIR: dataDir, SWITCHBOARD_LOG_LEVEL: 'warn' };
        execFile(process.execPath, [cliMain, ...args], { cwd: repoRoot, env, timeout: 30_000 }, (error, stdout, stderr) => {
          if (error) reject(new Error(`switchboard ${args.join(' ')} failed: ${stderr || error.message}`));
          else resolve(stdout);
        });
      });
    },
    output: () => output,
    async restart(downMs = 0) {
      await stopProcess(current);
      if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
      ({ running: current } = await launch(httpPort));
    },
    async stop() {
      await stopProcess(current);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortBlock } from '@switchboard/testkit';
import { repoRoot, serverMain } from './paths.js';

/** One demo sign-in, as the server writes them to <data dir>/demo-sign-ins.json. */
export interface DemoSignIn {
  name: string;
  email: string;
  password: string;
  extension: string;
  role: 'admin' | 'user';
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
  /** Everything the server printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

const startTimeoutMs = 30_000;

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
  const child: ChildProcess = spawn(process.execPath, [serverMain], {
    cwd: repoRoot,
    env: {
      ...process.env,
      SWITCHBOARD_BIND: '127.0.0.1',
      SWITCHBOARD_PUBLIC_ADDRESS: '127.0.0.1',
      SWITCHBOARD_HTTP_PORT: '0',
      SWITCHBOARD_SIP_PORT: String(sipPort),
      SWITCHBOARD_RTP_PORTS: `${rtpPorts.min}-${rtpPorts.max}`,
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_DEMO: 'true',
      SWITCHBOARD_LOG_LEVEL: process.env.SWITCHBOARD_LOG_LEVEL ?? 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within ${startTimeoutMs} ms:\n${output}`)), startTimeoutMs);
    const check = () => {
      const match = /Portal:\s+(http:\/\/[^\s/]+)/.exec(output);
      if (match?.[1] && /Portal sign-ins:[\s\S]*\n\s*\n/.test(output)) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout?.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (code ${code}) before it was ready:\n${output}`));
    });
  }).catch(async (error: unknown) => {
    await stop();
    throw error;
  });

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
    output: () => output,
    stop,
  };
}

import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mainScript } from './built.js';
import { isolatedEnv } from './server.js';

export interface BannerSignIn {
  extension: string;
  email: string;
  password: string;
}

/** A real `node apps/server/dist/main.js` on ephemeral loopback ports, read through its output. */
export class ServerProcess {
  stdout = '';
  stderr = '';
  private constructor(readonly child: ChildProcess) {
    child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
  }

  /** Spawns the server; resolves once its banner shows the portal URL, rejects if it exits first. */
  static async start(dataDir: string, env: Record<string, string> = {}, args: string[] = []): Promise<ServerProcess> {
    const child = spawn(process.execPath, [mainScript, ...args], {
      env: { PATH: process.env.PATH, ...isolatedEnv(dataDir), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const server = new ServerProcess(child);
    const exited = once(child, 'exit');
    const deadline = Date.now() + 30_000;
    while (server.httpPort === null) {
      if (child.exitCode !== null || child.signalCode !== null) throw new Error(`server exited: ${server.stderr.trim()}`);
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`server did not start within 30 s:\n${server.stdout}\n${server.stderr}`);
      }
      await Promise.race([new Promise((resolve) => setTimeout(resolve, 50)), exited]);
    }
    return server;
  }

  /** Runs main.js expecting it to fail; resolves with its exit code and stderr. */
  static async fail(dataDir: string, env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, [mainScript], { env: { PATH: process.env.PATH, ...isolatedEnv(dataDir), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const server = new ServerProcess(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const [code] = (await once(child, 'exit')) as [number | null];
    clearTimeout(timer);
    return { code, stderr: server.stderr };
  }

  get httpPort(): number | null {
    const match = /Portal: +http:\/\/127\.0\.0\.1:(\d+)\//.exec(this.stdout);
    return match ? Number(match[1]) : null;
  }

  get url(): string {
    return `http://127.0.0.1:${this.httpPort}`;
  }

  get signIns(): BannerSignIn[] {
    return [...this.stdout.matchAll(/^ {4}(\d+) +.+? (\S+@\S+) +password: (\S+)/gm)].map((m) => ({ extension: m[1]!, email: m[2]!, password: m[3]! }));
  }

  get deskPhones(): Array<{ username: string; password: string }> {
    return [...this.stdout.matchAll(/username: (\S+) +password: (\S+)/g)].map((m) => ({ username: m[1]!, password: m[2]! }));
  }

  /** Sends `signal` and resolves with the exit code (null when killed by the signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return { code: this.child.exitCode, signal: this.child.signalCode };
    const exited = once(this.child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    this.child.kill(signal);
    const [code, by] = await exited;
    return { code, signal: by };
  }
}

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { freePortBlock } from './ports.js';

/** The scenarios shipped with the test kit (`test/support/sipp/*.xml`). */
export const SIPP_SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), '..', 'sipp');

export interface SippRun {
  /** A scenario file, or a built-in scenario name with `builtin: true` (e.g. 'uac'). */
  scenario: string;
  builtin?: boolean;
  /** host:port of the server under test. */
  target?: string;
  transport?: 'udp' | 'tcp';
  localPort?: number;
  /** The loopback address SIPp sends from (-i), 127.0.0.1 by default: any of 127.0.0.0/8 works on Linux. */
  localAddress?: string;
  /** -s: the user part of the Request-URI. */
  service?: string;
  keys?: Record<string, string | number>;
  calls?: number;
  rate?: number;
  /** Pause for <pause/> elements, in ms (-d). */
  durationMs?: number;
  timeoutSeconds?: number;
  extraArgs?: string[];
}

export interface SippResult {
  code: number | null;
  output: string;
}

export function sippAvailable(): boolean {
  return spawnSync('sh', ['-c', 'command -v sipp'], { stdio: 'ignore' }).status === 0;
}

/**
 * Runs SIPp to completion (bounded: -m calls and a global -timeout) and resolves with its exit
 * code (0 = every call succeeded) and output. The returned promise resolves once the process is
 * running, so a UAS can be started before the call that reaches it.
 */
export async function runSipp(run: SippRun): Promise<{ localPort: number; done: Promise<SippResult>; kill: () => void }> {
  // SIPp binds 5060 when it is free: always give it a port of its own.
  const localPort = run.localPort ?? (await freePortBlock(1));
  const args: string[] = [];
  if (run.builtin) args.push('-sn', run.scenario);
  else args.push('-sf', run.scenario);
  if (run.target) args.push(run.target);
  args.push('-i', run.localAddress ?? '127.0.0.1', '-t', run.transport === 'tcp' ? 't1' : 'u1');
  args.push('-p', String(localPort));
  if (run.service) args.push('-s', run.service);
  for (const [k, v] of Object.entries(run.keys ?? {})) args.push('-key', k, String(v));
  args.push('-m', String(run.calls ?? 1), '-r', String(run.rate ?? 10));
  if (run.durationMs !== undefined) args.push('-d', String(run.durationMs));
  args.push('-timeout', `${run.timeoutSeconds ?? 30}s`, '-timeout_error', '-nostdin', '-trace_err', '-cp', '0');
  args.push(...(run.extraArgs ?? []));
  // SIPp writes its error log into its working directory: keep that out of the tree.
  const cwd = mkdtempSync(join(tmpdir(), 'sb-sipp-'));
  const child = spawn('sipp', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20000)));
  child.stderr.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-20000)));
  const done = new Promise<SippResult>((resolve) => child.once('exit', (code) => resolve({ code, output })));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  return { localPort, done, kill: () => child.kill('SIGKILL') };
}

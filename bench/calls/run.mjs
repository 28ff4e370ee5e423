#!/usr/bin/env node
// The calls benchmark (`npm run bench:calls` builds first, then runs this): SIPp uac → server →
// SIPp uas, Switchboard beside Kamailio (a transaction-stateful proxy) in the same run, driven by
// the Kamailio peer's bench.sh with SIPp's built-in scenarios (INVITE 100 180 200 ACK BYE 200).
//
// Switchboard is a B2BUA, not a proxy: each call is two dialogs and two media legs (ports bound,
// SDP negotiated, bridged, closed), and three call-history writes. It routes SIPp's
// `INVITE sip:bench@…` (from 127.0.0.1, no credentials) as a carrier's call to the DID `bench`,
// forwarded to an outside number through the tenant's trunk — the UAS (bench/calls/provision.mjs).
//
//  1. calls/s: hold 0, a rate ladder, one step at a time, the servers alternating at each rate; a
//     server leaves at its first failing rate, then REFINE bisection steps narrow its limit;
//  2. concurrent calls (CONCURRENT=1): calls held HOLD_MS, a ladder of rates; the concurrency a
//     step sustains is rate × hold. The server's open sockets are sampled (media ports allocated).
//
// Both servers on core 1 (SERVER_CPUS), SIPp on core 0 (SIPP_CPUS), every step under flock LOCK.
//
// Environment (defaults):
//   RATES="100 200 400 800 1600 3200 4800 6400"  DURATION=10  REFINE=2
//   CONCURRENT=1  HOLD_MS=15000  CONCURRENT_RATES="25 50 100 200"
//   WARM_UP_CALLS=5    unmeasured calls (1/s) to each Switchboard before the first step
//   CLIENT_RETRIES=1   a step that failed only on SIPp's side (its watchdog, or it could not create
//                      calls at the rate: the load generator was starved) runs again; if it fails so
//                      again, the server stays on the ladder
//   SYSTEMS="kamailio switchboard"   also: switchboard-tmpfs (data folder on /dev/shm: no fsync cost)
//   SERVER_NODE_FLAGS=""  extra node flags for Switchboard (diagnostics, e.g. V8 heap settings)
//   PROFILE=0          1: Switchboard runs under node --cpu-prof (profiles in OUT/profile-<label>;
//                      profiling slows it: not numbers for the record)
//   KAMAILIO_PEER=/work/shared/peers/kamailio   SERVER_CPUS=1 SIPP_CPUS=0 LOCK=/tmp/bench.lock
//   OUT=/tmp/sb-bench-calls-YYYYmmdd-HHMMSS (every step's SIPp output, server logs, summary.md/json)
// A quick run: RATES="100 200" DURATION=5 REFINE=0 CONCURRENT=0 npm run bench:calls
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupsOnExit, freePort, outputFolder, run, sleep } from '../support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const env = process.env;
const list = (value, fallback) => (value ?? fallback).split(/\s+/).filter(Boolean);

const settings = {
  rates: list(env.RATES, '100 200 400 800 1600 3200 4800 6400').map(Number),
  duration: Number(env.DURATION ?? 10),
  refine: Number(env.REFINE ?? 2),
  clientRetries: Number(env.CLIENT_RETRIES ?? 1),
  warmUpCalls: Number(env.WARM_UP_CALLS ?? 5),
  profile: env.PROFILE === '1',
  nodeFlags: list(env.SERVER_NODE_FLAGS, ''),
  concurrent: env.CONCURRENT !== '0',
  holdMs: Number(env.HOLD_MS ?? 15000),
  concurrentRates: list(env.CONCURRENT_RATES, '25 50 100 200').map(Number),
  systems: list(env.SYSTEMS, 'kamailio switchboard'),
  peer: env.KAMAILIO_PEER ?? '/work/shared/peers/kamailio',
  serverCpus: env.SERVER_CPUS ?? '1',
  sippCpus: env.SIPP_CPUS ?? '0',
  lock: env.LOCK ?? '/tmp/bench.lock',
};
const known = ['kamailio', 'switchboard', 'switchboard-tmpfs'];

function fail(message) {
  console.error(`bench:calls: ${message}`);
  process.exit(2);
}
function log(message) {
  console.error(`[bench:calls] ${message}`);
}

for (const s of settings.systems) if (!known.includes(s)) fail(`unknown system "${s}" in SYSTEMS (${known.join(', ')})`);
for (const r of [...settings.rates, ...settings.concurrentRates]) if (!Number.isInteger(r) || r <= 0 || r > 20_000) fail('rates must be whole numbers from 1 to 20000');
if (!(settings.duration >= 1 && settings.duration <= 60)) fail('DURATION must be 1 to 60 seconds');
if (!(settings.refine >= 0 && settings.refine <= 4)) fail('REFINE must be 0 to 4');
if (!(Number.isInteger(settings.warmUpCalls) && settings.warmUpCalls >= 0 && settings.warmUpCalls <= 100)) fail('WARM_UP_CALLS must be 0 to 100');
if (!(settings.holdMs >= 1000 && settings.holdMs <= 60_000)) fail('HOLD_MS must be 1000 to 60000');
const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
for (const command of ['sipp', 'taskset', 'flock', 'ss']) if (!has(command)) fail(`${command} is not installed`);
if (settings.systems.includes('kamailio') && !has('kamailio')) fail('kamailio is not installed (or drop it from SYSTEMS)');
for (const f of ['bench.sh', 'run.sh', 'stop.sh', 'gen-users.sh']) if (!existsSync(join(settings.peer, f))) fail(`${join(settings.peer, f)} is missing (set KAMAILIO_PEER)`);
const mainScript = join(root, 'apps/server/dist/main.js');
if (!existsSync(mainScript) || !existsSync(join(root, 'packages/pbx/dist/index.js'))) fail('the build is missing: run npm run build first');

const out = outputFolder('calls');
const { cleanups, cleanup } = cleanupsOnExit(log);

/** Open sockets of a process (its media legs' RTP/RTCP ports, SIP, HTTP), from /proc. */
function socketCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).filter((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).startsWith('socket:');
      } catch {
        return false;
      }
    }).length;
  } catch {
    return null;
  }
}

// --- servers ---------------------------------------------------------------------------------

async function startKamailio(users) {
  const port = await freePort();
  const uas = await freePort();
  const stateDir = join(out, 'kamailio');
  const runEnv = { ...env, STATE_DIR: stateDir, KAM_CPUS: settings.serverCpus };
  const started = await run(join(settings.peer, 'run.sh'), [String(port), `127.0.0.1:${uas}`, users], { env: runEnv });
  if (started.code !== 0) throw new Error(`Kamailio did not start: ${started.stderr.trim()}`);
  const pid = Number(started.stdout.trim().split('\n').pop());
  cleanups.push(async () => {
    await run(join(settings.peer, 'stop.sh'), [String(port)], { env: runEnv });
  });
  log(started.stderr.trim());
  return { label: 'kamailio', pid, port, uas };
}

async function startSwitchboard(label) {
  const tmpfs = label === 'switchboard-tmpfs';
  const dataDir = tmpfs ? mkdtempSync('/dev/shm/sb-bench-calls-') : join(out, `${label}-data`);
  if (tmpfs) cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  mkdirSync(dataDir, { recursive: true });
  const uas = await freePort();
  const provisioned = await run(process.execPath, [join(here, 'provision.mjs'), dataDir, String(uas)]);
  if (provisioned.code !== 0) throw new Error(`provisioning failed: ${provisioned.stderr.trim()}`);
  log(`${label}: ${provisioned.stderr.trim()}`);

  const port = await freePort();
  const nodeArgs = [...settings.nodeFlags, ...(settings.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(out, `profile-${label}`)}`] : [])];
  const child = spawn('taskset', ['-c', settings.serverCpus, process.execPath, ...nodeArgs, mainScript, '--no-demo'], {
    cwd: dataDir,
    env: {
      PATH: env.PATH,
      SWITCHBOARD_CONFIG: '',
      SWITCHBOARD_DATA_DIR: dataDir,
      SWITCHBOARD_BIND: '127.0.0.1',
      SWITCHBOARD_PUBLIC_ADDRESS: '127.0.0.1',
      SWITCHBOARD_HTTP_PORT: '0',
      SWITCHBOARD_SIP_PORT: String(port),
      SWITCHBOARD_LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output = (output + d).slice(-1_000_000)));
  child.stderr.on('data', (d) => (output = (output + d).slice(-1_000_000)));
  const exited = new Promise((r) => child.once('exit', r));
  const server = { label, pid: child.pid, port, uas, dataDir, records: null };
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    writeFileSync(join(out, `${label}.log`), output);
  });
  const deadline = Date.now() + 60_000;
  while (!new RegExp(`SIP server: +127\\.0\\.0\\.1, port ${port}\\b`).test(output)) {
    if (child.exitCode !== null) throw new Error(`${label} exited at start:\n${output}`);
    if (Date.now() > deadline) throw new Error(`${label} did not start within 60 s:\n${output}`);
    await sleep(100);
  }
  log(`${label}: up on udp:127.0.0.1:${port}, PID ${child.pid}, trunk (UAS) at 127.0.0.1:${uas}, data in ${dataDir}`);
  log(`${label}: ${await warmUp(port, uas)}`);
  return server;
}

/**
 * WARM_UP_CALLS calls, one a second, before any measured step (SIPp uac -> server -> SIPp uas,
 * unmeasured, outside the lock): the first call after start spends seconds starting media
 * threads and compiling code on a shared core, and at even 25 calls/s the calls that queue up
 * behind it time out. A long-running server did that long before.
 */
async function warmUp(port, uas) {
  const calls = settings.warmUpCalls;
  if (calls === 0) return 'no warm-up calls';
  const pin = settings.sippCpus ? ['taskset', '-c', settings.sippCpus] : [];
  const bounded = (seconds, args) => [String(seconds), ...pin, 'sipp', ...args, '-nostdin', '-timeout', `${seconds - 5}s`];
  const server = run('timeout', bounded(calls + 40, ['-sn', 'uas', '-i', '127.0.0.1', '-p', String(uas), '-m', String(calls)]));
  await sleep(500);
  const client = await run('timeout', bounded(calls + 35, [`127.0.0.1:${port}`, '-sn', 'uac', '-s', 'bench', '-i', '127.0.0.1', '-p', String(await freePort()), '-m', String(calls), '-r', '1']));
  const uasEnd = await server;
  return `${calls} warm-up calls: client exit ${client.code}, UAS exit ${uasEnd.code}`;
}

/** What Switchboard wrote to call history during the run (read after it stopped). */
async function callRecords(dataDir) {
  const { openStore } = await import('@switchboard/pbx');
  const store = await openStore({ sqlitePath: join(dataDir, 'switchboard.sqlite') });
  try {
    const rows = await store.db.selectFrom('call_records').select(['outcome', (eb) => eb.fn.countAll().as('n')]).groupBy('outcome').execute();
    return Object.fromEntries(rows.map((r) => [r.outcome ?? 'unfinished', Number(r.n)]));
  } finally {
    await store.close();
  }
}

// --- one step through bench.sh ----------------------------------------------------------------------

async function step(server, phase, rate) {
  const holdMs = phase === 'concurrent' ? settings.holdMs : 0;
  const dir = join(out, 'steps', phase, `${server.label}-${rate}`);
  let peakSockets = 0;
  const sampler = setInterval(() => {
    const n = socketCount(server.pid);
    if (n !== null) peakSockets = Math.max(peakSockets, n);
  }, 500);
  let result;
  try {
    result = await run(join(settings.peer, 'bench.sh'), ['calls', '127.0.0.1', String(server.port), `127.0.0.1:${server.uas}`], {
      env: {
        ...env,
        RATES: String(rate),
        REFINE: '0',
        DURATION: String(settings.duration),
        HOLD_MS: String(holdMs),
        SERVER_PID: String(server.pid),
        LABEL: server.label,
        OUT: dir,
        CLIENT_PORT: String(await freePort()),
        SIPP_CPUS: settings.sippCpus,
        LOCK: settings.lock,
      },
      echo: true,
    });
  } finally {
    clearInterval(sampler);
  }
  const jsonPath = join(dir, 'result.json');
  if (result.code !== 0 || !existsSync(jsonPath)) throw new Error(`bench.sh failed (${result.code}): ${result.stderr.trim().split('\n').pop()}`);
  const s = JSON.parse(readFileSync(jsonPath, 'utf8')).steps[0];
  return {
    rate,
    holdMs,
    concurrency: Math.round((rate * holdMs) / 1000),
    pass: s.verdict === 'pass',
    verdict: s.verdict,
    calls: s.calls,
    created: s.CreateRate ?? null,
    retransmissions: (s.Retransmissions ?? 0) + (s.uas_Retransmissions ?? 0),
    rtdAvgMs: s.RtdAvgMs ?? null,
    rtdP99: s.RtdP99 ?? null,
    serverCpuPct: s.server_cpu_pct ?? null,
    usPerCall: s.server_cpu_us_per_call ?? null,
    sippCpuPct: `${s.sipp_cpu_pct ?? '?'}+${s.uas_cpu_pct ?? '?'}`,
    otherCpuPct: s.other_cpu_pct ?? null,
    peakSockets,
    limit: s.limit ?? '',
    dir,
  };
}

/** True when every reason a step failed lies with SIPp (the load generator), not the server. */
function clientSideOnly(verdict) {
  const reasons = verdict.replace(/^fail: /, '').split('; ');
  return reasons.every((why) => why === 'sipp watchdog' || why.startsWith('sipp created only'));
}

/** One interleaved ladder: at each rate every server still passing runs once, in turn (first one alternating). */
async function ladder(servers, phase, rates, refine) {
  const state = new Map(servers.map((s) => [s.label, { best: 0, firstFail: null, steps: [] }]));
  const record = async (server, rate) => {
    const st = state.get(server.label);
    let r = await step(server, phase, rate);
    for (let again = 0; again < settings.clientRetries && !r.pass && clientSideOnly(r.verdict); again++) {
      log(`${phase}: ${server.label} at ${rate}/s failed on SIPp's side only (${r.verdict}); again`);
      r = await step(server, phase, rate);
    }
    st.steps.push(r);
    if (r.pass) st.best = Math.max(st.best, rate);
    // A step failed only by SIPp (starved by other work on the machine) says nothing about the
    // server: it stays on the ladder, and the step counts as neither pass nor failure.
    else if (!clientSideOnly(r.verdict)) st.firstFail = st.firstFail === null ? rate : Math.min(st.firstFail, rate);
    log(`${phase}: ${server.label} at ${rate}/s${r.holdMs ? ` (${r.concurrency} concurrent)` : ''}: ${r.verdict} (${r.usPerCall} µs per call, ${r.serverCpuPct}% CPU)`);
  };
  for (const [i, rate] of rates.entries()) {
    const order = i % 2 === 0 ? servers : [...servers].reverse();
    const going = order.filter((s) => state.get(s.label).firstFail === null);
    if (going.length === 0) break;
    for (const server of going) await record(server, rate);
  }
  for (let k = 0; k < refine; k++) {
    for (const server of servers) {
      const st = state.get(server.label);
      if (st.firstFail === null) continue;
      const mid = Math.round((st.best + st.firstFail) / 2);
      if (mid <= st.best || mid >= st.firstFail || st.firstFail - st.best <= Math.max(10, st.firstFail * 0.05)) continue;
      await record(server, mid);
    }
  }
  return Object.fromEntries([...state].map(([label, st]) => [label, { ...st, steps: st.steps.sort((a, b) => a.rate - b.rate) }]));
}

// --- report ------------------------------------------------------------------------------------------

function table(result, labels, concurrent) {
  const lines = [];
  const head = concurrent ? 'verdict | concurrent | µs/call | CPU % | peak sockets' : 'verdict | µs/call | CPU % | RTD avg ms | SIPp CPU %';
  lines.push(`| rate/s | ${labels.map((l) => `${l}: ${head}`).join(' | ')} |`);
  lines.push(`|---|${labels.map(() => head.split('|').map(() => '---').join('|')).join('|')}|`);
  const rates = [...new Set(labels.flatMap((l) => result[l].steps.map((s) => s.rate)))].sort((a, b) => a - b);
  for (const rate of rates) {
    const cells = labels.map((l) => {
      const s = result[l].steps.find((x) => x.rate === rate);
      if (!s) return head.split('|').map(() => '-').join(' | ');
      return concurrent
        ? `${s.verdict} | ${s.concurrency} | ${s.usPerCall ?? '?'} | ${s.serverCpuPct ?? '?'} | ${s.peakSockets}`
        : `${s.verdict} | ${s.usPerCall ?? '?'} | ${s.serverCpuPct ?? '?'} | ${s.rtdAvgMs ?? '?'} | ${s.sippCpuPct}`;
    });
    lines.push(`| ${rate} | ${cells.join(' | ')} |`);
  }
  return lines;
}

function comparison(result, labels, unit, value) {
  const lines = [];
  for (const l of labels) lines.push(`- ${l}: highest passing **${value(result[l].best)}**${result[l].firstFail !== null ? ` (first failing at ${result[l].firstFail}/s)` : ' (no failure up to the top rate)'}`);
  const k = result.kamailio;
  if (!k) return lines;
  for (const l of labels.filter((x) => x !== 'kamailio')) {
    const sb = result[l];
    const ratio = k.best > 0 ? (sb.best / k.best).toFixed(3) : 'n/a';
    const common = sb.steps.filter((s) => s.pass && k.steps.some((x) => x.rate === s.rate && x.pass));
    const cpu = common.map((s) => `${s.rate}/s: ${(s.usPerCall / k.steps.find((x) => x.rate === s.rate).usPerCall).toFixed(1)}×`);
    lines.push(`- ${l} / kamailio: ${unit} ratio **${ratio}**; CPU per call ${cpu.length ? cpu.join(', ') : '(no rate passed by both)'}`);
  }
  return lines;
}

function summarise(callsResult, concurrentResult, servers) {
  const labels = servers.map((s) => s.label);
  const lines = [`# Calls benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`, ''];
  lines.push(`${hostname()}: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}; servers on CPU ${settings.serverCpus}, SIPp (uac and uas) on CPU ${settings.sippCpus}; ${settings.duration} s a step`);
  lines.push('', '## Calls/s (hold 0: INVITE 100 180 200 ACK BYE 200)', '', ...table(callsResult, labels, false), '', ...comparison(callsResult, labels, 'calls/s', (b) => `${b} calls/s`));
  if (concurrentResult) {
    lines.push('', `## Concurrent calls (each held ${settings.holdMs / 1000} s; concurrency = rate × hold)`, '', ...table(concurrentResult, labels, true), '');
    lines.push(...comparison(concurrentResult, labels, 'concurrency', (b) => `${Math.round((b * settings.holdMs) / 1000)} concurrent calls (${b}/s)`));
  }
  for (const s of servers.filter((x) => x.records)) lines.push('', `${s.label} call history after the run: ${JSON.stringify(s.records)}`);
  return lines.join('\n') + '\n';
}

// --- main ---------------------------------------------------------------------------------------------

async function main() {
  log(`output in ${out}`);
  const users = join(out, 'users.csv');
  const generated = await run(join(settings.peer, 'gen-users.sh'), ['10', '127.0.0.1']);
  if (generated.code !== 0) throw new Error(`gen-users.sh failed: ${generated.stderr}`);
  writeFileSync(users, generated.stdout);
  const servers = [];
  for (const label of settings.systems) servers.push(label === 'kamailio' ? await startKamailio(users) : await startSwitchboard(label));

  const callsResult = await ladder(servers, 'calls', settings.rates, settings.refine);
  const concurrentResult = settings.concurrent ? await ladder(servers, 'concurrent', settings.concurrentRates, 0) : null;
  await cleanup();
  for (const s of servers.filter((x) => x.dataDir && existsSync(x.dataDir))) s.records = await callRecords(s.dataDir).catch((error) => ({ error: String(error) }));

  const summary = summarise(callsResult, concurrentResult, servers);
  writeFileSync(join(out, 'summary.md'), summary);
  writeFileSync(
    join(out, 'summary.json'),
    JSON.stringify({ date: new Date().toISOString(), host: hostname(), cores: cpus().length, node: process.version, settings, calls: callsResult, concurrent: concurrentResult, records: Object.fromEntries(servers.map((s) => [s.label, s.records ?? null])) }, null, 2) + '\n',
  );
  process.stdout.write(summary);
  process.stdout.write(`\n(details: ${out})\n`);
}

main().catch(async (error) => {
  console.error(`bench:calls: ${error instanceof Error ? error.message : String(error)}`);
  await cleanup();
  process.exit(1);
});

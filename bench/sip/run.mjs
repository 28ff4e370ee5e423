#!/usr/bin/env node
// The SIP benchmark (`npm run bench:sip` builds first, then runs this):
//
//  1. parser: messages/s for a typical INVITE on one core (bench/sip/parser.mjs, pinned);
//  2. authenticated REGISTER/s with zero failures, Switchboard beside Kamailio in the same run:
//     the Kamailio peer's bench.sh (SIPp register-auth.xml, REGISTER → 401 → REGISTER with
//     digest → 200) steps through a rate ladder, one step at a time, alternating the servers at
//     each rate. Both servers are pinned to core 1 and SIPp to core 0, with the same users file
//     (USERS users, provisioned into Switchboard as devices). Each server leaves the ladder at its
//     first failing rate; then REFINE bisection steps between its last pass and first failure.
//
// Environment (defaults):
//   RATES="100 200 500 1000 2000 4000 8000 12000 16000"  DURATION=10  REFINE=2  ROUNDS=1
//   USERS=10000             users in the SIPp injection file (gen-users.sh)
//   SYSTEMS="kamailio switchboard"   also (diagnostics, not deployment settings):
//                           switchboard-tmpfs       the server with its data folder on /dev/shm
//                                                   (no disk flush cost)
//                           registrar               bench/sip/registrar-server.mjs: the built
//                                                   registrar alone (UDP, no HTTP or media)
//   CLIENT_RETRIES=1        a step that failed only on SIPp's side (its watchdog, or it could not
//                           create calls at the rate: the load generator was starved) runs again;
//                           if it fails so again, the server stays on the ladder
//   PARSER=1 PARSER_COUNT=200000   PARSER=0 skips the parser benchmark
//   PROFILE=0               1: Switchboard runs under node --cpu-prof and a summary of where its
//                           time went is printed (profiling slows it: not numbers for the record)
//   SERVER_NODE_FLAGS=""    extra node flags for Switchboard (diagnostics, e.g. --trace-gc: its
//                           output lands in OUT/<system>.log)
//   KAMAILIO_PEER=/work/shared/peers/kamailio   (run.sh, stop.sh, bench.sh, gen-users.sh)
//   SERVER_CPUS=1 SIPP_CPUS=0   LOCK=/tmp/bench.lock
//   OUT=/tmp/sb-bench-sip-YYYYmmdd-HHMMSS  (users file, data folders, every step's SIPp output,
//                           summary.md and summary.json)
// A quick run: RATES="500 1000 2000" DURATION=5 REFINE=0 npm run bench:sip
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { cpus, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanupsOnExit, freePort, outputFolder, run, sleep } from '../support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const env = process.env;

const settings = {
  rates: (env.RATES ?? '100 200 500 1000 2000 4000 8000 12000 16000').split(/\s+/).filter(Boolean).map(Number),
  duration: Number(env.DURATION ?? 10),
  refine: Number(env.REFINE ?? 2),
  clientRetries: Number(env.CLIENT_RETRIES ?? 1),
  rounds: Number(env.ROUNDS ?? 1),
  users: Number(env.USERS ?? 10000),
  systems: (env.SYSTEMS ?? 'kamailio switchboard').split(/\s+/).filter(Boolean),
  parser: env.PARSER !== '0',
  parserCount: Number(env.PARSER_COUNT ?? 200_000),
  profile: env.PROFILE === '1',
  serverNodeFlags: (env.SERVER_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean),
  peer: env.KAMAILIO_PEER ?? '/work/shared/peers/kamailio',
  serverCpus: env.SERVER_CPUS ?? '1',
  sippCpus: env.SIPP_CPUS ?? '0',
  lock: env.LOCK ?? '/tmp/bench.lock',
};
const known = ['kamailio', 'switchboard', 'switchboard-tmpfs', 'registrar'];

function fail(message) {
  console.error(`bench:sip: ${message}`);
  process.exit(2);
}
function log(message) {
  console.error(`[bench:sip] ${message}`);
}

// --- checks ----------------------------------------------------------------------------------

for (const s of settings.systems) if (!known.includes(s)) fail(`unknown system "${s}" in SYSTEMS (${known.join(', ')})`);
if (settings.rates.some((r) => !Number.isInteger(r) || r <= 0 || r > 50_000)) fail('RATES must be whole numbers from 1 to 50000');
if (!(settings.duration >= 1 && settings.duration <= 60)) fail('DURATION must be 1 to 60 seconds');
if (!(settings.rounds >= 1 && settings.rounds <= 5)) fail('ROUNDS must be 1 to 5');
if (!(settings.refine >= 0 && settings.refine <= 4)) fail('REFINE must be 0 to 4');
if (!(settings.users >= 1 && settings.users <= 100_000)) fail('USERS must be 1 to 100000');
const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
for (const command of ['sipp', 'taskset', 'flock', 'ss']) if (!has(command)) fail(`${command} is not installed`);
const mainScript = join(root, 'apps/server/dist/main.js');
if (!existsSync(mainScript) || !existsSync(join(root, 'packages/pbx/dist/index.js'))) fail('the build is missing: run npm run build first');
const registerWanted = settings.systems.length > 0 && settings.rates.length > 0;
if (registerWanted) {
  for (const f of ['bench.sh', 'run.sh', 'stop.sh', 'gen-users.sh', 'register-auth.xml']) {
    if (!existsSync(join(settings.peer, f))) fail(`${join(settings.peer, f)} is missing (set KAMAILIO_PEER to the Kamailio peer folder)`);
  }
  if (settings.systems.includes('kamailio') && !has('kamailio')) fail('kamailio is not installed (or drop it from SYSTEMS)');
}

const out = outputFolder('sip');
const { cleanups, cleanup } = cleanupsOnExit(log);

// --- 1. parser ---------------------------------------------------------------------------------

async function parserBenchmark() {
  log(`parser: ${settings.parserCount} INVITEs on CPU ${settings.serverCpus} (waiting for ${settings.lock})`);
  const result = await run('flock', [settings.lock, 'taskset', '-c', settings.serverCpus, process.execPath, join(here, 'parser.mjs'), String(settings.parserCount)]);
  if (result.code !== 0) throw new Error(`parser.mjs failed: ${result.stderr}`);
  const number = (line) => {
    const m = new RegExp(`^${line}:\\s+([\\d,]+) messages/s(?: \\(([\\d,]+) per CPU-second\\))?`, 'm').exec(result.stdout);
    return m ? { perSecond: Number(m[1].replace(/,/g, '')), perCpuSecond: m[2] ? Number(m[2].replace(/,/g, '')) : null } : null;
  };
  return { output: result.stdout.trim(), parse: number('parse'), roundTrip: number('parse \\+ serialize') };
}

// --- 2. servers ------------------------------------------------------------------------------------

async function startKamailio(users) {
  const port = await freePort();
  const uas = await freePort(); // run.sh wants a UAS address for calls; REGISTER never uses it
  const stateDir = join(out, 'kamailio');
  const runEnv = { ...env, STATE_DIR: stateDir, KAM_CPUS: settings.serverCpus };
  const started = await run(join(settings.peer, 'run.sh'), [String(port), `127.0.0.1:${uas}`, users], { env: runEnv });
  if (started.code !== 0) throw new Error(`Kamailio did not start: ${started.stderr.trim()}`);
  const pid = Number(started.stdout.trim().split('\n').pop());
  cleanups.push(async () => {
    await run(join(settings.peer, 'stop.sh'), [String(port)], { env: runEnv });
  });
  log(started.stderr.trim());
  return { label: 'kamailio', pid, port };
}

async function startSwitchboard(label, users) {
  const tmpfs = label === 'switchboard-tmpfs';
  const dataDir = tmpfs ? mkdtempSync('/dev/shm/sb-bench-sip-') : join(out, `${label}-data`);
  if (tmpfs) cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  mkdirSync(dataDir, { recursive: true });
  const provisioned = await run(process.execPath, [join(here, 'provision-users.mjs'), dataDir, users]);
  if (provisioned.code !== 0) throw new Error(`provisioning failed: ${provisioned.stderr.trim()}`);
  log(`${label}: ${provisioned.stderr.trim()}`);

  const port = await freePort();
  const profileDir = join(out, `profile-${label}`);
  const nodeArgs = [...(settings.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), ...settings.serverNodeFlags];
  const program = label.startsWith('registrar')
    ? [join(here, 'registrar-server.mjs'), dataDir, String(port)]
    : [mainScript, '--no-demo'];
  const child = spawn('taskset', ['-c', settings.serverCpus, process.execPath, ...nodeArgs, ...program], {
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
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise((r) => child.once('exit', r));
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
  log(`${label}: up on udp:127.0.0.1:${port}, PID ${child.pid}, data in ${dataDir}${settings.profile ? ' (profiling)' : ''}`);
  log(`${label}: ${await warmUp(port)}`);
  return { label, pid: child.pid, port, profileDir };
}

/**
 * REGISTERs with credentials of a user that does not exist, answered 403: the server reads its
 * device accounts into memory at the first authenticated request, which on 10 000 users takes
 * longer than SIPp's first retransmission timer; a long-running server has done it long before.
 * The first REGISTER has no credentials: its 401 names the realm the second one must use (with
 * any other realm the server only challenges again, and the accounts stay unread).
 */
async function warmUp(port) {
  const socket = createSocket('udp4');
  try {
    await new Promise((res, rej) => socket.bind(0, '127.0.0.1', res).once('error', rej));
    const local = socket.address().port;
    const callId = `warm-up-${Date.now()}`;
    const register = (cseq, authorization) =>
      [
        `REGISTER sip:127.0.0.1:${port} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${local};branch=z9hG4bK-warm-up-${cseq};rport`,
        'Max-Forwards: 70',
        `From: <sip:warm-up@127.0.0.1>;tag=warm`,
        `To: <sip:warm-up@127.0.0.1>`,
        `Call-ID: ${callId}`,
        `CSeq: ${cseq} REGISTER`,
        `Contact: <sip:warm-up@127.0.0.1:${local}>`,
        ...(authorization ? [authorization] : []),
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n');
    const exchange = (message) => {
      const answer = new Promise((res) => socket.once('message', (m) => res(m.toString())));
      socket.send(message, port, '127.0.0.1');
      return Promise.race([answer, sleep(30_000).then(() => 'no answer within 30 s')]);
    };
    const started = Date.now();
    const challenge = await exchange(register(1));
    const realm = /realm="([^"]*)"/.exec(challenge)?.[1];
    if (realm === undefined) return `warm-up REGISTER: ${challenge.split('\r\n')[0]} (no realm to answer) after ${Date.now() - started} ms`;
    const nonce = /nonce="([^"]*)"/.exec(challenge)?.[1] ?? '00';
    const authorization = `Authorization: Digest username="warm-up",realm="${realm}",nonce="${nonce}",uri="sip:127.0.0.1:${port}",response="00000000000000000000000000000000",algorithm=MD5,qop=auth,nc=00000001,cnonce="warm"`;
    const first = (await exchange(register(2, authorization))).split('\r\n')[0];
    return `warm-up REGISTER with credentials: ${first} after ${Date.now() - started} ms`;
  } finally {
    socket.close();
  }
}

// --- one ladder step through bench.sh ------------------------------------------------------------

async function step(server, rate, users, round) {
  const dir = join(out, 'steps', `round${round}`, `${server.label}-${rate}`);
  const result = await run(join(settings.peer, 'bench.sh'), ['register', '127.0.0.1', String(server.port), users], {
    env: {
      ...env,
      RATES: String(rate),
      REFINE: '0',
      DURATION: String(settings.duration),
      SERVER_PID: String(server.pid),
      LABEL: server.label,
      OUT: dir,
      CLIENT_PORT: String(await freePort()),
      SIPP_CPUS: settings.sippCpus,
      LOCK: settings.lock,
    },
    echo: true,
  });
  const jsonPath = join(dir, 'result.json');
  if (result.code !== 0 || !existsSync(jsonPath)) throw new Error(`bench.sh failed (${result.code}): ${result.stderr.trim().split('\n').pop()}`);
  const s = JSON.parse(readFileSync(jsonPath, 'utf8')).steps[0];
  return {
    rate,
    pass: s.verdict === 'pass',
    verdict: s.verdict,
    created: s.CreateRate ?? null,
    retransmissions: s.Retransmissions ?? 0,
    rtdAvgMs: s.RtdAvgMs ?? null,
    rtdP99: s.RtdP99 ?? null,
    serverCpuPct: s.server_cpu_pct ?? null,
    usPerRegistration: s.server_cpu_us_per_call ?? null,
    sippCpuPct: s.sipp_cpu_pct ?? null,
    otherCpuPct: s.other_cpu_pct ?? null,
    limit: s.limit ?? '',
    tries: s.tries ?? 1,
    dir,
  };
}

/** True when every reason a step failed lies with SIPp (the load generator), not the server. */
function clientSideOnly(verdict) {
  const reasons = verdict.replace(/^fail: /, '').split('; ');
  return reasons.every((why) => why === 'sipp watchdog' || why.startsWith('sipp created only'));
}

/** One interleaved ladder: at each rate every server still passing runs once, in turn. */
async function ladder(servers, users, round) {
  const state = new Map(servers.map((s) => [s.label, { best: 0, firstFail: null, steps: [] }]));
  const record = async (server, rate) => {
    const st = state.get(server.label);
    let r = await step(server, rate, users, round);
    for (let again = 0; again < settings.clientRetries && !r.pass && clientSideOnly(r.verdict); again++) {
      log(`round ${round}: ${server.label} at ${rate}/s failed on SIPp's side only (${r.verdict}); again`);
      r = await step(server, rate, users, round);
    }
    st.steps.push(r);
    if (r.pass) st.best = Math.max(st.best, rate);
    // A step failed only by SIPp (starved by other work on the machine) says nothing about the
    // server: it stays on the ladder, and the step counts as neither pass nor failure.
    else if (!clientSideOnly(r.verdict)) st.firstFail = st.firstFail === null ? rate : Math.min(st.firstFail, rate);
    log(`round ${round}: ${server.label} at ${rate}/s: ${r.verdict} (${r.usPerRegistration} µs per registration)`);
  };
  for (const [i, rate] of settings.rates.entries()) {
    // Alternate who goes first, so neither always runs right after the other's load.
    const order = i % 2 === 0 ? servers : [...servers].reverse();
    const going = order.filter((s) => state.get(s.label).firstFail === null);
    if (going.length === 0) break;
    for (const server of going) await record(server, rate);
  }
  for (let k = 0; k < settings.refine; k++) {
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

function summarise(parser, rounds, servers) {
  const lines = [];
  const cpuModel = cpus()[0]?.model ?? 'unknown CPU';
  lines.push(`# SIP benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`);
  lines.push('');
  lines.push(`${hostname()}: ${cpus().length} cores (${cpuModel}), Node ${process.version}; servers on CPU ${settings.serverCpus}, SIPp on CPU ${settings.sippCpus}; ${settings.duration} s a step; ${settings.users} users`);
  if (parser) {
    lines.push('');
    lines.push('## Parser (typical INVITE with SDP, one core)');
    lines.push('');
    lines.push('```');
    lines.push(parser.output);
    lines.push('```');
  }
  for (const [i, result] of rounds.entries()) {
    lines.push('');
    lines.push(`## Authenticated REGISTER/s${rounds.length > 1 ? `, round ${i + 1}` : ''}`);
    lines.push('');
    const labels = servers.map((s) => s.label);
    lines.push(`| rate/s | ${labels.map((l) => `${l}: verdict | µs/reg | CPU % | RTD avg ms`).join(' | ')} |`);
    lines.push(`|---|${labels.map(() => '---|---|---|---').join('|')}|`);
    const rates = [...new Set(labels.flatMap((l) => result[l].steps.map((s) => s.rate)))].sort((a, b) => a - b);
    for (const rate of rates) {
      const cells = labels.map((l) => {
        const s = result[l].steps.find((x) => x.rate === rate);
        return s ? `${s.verdict} | ${s.usPerRegistration ?? '?'} | ${s.serverCpuPct ?? '?'} | ${s.rtdAvgMs ?? '?'}` : '- | - | - | -';
      });
      lines.push(`| ${rate} | ${cells.join(' | ')} |`);
    }
    lines.push('');
    for (const l of labels) lines.push(`- ${l}: highest passing rate **${result[l].best}/s**${result[l].firstFail !== null ? `, first failing ${result[l].firstFail}/s` : ' (no failure up to the top rate)'}`);
    const k = result.kamailio;
    if (k) {
      for (const l of labels.filter((x) => x !== 'kamailio')) {
        const sb = result[l];
        const ratio = k.best > 0 ? (sb.best / k.best).toFixed(3) : 'n/a';
        // CPU per registration compared at the rates both passed (the per-registration cost falls with load).
        const common = sb.steps.filter((s) => s.pass && k.steps.some((x) => x.rate === s.rate && x.pass));
        const cpuRatios = common.map((s) => `${s.rate}/s: ${(s.usPerRegistration / k.steps.find((x) => x.rate === s.rate).usPerRegistration).toFixed(1)}×`);
        lines.push(`- ${l} / kamailio: REGISTER/s ratio **${ratio}**; CPU per registration ${cpuRatios.length ? cpuRatios.join(', ') : '(no rate passed by both)'}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}

// --- main ---------------------------------------------------------------------------------------------

async function main() {
  log(`output in ${out}`);
  const parser = settings.parser ? await parserBenchmark() : null;
  if (parser) log(`parser: ${parser.output.split('\n').slice(1).join('; ')}`);

  const rounds = [];
  let servers = [];
  if (registerWanted) {
    const users = join(out, 'users.csv');
    const generated = await run(join(settings.peer, 'gen-users.sh'), [String(settings.users), '127.0.0.1']);
    if (generated.code !== 0) throw new Error(`gen-users.sh failed: ${generated.stderr}`);
    writeFileSync(users, generated.stdout);
    for (const label of settings.systems) servers.push(label === 'kamailio' ? await startKamailio(users) : await startSwitchboard(label, users));
    for (let round = 1; round <= settings.rounds; round++) rounds.push(await ladder(servers, users, round));
  }
  await cleanup();

  const summary = summarise(parser, rounds, servers);
  writeFileSync(join(out, 'summary.md'), summary);
  writeFileSync(join(out, 'summary.json'), JSON.stringify({ date: new Date().toISOString(), host: hostname(), cores: cpus().length, node: process.version, settings, parser, rounds }, null, 2) + '\n');
  process.stdout.write(summary);
  if (settings.profile) {
    for (const s of servers.filter((x) => x.label !== 'kamailio')) {
      const files = existsSync(s.profileDir) ? readdirSync(s.profileDir).filter((f) => f.endsWith('.cpuprofile')) : [];
      for (const f of files) {
        const summaryRun = await run(process.execPath, [join(here, 'profile-summary.mjs'), join(s.profileDir, f), '25']);
        writeFileSync(join(s.profileDir, `${f}.txt`), summaryRun.stdout);
        process.stdout.write(`\n## Profile of ${s.label} (${f})\n\n\`\`\`\n${summaryRun.stdout}\`\`\`\n`);
      }
    }
  }
  process.stdout.write(`\n(details: ${out})\n`);
}

main().catch(async (error) => {
  console.error(`bench:sip: ${error instanceof Error ? error.message : String(error)}`);
  await cleanup();
  process.exit(1);
});

#!/usr/bin/env node
// The media benchmark (`npm run bench:media` builds first, then runs this). Switchboard's media
// engine beside the established peers, through the peers' own load generators, in one session:
//
//  (a) RTP relay, PCMU passthrough: rtpengine (userspace) vs Switchboard, rtp-load.mjs with
//      its rtpengine adapter and with adapters/switchboard-relay.mjs; max calls with zero loss
//      and p99 added latency < 5 ms, and CPU per call.
//  (c) conference mixing, PCMU rooms: Janus AudioBridge vs Switchboard (media-server.mjs serves
//      the part of the Janus API the generator uses), audiobridge-load.mjs; max on-time
//      participants and CPU per participant.
//  (b) WebRTC Opus <-> RTP PCMU transcoded calls (PARTS=webrtc): webrtc-load.mjs, werift peers
//      against WebRTC legs bridged to PCMU legs; Switchboard alone (no peer engine does this here).
//
// Everything runs under flock /tmp/bench.lock, is bounded in levels and seconds, and stops by
// itself. Environment (defaults):
//   PEERS=/work/shared/peers   PARTS="relay mixer" (add webrtc for (b))   DURATION=10   WARMUP=3
//   WEBRTC_CALLS="5,10,20,30,40,50"
//   RELAY_CALLS="50,100,200,300,400,500"   MIXER_PARTICIPANTS="10,25,50,100,150,200,275"
//   SYSTEMS="peer switchboard"   LOCK=/tmp/bench.lock   OUT=/tmp/sb-bench-media-<time>
//   SB_MIXER_PLACEMENT=room   'spread' puts conference participants' legs on any thread
//   RELAY_KEEP_GOING=1   measure every RELAY_CALLS level even after one fails (no bisection): CPU per
//                        call side by side at the same levels, when a busy box fails p99 early
//   QUIET_WAIT=600   before each measurement, wait up to this many seconds for the machine to be
//                    quiet (other processes < 15 % of the CPUs over 3 s): a shared box's other work
//                    makes both engines fail on the generator's lateness, which says nothing
// A quick run: DURATION=5 RELAY_CALLS=50,100 MIXER_PARTICIPANTS=10,50 npm run bench:media
import { spawnSync, fork } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const lock = env.LOCK ?? '/tmp/bench.lock';

// Take the shared benchmark lock by running ourselves again under flock.
if (!env.SB_BENCH_LOCKED) {
  const r = spawnSync('flock', [lock, process.execPath, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit', env: { ...env, SB_BENCH_LOCKED: '1' } });
  process.exit(r.status ?? 1);
}

const peers = env.PEERS ?? '/work/shared/peers';
const parts = (env.PARTS ?? 'relay mixer').split(/\s+/).filter(Boolean);
const systems = (env.SYSTEMS ?? 'peer switchboard').split(/\s+/).filter(Boolean);
const duration = env.DURATION ?? '10';
const warmup = env.WARMUP ?? '3';
const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
const out = env.OUT ?? `/tmp/sb-bench-media-${stamp}`;
mkdirSync(out, { recursive: true });
const state = '/tmp/switchboard-peers';

function busyShare(ms) {
  const read = () => readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const a = read();
  spawnSync('sleep', [String(ms / 1000)]);
  const b = read();
  const d = b.map((v, i) => v - a[i]);
  const total = d.reduce((x, y) => x + y, 0);
  const idle = d[3] + d[4]; // idle + iowait
  return total > 0 ? 1 - idle / total : 0;
}

function waitForQuiet() {
  const deadline = Date.now() + Number(env.QUIET_WAIT ?? 600) * 1000;
  for (;;) {
    const busy = busyShare(3000);
    if (busy < 0.15) return;
    if (Date.now() > deadline) {
      console.log(`machine still busy (${(busy * 100).toFixed(0)} % CPU in use): measuring anyway`);
      return;
    }
    console.log(`waiting for a quiet machine (${(busy * 100).toFixed(0)} % CPU in use by others)`);
  }
}

function sh(script, args = []) {
  const r = spawnSync('bash', [script, ...args], { stdio: 'inherit', env: { ...env, PEER_STATE_DIR: join(state, script.includes('janus') ? 'janus' : 'rtpengine') } });
  if (r.status !== 0) throw new Error(`${script} failed (${r.status})`);
}

function node(script, args) {
  waitForQuiet();
  console.log(`\n$ node ${script} ${args.join(' ')}`);
  const r = spawnSync(process.execPath, [script, ...args], { stdio: 'inherit', timeout: 1_500_000 });
  if (r.status !== 0) console.log(`(exit ${r.status ?? r.signal})`);
}

function summary(file) {
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

/** Our media server as a child process; resolves with its pid and Janus-facade URL. */
async function startMediaServer() {
  const child = fork(join(here, 'media-server.mjs'), env.SB_MIXER_PLACEMENT ? [`--placement=${env.SB_MIXER_PLACEMENT}`] : [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise((res, rej) => {
    child.once('message', res);
    child.once('exit', (c) => rej(new Error(`media-server exited (${c})`)));
  });
  return { ...ready, stop: () => new Promise((r) => (child.kill('SIGTERM'), child.once('exit', r))) };
}

const results = { date: new Date().toISOString(), host: hostname(), cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, duration, out };

if (parts.includes('relay')) {
  const calls = env.RELAY_CALLS ?? '50,100,200,300,400,500';
  const load = join(peers, 'rtpengine/rtp-load.mjs');
  const common = ['--calls', calls, '--duration', duration, '--warmup', warmup, '--max-seconds', '600', ...(env.RELAY_KEEP_GOING ? ['--keep-going', '--refine', '0'] : [])];
  if (systems.includes('peer')) {
    sh(join(peers, 'rtpengine/run.sh'));
    try {
      node(load, ['--adapter', join(peers, 'rtpengine/adapters/rtpengine-ng.mjs'), '--pid-file', join(state, 'rtpengine/rtpengine.pid'), '--out', join(out, 'relay-rtpengine.json'), ...common]);
    } finally {
      sh(join(peers, 'rtpengine/stop.sh'));
    }
    results.relayPeer = summary(join(out, 'relay-rtpengine.json'))?.summary ?? null;
  }
  if (systems.includes('switchboard')) {
    node(load, ['--adapter', join(here, 'adapters/switchboard-relay.mjs'), '--out', join(out, 'relay-switchboard.json'), ...common]);
    results.relaySwitchboard = summary(join(out, 'relay-switchboard.json'))?.summary ?? null;
  }
}

if (parts.includes('webrtc') && systems.includes('switchboard')) {
  waitForQuiet();
  const file = join(out, 'webrtc-switchboard.json');
  console.log(`\n$ node webrtc-load.mjs (CALLS=${env.WEBRTC_CALLS ?? '5,10,20,30,40,50'})`);
  spawnSync(process.execPath, [join(here, 'webrtc-load.mjs')], { stdio: 'inherit', timeout: 900_000, env: { ...env, CALLS: env.WEBRTC_CALLS ?? '5,10,20,30,40,50', DURATION: duration, WARMUP: warmup, OUT: file } });
  results.webrtcSwitchboard = summary(file)?.summary ?? null;
}

if (parts.includes('mixer')) {
  const participants = env.MIXER_PARTICIPANTS ?? '10,25,50,100,150,200,275';
  const load = join(peers, 'janus/audiobridge-load.mjs');
  const common = ['--codec', 'pcmu', '--participants', participants, '--duration', duration, '--warmup', warmup, '--max-seconds', '900'];
  if (systems.includes('peer')) {
    sh(join(peers, 'janus/run.sh'));
    try {
      node(load, ['--pid-file', join(state, 'janus/janus.pid'), '--out', join(out, 'mixer-janus.json'), ...common]);
    } finally {
      sh(join(peers, 'janus/stop.sh'));
    }
    results.mixerPeer = summary(join(out, 'mixer-janus.json'))?.summary ?? null;
  }
  if (systems.includes('switchboard')) {
    const server = await startMediaServer();
    try {
      node(load, ['--url', server.janusUrl, '--pid', String(server.pid), '--out', join(out, 'mixer-switchboard.json'), ...common]);
    } finally {
      await server.stop();
    }
    results.mixerSwitchboard = summary(join(out, 'mixer-switchboard.json'))?.summary ?? null;
  }
}

// Side by side, with ratios (Switchboard / peer).
const lines = [`# Media benchmark ${results.date} on ${results.host} (${results.cpus} × ${results.cpuModel}, Node ${results.node}), ${duration} s per level`, ''];
const ratio = (a, b) => (a && b ? (a / b).toFixed(2) : '-');
const rs = results.relaySwitchboard;
const rp = results.relayPeer;
if (rs || rp) {
  lines.push('| RTP relay, PCMU passthrough | max calls (0 loss, p99 < 5 ms) | CPU there | %/call | marginal %/call |', '|---|---|---|---|---|');
  for (const [name, s] of [['rtpengine', rp], ['Switchboard', rs]]) {
    if (s) lines.push(`| ${name} | ${s.maxCalls ?? '-'} | ${s.atMax?.relayCpuPct ?? '-'} % | ${s.atMax?.relayPctPerCall ?? '-'} | ${s.marginalRelayPctPerCall ?? '-'} |`);
  }
  lines.push(`| ratio Switchboard / rtpengine | ${ratio(rs?.maxCalls, rp?.maxCalls)} | | ${ratio(rs?.atMax?.relayPctPerCall, rp?.atMax?.relayPctPerCall)} | ${ratio(rs?.marginalRelayPctPerCall, rp?.marginalRelayPctPerCall)} |`, '');
}
const ms = results.mixerSwitchboard;
const mp = results.mixerPeer;
if (ms || mp) {
  lines.push('| Conference, PCMU @ 8 kHz, one room | max on-time participants | CPU there | %/participant | marginal %/participant |', '|---|---|---|---|---|');
  for (const [name, s] of [['Janus AudioBridge', mp], ['Switchboard', ms]]) {
    if (s) lines.push(`| ${name} | ${s.maxParticipants ?? '-'} | ${s.atMax?.janusCpuPct ?? '-'} % | ${s.atMax?.pctPerParticipant ?? '-'} | ${s.marginalPctPerParticipant ?? '-'} |`);
  }
  lines.push(`| ratio Switchboard / Janus | ${ratio(ms?.maxParticipants, mp?.maxParticipants)} | | ${ratio(ms?.atMax?.pctPerParticipant, mp?.atMax?.pctPerParticipant)} | ${ratio(ms?.marginalPctPerParticipant, mp?.marginalPctPerParticipant)} |`, '');
}
const wb = results.webrtcSwitchboard;
if (wb) {
  lines.push('| WebRTC Opus <-> RTP PCMU, transcoded | max calls (0 loss, p99 < 5 ms) | CPU there | %/call |', '|---|---|---|---|');
  lines.push(`| Switchboard | ${wb.maxCalls} | ${wb.atMax?.serverCpuPct ?? '-'} % | ${wb.atMax?.pctPerCall ?? '-'} |`, '');
}
writeFileSync(join(out, 'summary.json'), JSON.stringify(results, null, 2));
writeFileSync(join(out, 'summary.md'), lines.join('\n') + '\n');
console.log('\n' + lines.join('\n'));
console.log(`\nresults: ${out}`);

#!/usr/bin/env node
// CPU per plain RTP leg created, negotiated and closed, on one media thread: what bench:calls
// pays per leg for ports (bind, close) and SDP, without SIP. Legs are started at RATE per second,
// each one made and closed at once (hold 0), alternately as the answerer (answerOffer of a canned
// PCMU offer) and as the offerer (createOffer, then applyAnswer), at most CONCURRENCY in flight.
// The figure is the media thread's CPU time (/proc/self/task/<tid>/schedstat, ns, user + kernel)
// over the measured windows divided by the legs closed in them.
//
// One engine (the built package, or --dist=<index.js>): WARM_UP seconds, then SECONDS measured.
// A/B (--ab=<other build's index.js>): both engines in this process, one media thread each; after
// WARM_UP seconds of each, ROUNDS rounds of WINDOW seconds on each (A B, B A, ...), so that the machine's
// other load falls on both alike. Prints the median and every window's µs per leg of each.
//   node bench/media/leg-churn.mjs [--rate=640] [--seconds=10] [--warm-up=5] [--concurrency=32]
//        [--ports=range|ephemeral] [--dist=<index.js>] [--ab=<index.js> --rounds=6 --window=5]
// --ports=range (default): per engine a 5 000-port range (one thread's slice of the server's
// default range) picked at random in 30000-59999 at run time (ports held by others are skipped by
// the pool, as in production); ephemeral: the system picks.
// Prints one JSON line. Loopback only, bounded in count and time.
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const rate = Number(args.get('rate') ?? 640);
const seconds = Number(args.get('seconds') ?? 10);
const warmUp = Number(args.get('warm-up') ?? 5);
const concurrency = Number(args.get('concurrency') ?? 32);
const rounds = Number(args.get('rounds') ?? 6);
const window = Number(args.get('window') ?? 5);
const ports = args.get('ports') ?? 'range';
if (!(rate > 0 && rate <= 5000 && seconds > 0 && seconds <= 60 && warmUp >= 0 && warmUp <= 30 && rounds >= 1 && rounds <= 20 && window >= 1 && window <= 30)) {
  console.error('leg-churn: --rate 1..5000, --seconds 1..60, --warm-up 0..30, --rounds 1..20, --window 1..30');
  process.exit(2);
}

const threads = () => new Set(readdirSync('/proc/self/task'));
/** An engine from a build, with the threads it started (its media thread among them). */
async function engine(dist) {
  const { MediaEngine } = /** @type {typeof import('@switchboard/media')} */ (await import(dist));
  const before = threads();
  const base = 30000 + 2 * Math.floor(Math.random() * 11_000);
  const media = await MediaEngine.start({
    workers: 1,
    rtpPortRange: ports === 'ephemeral' ? 'ephemeral' : [base, base + 4999],
    bindAddress: '127.0.0.1',
    announcedAddress: '127.0.0.1',
    inactivityTimeoutMs: 600_000,
  });
  return { dist, media, tids: [...threads()].filter((t) => !before.has(t)), closed: 0, failed: 0 };
}

// The far end: one socket that takes whatever arrives (nothing should: hold 0).
const peer = await new Promise((resolve) => {
  const socket = createSocket('udp4');
  socket.on('message', () => undefined);
  socket.bind(0, '127.0.0.1', () => resolve(socket));
});
const peerPort = peer.address().port;
const sdp = (port) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n`;

let serial = 0;
async function oneLeg(e) {
  const i = serial++;
  const leg = e.media.createLeg({ kind: 'rtp', group: `churn-${i}` });
  try {
    if (i % 2 === 0) await leg.answerOffer(sdp(peerPort));
    else {
      await leg.createOffer();
      await leg.applyAnswer(sdp(peerPort));
    }
  } catch {
    e.failed++;
  }
  await leg.close();
  e.closed++;
}

/** Starts legs at `rate` per second for `ms`, at most `concurrency` in flight; resolves when all are closed. */
function churn(e, ms) {
  return new Promise((resolve) => {
    const start = performance.now();
    const total = Math.round((ms / 1000) * rate);
    let started = 0;
    let inFlight = 0;
    let finished = 0;
    const timer = setInterval(() => {
      const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
      while (started < due && inFlight < concurrency) {
        inFlight++;
        started++;
        void oneLeg(e).then(() => {
          inFlight--;
          if (++finished === total) resolve(total);
        });
      }
      if (started === total) clearInterval(timer);
    }, 5);
  });
}

/** On-CPU nanoseconds of a thread (schedstat's first field). */
function threadNs(tid) {
  try {
    return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
  } catch {
    return 0;
  }
}
/** One measured window: µs of the engine's busiest new thread (its media thread) per leg closed. */
async function measured(e, ms) {
  const before = e.tids.map(threadNs);
  const closedBefore = e.closed;
  const wallStart = performance.now();
  await churn(e, ms);
  const wallMs = performance.now() - wallStart;
  const ns = Math.max(...e.tids.map((tid, i) => threadNs(tid) - before[i]));
  const legs = e.closed - closedBefore;
  return { legs, usPerLeg: ns / 1000 / legs, cpuPct: (ns / 1e6 / wallMs) * 100, legsPerSecond: (legs / wallMs) * 1000 };
}
function socketCount() {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const round1 = (x) => +x.toFixed(1);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

const a = await engine(args.get('dist') ?? '@switchboard/media');
if (!args.has('ab')) {
  if (warmUp > 0) await churn(a, warmUp * 1000);
  const cpuBefore = process.cpuUsage();
  const m = await measured(a, seconds * 1000);
  const cpu = process.cpuUsage(cpuBefore);
  console.log(JSON.stringify({ ports, rate, seconds, legs: m.legs, failed: a.failed, achievedRate: round1(m.legsPerSecond), mediaThreadUsPerLeg: round1(m.usPerLeg), processUsPerLeg: round1((cpu.user + cpu.system) / m.legs), mediaThreadCpuPct: round1(m.cpuPct), socketsAtEnd: socketCount(), load: load() }));
} else {
  const b = await engine(args.get('ab'));
  for (const e of [a, b]) if (warmUp > 0) await churn(e, warmUp * 1000);
  const windows = { a: [], b: [] };
  const loadStart = load();
  // A B, B A, A B, ...: neither build always runs right after the other's windows.
  for (let r = 0; r < rounds; r++) {
    for (const [name, e] of r % 2 === 0 ? [['a', a], ['b', b]] : [['b', b], ['a', a]]) windows[name].push((await measured(e, window * 1000)).usPerLeg);
  }
  console.log(
    JSON.stringify({
      ports,
      rate,
      window,
      rounds,
      a: { dist: a.dist, medianUsPerLeg: round1(median(windows.a)), windows: windows.a.map(round1), failed: a.failed },
      b: { dist: b.dist, medianUsPerLeg: round1(median(windows.b)), windows: windows.b.map(round1), failed: b.failed },
      bOverA: +(median(windows.b) / median(windows.a)).toFixed(3),
      socketsAtEnd: socketCount(),
      load: [loadStart, load()],
    }),
  );
  await b.media.stop();
}
peer.close();
await a.media.stop();
process.exit(0);

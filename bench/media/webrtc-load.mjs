#!/usr/bin/env node
// Benchmark (b): WebRTC (Opus) <-> plain RTP (PCMU) calls through Switchboard's media engine,
// transcoded in the bridge. The process under test is bench/media/media-server.mjs (forked; its
// CPU is what is charged); this process plays both ends of every call:
//   - the browser: a werift RTCPeerConnection (full ICE, DTLS-SRTP) sending a 1 kHz Opus tone
//     every 20 ms, encoded once and replayed;
//   - the desk phone: a UDP socket sending a 440 Hz PCMU tone every 20 ms.
// The calls are added in levels; at each level, after a warm-up, for DURATION seconds:
//   - CPU of the media server (utime+stime of all its threads, /proc/<pid>/stat) and of this
//     generator, and the machine's CPU used by other processes;
//   - packets received in each direction vs the 50/s each call sends (loss);
//   - delay variation: per call and direction, the arrival of the k-th packet minus k × 20 ms,
//     less the smallest such value of that stream; p99 over all packets ("added latency" in the
//     sense of jitter a receiver must absorb — payloads are transcoded, so per-packet send times
//     cannot be matched across the bridge).
// A level passes with zero loss and a p99 variation less than 5 ms above the p99 variation of
// our own sending (the generator's timer is late too on a busy box, and receivers see that
// lateness whatever the engine does). The ladder stops at the first failed level.
//
// Environment: CALLS="10,25,50,75,100"  DURATION=10  WARMUP=3  OUT=<file.json>  SB_MEDIA_WORKERS  SB_MEDIA_PROFILE=<dir>
// Run: npm run build && node bench/media/webrtc-load.mjs   (run.mjs runs it with PARTS=webrtc)
import { fork } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Encoder } from '@evan/opus';
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from 'werift';

const env = process.env;
const levels = (env.CALLS ?? '10,25,50,75,100').split(',').map(Number);
const durationS = Number(env.DURATION ?? 10);
const warmupS = Number(env.WARMUP ?? 3);
const FRAME_MS = 20;
const TICKS_PER_SECOND = 1000 / FRAME_MS;
const clockTick = 100; // USER_HZ on Linux

// ── the media server under test ───────────────────────────────────────────────────────
const server = fork(fileURLToPath(new URL('./media-server.mjs', import.meta.url)), env.SB_MEDIA_WORKERS ? [`--workers=${env.SB_MEDIA_WORKERS}`] : [], {
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  // SB_MEDIA_PROFILE=<dir>: a V8 CPU profile of every thread of the media server, for where the time goes.
  execArgv: env.SB_MEDIA_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${env.SB_MEDIA_PROFILE}`] : [],
});
const ready = await new Promise((resolve, reject) => {
  server.once('message', resolve);
  server.once('exit', (code) => reject(new Error(`media-server exited (${code})`)));
});
let seq = 1;
const pending = new Map();
server.on('message', (m) => {
  const p = pending.get(m.re);
  if (!p) return;
  pending.delete(m.re);
  if (m.ok) p.resolve(m.result);
  else p.reject(new Error(m.error));
});
function command(message) {
  return new Promise((resolve, reject) => {
    const id = seq++;
    pending.set(id, { resolve, reject });
    server.send({ ...message, seq: id });
  });
}

// ── audio, encoded once ───────────────────────────────────────────────────────────────
function tone(hz, rate, samples, offset) {
  return Int16Array.from({ length: samples }, (_, i) => Math.round(12000 * Math.sin((2 * Math.PI * hz * (offset + i)) / rate)));
}
function muLaw(sample) {
  const sign = sample < 0 ? 0x80 : 0;
  let magnitude = Math.min(Math.abs(sample), 32635) + 0x84;
  let exponent = 7;
  for (let mask = 0x4000; (magnitude & mask) === 0 && exponent > 0; mask >>= 1) exponent--;
  const mantissa = (magnitude >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}
const encoder = new Encoder({ channels: 1, sample_rate: 48000, application: 'voip' });
const opusFrames = Array.from({ length: TICKS_PER_SECOND }, (_, k) => Buffer.from(encoder.encode(tone(1000, 48000, 960, k * 960))));
const pcmuFrames = Array.from({ length: TICKS_PER_SECOND }, (_, k) => Buffer.from(Array.from(tone(440, 8000, 160, k * 160), muLaw)));

function rtpHeader(pt, sequence, timestamp, ssrc) {
  const header = Buffer.alloc(12);
  header[0] = 0x80;
  header[1] = pt;
  header.writeUInt16BE(sequence & 0xffff, 2);
  header.writeUInt32BE(timestamp >>> 0, 4);
  header.writeUInt32BE(ssrc >>> 0, 8);
  return header;
}

// ── one call: a werift "browser" and a UDP "phone" ───────────────────────────────────
class Call {
  constructor(id) {
    this.id = id;
    this.browserArrivals = [];
    this.phoneArrivals = [];
    this.frame = 0;
    this.live = false;
    this.track = new MediaStreamTrack({ kind: 'audio' });
    this.pc = new RTCPeerConnection({
      iceServers: [],
      iceUseIpv6: false,
      iceInterfaceAddresses: { udp4: '127.0.0.1' },
      iceAdditionalHostAddresses: ['127.0.0.1'],
      codecs: { audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })], video: [] },
    });
    this.pc.addTransceiver(this.track, { direction: 'sendrecv' });
    this.socket = createSocket('udp4');
  }

  async connect() {
    await new Promise((resolve) => this.socket.bind(0, '127.0.0.1', resolve));
    this.socket.on('message', () => this.phoneArrivals.push(performance.now()));
    await this.pc.setLocalDescription(await this.pc.createOffer());
    if (this.pc.iceGatheringState !== 'complete') {
      await new Promise((resolve) => this.pc.iceGatheringStateChange.subscribe((s) => s === 'complete' && resolve()));
    }
    const { answer, bSendTo } = await command({ cmd: 'webrtc-call', id: this.id, offer: this.pc.localDescription.sdp, b: { address: '127.0.0.1', port: this.socket.address().port } });
    this.phoneTarget = bSendTo;
    this.opusPt = Number(/a=rtpmap:(\d+) opus\/48000/i.exec(answer)?.[1] ?? 111);
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer });
    this.pc.getTransceivers()[0].dtlsTransport.onRtp.subscribe((packet) => {
      if (packet.header.payloadType === this.opusPt) this.browserArrivals.push(performance.now());
    });
    if (this.pc.connectionState !== 'connected') {
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`call ${this.id}: werift peer did not connect (${this.pc.connectionState})`)), 20_000);
        this.pc.connectionStateChange.subscribe((s) => {
          if (s !== 'connected') return;
          clearTimeout(timer);
          resolve();
        });
      });
    }
    // Bridged only now: werift as a DTLS client fails when SRTP arrives before its handshake ends.
    await command({ cmd: 'bridge', id: this.id });
    this.live = true;
  }

  sendFrame() {
    if (!this.live) return;
    const k = this.frame++;
    this.track.writeRtp(Buffer.concat([rtpHeader(111, k, k * 960, 0x0b000000 + this.id), opusFrames[k % TICKS_PER_SECOND]]));
    this.socket.send(Buffer.concat([rtpHeader(0, k, k * 160, 0x0c000000 + this.id), pcmuFrames[k % TICKS_PER_SECOND]]), this.phoneTarget.port, this.phoneTarget.address);
  }

  async close() {
    await command({ cmd: 'delete', id: this.id }).catch(() => undefined);
    await this.pc.close().catch(() => undefined);
    this.socket.close();
  }
}

// ── measuring ─────────────────────────────────────────────────────────────────────────
function processTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}
function machineTicks() {
  const values = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = values.reduce((a, b) => a + b, 0);
  return { total, busy: total - values[3] - values[4] };
}

/** Delay variation of one stream's arrivals inside the window. */
function variation(arrivals, from, to) {
  const inside = arrivals.filter((t) => t >= from && t < to);
  const offsets = inside.map((t, k) => t - k * FRAME_MS);
  const base = Math.min(...offsets);
  return { count: inside.length, lateness: offsets.map((o) => o - base) };
}
function percentile(values, p) {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

const calls = [];
let sending = null;
/** When each tick's frames went out: the generator's own timing variation, the floor of what receivers see. */
let sendTimes = [];
function startSending() {
  const started = performance.now();
  let sent = 0;
  sending = setInterval(() => {
    const due = Math.floor((performance.now() - started) / FRAME_MS) + 1;
    // Catch up after a late timer: every frame is sent (late), none is skipped, so any loss is the engine's.
    for (; sent < due; sent++) {
      sendTimes.push(performance.now());
      for (const call of calls) call.sendFrame();
    }
  }, FRAME_MS);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const results = { date: new Date().toISOString(), cpus: cpus().length, cpuModel: cpus()[0]?.model, node: process.version, threads: ready.threads, durationS, warmupS, levels: [] };
console.log(`WebRTC Opus <-> RTP PCMU transcoded calls; media server pid ${ready.pid} (${ready.threads} threads); ${durationS} s per level`);
console.log('| calls | server CPU % | %/call | generator CPU % | others % | lost browser-side / phone-side | p99 variation ms (browser / phone, and of our own sending) | load avg | verdict |');
console.log('|---|---|---|---|---|---|---|---|---|');
try {
  for (const level of levels) {
    while (calls.length < level) {
      const batch = [];
      for (let i = 0; i < 5 && calls.length < level; i++) {
        const call = new Call(calls.length + 1);
        calls.push(call);
        batch.push(call.connect());
      }
      await Promise.all(batch);
      if (!sending) startSending();
    }
    await sleep(warmupS * 1000);
    const from = performance.now();
    const server0 = processTicks(ready.pid);
    const own0 = processTicks(process.pid);
    const machine0 = machineTicks();
    await sleep(durationS * 1000);
    const to = performance.now();
    const seconds = (to - from) / 1000;
    const serverPct = ((processTicks(ready.pid) - server0) / clockTick / seconds) * 100;
    const ownPct = ((processTicks(process.pid) - own0) / clockTick / seconds) * 100;
    const machine1 = machineTicks();
    const machinePct = ((machine1.busy - machine0.busy) / (machine1.total - machine0.total)) * 100 * cpus().length;
    const othersPct = Math.max(0, machinePct - serverPct - ownPct);
    const expected = Math.floor(seconds * TICKS_PER_SECOND);
    let lostBrowser = 0;
    let lostPhone = 0;
    const callsWithLoss = [];
    const late = { browser: [], phone: [] };
    for (const call of calls) {
      const b = variation(call.browserArrivals, from, to);
      const p = variation(call.phoneArrivals, from, to);
      // One packet either side of the window's edges is not a loss.
      lostBrowser += Math.max(0, expected - 1 - b.count);
      lostPhone += Math.max(0, expected - 1 - p.count);
      if (b.count < expected - 1 || p.count < expected - 1) callsWithLoss.push(`${call.id}:${b.count}/${p.count}`);
      late.browser.push(...b.lateness);
      late.phone.push(...p.lateness);
      call.browserArrivals = call.browserArrivals.filter((t) => t >= to);
      call.phoneArrivals = call.phoneArrivals.filter((t) => t >= to);
    }
    const ownVariation = variation(sendTimes, from, to).lateness;
    sendTimes = sendTimes.filter((t) => t >= to);
    const p99Send = percentile(ownVariation, 99);
    const p99b = percentile(late.browser, 99);
    const p99p = percentile(late.phone, 99);
    // Level 0 measures the idle server (no streams, nothing to judge).
    // What the engine adds is judged beyond the generator's own sending variation (a busy
    // two-core box delays our timer too; that lateness reaches the receivers without the engine).
    const added = (p99) => (p99 === null ? Infinity : p99 - (p99Send ?? 0));
    const pass = level === 0 ? true : lostBrowser === 0 && lostPhone === 0 && added(p99b) < 5 && added(p99p) < 5;
    const row = { calls: level, serverCpuPct: +serverPct.toFixed(1), pctPerCall: +(serverPct / level).toFixed(3), generatorCpuPct: +ownPct.toFixed(1), othersCpuPct: +othersPct.toFixed(1), lostBrowser, lostPhone, p99BrowserMs: p99b === null ? null : +p99b.toFixed(2), p99PhoneMs: p99p === null ? null : +p99p.toFixed(2), p99SendMs: p99Send === null ? null : +p99Send.toFixed(2), loadavg: loadavg()[0].toFixed(2), pass };
    results.levels.push(row);
    console.log(`| ${level} | ${row.serverCpuPct} | ${row.pctPerCall} | ${row.generatorCpuPct} | ${row.othersCpuPct} | ${lostBrowser} / ${lostPhone} | ${row.p99BrowserMs} / ${row.p99PhoneMs} (sent ${row.p99SendMs}) | ${row.loadavg} | ${pass ? 'PASS' : 'FAIL'} |`);
    if (callsWithLoss.length > 0) console.log(`  calls with loss (id:browser/phone packets of ${expected}): ${callsWithLoss.join(' ')}`);
    if (!pass) break;
  }
} finally {
  if (sending) clearInterval(sending);
  await Promise.all(calls.map((c) => c.close()));
  server.kill('SIGTERM');
}
const passed = results.levels.filter((l) => l.pass);
const best = passed.at(-1) ?? null;
results.summary = { maxCalls: best?.calls ?? 0, atMax: best };
if (env.OUT) writeFileSync(env.OUT, JSON.stringify(results, null, 2));
console.log(`most calls with zero loss and p99 < 5 ms: ${results.summary.maxCalls}${best ? ` (${best.pctPerCall} % of a core per call)` : ''}`);
process.exit(0);

#!/usr/bin/env node
// CPU per relayed RTP packet on one media thread, for A/B comparisons of two builds of the
// engine on a shared machine (where rtp-load.mjs's %/call swings with everyone's load):
// CALLS PCMU calls on one media thread, their packets sent from this process's main thread at
// 50 packets/s per direction for SECONDS; the figure is the media thread's CPU time (from
// /proc/self/task/*/stat) divided by the packets its links relayed (engine stats), so a late
// generator or a preempted relay changes the rate, hardly the cost per packet.
//   node bench/media/relay-cpu.mjs [--calls=150] [--seconds=5] [--dist=<other build's index.js>]
// Prints one JSON line. Loopback only, bounded in time; ports chosen by the OS.
import { createSocket } from 'node:dgram';
import { readdirSync, readFileSync } from 'node:fs';

const args = new Map(process.argv.slice(2).map((a) => a.replace(/^--/, '').split('=')));
const calls = Number(args.get('calls') ?? 150);
const seconds = Number(args.get('seconds') ?? 5);
const { MediaEngine } = /** @type {typeof import('@switchboard/media')} */ (await import(args.get('dist') ?? '@switchboard/media'));

const media = await MediaEngine.start({ workers: 1, rtpPortRange: 'ephemeral', bindAddress: '127.0.0.1', announcedAddress: '127.0.0.1', inactivityTimeoutMs: 600_000 });
const lookup = (host, _options, callback) => callback(null, host, 4);
const bind = () => new Promise((resolve) => {
  const socket = createSocket({ type: 'udp4', lookup });
  socket.on('message', () => undefined);
  socket.bind(0, '127.0.0.1', () => resolve(socket));
});
const sdp = (port) => `v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=ptime:20\r\na=sendrecv\r\n`;
const portOf = (answer) => Number(/m=audio (\d+)/.exec(answer)[1]);

const streams = [];
const legs = [];
for (let i = 0; i < calls; i++) {
  const [a, b] = await Promise.all([bind(), bind()]);
  const legA = media.createLeg({ kind: 'rtp', group: 'bench' });
  const legB = media.createLeg({ kind: 'rtp', group: 'bench' });
  const [ra, rb] = await Promise.all([legA.answerOffer(sdp(a.address().port)), legB.answerOffer(sdp(b.address().port))]);
  await media.bridge(legA, legB);
  legs.push(legA, legB);
  streams.push({ socket: a, port: portOf(ra.answer), ssrc: 2 * i + 1, seq: 0 }, { socket: b, port: portOf(rb.answer), ssrc: 2 * i + 2, seq: 0 });
}

const packet = Buffer.alloc(172, 0xff);
function send(stream) {
  packet[0] = 0x80;
  packet[1] = 0;
  packet.writeUInt16BE(stream.seq & 0xffff, 2);
  packet.writeUInt32BE((stream.seq * 160) >>> 0, 4);
  packet.writeUInt32BE(stream.ssrc, 8);
  stream.seq++;
  stream.socket.send(packet, stream.port, '127.0.0.1');
}
// Ten phases of 2 ms: every stream once per 20 ms, a tenth of them per wake-up, catching up when late.
function run(ms) {
  return new Promise((resolve) => {
    const start = performance.now();
    let sent = 0;
    const timer = setInterval(() => {
      const elapsed = performance.now() - start;
      const due = Math.min(Math.floor((elapsed / 20) * streams.length), Math.floor((ms / 20) * streams.length));
      for (; sent < due; sent++) send(streams[sent % streams.length]);
      if (elapsed >= ms) {
        clearInterval(timer);
        resolve(sent);
      }
    }, 2);
  });
}

function taskTicks() {
  const ticks = new Map();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks.set(tid, Number(f[11]) + Number(f[12]));
    } catch {
      // gone
    }
  }
  return ticks;
}
const relayed = async () => (await media.stats()).reduce((sum, w) => sum + (w.relayed ?? 0), 0);

await run(1000); // warm-up: latching, JIT
const before = taskTicks();
const relayedBefore = await relayed();
const sent = await run(seconds * 1000);
await new Promise((r) => setTimeout(r, 200));
const after = taskTicks();
const packets = (await relayed()) - relayedBefore;
// The media thread: the busiest thread that is not this (main) one.
const deltas = [...after].filter(([tid]) => tid !== String(process.pid)).map(([tid, t]) => t - (before.get(tid) ?? 0)).sort((x, y) => y - x);
const mediaTicks = deltas[0] ?? 0;
console.log(JSON.stringify({ calls, seconds, sent, relayed: packets, mediaThreadCpuSeconds: mediaTicks / 100, usPerPacket: +((mediaTicks * 10_000) / packets).toFixed(2), load: readFileSync('/proc/loadavg', 'utf8').split(' ')[0] }));
await Promise.all(legs.map((l) => l.close()));
for (const s of streams) s.socket.close();
await media.stop();
process.exit(0);

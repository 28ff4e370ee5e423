// rtp-load.mjs relay adapter for Switchboard's media engine: forks bench/media/media-server.mjs
// (the process whose CPU is charged) and creates each call as two plain RTP legs bridged in
// passthrough (both sides PCMU). Interface: see /work/shared/peers/rtpengine/README.md.
import { fork } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const server = fileURLToPath(new URL('../media-server.mjs', import.meta.url));

export async function createRelay(o = {}) {
  const child = fork(server, [...(process.env.SB_MEDIA_WORKERS ? [`--workers=${process.env.SB_MEDIA_WORKERS}`] : [])], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise((resolve, reject) => {
    child.once('message', resolve);
    child.once('exit', (code) => reject(new Error(`media-server exited (${code})`)));
  });
  let seq = 1;
  const pending = new Map();
  child.on('message', (m) => {
    const p = pending.get(m.re);
    if (!p) return;
    pending.delete(m.re);
    if (m.ok) p.resolve(m.result);
    else p.reject(new Error(m.error));
  });
  const call = (message) =>
    new Promise((resolve, reject) => {
      const id = seq++;
      pending.set(id, { resolve, reject });
      child.send({ ...message, seq: id });
    });
  // SB_THREAD_CPU=1: per-thread CPU of the media server (from /proc/<pid>/task/*/stat) between
  // the last call set up and the first call deleted of each level, and the CPU per packet the
  // media threads relayed in that time (robust to a late generator), printed to stderr.
  const threads = process.env.SB_THREAD_CPU ? threadCpu(ready.pid, () => call({ cmd: 'stats' })) : null;
  return {
    name: `switchboard(${ready.threads} threads)`,
    pid: o.pid ?? ready.pid,
    createCall: async ({ id, a, b }) => {
      const sendTo = await call({ cmd: 'call', id, a, b });
      await threads?.mark();
      return sendTo;
    },
    deleteCall: async (id) => {
      await threads?.report();
      return call({ cmd: 'delete', id });
    },
    async close() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

function threadCpu(pid, stats) {
  const relayed = async () => (await stats()).reduce((sum, w) => sum + (w.relayed ?? 0), 0);
  const snapshot = () => {
    const cpu = new Map();
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        cpu.set(`${tid} ${name}`, Number(f[11]) + Number(f[12])); // utime + stime, clock ticks
      } catch {
        // thread gone
      }
    }
    return { at: performance.now(), cpu };
  };
  let start = null;
  return {
    async mark() {
      start = { ...snapshot(), relayed: await relayed() };
    },
    async report() {
      if (!start) return;
      const begun = start;
      start = null;
      const end = { ...snapshot(), relayed: await relayed() };
      const seconds = (end.at - begun.at) / 1000;
      const ticks = [...end.cpu].map(([k, v]) => [k, v - (begun.cpu.get(k) ?? 0)]);
      const rows = ticks.map(([k, t]) => `${k}=${(t / seconds).toFixed(1)}`);
      const packets = end.relayed - begun.relayed;
      // Clock ticks are 10 ms: µs per packet = ticks × 10 000 / packets.
      const total = ticks.reduce((sum, [, t]) => sum + t, 0);
      const busiest = ticks.map(([, t]) => t).sort((x, y) => y - x).slice(0, 2).reduce((x, y) => x + y, 0);
      process.stderr.write(`thread CPU % over ${seconds.toFixed(1)} s: ${rows.join('  ')}\n`);
      process.stderr.write(`relayed ${packets} packets: ${((total * 10_000) / packets).toFixed(2)} µs CPU per packet (process), ${((busiest * 10_000) / packets).toFixed(2)} µs (two busiest threads)\n`);
    },
  };
}

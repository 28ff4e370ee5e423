// rtp-load.mjs relay adapter for Switchboard's media engine: forks bench/media/media-server.mjs
// (the process whose CPU is charged) and creates each call as two plain RTP legs bridged in
// passthrough (both sides PCMU). Interface: see /work/shared/peers/rtpengine/README.md.
import { fork } from 'node:child_process';
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
  return {
    name: `switchboard(${ready.threads} threads)`,
    pid: o.pid ?? ready.pid,
    createCall: ({ id, a, b }) => call({ cmd: 'call', id, a, b }),
    deleteCall: (id) => call({ cmd: 'delete', id }),
    async close() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

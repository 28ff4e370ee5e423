// rtp-load.mjs adapter for the floor of a relay in Node: two worker threads, each call two UDP
// sockets connected to the generator's, every datagram sent on untouched by the other socket of
// its call (no RTP parsing, latching, renumbering, statistics or RTCP). It tells what Node's
// dgram and the kernel alone cost per relayed packet, to read Switchboard's figure against:
//   node /work/shared/peers/rtpengine/rtp-load.mjs --adapter bench/media/node-floor/adapter.mjs --calls 300
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const server = fileURLToPath(new URL('./server.mjs', import.meta.url));

export async function createRelay() {
  const child = fork(server, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await new Promise((resolve) => child.once('message', resolve));
  let seq = 1;
  const pending = new Map();
  child.on('message', (m) => {
    pending.get(m.re)?.(m.result);
    pending.delete(m.re);
  });
  const call = (message) =>
    new Promise((resolve) => {
      const id = seq++;
      pending.set(id, resolve);
      child.send({ ...message, seq: id });
    });
  return {
    name: 'node-floor(2 threads)',
    pid: ready.pid,
    createCall: ({ id, a, b }) => call({ cmd: 'call', id, a, b }),
    deleteCall: (id) => call({ cmd: 'delete', id }),
    async close() {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
}

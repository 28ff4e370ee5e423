// The process the node-floor adapter charges: calls alternate between two worker threads.
import { Worker } from 'node:worker_threads';

const workers = [0, 1].map(() => new Worker(new URL('./worker.mjs', import.meta.url)));
const waiting = new Map();
let nextRequest = 1;
let nextWorker = 0;
for (const w of workers) {
  w.on('message', (m) => {
    waiting.get(m.re)?.(m.result);
    waiting.delete(m.re);
  });
}
const ask = (w, m) =>
  new Promise((resolve) => {
    const re = nextRequest++;
    waiting.set(re, resolve);
    w.postMessage({ ...m, re });
  });
const threadOf = new Map();
process.on('message', async (m) => {
  let result = null;
  if (m.cmd === 'call') {
    const w = workers[nextWorker++ % workers.length];
    threadOf.set(m.id, w);
    result = await ask(w, m);
  } else if (m.cmd === 'delete' && threadOf.has(m.id)) {
    result = await ask(threadOf.get(m.id), m);
    threadOf.delete(m.id);
  }
  process.send({ re: m.seq, result });
});
process.on('disconnect', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
process.send({ pid: process.pid });

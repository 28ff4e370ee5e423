import { parentPort } from 'node:worker_threads';
import type { Reply, Request, WorkerEvent } from './protocol.js';
import { WorkerHost } from './worker-host.js';

/**
 * Entry point of a media thread. Runs from dist/ as plain JavaScript, or from source under
 * vitest (the engine starts it with `--import tsx` then).
 */
if (!parentPort) throw new Error('the media worker must run in a worker thread');
const port = parentPort;
const host = new WorkerHost((message: Reply | WorkerEvent) => port.postMessage(message));

port.on('message', (message: Request | { shutdown: true }) => {
  if ('shutdown' in message) {
    host.shutdown();
    port.close();
    return;
  }
  void host.handle(message);
});

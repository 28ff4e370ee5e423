import { parentPort } from 'node:worker_threads';
import type { FromThread, Reply, ToThread, WorkerEvent } from './protocol.js';
import { WorkerHost } from './worker-host.js';

/**
 * Entry point of a media thread. Runs from dist/ as plain JavaScript, or from source under
 * vitest (the engine starts it with `--import tsx` then). Replies and events of one turn of the
 * event loop go back to the main thread in one message (protocol.ts, ToThread/FromThread).
 */
if (!parentPort) throw new Error('the media worker must run in a worker thread');
const port = parentPort;
let outbox: FromThread = [];
const host = new WorkerHost((message: Reply | WorkerEvent) => {
  if (outbox.length === 0) setImmediate(flush);
  outbox.push(message);
});

function flush(): void {
  const messages = outbox;
  outbox = [];
  if (messages.length > 0) port.postMessage(messages);
}

port.on('message', (message: ToThread) => {
  if ('shutdown' in message) {
    host.shutdown();
    flush();
    port.close();
    return;
  }
  for (const request of message) void host.handle(request);
});

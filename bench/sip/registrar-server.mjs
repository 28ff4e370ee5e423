#!/usr/bin/env node
// A bench-only SIP server: Switchboard's registrar (the built Pbx over the built SipStack, UDP
// only, no HTTP or media) on a store in <data dir>, to measure one change in isolation:
//
//   --group-commit   binding writes of concurrent REGISTERs share one transaction (one disk flush)
//                    instead of one commit each: each write is queued, and the queue is committed
//                    once the requests already received have been handled (setImmediate), before
//                    any of their 200s goes out. A proposal measured here, not the product's code.
//
//   node bench/sip/registrar-server.mjs <data dir> <udp port> [--group-commit]
// Prints "SIP server: 127.0.0.1, port N" when ready (as the server's banner does); SIGTERM stops it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pbx, openStore, silentPbxLogger } from '@switchboard/pbx';
import { SipStack, UdpTransport } from '@switchboard/sip';

const [dataDir, portText, ...flags] = process.argv.slice(2);
if (!dataDir || !portText) {
  console.error('usage: registrar-server.mjs <data dir> <udp port> [--group-commit]');
  process.exit(2);
}
const groupCommit = flags.includes('--group-commit');

/** Queues `registrations.save` calls and commits each queue in one transaction. */
class GroupCommit {
  queue = [];
  scheduled = false;
  batches = 0;
  writes = 0;

  constructor(store) {
    this.store = store;
  }

  save(tenantId, input) {
    return new Promise((resolve, reject) => {
      this.queue.push({ tenantId, input, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  async flush() {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    this.batches++;
    this.writes += batch.length;
    try {
      const saved = await this.store.transaction(async (tx) => {
        const out = [];
        for (const w of batch) out.push(await tx.registrations.save(w.tenantId, w.input));
        return out;
      });
      batch.forEach((w, i) => w.resolve(saved[i]));
    } catch (error) {
      // A real implementation would isolate each write (savepoints); here the batch fails together.
      for (const w of batch) w.reject(error);
    }
  }
}

const store = await openStore({ sqlitePath: join(dataDir, 'switchboard.sqlite') });
let pbxStore = store;
let group = null;
if (groupCommit) {
  group = new GroupCommit(store);
  const registrations = Object.create(store.registrations);
  registrations.save = (tenantId, input) => group.save(tenantId, input);
  // Everything else of the store as it is; only binding saves go through the queue.
  pbxStore = Object.create(store, { registrations: { value: registrations } });
}

const udp = await UdpTransport.listen({ address: '127.0.0.1', port: Number(portText), receiveBufferSize: 4 * 1024 * 1024 });
const stack = new SipStack({ transports: [udp], hostname: '127.0.0.1' });
const secret = (() => {
  try {
    return Buffer.from(readFileSync(join(dataDir, 'sip-secret'), 'utf8').trim(), 'hex');
  } catch {
    return Buffer.from('bench-registrar-secret-0123456789abcdef');
  }
})();
const pbx = new Pbx({ stack, store: pbxStore, logger: silentPbxLogger, realm: 'switchboard', secret });
await pbx.start();
console.log(`Registrar${groupCommit ? ' with group commit' : ''} running.\n  SIP server:  127.0.0.1, port ${udp.local.port} (UDP)`);

const stop = async () => {
  await pbx.close();
  await stack.close();
  await store.close();
  if (group) console.log(`group commit: ${group.writes} writes in ${group.batches} transactions (${(group.writes / Math.max(1, group.batches)).toFixed(1)} a transaction)`);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

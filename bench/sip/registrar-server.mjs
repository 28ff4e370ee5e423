// A bench-only SIP server: Switchboard's registrar (the built Pbx over the built SipStack, UDP
// only, no HTTP or media) on a store in <data dir>, to measure the registrar's own cost apart
// from the rest of the server. Binding writes are group-committed by the store itself
// (packages/pbx/src/store/registrar-hot-path.ts), as in the product.
//
//   node bench/sip/registrar-server.mjs <data dir> <udp port>
// Prints "SIP server: 127.0.0.1, port N" when ready (as the server's banner does); SIGTERM stops it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Pbx, openStore, silentPbxLogger } from '@switchboard/pbx';
import { SipStack, UdpTransport } from '@switchboard/sip';

const [dataDir, portText] = process.argv.slice(2);
if (!dataDir || !portText) {
  console.error('usage: registrar-server.mjs <data dir> <udp port>');
  process.exit(2);
}

const store = await openStore({ sqlitePath: join(dataDir, 'switchboard.sqlite') });

const udp = await UdpTransport.listen({ address: '127.0.0.1', port: Number(portText), receiveBufferSize: 4 * 1024 * 1024 });
const stack = new SipStack({ transports: [udp], hostname: '127.0.0.1' });
const secret = (() => {
  try {
    return Buffer.from(readFileSync(join(dataDir, 'sip-secret'), 'utf8').trim(), 'hex');
  } catch {
    return Buffer.from('bench-registrar-secret-0123456789abcdef');
  }
})();
const pbx = new Pbx({ stack, store, logger: silentPbxLogger, realm: 'switchboard', secret });
await pbx.start();
console.log(`Registrar running.\n  SIP server:  127.0.0.1, port ${udp.local.port} (UDP)`);

const stop = async () => {
  await pbx.close();
  await stack.close();
  await store.close();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());

// One relay thread of the node floor: per call, socket A (connected to the generator's A) and
// socket B (connected to B); what arrives on one leaves on the other, as is.
import { createSocket } from 'node:dgram';
import { parentPort } from 'node:worker_threads';

const literal = (host, _options, callback) => callback(null, host, 4);
const bound = () =>
  new Promise((resolve) => {
    const socket = createSocket({ type: 'udp4', lookup: literal });
    socket.bind(0, '127.0.0.1', () => resolve(socket));
  });
const connected = (socket, { port, address }) => new Promise((resolve) => socket.connect(port, address, resolve));
const calls = new Map();

parentPort.on('message', async (m) => {
  if (m.cmd === 'call') {
    const [a, b] = await Promise.all([bound(), bound()]);
    await Promise.all([connected(a, m.a), connected(b, m.b)]);
    a.on('message', (datagram) => b.send(datagram));
    b.on('message', (datagram) => a.send(datagram));
    calls.set(m.id, [a, b]);
    parentPort.postMessage({ re: m.re, result: { aSendTo: { address: '127.0.0.1', port: a.address().port }, bSendTo: { address: '127.0.0.1', port: b.address().port } } });
  } else {
    for (const socket of calls.get(m.id) ?? []) socket.close();
    calls.delete(m.id);
    parentPort.postMessage({ re: m.re, result: null });
  }
});

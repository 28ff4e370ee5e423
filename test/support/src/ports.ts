import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

async function tcpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

async function udpFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => resolve(false));
    socket.bind(port, host, () => socket.close(() => resolve(true)));
  });
}

/**
 * A block of `count` consecutive ports free on UDP and TCP, for programs that cannot be told to
 * bind port 0 (baresip, SIPp, a child server). Picked at random from 30000–59999 so concurrent
 * test files rarely race; each port is checked on both protocols.
 */
export async function freePortBlock(count = 1, host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 30000 + Math.floor(Math.random() * (30000 - count));
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = (await tcpFree(p, host)) && (await udpFree(p, host));
    if (ok) return base;
  }
  throw new Error(`no block of ${count} free ports found`);
}

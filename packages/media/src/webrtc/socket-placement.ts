/**
 * Where a WebRTC leg's socket goes: which local address it binds and which port it takes.
 */
import { isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { RtpPortPool } from '../rtp/port-pool.js';
import type { BoundPair, PortRange } from '../rtp/port-pool.js';

const poolsByRange = new Map<string, RtpPortPool>();

/** One pool per range for legs given a range but no pool (each process, each worker thread). */
export function poolFor(range: PortRange): RtpPortPool {
  const key = `${range.min}-${range.max}`;
  let pool = poolsByRange.get(key);
  if (!pool) {
    pool = new RtpPortPool(range);
    poolsByRange.set(key, pool);
  }
  return pool;
}

/** Closes one of the pool's sockets so that werift can bind the port itself. */
export function closeSocket(socket: BoundPair['rtp']): Promise<void> {
  return new Promise((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

function localAddresses(): Set<string> {
  const addresses = new Set<string>();
  for (const list of Object.values(networkInterfaces())) for (const info of list ?? []) addresses.add(info.address);
  return addresses;
}

/** The first announced address when it belongs to this host, else the wildcard of its family (a 1:1 NAT in front of us). */
export function defaultBindAddress(announced: readonly string[]): string {
  const [first] = announced;
  if (first === undefined) throw new RangeError('a WebRTC leg needs at least one address to announce');
  if (localAddresses().has(first)) return first;
  return isIPv6(first) ? '::' : '0.0.0.0';
}

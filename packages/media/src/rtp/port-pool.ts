import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as resolve } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';

/** An inclusive UDP port range, e.g. the server's RTP range 20000–29999. */
export interface PortRange {
  min: number;
  max: number;
}

export class PortsExhaustedError extends Error {
  constructor(range: PortRange | null) {
    super(range ? `no free RTP port pair left in ${range.min}-${range.max}` : 'the system gave no free RTP port pair');
    this.name = 'PortsExhaustedError';
  }
}

/** A bound RTP socket on an even port and its RTCP socket on the next (RFC 3550 §11). */
export interface BoundPair {
  rtp: Socket;
  rtcp: Socket;
  port: number;
  /** Closes both sockets and gives the pair back to the pool; safe twice. */
  release(): void;
}

/**
 * Media goes to IP literals (an SDP's c= line, or where packets came from): answer those at once
 * instead of through the resolver, which otherwise costs every packet sent a deferred callback.
 */
const literalLookup: NonNullable<SocketOptions['lookup']> = (host, options, callback) => {
  const family = isIP(host);
  if (family !== 0) callback(null, host, family);
  else resolve(host, options, callback);
};

export async function bindUdp(port: number, address: string): Promise<Socket> {
  const socket = createSocket({ type: isIPv6(address) ? 'udp6' : 'udp4', lookup: literalLookup });
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => {
      socket.close();
      reject(error);
    };
    socket.once('error', onError);
    socket.bind({ port, address, exclusive: true }, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

function closeQuietly(socket: Socket): void {
  try {
    socket.close();
  } catch {
    // already closed
  }
}

/**
 * Hands out even/odd port pairs from a range. Pairs given out by this pool are never given
 * twice; a port another program holds just fails to bind and the next pair is tried. Without
 * a range (`null`) the system picks the port (tests: never a fixed port on a shared machine).
 */
export class RtpPortPool {
  private readonly taken = new Set<number>();
  private cursor: number;

  constructor(readonly range: PortRange | null) {
    if (range) {
      if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || range.min < 1 || range.max > 65535 || range.max - range.min < 1) {
        throw new RangeError(`invalid RTP port range ${range.min}-${range.max}`);
      }
      const firstEven = range.min + (range.min % 2);
      const pairs = Math.floor((range.max - firstEven + 1) / 2);
      // Start somewhere in the range so a restarted server does not reuse the ports a phone may still be sending to.
      this.cursor = firstEven + 2 * Math.floor(Math.random() * Math.max(1, pairs));
    } else {
      this.cursor = 0;
    }
  }

  /** Pairs currently given out. */
  get inUse(): number {
    return this.taken.size;
  }

  async bindPair(address: string): Promise<BoundPair> {
    return this.range ? this.bindFromRange(this.range, address) : this.bindEphemeral(address);
  }

  private async bindFromRange(range: PortRange, address: string): Promise<BoundPair> {
    const firstEven = range.min + (range.min % 2);
    const pairs = Math.floor((range.max - firstEven + 1) / 2);
    for (let i = 0; i < pairs; i++) {
      const port = this.cursor;
      this.cursor += 2;
      if (this.cursor + 1 > range.max) this.cursor = firstEven;
      if (this.taken.has(port)) continue;
      this.taken.add(port);
      const pair = await this.tryPair(port, address);
      if (pair) return pair;
      this.taken.delete(port);
    }
    throw new PortsExhaustedError(range);
  }

  private async bindEphemeral(address: string): Promise<BoundPair> {
    for (let attempt = 0; attempt < 32; attempt++) {
      // The system names a free port; we then bind it (and the next) by number. A socket bound to
      // port 0 would lose its port when a pinned RTP socket is disconnected (Linux gives an
      // implicitly chosen port back on disconnect); one bound by number keeps it.
      const probe = await bindUdp(0, address);
      const port = probe.address().port;
      closeQuietly(probe);
      if (port % 2 !== 0 || port >= 65535) continue;
      const pair = await this.tryPair(port, address);
      if (!pair) continue;
      this.taken.add(port);
      return pair;
    }
    throw new PortsExhaustedError(null);
  }

  private async tryPair(port: number, address: string): Promise<BoundPair | null> {
    let rtp: Socket;
    try {
      rtp = await bindUdp(port, address);
    } catch {
      return null;
    }
    try {
      const rtcp = await bindUdp(port + 1, address);
      return this.pair(rtp, rtcp, port);
    } catch {
      closeQuietly(rtp);
      return null;
    }
  }

  private pair(rtp: Socket, rtcp: Socket, port: number): BoundPair {
    let released = false;
    return {
      rtp,
      rtcp,
      port,
      release: () => {
        if (released) return;
        released = true;
        closeQuietly(rtp);
        closeQuietly(rtcp);
        this.taken.delete(port);
      },
    };
  }
}

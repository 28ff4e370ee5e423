import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import { lookup as resolve } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { performance } from 'node:perf_hooks';

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
  /**
   * Gives the pair back to the pool; safe twice. Listeners added to the sockets are removed and a
   * connected socket is disconnected: the pool keeps the pair bound for a later leg. Sockets the
   * holder closed itself (a WebRTC leg hands the port to werift) are just forgotten.
   */
  release(): void;
}

export interface RtpPortPoolOptions {
  /**
   * A released pair is handed out again only after resting this long and hearing nothing for as
   * long; one still hearing packets after twice this is closed. The far end of a call we hang up
   * sends until our BYE reaches it: a network trip, or up to 3.5 s when BYEs are lost (RFC 3261
   * Timer E: retransmissions at 0.5, 1.5, 3.5 s). The quarantine is the quiet a pair must show,
   * not a guess of the longest tail. Shorter lets more pairs be reused within `maxResting` (a
   * thread keeps about rate × quarantine pairs resting). Default 3000 ms.
   */
  quarantineMs?: number;
  /**
   * Pairs resting at most; one released beyond that is closed. Default 2048 (4 096 sockets): a
   * thread at 640 legs/s keeps ~1 900 resting; its slice of the server's default range has 2 500.
   */
  maxResting?: number;
  /** A pair resting this long is closed, so an idle server returns to few open sockets. Default 15 000 ms. */
  idleCloseMs?: number;
  /** Milliseconds on a monotonic clock (tests). Default performance.now. */
  now?: () => number;
}

/** What the pool holds and has done, for tests, logs and benchmarks. */
export interface RtpPortPoolStats {
  inUse: number;
  resting: number;
  /** Pairs bound anew / handed out again from rest, since the pool was made. */
  bound: number;
  reused: number;
  /** Packets that arrived at a resting pair (read and dropped). */
  strays: number;
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

/** Whether the socket is still bound (not closed by whoever held it); no system call. */
export function isOpen(socket: Socket): boolean {
  try {
    socket.getSendQueueSize();
    return true;
  } catch {
    return false;
  }
}

/**
 * Disconnects a connected socket. Node tells whether a socket is connected only by throwing;
 * the error is made without a stack (a third of the cost), as most sockets released were never
 * connected.
 */
function disconnectQuietly(socket: Socket): void {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    socket.disconnect();
  } catch {
    // was not connected
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** A bound pair the pool owns: given out (one lease at a time) or resting. */
interface Held {
  rtp: Socket;
  rtcp: Socket;
  port: number;
  address: string;
  /** When it was put to rest, and when a packet last came to it while resting (the pool's clock). */
  restedAt: number;
  heardAt: number;
  /** Its 'message' listener while resting (made once per pair). */
  drop: (() => void) | null;
}

const ignore = (): void => undefined;

/**
 * Hands out even/odd port pairs from a range, and takes them back to reuse: binding and closing
 * two sockets per leg was about a quarter of a media thread's time in bench:calls. A released
 * pair rests (its packets read and dropped) until it has been quiet for `quarantineMs`, then goes
 * to another leg, oldest first; one its old peer keeps sending to is closed instead. Until one is
 * ready a new pair is bound. Pairs given out are never given twice at once; a port
 * another program holds just fails to bind and the next pair is tried. When a range has no port
 * left to bind, the pair that rested longest goes out even before its quarantine ends (what
 * binding from a full range did before). Without a range (`null`) the system picks the port
 * (tests: never a fixed port on a shared machine).
 *
 * ```
 * bound ──release()──▶ resting ──quiet for quarantineMs, bindPair()──▶ bound (a new lease)
 *                        └──still heard after 2 × quarantineMs, over maxResting, idleCloseMs, close()──▶ closed
 * ```
 */
export class RtpPortPool {
  /** Ports of pairs given out or resting (a range's binder skips them). */
  private readonly taken = new Set<number>();
  /** Resting pairs per bind address, oldest first. */
  private readonly resting = new Map<string, Held[]>();
  private restingCount = 0;
  /** Leases not yet released (closed with the pool). */
  private readonly leases = new Set<BoundPair>();
  private readonly counters = { bound: 0, reused: 0, strays: 0 };
  private sweepTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private cursor: number;
  private readonly quarantineMs: number;
  private readonly maxResting: number;
  private readonly idleCloseMs: number;
  private readonly now: () => number;

  constructor(
    readonly range: PortRange | null,
    options: RtpPortPoolOptions = {},
  ) {
    this.quarantineMs = options.quarantineMs ?? 3000;
    this.maxResting = options.maxResting ?? 2048;
    this.idleCloseMs = Math.max(options.idleCloseMs ?? 15_000, this.quarantineMs);
    this.now = options.now ?? (() => performance.now());
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
    return this.taken.size - this.restingCount;
  }

  stats(): RtpPortPoolStats {
    return { inUse: this.inUse, resting: this.restingCount, ...this.counters };
  }

  async bindPair(address: string): Promise<BoundPair> {
    if (this.closed) throw new Error('the RTP port pool is closed');
    this.sweep();
    const ready = this.takeResting(address, false);
    if (ready) return ready;
    try {
      const pair = this.range ? await this.bindFromRange(this.range, address) : await this.bindEphemeral(address);
      this.counters.bound++;
      return this.lease({ ...pair, address, restedAt: 0, heardAt: -Infinity, drop: null });
    } catch (error) {
      // Full: the pair that rested longest, quarantine or not.
      const oldest = error instanceof PortsExhaustedError ? this.takeResting(address, true) : null;
      if (oldest) return oldest;
      throw error;
    }
  }

  /** Closes every pair, resting or given out; bindPair() fails from now on. Safe twice. */
  close(): void {
    this.closed = true;
    if (this.sweepTimer) clearTimeout(this.sweepTimer);
    this.sweepTimer = null;
    for (const queue of this.resting.values()) for (const held of queue) this.forget(held);
    this.resting.clear();
    this.restingCount = 0;
    for (const lease of this.leases) lease.release();
  }

  private lease(held: Held): BoundPair {
    let released = false;
    const lease: BoundPair = {
      rtp: held.rtp,
      rtcp: held.rtcp,
      port: held.port,
      release: () => {
        if (released) return;
        released = true;
        this.leases.delete(lease);
        this.rest(held);
      },
    };
    this.leases.add(lease);
    return lease;
  }

  /**
   * The oldest resting pair for this address once it has rested, and heard nothing, for the
   * quarantine (or at once when `evenEarly`). Nearly every pair hears its old peer for a moment
   * after release (the far end sends until our BYE arrives): such a pair goes to the back of the
   * queue and is tried again later. One still hearing packets after twice the quarantine is
   * closed: its old peer has not stopped, and a new leg would latch onto that stream.
   */
  private takeResting(address: string, evenEarly: boolean): BoundPair | null {
    const queue = this.resting.get(address);
    if (!queue) return null;
    const now = this.now();
    let held: Held | undefined;
    // A few noisy pairs looked at, at most, per call (each goes to the back or is closed).
    for (let looked = 0; looked < 4 && !held; looked++) {
      const head = queue[0];
      if (!head || (!evenEarly && now - head.restedAt < this.quarantineMs)) return null;
      queue.shift();
      if (evenEarly || now - head.heardAt >= this.quarantineMs) held = head;
      else if (now - head.restedAt >= 2 * this.quarantineMs) {
        this.restingCount--;
        this.forget(head);
      } else queue.push(head);
    }
    if (!held) return null;
    this.restingCount--;
    // As fresh from bindUdp: no listeners, keeps the thread alive while in use.
    for (const socket of [held.rtp, held.rtcp]) {
      socket.removeAllListeners();
      socket.ref();
    }
    this.counters.reused++;
    return this.lease(held);
  }

  private rest(held: Held): void {
    if (this.closed || this.restingCount >= this.maxResting || !isOpen(held.rtp) || !isOpen(held.rtcp)) {
      // Closing the one released (not the oldest) keeps the older ones ageing towards reuse.
      this.forget(held);
      return;
    }
    for (const socket of [held.rtp, held.rtcp]) {
      socket.removeAllListeners();
      disconnectQuietly(socket);
      // Packets for the old call are still read (not left queued for the next leg) and dropped.
      socket.on('message', (held.drop ??= () => {
        held.heardAt = this.now();
        this.counters.strays++;
      }));
      socket.on('error', ignore);
      // A resting pair keeps no thread or process alive.
      socket.unref();
    }
    held.restedAt = this.now();
    let queue = this.resting.get(held.address);
    if (!queue) {
      queue = [];
      this.resting.set(held.address, queue);
    }
    queue.push(held);
    this.restingCount++;
    this.scheduleSweep();
  }

  private forget(held: Held): void {
    closeQuietly(held.rtp);
    closeQuietly(held.rtcp);
    this.taken.delete(held.port);
  }

  /** Closes pairs that have rested `idleCloseMs` (they are the oldest of each queue). */
  private sweep(): void {
    const now = this.now();
    for (const [address, queue] of this.resting) {
      let idle = 0;
      while (idle < queue.length && now - queue[idle]!.restedAt >= this.idleCloseMs) this.forget(queue[idle++]!);
      if (idle === 0) continue;
      queue.splice(0, idle);
      this.restingCount -= idle;
      if (queue.length === 0) this.resting.delete(address);
    }
  }

  private scheduleSweep(): void {
    if (this.sweepTimer || this.restingCount === 0) return;
    let oldest = Infinity;
    for (const queue of this.resting.values()) oldest = Math.min(oldest, queue[0]?.restedAt ?? Infinity);
    const wait = Math.max(50, oldest + this.idleCloseMs - this.now());
    this.sweepTimer = setTimeout(() => {
      this.sweepTimer = null;
      this.sweep();
      this.scheduleSweep();
    }, wait);
    this.sweepTimer.unref();
  }

  private async bindFromRange(range: PortRange, address: string): Promise<{ rtp: Socket; rtcp: Socket; port: number }> {
    const firstEven = range.min + (range.min % 2);
    const pairs = Math.floor((range.max - firstEven + 1) / 2);
    // Every pair given out or resting: no need to walk the range to find that out.
    if (this.taken.size >= pairs) throw new PortsExhaustedError(range);
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

  private async bindEphemeral(address: string): Promise<{ rtp: Socket; rtcp: Socket; port: number }> {
    for (let attempt = 0; attempt < 32; attempt++) {
      // The system names a free port; we then bind it (and the next) by number. A socket bound to
      // port 0 would lose its port when a pinned RTP socket is disconnected (Linux gives an
      // implicitly chosen port back on disconnect); one bound by number keeps it.
      const probe = await bindUdp(0, address);
      const port = probe.address().port;
      closeQuietly(probe);
      if (port % 2 !== 0 || port >= 65535 || this.taken.has(port)) continue;
      const pair = await this.tryPair(port, address);
      if (!pair) continue;
      this.taken.add(port);
      return pair;
    }
    throw new PortsExhaustedError(null);
  }

  private async tryPair(port: number, address: string): Promise<{ rtp: Socket; rtcp: Socket; port: number } | null> {
    let rtp: Socket;
    try {
      rtp = await bindUdp(port, address);
    } catch {
      return null;
    }
    try {
      const rtcp = await bindUdp(port + 1, address);
      return { rtp, rtcp, port };
    } catch {
      closeQuietly(rtp);
      return null;
    }
  }
}

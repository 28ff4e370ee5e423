/** An inclusive UDP port range, e.g. the server's RTP range 20000–29999. */
export interface PortRange {
  min: number;
  max: number;
}

/**
 * Ports this process has handed to WebRTC legs, so that two legs opening at the same moment
 * never try the same port. Another program (or the plain-RTP legs) may still hold a port we
 * pick: the bind then fails and the leg asks for another one.
 */
export class PortReservations {
  private readonly taken = new Set<number>();

  /** A free port of the range picked at random (spreads reuse of recently closed ports), or undefined when all are taken. */
  reserve(range: PortRange): number | undefined {
    const size = range.max - range.min + 1;
    if (!Number.isInteger(range.min) || !Number.isInteger(range.max) || size <= 0 || range.min < 1 || range.max > 65535) {
      throw new RangeError(`invalid UDP port range ${range.min}-${range.max}`);
    }
    const start = Math.floor(Math.random() * size);
    for (let i = 0; i < size; i++) {
      const port = range.min + ((start + i) % size);
      if (!this.taken.has(port)) {
        this.taken.add(port);
        return port;
      }
    }
    return undefined;
  }

  release(port: number): void {
    this.taken.delete(port);
  }

  get size(): number {
    return this.taken.size;
  }
}

/** The reservations shared by every WebRTC leg of this process (one per worker thread). */
export const processPortReservations = new PortReservations();

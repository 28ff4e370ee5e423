/**
 * Delays for retrying something that went away (the phone system, the event stream): doubling
 * from `initialMs` up to `maxMs`, with up to 30 % jitter so that many browsers reconnecting after
 * a server restart do not arrive in the same instant.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs = 1_000,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call counts one failed attempt. */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt += 1;
    return Math.round(base * (1 - 0.3 * this.random()));
  }

  get attempts(): number {
    return this.attempt;
  }

  reset(): void {
    this.attempt = 0;
  }
}

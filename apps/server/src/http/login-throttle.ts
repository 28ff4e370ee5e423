/**
 * Counts failed sign-ins per client address and per account. After `maxFailures` within
 * `windowMs` the key is refused until its oldest counted failure leaves the window. Memory is
 * bounded: at most `maxKeys` keys are kept (the oldest are dropped first).
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(options: { maxFailures?: number; windowMs?: number; maxKeys?: number; now?: () => number } = {}) {
    this.maxFailures = options.maxFailures ?? 5;
    this.windowMs = options.windowMs ?? 5 * 60_000;
    this.maxKeys = options.maxKeys ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  /** Seconds to wait before trying again, or 0 when an attempt is allowed now. */
  retryAfter(address: string, account: string): number {
    return Math.max(this.wait(`address:${address}`), this.wait(`account:${account.toLowerCase()}`));
  }

  /** Records a failure; returns true when this failure reached the limit. */
  recordFailure(address: string, account: string): boolean {
    const a = this.add(`address:${address}`);
    const b = this.add(`account:${account.toLowerCase()}`);
    return a === this.maxFailures || b === this.maxFailures;
  }

  /** A successful sign-in clears the account's failures (not the address's: one good account must not unlock guessing others). */
  recordSuccess(account: string): void {
    this.failures.delete(`account:${account.toLowerCase()}`);
  }

  private recent(key: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const times = (this.failures.get(key) ?? []).filter((time) => time > cutoff);
    if (times.length === 0) this.failures.delete(key);
    else this.failures.set(key, times);
    return times;
  }

  private wait(key: string): number {
    const times = this.recent(key);
    if (times.length < this.maxFailures) return 0;
    const oldest = times[times.length - this.maxFailures] ?? this.now();
    return Math.max(1, Math.ceil((oldest + this.windowMs - this.now()) / 1000));
  }

  private add(key: string): number {
    const times = this.recent(key);
    times.push(this.now());
    this.failures.delete(key);
    this.failures.set(key, times.slice(-this.maxFailures));
    while (this.failures.size > this.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
    return times.length;
  }
}

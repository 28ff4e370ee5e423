import type { PbxLogger } from '../util/logger.js';

export interface AuthGuardOptions {
  /** Failures within `windowMs` before answers to that address are slowed down. */
  slowAfter?: number;
  /** Failures within `windowMs` before the address is blocked. */
  blockAfter?: number;
  windowMs?: number;
  blockMs?: number;
  /** Extra delay per failure beyond `slowAfter`, capped at `maxDelayMs`. */
  delayStepMs?: number;
  maxDelayMs?: number;
  /** Addresses tracked at most (oldest forgotten first), so a scan cannot exhaust memory. */
  maxTracked?: number;
  now?: () => number;
  logger: PbxLogger;
}

export type GuardVerdict = { action: 'allow'; delayMs: number } | { action: 'block'; untilMs: number };

interface Record_ {
  failures: number[];
  blockedUntil: number;
}

/**
 * Repeated authentication failures from one source address are slowed, then blocked for a while,
 * and logged as security events with the address (brute-force and scanner defence).
 */
export class AuthGuard {
  private readonly records = new Map<string, Record_>();
  private readonly o: Required<Omit<AuthGuardOptions, 'logger'>> & { logger: PbxLogger };

  constructor(options: AuthGuardOptions) {
    this.o = {
      slowAfter: 5,
      blockAfter: 20,
      windowMs: 60_000,
      blockMs: 10 * 60_000,
      delayStepMs: 250,
      maxDelayMs: 3000,
      maxTracked: 50_000,
      now: () => Date.now(),
      ...options,
    };
  }

  check(address: string): GuardVerdict {
    const record = this.records.get(address);
    if (!record) return { action: 'allow', delayMs: 0 };
    const now = this.o.now();
    if (record.blockedUntil > now) return { action: 'block', untilMs: record.blockedUntil };
    const recent = this.prune(record, now);
    const over = recent - this.o.slowAfter;
    return { action: 'allow', delayMs: over > 0 ? Math.min(this.o.maxDelayMs, over * this.o.delayStepMs) : 0 };
  }

  fail(address: string, detail: Record<string, unknown> = {}): void {
    const now = this.o.now();
    let record = this.records.get(address);
    if (!record) {
      if (this.records.size >= this.o.maxTracked) {
        const oldest = this.records.keys().next().value;
        if (oldest !== undefined) this.records.delete(oldest);
      }
      record = { failures: [], blockedUntil: 0 };
      this.records.set(address, record);
    }
    record.failures.push(now);
    const recent = this.prune(record, now);
    this.o.logger('warn', 'security: SIP authentication failed', { event: 'auth_failure', address, failures: recent, ...detail });
    if (recent >= this.o.blockAfter && record.blockedUntil <= now) {
      record.blockedUntil = now + this.o.blockMs;
      this.o.logger('warn', 'security: address blocked after repeated SIP authentication failures', {
        event: 'auth_block',
        address,
        failures: recent,
        blockedForSeconds: Math.round(this.o.blockMs / 1000),
      });
    }
  }

  succeed(address: string): void {
    const record = this.records.get(address);
    if (record && record.blockedUntil <= this.o.now()) this.records.delete(address);
  }

  private prune(record: Record_, now: number): number {
    const since = now - this.o.windowMs;
    while (record.failures.length > 0 && record.failures[0]! < since) record.failures.shift();
    return record.failures.length;
  }
}

/** RFC 3261 §17.1.1.1 / Table 4 timer bases, in milliseconds. */
export interface TimerSettings {
  /** RTT estimate (500 ms). */
  readonly T1: number;
  /** Longest interval between non-INVITE retransmissions (4 s). */
  readonly T2: number;
  /** How long a message may linger in the network (5 s). */
  readonly T4: number;
  /**
   * When an INVITE server transaction sends 100 Trying if the TU has not answered (§17.2.1: after
   * 200 ms). 0 sends it at once.
   */
  readonly trying100Ms: number;
}

export const DEFAULT_TIMERS: TimerSettings = { T1: 500, T2: 4000, T4: 5000, trying100Ms: 200 };

/** Timer B, F, H, J (unreliable), L, M: 64*T1. */
export function transactionTimeout(t: TimerSettings): number {
  return 64 * t.T1;
}

/** Timer D: at least 32 s over an unreliable transport, 0 over a reliable one. */
export function timerD(t: TimerSettings, reliable: boolean): number {
  return reliable ? 0 : Math.max(32_000, 64 * t.T1);
}

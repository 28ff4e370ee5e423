import type { Clock, TimerHandle } from './clock.js';

/** A callback due at a time; cancelling it only forgets the callback (the queue drops it when due). */
export interface Deadline {
  readonly at: number;
  /** What its owner calls it (a transaction's timer name). */
  readonly name: string;
  /** Cleared when it fires or is cancelled. */
  fire: (() => void) | undefined;
}

/** The deadlines of one length: they fall due in the order they were set, so one clock timer serves them all. */
class Queue {
  private entries: Deadline[] = [];
  private head = 0;
  private timer: TimerHandle | null = null;

  constructor(
    private readonly clock: Clock,
    private readonly ms: number,
  ) {}

  get size(): number {
    return this.entries.length - this.head;
  }

  add(fire: () => void, name: string): Deadline {
    const deadline: Deadline = { at: this.clock.now() + this.ms, name, fire };
    this.entries.push(deadline);
    if (this.timer === null) this.arm();
    return deadline;
  }

  clear(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.entries = [];
    this.head = 0;
  }

  private arm(): void {
    const next = this.entries[this.head];
    if (!next) return;
    this.timer = this.clock.setTimeout(() => this.due(), Math.max(0, next.at - this.clock.now()));
  }

  private due(): void {
    this.timer = null;
    const now = this.clock.now();
    for (;;) {
      const deadline = this.entries[this.head];
      if (!deadline || deadline.at > now) break;
      this.entries[this.head++] = undefined as unknown as Deadline;
      const fire = deadline.fire;
      deadline.fire = undefined;
      fire?.();
    }
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
    if (this.timer === null) this.arm();
  }
}

/**
 * The stack's timers, in one queue per length. A transaction sets a handful of timers whose
 * lengths come from a short list (T1 doublings, T2, T4, 64*T1); tens of thousands may be running
 * at once on a busy server (a completed transaction waits 32 s). A queue per length holds each as
 * a small record, behind a single clock timer for the queue's head, instead of one clock timer and
 * callback wrapper each: less for the garbage collector to copy and keep.
 */
export class Deadlines {
  private readonly queues = new Map<number, Queue>();

  constructor(private readonly clock: Clock) {}

  /** Calls `fire` once `ms` have passed, unless cancelled first. */
  set(ms: number, fire: () => void, name = ''): Deadline {
    let queue = this.queues.get(ms);
    if (!queue) {
      queue = new Queue(this.clock, ms);
      this.queues.set(ms, queue);
    }
    return queue.add(fire, name);
  }

  cancel(deadline: Deadline): void {
    deadline.fire = undefined;
  }

  /** Deadlines set and not yet due (cancelled ones included until their time). */
  get pending(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.size;
    return n;
  }

  /** Forgets every deadline (the stack is closing). */
  clear(): void {
    for (const q of this.queues.values()) q.clear();
    this.queues.clear();
  }
}

/**
 * The 20 ms heartbeat of a media thread: one timer drives every jitter buffer pull, mixer,
 * player and transcoder, so they all move in step. Ticks are scheduled against an absolute
 * timeline (start + n × period), so timer lateness does not accumulate; after a stall longer
 * than `maxCatchUp` periods the timeline is moved rather than bursting many frames at once, and
 * one turn of the event loop never runs more than `maxCatchUp` ticks. The timer runs only while
 * some task is registered.
 */
export interface ClockTask {
  /** Called once per period with the tick's nominal time (performance.now() scale). */
  tick(nowMs: number): void;
  /** The task threw: its owner decides what to close. */
  failed(error: unknown): void;
}

export class MediaClock {
  private readonly tasks = new Set<ClockTask>();
  private timer: NodeJS.Timeout | null = null;
  private nextAt = 0;
  ticks = 0;
  lateTicks = 0;
  /** Time spent running tasks, and the longest single tick (ms): how loaded this thread's clock is. */
  busyMs = 0;
  longestTickMs = 0;
  /** How late ticks start against their nominal time (ms), worst seen. */
  worstStartLagMs = 0;

  constructor(
    readonly periodMs = 20,
    private readonly maxCatchUp = 3,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.tasks.size;
  }

  add(task: ClockTask): void {
    this.tasks.add(task);
    if (!this.timer) {
      this.nextAt = this.now() + this.periodMs;
      this.schedule();
    }
  }

  delete(task: ClockTask): void {
    this.tasks.delete(task);
    if (this.tasks.size === 0 && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  has(task: ClockTask): boolean {
    return this.tasks.has(task);
  }

  stop(): void {
    this.tasks.clear();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    this.timer = setTimeout(() => this.run(), Math.max(0, this.nextAt - this.now()));
  }

  private run(): void {
    this.timer = null;
    let now = this.now();
    if (now - this.nextAt > this.maxCatchUp * this.periodMs) {
      this.lateTicks++;
      this.nextAt = now;
    }
    // At most `maxCatchUp` ticks per turn, then back to the event loop: when ticks take longer
    // than a period (a preempted core, a very large room) an unbounded catch-up never ends, and
    // the thread stops answering commands and reading packets. The check above drops the backlog.
    for (let burst = 0; burst < this.maxCatchUp && this.nextAt <= now && this.tasks.size > 0; burst++) {
      const at = this.nextAt;
      this.nextAt += this.periodMs;
      this.ticks++;
      const started = this.now();
      this.worstStartLagMs = Math.max(this.worstStartLagMs, started - at);
      for (const task of [...this.tasks]) {
        if (!this.tasks.has(task)) continue;
        try {
          task.tick(at);
        } catch (error) {
          this.tasks.delete(task);
          task.failed(error);
        }
      }
      now = this.now();
      this.busyMs += now - started;
      this.longestTickMs = Math.max(this.longestTickMs, now - started);
    }
    if (this.tasks.size > 0) this.schedule();
  }
}

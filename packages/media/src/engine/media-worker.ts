import { Worker, type TransferListItem } from 'node:worker_threads';
import type { Command, CommandResults, FromThread, Request, SerializedError, ToThread, WorkerEvent, WorkerInit } from './protocol.js';

/** A media operation failed; `code` and `name` come from the media thread when it threw there. */
export class MediaError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined = undefined,
    name = 'MediaError',
  ) {
    super(message);
    this.name = name;
  }

  static from(error: SerializedError): MediaError {
    return new MediaError(error.message, error.code, error.name);
  }
}

type ResultOf<C extends Command> = C['op'] extends keyof CommandResults ? CommandResults[C['op']] : null;

/**
 * Offer/answer commands that a call waits on while its caller listens to nothing: a thread that
 * does not answer them in time (overloaded, or a bug) fails the one request, so the call gets a
 * final answer instead of hanging forever. Long-running commands (play, record) have no limit.
 */
const NEGOTIATION_OPS: ReadonlySet<Command['op']> = new Set(['createOffer', 'answerOffer', 'applyAnswer']);
const NEGOTIATION_TIMEOUT_MS = 10_000;
/** How often an idle check asks a thread whether its event loop still runs. */
const HEARTBEAT_MS = 1_000;
/** Default for `stallLimitMs`: a thread that answers no ping for this long is ended and replaced. */
export const DEFAULT_STALL_LIMIT_MS = 10_000;

/**
 * The main thread's end of one media thread: starts it (from dist/ as .js, or from source
 * with tsx under vitest), correlates commands with replies, and forwards events.
 */
export class MediaWorker {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  /** Requests of this turn of the event loop, sent together (protocol.ts, ToThread). */
  private outbox: Request[] = [];
  private outboxTransfer: TransferListItem[] = [];
  private exited = false;
  webrtcUnavailable: string | null = null;
  /** Legs and mixers placed on this thread (for load balancing). */
  load = 0;

  private heartbeat: NodeJS.Timeout | null = null;
  /** When the unanswered ping was sent (performance.now()), or null. */
  private pingSentAt: number | null = null;

  constructor(
    readonly index: number,
    private readonly onEvent: (worker: MediaWorker, event: WorkerEvent) => void,
    private readonly onExit: (worker: MediaWorker, error: Error) => void,
    /** A thread whose event loop answers nothing for this long is stuck: it is ended (see watch()). */
    private readonly stallLimitMs = DEFAULT_STALL_LIMIT_MS,
  ) {}

  get alive(): boolean {
    return this.worker !== null && !this.exited;
  }

  async start(init: WorkerInit): Promise<void> {
    const here = import.meta.url;
    const fromSource = here.endsWith('.ts');
    // From source (vitest), a small plain-JS entry registers tsx first (see worker-source.mjs).
    const entry = new URL(fromSource ? './worker-source.mjs' : './worker.js', here);
    const worker = new Worker(entry, { execArgv: [], name: `media-${this.index}` });
    this.worker = worker;
    worker.on('message', (messages: FromThread) => {
      for (const message of messages) this.onMessage(message);
    });
    worker.on('error', (error) => this.exit(error));
    worker.on('exit', (code) => this.exit(new MediaError(`media thread ${this.index} exited (code ${code})`, 'worker-exited')));
    await this.request({ op: 'init', init });
    this.watch();
  }

  /**
   * The watchdog. A media thread runs its clock and its legs' packets on one event loop; code
   * that never returns to that loop (a clock whose work outgrew its 20 ms period kept catching up
   * forever: bench:calls after an overloaded step) leaves every command unanswered, every leg
   * open and the thread busy, for good. A ping goes out every second; a thread that has not
   * answered one for `stallLimitMs` is ended like a crashed one: its legs are reported closed (the
   * calls on them end) and a fresh thread takes its place.
   */
  private watch(): void {
    this.heartbeat = setInterval(() => {
      if (this.exited) return;
      if (this.pingSentAt === null) {
        this.pingSentAt = performance.now();
        this.request({ op: 'ping' }).then(
          () => (this.pingSentAt = null),
          () => undefined,
        );
      } else if (performance.now() - this.pingSentAt >= this.stallLimitMs) {
        const stuck = this.worker;
        this.exit(new MediaError(`media thread ${this.index} answered nothing for ${Math.round(this.stallLimitMs / 1000)} s and was restarted`, 'stalled'));
        void stuck?.terminate();
      }
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  request<C extends Command>(command: C, transfer: readonly TransferListItem[] = []): Promise<ResultOf<C>> {
    const worker = this.worker;
    if (!worker || this.exited) return Promise.reject(new MediaError(`media thread ${this.index} is not running`, 'worker-down'));
    const id = this.nextId++;
    return new Promise<ResultOf<C>>((resolve, reject) => {
      let timer: NodeJS.Timeout | null = null;
      if (NEGOTIATION_OPS.has(command.op)) {
        timer = setTimeout(() => {
          if (!this.pending.delete(id)) return;
          reject(new MediaError(`media thread ${this.index} did not answer ${command.op} within ${NEGOTIATION_TIMEOUT_MS / 1000} s`, 'timeout'));
        }, NEGOTIATION_TIMEOUT_MS);
        timer.unref();
      }
      const settle = (): void => {
        if (timer) clearTimeout(timer);
      };
      this.pending.set(id, {
        resolve: (value) => {
          settle();
          (resolve as (v: unknown) => void)(value);
        },
        reject: (error) => {
          settle();
          reject(error);
        },
      });
      if (this.outbox.length === 0) setImmediate(() => this.flush());
      this.outbox.push({ id, command });
      this.outboxTransfer.push(...transfer);
    });
  }

  private flush(): void {
    const requests = this.outbox;
    const transfer = this.outboxTransfer;
    this.outbox = [];
    this.outboxTransfer = [];
    if (requests.length === 0 || !this.worker || this.exited) return;
    const message: ToThread = requests;
    this.worker.postMessage(message, transfer);
  }

  private onMessage(message: FromThread[number]): void {
    if ('id' in message) {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(MediaError.from(message.error));
      return;
    }
    this.onEvent(this, message);
  }

  private exit(error: Error): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (this.exited) return;
    this.exited = true;
    for (const waiter of this.pending.values()) waiter.reject(new MediaError(`media thread ${this.index} failed: ${error.message}`, 'worker-down'));
    this.pending.clear();
    this.onExit(this, error);
  }

  /** Asks the thread to close its legs, then ends it. */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (this.heartbeat) clearInterval(this.heartbeat);
    if (!worker || this.exited) return;
    this.flush();
    this.exited = true;
    const shutdown: ToThread = { shutdown: true };
    worker.postMessage(shutdown);
    const gone = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    const timer = setTimeout(() => void worker.terminate(), 1000);
    await gone;
    clearTimeout(timer);
    for (const waiter of this.pending.values()) waiter.reject(new MediaError('media engine stopped', 'stopped'));
    this.pending.clear();
  }

  /** Ends the thread at once (tests of crash handling). */
  async terminate(): Promise<void> {
    await this.worker?.terminate();
  }
}

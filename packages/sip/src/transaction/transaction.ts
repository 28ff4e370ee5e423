import { createResponse } from '../message/builders.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import type { Flow, SendResult } from '../transport/transport.js';
import { Emitter, type EventArgs } from '../util/emitter.js';
import type { Clock } from './clock.js';
import type { Deadline, Deadlines } from './deadlines.js';
import type { TimerSettings } from './timers.js';

/** Misuse of a transaction (a bug in the caller), e.g. a state change the RFC does not allow. */
export class TransactionError extends Error {
  override readonly name = 'TransactionError';
}

/**
 * How a transaction reaches its peer: already resolved by the layer above (destination, flow,
 * response routing per §18.2.2). `send` never throws.
 */
export interface Channel {
  readonly reliable: boolean;
  send(data: Buffer): Promise<SendResult>;
}

export interface TransactionContext {
  readonly clock: Clock;
  /** Where the transactions' timers run (one queue per length). */
  readonly deadlines: Deadlines;
  readonly timers: TimerSettings;
  /** Called once when the transaction terminates, so the layer forgets it. */
  readonly onTerminated: (tx: { readonly id: string }) => void;
}

export interface TransactionEvents<State extends string> {
  stateChanged: [state: State, previous: State];
  terminated: [];
}

/**
 * What every transaction shares: identity, a state machine with an allowed-moves table, timers
 * that die with it, and the send path. Subclasses are the four machines of RFC 3261 §17.
 */
export abstract class Transaction<State extends string, Events extends TransactionEvents<State> = TransactionEvents<State>> extends Emitter<Events> {
  private currentState: State;
  /** Its timers (a transaction has a few at most), fired or cancelled ones until next looked at; made at the first one. */
  private running: Deadline[] | undefined;

  protected constructor(
    /** The transaction key it is matched by (branch, sent-by and method). */
    readonly id: string,
    readonly request: SipRequest,
    initial: State,
    private readonly allowed: Readonly<Record<State, readonly State[]>>,
    protected readonly context: TransactionContext,
  ) {
    super();
    this.currentState = initial;
  }

  get state(): State {
    return this.currentState;
  }

  abstract get terminated(): boolean;

  /** The only way the state changes; refuses moves the state diagram does not have. */
  protected transition(to: State): void {
    const from = this.currentState;
    if (from === to) return;
    if (!this.allowed[from].includes(to)) throw new TransactionError(`${this.constructor.name}: illegal transition ${from} -> ${to}`);
    this.currentState = to;
    this.emit('stateChanged', ...([to, from] as EventArgs<Events, 'stateChanged'>));
  }

  protected startTimer(name: string, ms: number, fire: () => void): void {
    this.stopTimer(name);
    (this.running ??= []).push(this.context.deadlines.set(ms, fire, name));
  }

  protected stopTimer(name: string): void {
    const running = this.running;
    if (!running) return;
    for (let i = running.length - 1; i >= 0; i--) {
      const deadline = running[i]!;
      if (deadline.fire !== undefined && deadline.name !== name) continue;
      this.context.deadlines.cancel(deadline);
      running.splice(i, 1);
    }
  }

  protected hasTimer(name: string): boolean {
    return this.running?.some((d) => d.name === name && d.fire !== undefined) ?? false;
  }

  /** Clears every timer and tells the layer; subclasses call it after moving to Terminated. */
  protected finish(): void {
    this.clearTimers();
    this.context.onTerminated(this);
    this.emit('terminated', ...([] as unknown as EventArgs<Events, 'terminated'>));
  }

  /** Stops every timer without any event (the stack is shutting down). */
  dispose(): void {
    this.clearTimers();
    this.removeAllListeners();
  }

  private clearTimers(): void {
    if (!this.running) return;
    for (const deadline of this.running) this.context.deadlines.cancel(deadline);
    this.running = undefined;
  }

  /** A response the transaction makes up for its TU: 408 on timeout, 503 on transport error (§8.1.3.1). */
  protected synthesize(status: 408 | 503, reason?: string): SipResponse {
    return createResponse(this.request, status, reason);
  }
}

/** The flow a message arrived on, or undefined for locally created ones. */
export type MaybeFlow = Flow | undefined;

import type { SipRequest, SipResponse } from '../message/message.js';
import { ClientTransaction } from './client-transaction.js';
import { transactionTimeout } from './timers.js';
import type { Channel, TransactionContext } from './transaction.js';

/**
 * Non-INVITE client transaction, RFC 3261 §17.1.2.
 *
 * ```
 *            request sent, timers E (unreliable) and F
 *                      |
 *   E: resend  +---- Trying ----------------+ Timer F / transport error:
 *   (doubling  |       | 1xx (to TU)        |   408 / 503 to TU
 *    to T2)    |       v                    |
 *              |  Proceeding ---------------+
 *              |  E: resend every T2        |
 *              |       | 200-699 (to TU)    |
 *              +-----> Completed --Timer K--+--> Terminated
 *                 (absorbs retransmissions)
 * ```
 */
export enum NonInviteClientState {
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Terminated = 'Terminated',
}

const S = NonInviteClientState;
const ALLOWED: Readonly<Record<NonInviteClientState, readonly NonInviteClientState[]>> = {
  [S.Trying]: [S.Proceeding, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Terminated]: [],
};

export class NonInviteClientTransaction extends ClientTransaction<NonInviteClientState> {
  private intervalE: number;

  constructor(id: string, request: SipRequest, channel: Channel, context: TransactionContext) {
    super(id, request, S.Trying, ALLOWED, channel, context);
    this.intervalE = context.timers.T1;
  }

  get terminated(): boolean {
    return this.state === S.Terminated;
  }

  start(): void {
    this.transmit();
    if (!this.channel.reliable) this.startTimer('E', this.intervalE, () => this.timerE());
    this.startTimer('F', transactionTimeout(this.context.timers), () => this.timeout());
  }

  private timerE(): void {
    if (this.state !== S.Trying && this.state !== S.Proceeding) return;
    this.transmit();
    const { T2 } = this.context.timers;
    this.intervalE = this.state === S.Trying ? Math.min(this.intervalE * 2, T2) : T2;
    this.startTimer('E', this.intervalE, () => this.timerE());
  }

  receive(response: SipResponse): void {
    if (this.state !== S.Trying && this.state !== S.Proceeding) return; // Completed absorbs retransmissions
    if (response.status < 200) {
      this.transition(S.Proceeding);
      this.deliver(response);
      return;
    }
    this.stopTimer('E');
    this.stopTimer('F');
    this.transition(S.Completed);
    const k = this.channel.reliable ? 0 : this.context.timers.T4;
    this.deliver(response);
    if (k === 0) {
      this.terminate();
      return;
    }
    // Completed only absorbs retransmitted responses for Timer K: the request and the final
    // response (the TU read it as it was delivered) need not stay parsed in memory.
    this.request.compact();
    response.compact();
    this.startTimer('K', k, () => this.terminate());
  }

  private timeout(): void {
    if (this.state !== S.Trying && this.state !== S.Proceeding) return;
    this.transition(S.Terminated);
    this.deliver(this.synthesize(408, 'Request Timeout (Timer F)'));
    this.finish();
  }

  protected transportFailed(reason: string): void {
    if (this.state !== S.Trying && this.state !== S.Proceeding) return;
    this.transition(S.Terminated);
    this.deliver(this.synthesize(503, `Service Unavailable (${reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 100)})`));
    this.finish();
  }

  private terminate(): void {
    if (this.state === S.Terminated) return;
    this.transition(S.Terminated);
    this.finish();
  }
}

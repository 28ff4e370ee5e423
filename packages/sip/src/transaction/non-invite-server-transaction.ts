import type { SipRequest, SipResponse } from '../message/message.js';
import type { Flow } from '../transport/transport.js';
import { ServerTransaction } from './server-transaction.js';
import { transactionTimeout } from './timers.js';
import type { Channel, TransactionContext } from './transaction.js';

/**
 * Non-INVITE server transaction, RFC 3261 §17.2.2.
 *
 * ```
 *       request received
 *              |
 *              v          1xx from TU: send
 *           Trying -------------------------> Proceeding (request again: resend 1xx)
 *              | 200-699 from TU: send            | 200-699 from TU: send
 *              +----------> Completed <-----------+
 *                  (request again: resend final)
 *                           | Timer J (64*T1 unreliable, 0 reliable)
 *                           v
 *                      Terminated
 * ```
 */
export enum NonInviteServerState {
  Trying = 'Trying',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Terminated = 'Terminated',
}

const S = NonInviteServerState;
const ALLOWED: Readonly<Record<NonInviteServerState, readonly NonInviteServerState[]>> = {
  [S.Trying]: [S.Proceeding, S.Completed, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Terminated]: [],
};

export class NonInviteServerTransaction extends ServerTransaction<NonInviteServerState> {
  constructor(id: string, request: SipRequest, channel: Channel, flow: Flow, context: TransactionContext) {
    super(id, request, S.Trying, ALLOWED, channel, flow, context);
  }

  get terminated(): boolean {
    return this.state === S.Terminated;
  }

  send(response: SipResponse): void {
    if (this.state !== S.Trying && this.state !== S.Proceeding) this.misuse(`cannot send ${response.status} after the final response`);
    const data = response.toBuffer();
    this.lastResponse = data;
    if (response.status < 200) {
      this.transition(S.Proceeding);
      this.transmit(data);
      return;
    }
    this.lastFinal = response;
    this.transition(S.Completed);
    this.transmit(data);
    const j = this.channel.reliable ? 0 : transactionTimeout(this.context.timers);
    if (j === 0) {
      this.terminate();
      return;
    }
    // Kept for Timer J only to answer retransmissions: the request need not stay parsed in memory.
    this.request.compact();
    this.releaseFinal();
    this.startTimer('J', j, () => this.terminate());
  }

  receiveRetransmission(): void {
    // Trying absorbs; Proceeding and Completed resend what was last sent.
    if ((this.state === S.Proceeding || this.state === S.Completed) && this.lastResponse) this.transmit(this.lastResponse);
  }

  protected transportFailed(reason: string): void {
    this.emit('transportError', reason);
    this.terminate();
  }

  private terminate(): void {
    if (this.state === S.Terminated) return;
    this.transition(S.Terminated);
    this.finish();
  }
}

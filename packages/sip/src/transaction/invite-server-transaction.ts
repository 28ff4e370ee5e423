import type { SipRequest, SipResponse } from '../message/message.js';
import type { Flow } from '../transport/transport.js';
import { ServerTransaction, type ServerTransactionEvents } from './server-transaction.js';
import { transactionTimeout } from './timers.js';
import type { Channel, TransactionContext } from './transaction.js';

/**
 * INVITE server transaction, RFC 3261 §17.2.1 with the Accepted state of RFC 6026 §8.7.
 *
 * ```
 *            INVITE received (100 Trying after 200 ms if the TU is silent)
 *                      |
 *                      v      1xx from TU: send; INVITE again: resend last 1xx
 *                 Proceeding ----------------------------+ 2xx from TU: send
 *      300-699 from TU |                                 v
 *   send; G (unrel.),H v                              Accepted  (2xx resent every T1..T2
 *                 Completed  (INVITE again: resend)      |       until the ACK, §13.3.1.4)
 *              ACK |        \ Timer H (no ACK)           | Timer L
 *           Timer I v        \                           v
 *                 Confirmed --+-------------------->  Terminated
 * ```
 */
export enum InviteServerState {
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Confirmed = 'Confirmed',
  Accepted = 'Accepted',
  Terminated = 'Terminated',
}

export interface InviteServerTransactionEvents extends ServerTransactionEvents<InviteServerState> {
  /** A CANCEL matched this INVITE (§9.2). Unless the TU answers first, the stack then sends 487. */
  cancelled: [cancel: SipRequest];
  /** The ACK for this transaction's 2xx arrived (it may carry the SDP answer). */
  ack: [ack: SipRequest];
  /** No ACK came for the final response: 64*T1 passed (Timer H, or Timer L after a 2xx). */
  ackTimeout: [];
  /**
   * A CANCEL came after our 2xx but before its ACK: the two crossed. The CANCEL changes nothing
   * here (§9.2); the TU decides whether the caller, who gave up, is still in the session.
   */
  cancelledAfterAnswer: [cancel: SipRequest];
}

const S = InviteServerState;
const ALLOWED: Readonly<Record<InviteServerState, readonly InviteServerState[]>> = {
  [S.Proceeding]: [S.Completed, S.Accepted, S.Terminated],
  [S.Completed]: [S.Confirmed, S.Terminated],
  [S.Confirmed]: [S.Terminated],
  [S.Accepted]: [S.Terminated],
  [S.Terminated]: [],
};

export class InviteServerTransaction extends ServerTransaction<InviteServerState, InviteServerTransactionEvents> {
  private sentProvisional = false;
  private intervalG: number;
  private interval2xx: number;
  private last2xx: Buffer | undefined;
  private acked = false;

  constructor(
    id: string,
    request: SipRequest,
    channel: Channel,
    flow: Flow,
    context: TransactionContext,
    /** Lets the layer route the 2xx's ACK (which has its own branch) back here. */
    private readonly onAwaitAck: (tx: InviteServerTransaction, response: SipResponse) => void,
  ) {
    super(id, request, S.Proceeding, ALLOWED, channel, flow, context);
    this.intervalG = context.timers.T1;
    this.interval2xx = context.timers.T1;
    const delay = context.timers.trying100Ms;
    if (delay <= 0) this.sendTrying();
    else this.startTimer('100', delay, () => this.sendTrying());
  }

  get terminated(): boolean {
    return this.state === S.Terminated;
  }

  /** Whether the ACK for a 2xx has arrived. */
  get ackReceived(): boolean {
    return this.acked;
  }

  private sendTrying(): void {
    if (this.state === S.Proceeding && !this.sentProvisional) this.respond(100);
  }

  send(response: SipResponse): void {
    const status = response.status;
    if (this.state === S.Accepted) {
      // The TU may send the 2xx again (its own retransmission or a second 2xx), RFC 6026 §8.7.
      if (status < 200 || status >= 300) this.misuse(`cannot send ${status} after a 2xx`);
      this.transmit(response.toBuffer());
      return;
    }
    if (this.state !== S.Proceeding) this.misuse(`cannot send ${status} after the final response`);
    this.stopTimer('100');
    const data = response.toBuffer();
    if (status < 200) {
      this.sentProvisional = true;
      this.lastResponse = data;
      this.transmit(data);
      return;
    }
    this.lastResponse = data;
    this.lastFinal = response;
    const timeout = transactionTimeout(this.context.timers);
    if (status < 300) {
      this.transition(S.Accepted);
      this.last2xx = data;
      this.transmit(data);
      this.onAwaitAck(this, response);
      if (!this.channel.reliable) this.startTimer('2xx', this.interval2xx, () => this.retransmit2xx());
      this.startTimer('L', timeout, () => {
        if (!this.acked) this.emit('ackTimeout');
        this.terminate();
      });
      return;
    }
    this.transition(S.Completed);
    this.transmit(data);
    if (!this.channel.reliable) this.startTimer('G', this.intervalG, () => this.timerG());
    this.startTimer('H', timeout, () => {
      this.emit('ackTimeout');
      this.terminate();
    });
  }

  private retransmit2xx(): void {
    if (this.state !== S.Accepted || this.acked || !this.last2xx) return;
    this.transmit(this.last2xx);
    this.interval2xx = Math.min(this.interval2xx * 2, this.context.timers.T2);
    this.startTimer('2xx', this.interval2xx, () => this.retransmit2xx());
  }

  private timerG(): void {
    if (this.state !== S.Completed || !this.lastResponse) return;
    this.transmit(this.lastResponse);
    this.intervalG = Math.min(this.intervalG * 2, this.context.timers.T2);
    this.startTimer('G', this.intervalG, () => this.timerG());
  }

  receiveRetransmission(): void {
    if (this.state === S.Proceeding) {
      if (this.lastResponse) this.transmit(this.lastResponse);
      else this.sendTrying();
    } else if (this.state === S.Completed && this.lastResponse) {
      this.transmit(this.lastResponse);
    }
    // Accepted and Confirmed absorb retransmissions (RFC 6026 §8.7).
  }

  /** The ACK for a non-2xx final response, matched by branch (§17.2.1). */
  receiveAck(): void {
    if (this.state !== S.Completed) return;
    this.stopTimer('G');
    this.stopTimer('H');
    this.transition(S.Confirmed);
    this.keepOnlyWhatAbsorbs();
    const i = this.channel.reliable ? 0 : this.context.timers.T4;
    if (i === 0) this.terminate();
    else this.startTimer('I', i, () => this.terminate());
  }

  /** The ACK for the 2xx arrived (matched by dialog identifiers and CSeq): stop retransmitting. */
  receive2xxAck(ack: SipRequest): void {
    if (this.acked) return;
    this.acked = true;
    this.stopTimer('2xx');
    this.emit('ack', ack);
    this.keepOnlyWhatAbsorbs();
  }

  /**
   * Acknowledged, the transaction only absorbs retransmitted INVITEs until Timer L or I ends it
   * (RFC 6026 §8.7): the request is compacted and the final response kept as its octets, as a
   * completed non-INVITE transaction keeps them (at 300 calls/s, 32 s of them).
   */
  private keepOnlyWhatAbsorbs(): void {
    this.last2xx = undefined;
    this.request.compact();
    this.releaseFinal();
  }

  /** A CANCEL matched this transaction; the TU hears of it, then a 487 ends the INVITE if still unanswered. */
  receiveCancel(cancel: SipRequest): void {
    if (this.state === S.Accepted && !this.acked) this.emit('cancelledAfterAnswer', cancel);
    if (this.state !== S.Proceeding) return;
    this.emit('cancelled', cancel);
    if (this.state === S.Proceeding) this.respond(487);
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

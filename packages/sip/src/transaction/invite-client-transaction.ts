import { headerKey } from '../message/header-names.js';
import { viaToString } from '../message/headers/via.js';
import { SipRequest, type HeaderField, type SipResponse } from '../message/message.js';
import { ClientTransaction } from './client-transaction.js';
import { timerD, transactionTimeout } from './timers.js';
import type { Channel, TransactionContext } from './transaction.js';

/**
 * INVITE client transaction, RFC 3261 §17.1.1 with the Accepted state of RFC 6026 §8.4.
 *
 * ```
 *              INVITE sent, timers A (unreliable) and B
 *                        |
 *                        v        Timer B / transport error: 408 / 503 to TU
 *   A: resend +------ Calling ----------------------------------------+
 *             |          | 1xx                                        |
 *             |          v                                            |
 *             |     Proceeding --1xx--> (to TU)                       |
 *             |   300-699 |    | 2xx (to TU)                          |
 *             |  ACK sent |    +--------------> Accepted --Timer M--->+
 *             |           v                     (2xx to TU)           |
 *             +------> Completed --Timer D------------------------->  Terminated
 *                    (resend ACK on retransmitted final)
 * ```
 */
export enum InviteClientState {
  Calling = 'Calling',
  Proceeding = 'Proceeding',
  Completed = 'Completed',
  Accepted = 'Accepted',
  Terminated = 'Terminated',
}

const S = InviteClientState;
const ALLOWED: Readonly<Record<InviteClientState, readonly InviteClientState[]>> = {
  [S.Calling]: [S.Proceeding, S.Completed, S.Accepted, S.Terminated],
  [S.Proceeding]: [S.Completed, S.Accepted, S.Terminated],
  [S.Completed]: [S.Terminated],
  [S.Accepted]: [S.Terminated],
  [S.Terminated]: [],
};

export class InviteClientTransaction extends ClientTransaction<InviteClientState> {
  private ack: Buffer | undefined;
  private intervalA: number;

  constructor(id: string, request: SipRequest, channel: Channel, context: TransactionContext) {
    super(id, request, S.Calling, ALLOWED, channel, context);
    this.intervalA = context.timers.T1;
  }

  get terminated(): boolean {
    return this.state === S.Terminated;
  }

  start(): void {
    this.transmit();
    if (!this.channel.reliable) this.startTimer('A', this.intervalA, () => this.timerA());
    this.startTimer('B', transactionTimeout(this.context.timers), () => this.timeout('Timer B'));
  }

  private timerA(): void {
    if (this.state !== S.Calling) return;
    this.transmit();
    this.intervalA *= 2; // INVITE retransmissions keep doubling (no T2 cap), §17.1.1.2
    this.startTimer('A', this.intervalA, () => this.timerA());
  }

  /**
   * After a CANCEL: if no final response arrives within 64*T1, give up with 408 (§9.1).
   * Also covers a peer that stays in Proceeding forever.
   */
  expectFinalAfterCancel(): void {
    if (this.state === S.Calling || this.state === S.Proceeding) this.startTimer('cancel', transactionTimeout(this.context.timers), () => this.timeout('no final response after CANCEL'));
  }

  receive(response: SipResponse): void {
    const status = response.status;
    switch (this.state) {
      case S.Calling:
      case S.Proceeding:
        if (status < 200) {
          this.stopTimer('A');
          this.stopTimer('B');
          this.transition(S.Proceeding);
          this.deliver(response);
        } else if (status < 300) {
          this.stopTimer('A');
          this.stopTimer('B');
          this.stopTimer('cancel');
          this.transition(S.Accepted);
          this.startTimer('M', transactionTimeout(this.context.timers), () => this.terminate());
          this.deliver(response);
          // Accepted only passes retransmitted 2xx on (RFC 6026 §8.4): the INVITE and the 2xx (the
          // TU read it as it was delivered) need not stay parsed in memory.
          this.request.compact();
          response.compact();
        } else {
          this.stopTimer('A');
          this.stopTimer('B');
          this.stopTimer('cancel');
          this.transition(S.Completed);
          this.ack = createNon2xxAck(this.request, response).toBuffer();
          this.transmit(this.ack);
          const d = timerD(this.context.timers, this.channel.reliable);
          if (d === 0) this.terminate();
          else this.startTimer('D', d, () => this.terminate());
          this.deliver(response);
          this.request.compact();
          response.compact();
        }
        return;
      case S.Completed:
        // A retransmitted final response: the ACK was lost (§17.1.1.2).
        if (status >= 300 && this.ack) this.transmit(this.ack);
        return;
      case S.Accepted:
        if (status >= 200 && status < 300) this.deliver(response);
        return;
      case S.Terminated:
        return;
    }
  }

  private timeout(why: string): void {
    if (this.state !== S.Calling && this.state !== S.Proceeding) return;
    this.transition(S.Terminated);
    this.deliver(this.synthesize(408, `Request Timeout (${why})`));
    this.finish();
  }

  protected transportFailed(reason: string): void {
    if (this.state !== S.Calling && this.state !== S.Proceeding) return;
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

/**
 * The ACK for a non-2xx final response (§17.1.1.3): same Request-URI, Call-ID, From, CSeq number
 * and top Via as the INVITE, To from the response, the INVITE's Route headers.
 */
export function createNon2xxAck(invite: SipRequest, response: SipResponse): SipRequest {
  const fields: HeaderField[] = [];
  fields.push({ name: 'Via', key: 'via', value: viaToString(invite.topVia) });
  fields.push({ name: 'Max-Forwards', key: 'max-forwards', value: '70' });
  for (const f of invite.headers) if (f.key === 'route') fields.push({ name: f.name, key: f.key, value: f.value });
  fields.push({ name: 'From', key: 'from', value: invite.get('from') ?? '' });
  fields.push({ name: 'To', key: 'to', value: response.get('to') ?? '' });
  fields.push({ name: 'Call-ID', key: 'call-id', value: invite.callId });
  fields.push({ name: 'CSeq', key: headerKey('cseq'), value: `${invite.cseq.seq} ACK` });
  fields.push({ name: 'Content-Length', key: 'content-length', value: '0' });
  return new SipRequest('ACK', invite.uri, fields);
}

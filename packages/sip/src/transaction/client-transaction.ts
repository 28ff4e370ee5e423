import type { SipRequest, SipResponse } from '../message/message.js';
import type { Flow } from '../transport/transport.js';
import { Transaction, type Channel, type TransactionContext, type TransactionEvents } from './transaction.js';

export interface ClientTransactionEvents<State extends string> extends TransactionEvents<State> {
  /**
   * Every response for the TU: provisional, final, and for INVITE each further 2xx (retransmissions
   * and forks). A timeout arrives as a made-up 408, a transport failure as a made-up 503.
   */
  response: [response: SipResponse];
}

/** What the two client transactions (§17.1) share: sending, the final-response promise. */
export abstract class ClientTransaction<State extends string> extends Transaction<State, ClientTransactionEvents<State>> {
  /** Settles with the first final response (never rejects: failures are 408/503 responses). */
  readonly final: Promise<SipResponse>;
  private resolveFinal!: (response: SipResponse) => void;
  private settled: SipResponse | undefined;
  protected readonly data: Buffer;
  private usedFlow: Flow | undefined;

  protected constructor(id: string, request: SipRequest, initial: State, allowed: Readonly<Record<State, readonly State[]>>, protected readonly channel: Channel, context: TransactionContext) {
    super(id, request, initial, allowed, context);
    this.data = request.toBuffer();
    this.final = new Promise((resolve) => (this.resolveFinal = resolve));
  }

  /** The flow the request went out on, once sent (e.g. the TCP connection opened for it). */
  get flow(): Flow | undefined {
    return this.usedFlow;
  }

  /** The final response, once there is one. */
  get finalResponse(): SipResponse | undefined {
    return this.settled;
  }

  abstract start(): void;
  /** A response matched to this transaction by the transaction layer (§17.1.3). */
  abstract receive(response: SipResponse): void;
  protected abstract transportFailed(reason: string): void;

  protected transmit(data: Buffer = this.data): void {
    void this.channel.send(data).then((result) => {
      if (result.ok) this.usedFlow ??= result.flow;
      else if (!this.terminated) this.transportFailed(result.error);
    });
  }

  /**
   * Ends the transaction from outside (the stack is closing): a TU still waiting gets a 503 so
   * no `final` promise is left hanging.
   */
  abort(reason: string): void {
    if (this.settled === undefined) this.deliver(this.synthesize(503, `Service Unavailable (${reason})`));
    this.dispose();
  }

  protected deliver(response: SipResponse): void {
    if (response.status >= 200 && this.settled === undefined) {
      this.settled = response;
      this.resolveFinal(response);
    }
    this.emit('response', response);
  }
}

import { createResponse, type ResponseOptions } from '../message/builders.js';
import { newTag } from '../message/ids.js';
import { SipResponse, type SipRequest } from '../message/message.js';
import { parseMessage } from '../message/parser.js';
import type { Flow } from '../transport/transport.js';
import { Transaction, TransactionError, type Channel, type TransactionContext, type TransactionEvents } from './transaction.js';

export interface ServerTransactionEvents<State extends string> extends TransactionEvents<State> {
  /** A response could not be sent (§17.2.4); the transaction is terminated. */
  transportError: [reason: string];
}

/** What the two server transactions (§17.2) share: the way a TU answers. */
export abstract class ServerTransaction<State extends string, Events extends ServerTransactionEvents<State> = ServerTransactionEvents<State>> extends Transaction<State, Events> {
  private tag: string | undefined;
  protected lastResponse: Buffer | undefined;
  protected lastFinal: SipResponse | undefined;
  /** The final response object was let go while its octets (`lastResponse`) are kept: read back when asked for. */
  private finalReleased = false;

  protected constructor(
    id: string,
    request: SipRequest,
    initial: State,
    allowed: Readonly<Record<State, readonly State[]>>,
    protected readonly channel: Channel,
    /** The flow the request arrived on. */
    readonly flow: Flow,
    context: TransactionContext,
  ) {
    super(id, request, initial, allowed, context);
  }

  /**
   * The To tag of this transaction's responses: the request's own when it had one, else one
   * made up once, so a 180 and the 200 after it carry the same tag (§8.2.6.2, §12.1.1).
   */
  get localTag(): string {
    return (this.tag ??= this.request.toTag ?? newTag());
  }

  /** The final response sent, if any. */
  get finalResponse(): SipResponse | undefined {
    if (this.lastFinal === undefined && this.finalReleased && this.lastResponse) this.lastFinal = readBack(this.lastResponse);
    return this.lastFinal;
  }

  /** Builds the response (§8.2.6) with this transaction's To tag and sends it. */
  respond(status: number, reason?: string, options: Omit<ResponseOptions, 'toTag'> = {}): SipResponse {
    const response = createResponse(this.request, status, reason, { ...options, toTag: this.localTag });
    this.send(response);
    return response;
  }

  /**
   * Keeps the final response as the octets sent alone (a transaction held only to resend them):
   * its header values are slices of the request's text, which they would keep in memory too.
   */
  protected releaseFinal(): void {
    if (this.lastFinal === undefined || this.lastResponse === undefined) return;
    this.lastFinal = undefined;
    this.finalReleased = true;
  }

  /** Sends a response the TU built itself (its To tag should be `localTag`). */
  abstract send(response: SipResponse): void;

  /** A retransmission of the request (matched by the transaction layer). */
  abstract receiveRetransmission(): void;

  protected transmit(data: Buffer): void {
    void this.channel.send(data).then((result) => {
      if (!result.ok && !this.terminated) this.transportFailed(result.error);
    });
  }

  protected abstract transportFailed(reason: string): void;

  protected misuse(what: string): never {
    throw new TransactionError(`${this.constructor.name} in state ${this.state}: ${what}`);
  }
}

/** A response read back from the octets we sent; a bare one with their status should they not parse. */
function readBack(data: Buffer): SipResponse {
  const result = parseMessage(data);
  if (result.ok && result.message instanceof SipResponse) return result.message;
  const status = Number(data.toString('latin1', 8, 11));
  return new SipResponse(status, data.toString('latin1', 12, data.indexOf('\r')));
}

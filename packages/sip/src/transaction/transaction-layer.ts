import { isRfc3261Branch, viaToString } from '../message/headers/via.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { uriToString } from '../message/uri.js';
import type { Flow } from '../transport/transport.js';
import type { Clock } from './clock.js';
import { Deadlines } from './deadlines.js';
import { InviteClientTransaction } from './invite-client-transaction.js';
import { InviteServerTransaction } from './invite-server-transaction.js';
import { NonInviteClientTransaction } from './non-invite-client-transaction.js';
import { NonInviteServerTransaction } from './non-invite-server-transaction.js';
import type { TimerSettings } from './timers.js';
import type { Channel, TransactionContext } from './transaction.js';

export type AnyClientTransaction = InviteClientTransaction | NonInviteClientTransaction;
export type AnyServerTransaction = InviteServerTransaction | NonInviteServerTransaction;

/**
 * The server transaction key (§17.2.3): branch + sent-by + method when the branch carries the
 * magic cookie; otherwise the RFC 2543 fields (Request-URI, tags, Call-ID, CSeq, top Via).
 * ACK and CANCEL use the INVITE's method so they find the INVITE's transaction.
 */
export function serverKey(request: SipRequest, method = request.method === 'ACK' ? 'INVITE' : request.method): string {
  const via = request.topVia;
  if (isRfc3261Branch(via.branch)) return `${via.branch}|${via.host.toLowerCase()}:${via.port ?? ''}|${method}`;
  // RFC 2543 matching (RFC 4475 badbranch, inv2543). The To tag is left out for INVITE/ACK:
  // the INVITE has none and its ACK carries the tag of our response.
  const toTag = method === 'INVITE' ? '' : (request.toTag ?? '');
  return `2543|${uriToString(request.uri)}|${request.fromTag ?? ''}|${toTag}|${request.callId}|${request.cseq.seq}|${method}|${viaToString(via)}`;
}

/** The client transaction key (§17.1.3): our branch and the CSeq method. */
export function clientKey(branch: string, method: string): string {
  return `${branch}|${method}`;
}

function ackKey(callId: string, seq: number, fromTag: string | undefined, toTag: string | undefined): string {
  return `${callId}|${seq}|${fromTag ?? ''}|${toTag ?? ''}`;
}

/** §8.2.2.2: same From tag, Call-ID and CSeq as a request in progress, but another transaction. */
function mergeKey(request: SipRequest): string {
  return `${request.fromTag ?? ''}|${request.callId}|${request.cseq.seq}|${request.method}`;
}

/** Holds the live transactions and matches messages to them. */
export class TransactionLayer {
  private readonly clients = new Map<string, AnyClientTransaction>();
  private readonly servers = new Map<string, AnyServerTransaction>();
  private readonly merged = new Map<string, string>();
  /** The merge key of each server transaction in `merged`, by transaction id (its request may have released its parsed headers). */
  private readonly mergeKeys = new Map<string, string>();
  private readonly awaitingAck = new Map<string, InviteServerTransaction>();
  /** The key in `awaitingAck` of each INVITE server transaction there, by transaction id. */
  private readonly ackKeys = new Map<string, string>();
  private readonly context: TransactionContext;

  /** The transactions' timers; the stack's own (remembered ACKs) run here too. */
  readonly deadlines: Deadlines;

  constructor(clock: Clock, timers: TimerSettings) {
    this.deadlines = new Deadlines(clock);
    this.context = { clock, timers, deadlines: this.deadlines, onTerminated: (tx) => this.forget(tx.id) };
  }

  get counts(): { clients: number; servers: number } {
    return { clients: this.clients.size, servers: this.servers.size };
  }

  createClient(request: SipRequest, channel: Channel): AnyClientTransaction {
    const branch = request.topVia.branch ?? '';
    const id = clientKey(branch, request.method);
    const tx = request.method === 'INVITE' ? new InviteClientTransaction(id, request, channel, this.context) : new NonInviteClientTransaction(id, request, channel, this.context);
    this.clients.set(id, tx);
    return tx;
  }

  matchResponse(response: SipResponse): AnyClientTransaction | undefined {
    const branch = response.topVia.branch;
    return branch === undefined ? undefined : this.clients.get(clientKey(branch, response.cseq.method));
  }

  findServer(request: SipRequest): AnyServerTransaction | undefined {
    return this.servers.get(serverKey(request));
  }

  /** The INVITE transaction a CANCEL targets (§9.2). */
  findInviteFor(cancel: SipRequest): InviteServerTransaction | undefined {
    const tx = this.servers.get(serverKey(cancel, 'INVITE'));
    return tx instanceof InviteServerTransaction ? tx : undefined;
  }

  /** Whether a request without To tag duplicates one already in progress through another path. */
  isMerged(request: SipRequest): boolean {
    if (request.toTag !== undefined) return false;
    const existing = this.merged.get(mergeKey(request));
    return existing !== undefined && existing !== serverKey(request);
  }

  /** The INVITE server transaction whose 2xx this ACK acknowledges (§13.3.1.4). */
  match2xxAck(ack: SipRequest): InviteServerTransaction | undefined {
    return this.awaitingAck.get(ackKey(ack.callId, ack.cseq.seq, ack.fromTag, ack.toTag));
  }

  createServer(request: SipRequest, flow: Flow, channel: Channel): AnyServerTransaction {
    const id = serverKey(request);
    const tx =
      request.method === 'INVITE'
        ? new InviteServerTransaction(id, request, channel, flow, this.context, this.awaitAck)
        : new NonInviteServerTransaction(id, request, channel, flow, this.context);
    this.servers.set(id, tx);
    if (request.toTag === undefined) {
      const mk = mergeKey(request);
      this.merged.set(mk, id);
      this.mergeKeys.set(id, mk);
    }
    return tx;
  }

  /** An INVITE server transaction sent a 2xx: its ACK (a transaction of its own) is routed to it until it ends. */
  private readonly awaitAck = (ist: InviteServerTransaction, response: SipResponse): void => {
    const key = ackKey(ist.request.callId, ist.request.cseq.seq, ist.request.fromTag, response.toTag);
    this.awaitingAck.set(key, ist);
    this.ackKeys.set(ist.id, key);
  };

  private forget(id: string): void {
    const ackKey = this.ackKeys.get(id);
    if (ackKey !== undefined) {
      this.ackKeys.delete(id);
      if (this.awaitingAck.get(ackKey)?.id === id) this.awaitingAck.delete(ackKey);
    }
    if (this.servers.delete(id)) {
      const mk = this.mergeKeys.get(id);
      if (mk !== undefined) {
        this.mergeKeys.delete(id);
        if (this.merged.get(mk) === id) this.merged.delete(mk);
      }
      return;
    }
    this.clients.delete(id);
  }

  /** Drops every transaction and its timers (stack shutdown). */
  clear(): void {
    for (const tx of this.clients.values()) tx.abort('stack closed');
    for (const tx of this.servers.values()) tx.dispose();
    this.clients.clear();
    this.servers.clear();
    this.merged.clear();
    this.mergeKeys.clear();
    this.awaitingAck.clear();
    this.ackKeys.clear();
    this.deadlines.clear();
  }
}

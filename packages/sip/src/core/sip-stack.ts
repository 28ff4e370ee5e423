import { isIP } from 'node:net';
import { createErrorResponse, createResponse } from '../message/builders.js';
import { createVia, type Via } from '../message/headers/via.js';
import { newBranch } from '../message/ids.js';
import { SipRequest, type SipResponse } from '../message/message.js';
import type { ParseFailure, ParseResult } from '../message/parser.js';
import { socketHost, sipUri, type SipUri, type Uri } from '../message/uri.js';
import { systemClock, type Clock } from '../transaction/clock.js';
import type { Deadline } from '../transaction/deadlines.js';
import { InviteClientState, InviteClientTransaction } from '../transaction/invite-client-transaction.js';
import { InviteServerState, InviteServerTransaction } from '../transaction/invite-server-transaction.js';
import { DEFAULT_TIMERS, transactionTimeout, type TimerSettings } from '../transaction/timers.js';
import type { Channel } from '../transaction/transaction.js';
import { TransactionLayer, type AnyClientTransaction, type AnyServerTransaction } from '../transaction/transaction-layer.js';
import { defaultPort, type Endpoint, type Flow, type SendResult, type Transport, type TransportProtocol } from '../transport/transport.js';
import { Emitter } from '../util/emitter.js';
import { silentLogger, type SipLogger } from '../util/logger.js';
import { resolveDestination, systemResolver, targetOf, type Destination, type HostResolver } from './destination.js';
import { ackKeyOf, createCancel, guessHost, isWildcard, stampedVia } from './routing.js';

/** One message on the wire, for `SWITCHBOARD_SIP_TRACE=1` style tracing. */
export interface TraceEvent {
  readonly direction: 'in' | 'out';
  readonly protocol: TransportProtocol;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly flowId?: string;
  readonly data: Buffer;
}

export interface SipStackOptions {
  transports: readonly Transport[];
  clock?: Clock;
  timers?: Partial<TimerSettings>;
  logger?: SipLogger;
  trace?: (event: TraceEvent) => void;
  /**
   * Option tags this side implements (RFC 3261 §8.2.2.3): a request whose Require names any other
   * tag is answered 420 with Unsupported before it reaches the TU.
   */
  supported?: readonly string[];
  /** Host written in Via and Contact when a transport listens on a wildcard address. */
  hostname?: string;
  /** Host names to addresses (default: the system resolver; no SRV/NAPTR). */
  resolver?: HostResolver;
}

/** Where `sendRequest` sends: an existing flow, an explicit destination, or (default) the next hop from Route / Request-URI. */
export interface SendOptions {
  flow?: Flow;
  destination?: Destination;
}

export type RequestHandler = (request: SipRequest, transaction: AnyServerTransaction) => void;

export interface SipStackEvents {
  /** An ACK no transaction claimed (e.g. late, or for a dialog the TU tracks itself). */
  ack: [ack: SipRequest, flow: Flow];
  /** A response no client transaction claimed (after a 2xx retransmission, the ACK is resent first). */
  strayResponse: [response: SipResponse, flow: Flow];
  /** A TCP/TLS/WebSocket connection closed. */
  flowClosed: [flow: Flow];
}

interface SentAck {
  readonly data: Buffer;
  readonly send: (data: Buffer) => Promise<SendResult>;
  readonly timer: Deadline;
}

/**
 * The UA core facade: owns the transports and the transaction layer, answers what the stack can
 * answer by itself (malformed requests, retransmissions, CANCEL, merged requests, 416/420/483),
 * and hands everything else to one request handler (the TU: registrar, call engine...).
 */
export class SipStack extends Emitter<SipStackEvents> {
  readonly clock: Clock;
  readonly timers: TimerSettings;
  private readonly layer: TransactionLayer;
  private readonly transports: readonly Transport[];
  private readonly logger: SipLogger;
  private readonly supported: ReadonlySet<string>;
  private readonly resolver: HostResolver;
  private readonly channels = new WeakMap<AnyClientTransaction, Channel>();
  private readonly acks = new Map<string, SentAck>();
  private handler: RequestHandler | undefined;
  private closed = false;

  constructor(private readonly options: SipStackOptions) {
    super();
    if (options.transports.length === 0) throw new Error('SipStack needs at least one transport');
    this.clock = options.clock ?? systemClock;
    this.timers = { ...DEFAULT_TIMERS, ...options.timers };
    this.layer = new TransactionLayer(this.clock, this.timers);
    this.transports = options.transports;
    this.logger = options.logger ?? silentLogger;
    this.supported = new Set((options.supported ?? []).map((t) => t.toLowerCase()));
    this.resolver = options.resolver ?? systemResolver;
    this.listenerErrorSink = (error, event) => this.logger('error', `a "${event}" listener threw`, { error: String(error) });
    for (const t of this.transports) {
      t.on('message', (result, flow, data) => this.receive(result, flow, data));
      t.on('flowClosed', (flow) => this.emit('flowClosed', flow));
      t.on('error', (error) => this.logger('warn', `transport ${t.protocol}: ${error.message}`));
    }
  }

  /** Sets the TU: it gets every request the stack does not answer itself, with its server transaction. */
  onRequest(handler: RequestHandler): void {
    this.handler = handler;
  }

  /** Live transaction counts (for tests and metrics). */
  get transactionCounts(): { clients: number; servers: number } {
    return this.layer.counts;
  }

  transport(protocol: TransportProtocol): Transport | undefined {
    const owner = protocol === 'wss' ? 'ws' : protocol;
    return this.transports.find((t) => t.protocol === owner);
  }

  /** The host to advertise for a local endpoint (wildcards replaced by `hostname` or a guess). */
  advertisedHost(local: Endpoint): string {
    if (!isWildcard(local.address)) return local.address;
    return this.options.hostname ?? guessHost();
  }

  /**
   * A Contact URI that reaches this stack over `protocol` (§8.1.1.8). Over TLS it is a `sip:` URI
   * with `transport=tls`, as phones and carriers expect; `sips` makes it a SIPS URI, which a
   * dialog needs when its request asked for one (§12.1.1), over TLS or WSS only.
   */
  contactUri(protocol: TransportProtocol = 'udp', user?: string, options: { sips?: boolean } = {}): SipUri {
    const t = this.transport(protocol);
    if (!t) throw new Error(`no ${protocol} transport`);
    return sipUri({
      scheme: options.sips === true && (protocol === 'tls' || protocol === 'wss') ? 'sips' : 'sip',
      ...(user === undefined ? {} : { user }),
      host: this.advertisedHost(t.local),
      port: t.local.port,
      params: protocol === 'udp' ? {} : { transport: protocol },
    });
  }

  /** Where a request to `uri` would go (transport, address, port, and the host name it came from), with this stack's resolver. */
  resolve(uri: Uri): Promise<Destination | string> {
    return resolveDestination(uri, this.resolver);
  }

  // ---------------------------------------------------------------- sending

  /**
   * Sends a request in a new client transaction (§17.1). The stack adds the top Via (fresh
   * branch, `rport`), Max-Forwards and Content-Length when missing. The outcome arrives as
   * responses on the transaction, failures included (408, 503).
   */
  sendRequest(request: SipRequest, options: SendOptions = {}): AnyClientTransaction {
    if (request.method === 'ACK') throw new Error('ACK is not sent in a transaction: use sendAck');
    const route = this.route(request, options);
    request.prepend('Via', createVia({ transport: route.protocol, host: route.sentBy.host, port: route.sentBy.port, params: { branch: newBranch(), rport: undefined } }));
    this.complete(request);
    const tx = this.layer.createClient(request, route.channel);
    this.channels.set(tx, route.channel);
    tx.start();
    return tx;
  }

  /**
   * Cancels a pending INVITE (§9.1). The CANCEL goes out once a provisional response has arrived
   * (never before); resolves with the CANCEL's final response, or undefined when the INVITE got
   * its final response first.
   */
  cancel(invite: InviteClientTransaction, options: { reason?: string } = {}): Promise<SipResponse | undefined> {
    return new Promise((resolve) => {
      const go = () => {
        if (invite.state !== InviteClientState.Proceeding) return resolve(undefined);
        const channel = this.channels.get(invite);
        if (!channel) return resolve(undefined);
        const cancel = createCancel(invite.request, options.reason);
        const tx = this.layer.createClient(cancel, channel);
        tx.start();
        invite.expectFinalAfterCancel();
        void tx.final.then(resolve);
      };
      if (invite.state === InviteClientState.Proceeding) return go();
      if (invite.state !== InviteClientState.Calling) return resolve(undefined);
      const off = invite.on('response', (r) => {
        off();
        if (r.status < 200) go();
        else resolve(undefined);
      });
    });
  }

  /**
   * Sends the ACK for a 2xx (§13.2.2.4; build it with `Dialog.createAck`). It is remembered for
   * 64*T1 so a retransmitted 2xx is ACKed again without the TU.
   */
  async sendAck(ack: SipRequest, options: SendOptions = {}): Promise<SendResult> {
    const route = this.route(ack, options);
    ack.prepend('Via', createVia({ transport: route.protocol, host: route.sentBy.host, port: route.sentBy.port, params: { branch: newBranch(), rport: undefined } }));
    this.complete(ack);
    const data = ack.toBuffer();
    const key = ackKeyOf(ack.callId, ack.cseq.seq, ack.toTag);
    const previous = this.acks.get(key);
    if (previous) this.layer.deadlines.cancel(previous.timer);
    const timer = this.layer.deadlines.set(transactionTimeout(this.timers), () => this.acks.delete(key));
    const channel = route.channel;
    this.acks.set(key, { data, send: (bytes) => channel.send(bytes), timer });
    return route.channel.send(data);
  }

  private complete(request: SipRequest): void {
    if (!request.has('max-forwards')) request.set('Max-Forwards', 70);
    if (!request.has('content-length')) request.set('Content-Length', request.body.length);
  }

  /** Picks transport, sent-by and a channel for a request (flow, destination, or Route/Request-URI). */
  private route(request: SipRequest, options: SendOptions): { protocol: string; sentBy: { host: string; port: number }; channel: Channel } {
    const flow = options.flow;
    if (flow) {
      return {
        protocol: flow.protocol.toUpperCase(),
        sentBy: { host: this.advertisedHost(flow.local), port: flow.local.port },
        channel: { reliable: flow.reliable, send: (data) => this.transmit(flow.transport, data, flow) },
      };
    }
    const nextHop: Uri = request.routes[0]?.uri ?? request.uri;
    const target = options.destination ?? targetOf(nextHop);
    const protocol: TransportProtocol = typeof target === 'string' ? 'udp' : target.protocol;
    const transport = this.transport(protocol);
    const local = transport?.local ?? this.transports[0]!.local;
    const destination: Promise<Destination | string> = options.destination ? Promise.resolve(options.destination) : resolveDestination(nextHop, this.resolver);
    return {
      protocol: protocol.toUpperCase(),
      sentBy: { host: this.advertisedHost(local), port: local.port },
      channel: {
        reliable: protocol !== 'udp',
        send: async (data) => {
          if (!transport) return { ok: false, error: `no ${protocol} transport` };
          const d = await destination;
          if (typeof d === 'string') return { ok: false, error: d };
          const { protocol: _protocol, ...endpoint } = d; // the transport is chosen: it gets the endpoint (and name) alone
          return this.transmit(transport, data, endpoint);
        },
      },
    };
  }

  private transmit(transport: Transport, data: Buffer, target: Flow | Endpoint): Promise<SendResult> {
    if (this.closed) return Promise.resolve({ ok: false, error: 'stack closed' });
    if (this.options.trace) {
      const isFlow = 'transport' in target;
      this.traceEvent({ direction: 'out', protocol: isFlow ? target.protocol : transport.protocol, local: isFlow ? target.local : transport.local, remote: isFlow ? target.remote : target, data, ...(isFlow ? { flowId: target.id } : {}) });
    }
    return transport.send(data, target);
  }

  /** Calls the trace hook; a hook that throws is logged, never allowed to break sending or receiving. */
  private traceEvent(event: TraceEvent): void {
    try {
      this.options.trace?.(event);
    } catch (error) {
      this.logger('warn', 'the trace hook threw', { error: String(error) });
    }
  }

  /** Response routing, RFC 3261 §18.2.2 with RFC 3581. */
  private responseChannel(topVia: () => Via, flow: Flow): Channel {
    return {
      reliable: flow.reliable,
      send: (data) => {
        const via = topVia();
        if (flow.reliable) {
          if (!flow.closed) return this.transmit(flow.transport, data, flow);
          if (!flow.transport.canConnect) return Promise.resolve({ ok: false, error: `connection ${flow.id} closed` });
          const address = via.received ?? (isIP(socketHost(via.host)) ? socketHost(via.host) : flow.remote.address);
          return this.transmit(flow.transport, data, { address, port: via.port ?? defaultPort(flow.protocol) });
        }
        const address = via.received ?? (isIP(socketHost(via.host)) ? socketHost(via.host) : flow.remote.address);
        const port = typeof via.rport === 'number' ? via.rport : (via.port ?? 5060);
        return this.transmit(flow.transport, data, { address, port });
      },
    };
  }

  // ---------------------------------------------------------------- receiving

  private receive(result: ParseResult, flow: Flow, data: Buffer): void {
    if (this.closed) return;
    if (this.options.trace) this.traceEvent({ direction: 'in', protocol: flow.protocol, local: flow.local, remote: flow.remote, flowId: flow.id, data });
    try {
      if (!result.ok) this.receiveMalformed(result, flow);
      else if (result.message instanceof SipRequest) this.receiveRequest(result.message, flow);
      else this.receiveResponse(result.message, flow);
    } catch (error) {
      // A bug must not take the stack down with it; the message is dropped and logged.
      this.logger('error', 'failed to process a message', { error: error instanceof Error ? (error.stack ?? error.message) : String(error), flow: flow.id });
    }
  }

  private receiveMalformed(failure: ParseFailure, flow: Flow): void {
    this.logger('debug', `malformed ${failure.kind} from ${flow.remote.address}:${flow.remote.port}: ${failure.reason}`);
    const response = createErrorResponse(failure);
    const ctx = failure.replyContext;
    if (!response || !ctx) return;
    const top = stampedVia(ctx.topVia, flow);
    try {
      response.replaceTopVia(top);
    } catch {
      // The Via line itself is what was malformed (RFC 4475 badinv01): echo it as received.
    }
    // A stateless answer routed like any response (§18.2.2), from the salvaged top Via.
    void this.responseChannel(() => top, flow).send(response.toBuffer());
  }

  private receiveRequest(request: SipRequest, flow: Flow): void {
    const via = request.topVia;
    const stamped = stampedVia(via, flow);
    if (stamped !== via) request.replaceTopVia(stamped);

    if (request.method === 'ACK') return this.receiveAck(request, flow);
    const existing = this.layer.findServer(request);
    if (existing) return existing.receiveRetransmission();

    const channel = this.responseChannel(() => request.topVia, flow);
    if (request.method === 'CANCEL') {
      const tx = this.layer.createServer(request, flow, channel);
      const invite = this.layer.findInviteFor(request);
      if (!invite) {
        tx.respond(481);
        return;
      }
      // §9.2: a CANCEL that matches a transaction gets 200 whatever that transaction's state,
      // with the same To tag as the INVITE's responses; it only has an effect before a final answer.
      tx.send(createResponse(request, 200, undefined, { toTag: invite.localTag }));
      invite.receiveCancel(request);
      return;
    }
    if (this.layer.isMerged(request)) {
      this.layer.createServer(request, flow, channel).respond(482);
      return;
    }
    const tx = this.layer.createServer(request, flow, channel);
    if (this.precheck(request, tx)) return;
    const handler = this.handler;
    if (!handler) {
      tx.respond(501, 'No Request Handler');
      return;
    }
    try {
      handler(request, tx);
    } catch (error) {
      this.logger('error', `request handler threw on ${request.method}`, { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      if (!tx.finalResponse && !tx.terminated) tx.respond(500);
    }
  }

  /** The UAS checks the stack owns (§8.2.1-8.2.2, RFC 4475 §3.3). True when it answered. */
  private precheck(request: SipRequest, tx: AnyServerTransaction): boolean {
    // A UA must not forward a request with no hops left; OPTIONS may still be answered directly.
    if (request.maxForwards === 0 && request.method !== 'OPTIONS') {
      tx.respond(483);
      return true;
    }
    if (request.uri.kind === 'other') {
      tx.respond(416);
      return true;
    }
    const unsupported = request.require.filter((tag) => !this.supported.has(tag.toLowerCase()));
    if (unsupported.length > 0) {
      tx.respond(420, undefined, { headers: { Unsupported: unsupported } });
      return true;
    }
    return false;
  }

  private receiveAck(ack: SipRequest, flow: Flow): void {
    const tx = this.layer.findServer(ack);
    if (tx instanceof InviteServerTransaction) {
      if (tx.state === InviteServerState.Completed) tx.receiveAck();
      else if (tx.state === InviteServerState.Accepted && ack.toTag === tx.localTag) tx.receive2xxAck(ack);
      return;
    }
    const ist = this.layer.match2xxAck(ack);
    if (ist) {
      ist.receive2xxAck(ack);
      return;
    }
    this.emit('ack', ack, flow);
  }

  private receiveResponse(response: SipResponse, flow: Flow): void {
    // §8.1.3.3: a response with more than one Via was not meant for a UA.
    if (response.vias.length !== 1) {
      this.logger('debug', `dropped a ${response.status} with ${response.vias.length} Via values`);
      return;
    }
    const is2xxInvite = response.status >= 200 && response.status < 300 && response.cseq.method === 'INVITE';
    const tx = this.layer.matchResponse(response);
    if (tx) {
      if (is2xxInvite && tx instanceof InviteClientTransaction && tx.state === InviteClientState.Accepted) this.resendAck(response);
      tx.receive(response);
      return;
    }
    if (is2xxInvite) this.resendAck(response);
    this.emit('strayResponse', response, flow);
  }

  /** A retransmitted 2xx means our ACK was lost: send it again (§13.2.2.4). */
  private resendAck(response: SipResponse): void {
    const sent = this.acks.get(ackKeyOf(response.callId, response.cseq.seq, response.toTag));
    if (sent) void sent.send(sent.data);
  }

  /** Closes the transports and drops every transaction and timer. Safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.layer.clear();
    this.acks.clear();
    this.removeAllListeners();
    await Promise.all(this.transports.map((t) => t.close()));
  }
}

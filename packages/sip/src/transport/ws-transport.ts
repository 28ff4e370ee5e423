import { isUtf8 } from 'node:buffer';
import { parseMessage, type ParseLimits } from '../message/parser.js';
import { Emitter } from '../util/emitter.js';
import { isFlow, type Endpoint, type Flow, type SendResult, type Transport, type TransportEvents } from './transport.js';

/**
 * The part of a `ws` WebSocket this transport uses, typed structurally so the package does not
 * depend on `ws`: the server app hands over sockets its HTTP server (fastify) accepted.
 */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  send(data: string | Buffer, cb?: (err?: Error) => void): void;
  close(code?: number, reason?: string): void;
  on(event: 'message', listener: (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void): unknown;
  on(event: 'close', listener: (code: number, reason: Buffer) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

const OPEN = 1;

export interface WsTransportOptions {
  /** The HTTP server's address and port, written in Via and Contact. */
  local: Endpoint;
  limits?: Partial<ParseLimits>;
}

let nextId = 1;

class WsFlow implements Flow {
  readonly reliable = true;
  readonly id: string;
  closed = false;
  constructor(
    readonly transport: WsTransport,
    readonly protocol: 'ws' | 'wss',
    readonly local: Endpoint,
    readonly remote: Endpoint,
    readonly socket: WebSocketLike,
  ) {
    this.id = `${protocol}#${nextId++}`;
  }
  get secure(): boolean {
    return this.protocol === 'wss';
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/**
 * SIP over WebSocket (RFC 7118): subprotocol "sip", one message per frame, text or binary.
 * It never opens connections: it only serves sockets handed to `accept`.
 */
export class WsTransport extends Emitter<TransportEvents> implements Transport {
  readonly protocol = 'ws' as const;
  readonly reliable = true;
  readonly secure = false;
  readonly canConnect = false;
  readonly local: Endpoint;
  private readonly flows = new Map<string, WsFlow>();
  private closing = false;

  constructor(private readonly options: WsTransportOptions) {
    super();
    this.local = options.local;
  }

  /** Adopts an accepted WebSocket; `secure` says whether it arrived over HTTPS (WSS). */
  accept(socket: WebSocketLike, remote: { address: string; port: number; secure?: boolean }): Flow {
    const flow = new WsFlow(this, remote.secure ? 'wss' : 'ws', this.local, { address: remote.address, port: remote.port }, socket);
    if (this.closing) {
      socket.close(1001, 'going away');
      flow.closed = true;
      return flow;
    }
    // RFC 7118 §4.1: the "sip" subprotocol must have been negotiated.
    if (socket.protocol !== 'sip') {
      socket.close(1002, 'subprotocol "sip" required');
      flow.closed = true;
      return flow;
    }
    this.flows.set(flow.id, flow);
    socket.on('message', (raw, isBinary) => {
      const data = toBuffer(raw);
      const limits = this.options.limits;
      const result = parseMessage(data, limits ? { limits } : {});
      if (!result.ok && result.kind === 'empty') {
        // CRLF keep-alive over WebSocket: answer a ping like a stream transport would.
        if (data.length >= 4 && socket.readyState === OPEN) socket.send(isBinary ? Buffer.from('\r\n') : '\r\n');
        return;
      }
      this.emit('message', result, flow, data);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      flow.closed = true;
      this.flows.delete(flow.id);
      if (!this.closing) this.emit('flowClosed', flow);
    });
    return flow;
  }

  get connections(): readonly Flow[] {
    return [...this.flows.values()];
  }

  flow(id: string): Flow | undefined {
    return this.flows.get(id);
  }

  send(data: Buffer, target: Flow | Endpoint): Promise<SendResult> {
    if (!isFlow(target)) return Promise.resolve({ ok: false, error: 'a WebSocket peer can only be reached over its own connection' });
    const flow = this.flows.get(target.id);
    if (!flow || flow.socket.readyState !== OPEN) return Promise.resolve({ ok: false, error: `connection ${target.id} is closed` });
    return new Promise((resolve) => {
      // Text frames when the message is UTF-8 (what browsers' SIP stacks expect), binary otherwise.
      flow.socket.send(isUtf8(data) ? data.toString('utf8') : data, (error) => resolve(error ? { ok: false, error: error.message } : { ok: true, flow }));
    });
  }

  close(): Promise<void> {
    this.closing = true;
    for (const flow of this.flows.values()) flow.socket.close(1001, 'going away');
    this.flows.clear();
    this.removeAllListeners();
    return Promise.resolve();
  }
}

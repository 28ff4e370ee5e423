import { createServer, connect as netConnect, isIP, isIPv6, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, connect as tlsConnect, type TLSSocket } from 'node:tls';
import { parseMessage, type ParseLimits } from '../message/parser.js';
import { Emitter } from '../util/emitter.js';
import { StreamFramer } from './stream-framer.js';
import { endpointKey, isFlow, type Endpoint, type Flow, type SendResult, type Transport, type TransportEvents } from './transport.js';

export interface TlsOptions {
  /** PEM key and certificate this side presents (required to accept connections). */
  key?: string | Buffer;
  cert?: string | Buffer;
  /** Trusted CAs for verifying the peer; the system store when absent. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Verify the server certificate on outgoing connections (default true). */
  rejectUnauthorized?: boolean;
  /** Ask clients for a certificate (mutual TLS). */
  requestCert?: boolean;
}

export interface TcpTransportOptions {
  address?: string;
  /** 0 (the default) asks the OS for a free port. */
  port?: number;
  /** Makes this a TLS transport (RFC 3261 §26.2, "sips"). */
  tls?: TlsOptions;
  connectTimeoutMs?: number;
  /** Connections beyond this are refused (default 10,000). */
  maxConnections?: number;
  /** Close a connection with no traffic for this long (0, the default, keeps it). */
  idleTimeoutMs?: number;
  limits?: Partial<ParseLimits>;
}

let nextConnectionId = 1;

class StreamFlow implements Flow {
  readonly reliable = true;
  readonly id: string;
  /** Its socket's 'close' event came. */
  ended = false;
  constructor(
    readonly transport: TcpTransport,
    readonly protocol: 'tcp' | 'tls',
    readonly local: Endpoint,
    readonly remote: Endpoint,
    readonly socket: Socket,
  ) {
    this.id = `${protocol}#${nextConnectionId++}`;
  }
  get secure(): boolean {
    return this.protocol === 'tls';
  }
  /** Closed, or being torn down (a destroyed socket's 'close' event comes a turn later). */
  get closed(): boolean {
    return this.ended || this.socket.destroyed;
  }
}

/** SIP over TCP or TLS (RFC 3261 §18): framing by Content-Length, connection reuse, keep-alives. */
export class TcpTransport extends Emitter<TransportEvents> implements Transport {
  readonly protocol: 'tcp' | 'tls';
  readonly reliable = true;
  readonly canConnect = true;
  private readonly flows = new Map<string, StreamFlow>();
  private readonly byRemote = new Map<string, StreamFlow>();
  private readonly connecting = new Map<string, Promise<StreamFlow | string>>();
  private closing = false;

  private constructor(
    private readonly server: Server,
    readonly local: Endpoint,
    private readonly options: TcpTransportOptions,
  ) {
    super();
    this.protocol = options.tls ? 'tls' : 'tcp';
    server.on('error', (error) => this.emit('error', error));
  }

  get secure(): boolean {
    return this.protocol === 'tls';
  }

  static async listen(options: TcpTransportOptions = {}): Promise<TcpTransport> {
    const holder: { transport?: TcpTransport } = {};
    const onConnection = (socket: Socket) => holder.transport?.adopt(socket);
    const server = options.tls
      ? createTlsServer({ key: options.tls.key, cert: options.tls.cert, ca: options.tls.ca, requestCert: options.tls.requestCert ?? false }, onConnection)
      : createServer(onConnection);
    server.maxConnections = options.maxConnections ?? 10_000;
    const address = options.address ?? '0.0.0.0';
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: options.port ?? 0, host: address }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const bound = server.address();
    const local = typeof bound === 'object' && bound ? { address: bound.address, port: bound.port } : { address, port: options.port ?? 0 };
    const transport = new TcpTransport(server, local, options);
    holder.transport = transport;
    return transport;
  }

  /** Live connections, inbound and outbound. */
  get connections(): readonly Flow[] {
    return [...this.flows.values()];
  }

  flow(id: string): Flow | undefined {
    return this.flows.get(id);
  }

  /**
   * How connections are found for reuse: by the peer's address and port, and for TLS to a host
   * name also by that name, which its certificate was checked against (a connection checked for
   * one name is not reused for another, nor for the bare address; RFC 5923 §5).
   */
  private reuseKey(remote: Endpoint): string {
    const name = remote.serverName;
    return this.options.tls && name !== undefined && isIP(name) === 0 ? `${endpointKey(remote)}|${name.toLowerCase()}` : endpointKey(remote);
  }

  /** Takes over a connected socket: accepted (keyed by its address) or opened by `connect` (by `key`). */
  private adopt(socket: Socket, key?: string): StreamFlow {
    const remote = { address: socket.remoteAddress ?? '', port: socket.remotePort ?? 0 };
    const local = { address: socket.localAddress ?? this.local.address, port: socket.localPort ?? this.local.port };
    const flow = new StreamFlow(this, this.protocol, local, remote, socket);
    const reuse = key ?? endpointKey(remote);
    this.flows.set(flow.id, flow);
    this.byRemote.set(reuse, flow);
    const framer = new StreamFramer(this.options.limits?.maxMessageBytes);
    socket.setNoDelay(true);
    if (this.options.idleTimeoutMs) socket.setTimeout(this.options.idleTimeoutMs, () => socket.destroy());
    socket.on('data', (chunk: Buffer) => {
      for (const event of framer.push(chunk)) {
        if (event.type === 'ping') {
          if (!socket.destroyed) socket.write('\r\n');
        } else if (event.type === 'error') {
          // A stream that cannot be framed cannot be resynchronised: drop the connection.
          this.emit('error', new Error(`${flow.id} from ${endpointKey(remote)}: ${event.reason}; closing`));
          socket.destroy();
        } else {
          const result = parseMessage(event.data, { stream: true, ...(this.options.limits ? { limits: this.options.limits } : {}) });
          this.emit('message', result, flow, event.data);
        }
      }
    });
    socket.on('error', () => undefined); // 'close' follows; a reset peer is not our error
    socket.on('close', () => {
      flow.ended = true;
      this.flows.delete(flow.id);
      if (this.byRemote.get(reuse) === flow) this.byRemote.delete(reuse);
      if (!this.closing) this.emit('flowClosed', flow);
    });
    return flow;
  }

  private connect(remote: Endpoint): Promise<StreamFlow | string> {
    const key = this.reuseKey(remote);
    const where = remote.serverName !== undefined && remote.serverName !== remote.address ? `${remote.serverName} (${endpointKey(remote)})` : endpointKey(remote);
    const pending = this.connecting.get(key);
    if (pending) return pending;
    const attempt = new Promise<StreamFlow | string>((resolve) => {
      const tls = this.options.tls;
      const socket: Socket | TLSSocket = tls
        ? tlsConnect({
            host: remote.address,
            port: remote.port,
            ...(remote.serverName !== undefined && isIP(remote.serverName) === 0 ? { servername: remote.serverName } : {}),
            key: tls.key,
            cert: tls.cert,
            ca: tls.ca,
            rejectUnauthorized: tls.rejectUnauthorized ?? true,
          })
        : netConnect({ host: remote.address, port: remote.port, family: isIPv6(remote.address) ? 6 : 4 });
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(`connect to ${where} timed out`);
      }, this.options.connectTimeoutMs ?? 5000);
      const onError = (error: Error) => {
        clearTimeout(timer);
        resolve(`connect to ${where} failed: ${error.message}`);
      };
      socket.once('error', onError);
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(this.adopt(socket, key));
      });
    });
    this.connecting.set(key, attempt);
    void attempt.finally(() => this.connecting.delete(key));
    return attempt;
  }

  async send(data: Buffer, target: Flow | Endpoint): Promise<SendResult> {
    if (this.closing) return { ok: false, error: 'transport closed' };
    let flow: StreamFlow | undefined;
    if (isFlow(target)) {
      flow = this.flows.get(target.id);
      if (!flow) return { ok: false, error: `connection ${target.id} is closed` };
    } else {
      flow = this.byRemote.get(this.reuseKey(target));
      if (!flow) {
        const result = await this.connect(target);
        if (typeof result === 'string') return { ok: false, error: result };
        flow = result;
      }
    }
    const f = flow;
    return new Promise((resolve) => {
      if (f.socket.destroyed) return resolve({ ok: false, error: `connection ${f.id} is closed` });
      f.socket.write(data, (error) => resolve(error ? { ok: false, error: error.message } : { ok: true, flow: f }));
    });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    for (const flow of this.flows.values()) flow.socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.removeAllListeners();
  }
}

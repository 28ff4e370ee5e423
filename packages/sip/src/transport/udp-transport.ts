import { createSocket, type Socket, type SocketOptions } from 'node:dgram';
import { lookup } from 'node:dns';
import { isIP, isIPv6 } from 'node:net';
import { parseMessage, type ParseLimits } from '../message/parser.js';
import { Emitter } from '../util/emitter.js';
import { endpointKey, isFlow, type Endpoint, type Flow, type SendResult, type Transport, type TransportEvents } from './transport.js';

export interface UdpTransportOptions {
  /** Address to bind; "0.0.0.0" by default ("::" binds IPv6). */
  address?: string;
  /** 0 (the default) asks the OS for a free port. */
  port?: number;
  /** SO_RCVBUF in bytes; raise it for load (benchmarks send thousands of messages a second). */
  receiveBufferSize?: number;
  sendBufferSize?: number;
  limits?: Partial<ParseLimits>;
}

class UdpFlow implements Flow {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly secure = false;
  readonly closed = false;
  private key: string | undefined;
  constructor(
    readonly transport: UdpTransport,
    readonly local: Endpoint,
    readonly remote: Endpoint,
  ) {}

  /** Built when first asked for: most received datagrams never need it. */
  get id(): string {
    return (this.key ??= `udp:${endpointKey(this.local)}/${endpointKey(this.remote)}`);
  }
}

/**
 * The socket's address lookup: an IP address (what the stack sends to, nearly always) is its own
 * answer at once; only a name goes to the resolver. Node's default resolves even an IP address
 * through `dns.lookup` and a deferred callback, for every datagram sent.
 */
const literalLookup: NonNullable<SocketOptions['lookup']> = (hostname, options, callback) => {
  const family = isIP(hostname);
  if (family !== 0) callback(null, hostname, family);
  else lookup(hostname, options, callback);
};

/** How many remote ends' flows a UDP transport keeps for reuse. */
const MAX_KEPT_FLOWS = 4096;

/** SIP over UDP (RFC 3261 §18): one message per datagram. */
export class UdpTransport extends Emitter<TransportEvents> implements Transport {
  readonly protocol = 'udp' as const;
  readonly reliable = false;
  readonly secure = false;
  readonly canConnect = true;
  private closed = false;
  /**
   * The flows to and from each remote address, made once: a flow is immutable, and every message
   * and transaction would otherwise hold a new one (tens of thousands on a busy server).
   */
  private readonly flows = new Map<string, Map<number, UdpFlow>>();
  private flowCount = 0;

  private constructor(
    private readonly socket: Socket,
    readonly local: Endpoint,
    private readonly limits: Partial<ParseLimits> | undefined,
  ) {
    super();
    socket.on('message', (data, rinfo) => this.receive(data, this.flowTo(rinfo.address, rinfo.port)));
    socket.on('error', (error) => this.emit('error', error));
  }

  static async listen(options: UdpTransportOptions = {}): Promise<UdpTransport> {
    const address = options.address ?? '0.0.0.0';
    const socket = createSocket({
      type: isIPv6(address) ? 'udp6' : 'udp4',
      lookup: literalLookup,
      ...(options.receiveBufferSize ? { recvBufferSize: options.receiveBufferSize } : {}),
      ...(options.sendBufferSize ? { sendBufferSize: options.sendBufferSize } : {}),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(options.port ?? 0, address, () => {
        socket.off('error', reject);
        resolve();
      });
    });
    const bound = socket.address();
    return new UdpTransport(socket, { address: bound.address, port: bound.port }, options.limits);
  }

  /** The flow with this remote end; the table starts again when it has grown past a bound. */
  private flowTo(address: string, port: number): UdpFlow {
    let byPort = this.flows.get(address);
    const known = byPort?.get(port);
    if (known) return known;
    if (this.flowCount >= MAX_KEPT_FLOWS) {
      this.flows.clear();
      this.flowCount = 0;
      byPort = undefined;
    }
    if (!byPort) this.flows.set(address, (byPort = new Map<number, UdpFlow>()));
    const flow = new UdpFlow(this, this.local, { address, port });
    byPort.set(port, flow);
    this.flowCount++;
    return flow;
  }

  private receive(data: Buffer, flow: UdpFlow): void {
    const result = parseMessage(data, this.limits ? { limits: this.limits } : {});
    if (!result.ok && result.kind === 'empty') return; // CRLF keep-alive
    this.emit('message', result, flow, data);
  }

  flow(id: string): Flow | undefined {
    // A UDP flow is just a remote address: any id we minted can be rebuilt.
    const m = /^udp:.*\/(.+):(\d+)$/.exec(id);
    return m ? this.flowTo(m[1]!, Number(m[2])) : undefined;
  }

  send(data: Buffer, target: Flow | Endpoint): Promise<SendResult> {
    const remote = isFlow(target) ? target.remote : target;
    if (this.closed) return Promise.resolve({ ok: false, error: 'transport closed' });
    return new Promise((resolve) => {
      try {
        this.socket.send(data, remote.port, remote.address, (error) => {
          resolve(error ? { ok: false, error: error.message } : { ok: true, flow: isFlow(target) ? target : this.flowTo(remote.address, remote.port) });
        });
      } catch (error) {
        resolve({ ok: false, error: error instanceof Error ? error.message : String(error) });
      }
    });
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

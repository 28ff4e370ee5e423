import { Emitter, parseMessage, type Endpoint, type Flow, type SendResult, type SipMessage, type Transport, type TransportEvents, type TransportProtocol } from '../../src/index.js';

export interface Sent {
  readonly data: Buffer;
  readonly to: Endpoint;
  readonly flowId?: string;
  /**
   * The parsed message. A 400 that copies a request's malformed header is itself malformed; for
   * those, `message` throws and `status` still tells what was sent.
   */
  readonly message: SipMessage;
  /** Status code for a response, undefined for a request. */
  readonly status: number | undefined;
}

/**
 * An in-memory transport: tests inject received octets and read what the stack sent.
 * Delivery is synchronous, so a fake clock fully controls time.
 */
export class MemoryTransport extends Emitter<TransportEvents> implements Transport {
  readonly reliable: boolean;
  readonly secure = false;
  readonly canConnect = true;
  readonly sent: Sent[] = [];
  failSends = false;

  constructor(
    readonly protocol: TransportProtocol = 'udp',
    readonly local: Endpoint = { address: '127.0.0.1', port: 5060 },
  ) {
    super();
    this.reliable = protocol !== 'udp';
  }

  flowFrom(remote: Endpoint): Flow {
    return { id: `${this.protocol}:${remote.address}:${remote.port}`, protocol: this.protocol, transport: this, local: this.local, remote, reliable: this.reliable, secure: false, closed: false };
  }

  /** Delivers octets as if received from `remote`. */
  inject(data: Buffer | string | SipMessage, remote: Endpoint = { address: '192.0.2.1', port: 5070 }): void {
    const bytes = typeof data === 'string' ? Buffer.from(data) : Buffer.isBuffer(data) ? data : data.toBuffer();
    const result = parseMessage(bytes, { stream: false });
    if (!result.ok && result.kind === 'empty') return;
    this.emit('message', result, this.flowFrom(remote), bytes);
  }

  send(data: Buffer, target: Flow | Endpoint): Promise<SendResult> {
    if (this.failSends) return Promise.resolve({ ok: false, error: 'simulated failure' });
    const isFlow = 'transport' in target;
    const to = isFlow ? target.remote : target;
    const parsed = parseMessage(data);
    const status = /^SIP\/2\.0 (\d{3}) /.exec(data.toString('latin1', 0, 16))?.[1];
    const entry = { data, to, ...(isFlow ? { flowId: target.id } : {}), status: status === undefined ? undefined : Number(status) };
    Object.defineProperty(entry, 'message', {
      enumerable: true,
      get: () => {
        if (!parsed.ok) throw new Error(`the stack sent an unparsable message (${parsed.reason}):\n${data.toString()}`);
        return parsed.message;
      },
    });
    this.sent.push(entry as Sent);
    return Promise.resolve({ ok: true, flow: isFlow ? target : this.flowFrom(to) });
  }

  flow(): Flow | undefined {
    return undefined;
  }

  /** Sent messages whose start line matches (e.g. "SIP/2.0 200", "ACK"). */
  sentMatching(start: string): Sent[] {
    return this.sent.filter((s) => s.data.toString('utf8', 0, 64).startsWith(start));
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** Resolves pending promise callbacks (channel sends resolve asynchronously). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

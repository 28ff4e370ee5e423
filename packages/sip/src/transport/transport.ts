import type { ParseResult } from '../message/parser.js';
import type { Emitter } from '../util/emitter.js';

export type TransportProtocol = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

export interface Endpoint {
  readonly address: string;
  readonly port: number;
  /**
   * The host name the address was looked up from, when there was one: a TLS connection asks for
   * it (SNI) and checks the peer's certificate against it rather than the address (RFC 5922).
   */
  readonly serverName?: string;
}

/**
 * Where a message came from, or how to reach a peer again: the transport, the connection (for
 * TCP, TLS and WebSocket) and the remote address and port. A registrar keeps the flow of a
 * REGISTER so requests to that contact reuse the same connection (RFC 5626, RFC 7118).
 */
export interface Flow {
  /** Unique while the flow lives: "udp:127.0.0.1:5060/192.0.2.1:5060", "tcp#12", "ws#3". */
  readonly id: string;
  readonly protocol: TransportProtocol;
  readonly transport: Transport;
  readonly local: Endpoint;
  readonly remote: Endpoint;
  /** Stream transports (TCP, TLS, WS) are reliable: no retransmissions (§17.1.1.2). */
  readonly reliable: boolean;
  readonly secure: boolean;
  /** True once the connection has closed (never for UDP). */
  readonly closed: boolean;
}

/** Sending never throws: the outcome is a value (a failure becomes 503 at the transaction layer). */
export type SendResult = { readonly ok: true; readonly flow: Flow } | { readonly ok: false; readonly error: string };

export interface TransportEvents {
  /** A message arrived (parsed, or the typed parse failure) with its raw octets. */
  message: [result: ParseResult, flow: Flow, data: Buffer];
  /** A connection closed; requests bound to it can no longer be delivered through it. */
  flowClosed: [flow: Flow];
  /** A socket-level problem worth logging (the transport stays usable). */
  error: [error: Error];
}

/**
 * What the layers above need from a transport (RFC 3261 §18). UDP, TCP, TLS and WebSocket
 * implement it; tests can supply their own.
 */
export interface Transport extends Pick<Emitter<TransportEvents>, 'on' | 'off' | 'once'> {
  readonly protocol: TransportProtocol;
  readonly reliable: boolean;
  readonly secure: boolean;
  /** The address and port this transport receives on (for Via sent-by and Contact). */
  readonly local: Endpoint;
  /** Whether `send` can reach an Endpoint with no existing flow (false for WebSocket). */
  readonly canConnect: boolean;
  /** Sends on the given flow, or to an endpoint (reusing or opening a connection where it can). */
  send(data: Buffer, target: Flow | Endpoint): Promise<SendResult>;
  /** Looks up a live flow by id. */
  flow(id: string): Flow | undefined;
  close(): Promise<void>;
}

export function isFlow(target: Flow | Endpoint): target is Flow {
  return 'transport' in target;
}

export function endpointKey(e: Endpoint): string {
  return `${e.address}:${e.port}`;
}

export function defaultPort(protocol: TransportProtocol): number {
  return protocol === 'tls' || protocol === 'wss' ? 5061 : 5060;
}

import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { Uri } from '../message/uri.js';
import { socketHost } from '../message/uri.js';
import { defaultPort, type Endpoint, type TransportProtocol } from '../transport/transport.js';

/** Where a request goes: which transport, and the address and port (RFC 3263, reduced). */
export interface Destination extends Endpoint {
  readonly protocol: TransportProtocol;
}

/** Turns a host name into an address. The default uses the system resolver (A/AAAA only). */
export type HostResolver = (host: string) => Promise<string>;

export const systemResolver: HostResolver = async (host) => (await lookup(host)).address;

const PROTOCOLS: readonly TransportProtocol[] = ['udp', 'tcp', 'tls', 'ws', 'wss'];

/**
 * The transport and port a URI asks for (RFC 3263 §4.1 without NAPTR/SRV): the `transport`
 * parameter, TLS for sips, UDP otherwise; the URI's port or the transport's default. Returns a
 * reason string when the URI cannot be reached.
 */
export function targetOf(uri: Uri): { protocol: TransportProtocol; host: string; port: number } | string {
  if (uri.kind !== 'sip') return `cannot route to a ${uri.scheme}: URI`;
  const param = uri.params.get('transport')?.toLowerCase();
  let protocol: TransportProtocol;
  if (param !== undefined) {
    if (!PROTOCOLS.includes(param as TransportProtocol)) return `unsupported transport "${param}"`;
    protocol = param as TransportProtocol;
    if (uri.scheme === 'sips' && protocol === 'tcp') protocol = 'tls';
    if (uri.scheme === 'sips' && protocol === 'ws') protocol = 'wss';
  } else {
    protocol = uri.scheme === 'sips' ? 'tls' : 'udp';
  }
  const host = socketHost(uri.params.get('maddr') ?? uri.host);
  return { protocol, host, port: uri.port ?? defaultPort(protocol) };
}

/**
 * Resolves a URI to a destination: numeric addresses as they are, "localhost" to 127.0.0.1, other
 * names through `resolver`; a name is kept as `serverName` (what a TLS certificate must name).
 */
export async function resolveDestination(uri: Uri, resolver: HostResolver = systemResolver): Promise<Destination | string> {
  const target = targetOf(uri);
  if (typeof target === 'string') return target;
  const host = target.host;
  if (isIP(host) !== 0) return { protocol: target.protocol, address: host, port: target.port };
  let address: string;
  if (host.toLowerCase() === 'localhost') address = '127.0.0.1';
  else {
    try {
      address = await resolver(host);
    } catch (error) {
      return `cannot resolve ${host}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return { protocol: target.protocol, address, port: target.port, serverName: host };
}

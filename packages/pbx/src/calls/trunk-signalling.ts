import type { SipStack, SipUri, TransportProtocol } from '@switchboard/sip';
import type { Trunk } from '../store/records.js';

/** How the server speaks to a trunk's carrier. */
export interface TrunkSignalling {
  protocol: TransportProtocol;
  /** Parameters of the URIs sent to the carrier (its Request-URIs): `transport=tcp|tls`. */
  uriParams: Record<string, string>;
  /** Our Contact for the carrier, over that transport. */
  contact: SipUri;
}

/** Why a TLS trunk cannot be used on this server, in the admin's terms. */
const TLS_OFF = 'the trunk uses TLS, but SIP over TLS is off on this server: give it a certificate (SWITCHBOARD_TLS_CERT and SWITCHBOARD_TLS_KEY, or SWITCHBOARD_TLS_SELF_SIGNED=1)';

/**
 * The transport, URI parameters and Contact for `trunk`. TCP falls back to UDP on a stack without
 * TCP (some tests run so). TLS never falls back to a clear transport: without a TLS transport (the
 * server has no certificate) the answer is the reason the trunk cannot be used.
 *
 * Over TLS the URIs are `sip:` with `transport=tls`, as carriers expect, not `sips:` (which asks
 * for TLS on every hop to the far end, RFC 5630).
 */
export function trunkSignalling(stack: SipStack, trunk: Trunk, user: string): TrunkSignalling | string {
  let protocol: TransportProtocol = 'udp';
  if (trunk.transport === 'tls') {
    if (!stack.transport('tls')) return TLS_OFF;
    protocol = 'tls';
  } else if (trunk.transport === 'tcp' && stack.transport('tcp')) {
    protocol = 'tcp';
  }
  const uriParams: Record<string, string> = protocol === 'udp' ? {} : { transport: protocol };
  return { protocol, uriParams, contact: stack.contactUri(protocol, user) };
}

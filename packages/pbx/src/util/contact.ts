import { address, type Address, type SipRequest, type SipStack, type TransportProtocol } from '@switchboard/sip';

/**
 * Our Contact (user "switchboard") over `protocol`: WSS is served by the WebSocket transport, and
 * a transport the stack lacks falls back to UDP. It is a SIPS URI only when `request` (the one
 * that makes the dialog) has a SIPS Request-URI, as RFC 3261 §12.1.1 requires.
 */
export function ourContact(stack: SipStack, protocol: string, request?: SipRequest): Address {
  const p = (protocol === 'wss' ? 'ws' : protocol) as TransportProtocol;
  const usable: TransportProtocol = stack.transport(p) ? p : 'udp';
  const sips = request !== undefined && request.uri.kind === 'sip' && request.uri.scheme === 'sips';
  return address(stack.contactUri(usable, 'switchboard', { sips }));
}

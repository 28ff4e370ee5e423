/** Helpers of the UA core: Via stamping (§18.2.1), CANCEL construction (§9.1), local host choice. */
import { networkInterfaces } from 'node:os';
import { withViaParams, type Via } from '../message/headers/via.js';
import { SipRequest } from '../message/message.js';
import { socketHost } from '../message/uri.js';
import type { Flow } from '../transport/transport.js';

export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '';
}

export function guessHost(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const i of list ?? []) if (i.family === 'IPv4' && !i.internal) return i.address;
  }
  return '127.0.0.1';
}

export function ackKeyOf(callId: string, seq: number, toTag: string | undefined): string {
  return `${callId}|${seq}|${toTag ?? ''}`;
}

/**
 * §18.2.1 and RFC 3581 §4: add `received` when sent-by differs from the source address, and fill
 * `rport` (with `received`) when the client asked for it.
 */
export function stampedVia(via: Via, flow: Flow): Via {
  const source = flow.remote.address;
  let params = via.params;
  if (socketHost(via.host) !== source) params = params.with('received', source);
  if (via.rport === null) {
    params = params.with('rport', String(flow.remote.port));
    if (!params.has('received')) params = params.with('received', source);
  }
  return params === via.params ? via : withViaParams(via, params);
}

/** CANCEL for a pending INVITE (§9.1): same Request-URI, Call-ID, From, To, CSeq number, top Via and Route. */
export function createCancel(invite: SipRequest, reason?: string): SipRequest {
  const cancel = new SipRequest('CANCEL', invite.uri);
  cancel.set('Via', invite.topVia);
  cancel.set('Max-Forwards', 70);
  if (invite.has('route')) cancel.set('Route', invite.routes);
  cancel.set('From', invite.get('from') ?? '');
  cancel.set('To', invite.get('to') ?? '');
  cancel.set('Call-ID', invite.callId);
  cancel.set('CSeq', { seq: invite.cseq.seq, method: 'CANCEL' });
  if (reason !== undefined) cancel.set('Reason', reason);
  cancel.set('Content-Length', 0);
  return cancel;
}

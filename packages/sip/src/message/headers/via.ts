import { isIP } from 'node:net';
import { Params, parseHeaderParams } from '../params.js';
import { Scanner, SipSyntaxError, isDigits, isToken } from '../syntax.js';
import { checkHost, checkPort, formatHost, socketHost } from '../uri.js';

/** The RFC 3261 branch prefix that marks a globally unique transaction id (§8.1.1.7). */
export const MAGIC_COOKIE = 'z9hG4bK';

/** One Via value (RFC 3261 §20.42, RFC 3581 rport). */
export interface Via {
  /** "SIP" */
  readonly protocol: string;
  /** "2.0" */
  readonly version: string;
  /** Upper-case transport: UDP, TCP, TLS, WS, WSS, SCTP... */
  readonly transport: string;
  /** sent-by host as written (IPv6 with brackets). */
  readonly host: string;
  readonly port?: number;
  readonly params: Params;
  readonly branch?: string;
  /** The `received` address without brackets. */
  readonly received?: string;
  /** `rport=N` gives N; a bare `rport` (a request for it) gives null; absent: undefined. */
  readonly rport?: number | null;
}

export function createVia(parts: { transport: string; host: string; port?: number; params?: Params | Record<string, string | undefined>; protocol?: string; version?: string }): Via {
  const params = parts.params === undefined ? Params.empty : parts.params instanceof Params ? parts.params : Params.of(parts.params);
  return withComputed({
    protocol: parts.protocol ?? 'SIP',
    version: parts.version ?? '2.0',
    transport: parts.transport.toUpperCase(),
    host: formatHost(parts.host),
    ...(parts.port === undefined ? {} : { port: parts.port }),
    params,
  });
}

/** A copy of `via` with `params` replaced (branch/received/rport recomputed). */
export function withViaParams(via: Via, params: Params): Via {
  const { branch: _b, received: _r, rport: _p, ...rest } = via;
  return withComputed({ ...rest, params });
}

function withComputed(base: Omit<Via, 'branch' | 'received' | 'rport'>): Via {
  // One object shape for every Via (the parser builds many): optional fields are present, maybe undefined.
  const params = base.params;
  const received = params.get('received');
  const rport = params.get('rport');
  return {
    protocol: base.protocol,
    version: base.version,
    transport: base.transport,
    host: base.host,
    port: base.port,
    params,
    branch: params.get('branch'),
    received: received === undefined ? undefined : socketHost(received),
    rport: rport === undefined ? undefined : rport === '' ? null : Number(rport),
  };
}

function checkViaParams(params: Params, s: Scanner): void {
  for (const p of params) {
    const name = p.name.toLowerCase();
    const value = p.value;
    switch (name) {
      case 'branch':
        if (value === undefined || !isToken(value)) s.fail('invalid branch');
        break;
      case 'received':
        if (value === undefined || isIP(socketHost(value)) === 0) s.fail('invalid received address');
        break;
      case 'rport':
        if (value !== undefined) checkPort(value);
        break;
      case 'ttl':
        if (value === undefined || !isDigits(value) || Number(value) > 255) s.fail('invalid ttl');
        break;
      case 'maddr':
        if (value === undefined) s.fail('invalid maddr');
        checkHost(value);
        break;
    }
  }
}

/** Via values, comma-separated; one header line may hold several (§7.3.1). */
export function parseViaList(value: string, header = 'Via'): Via[] {
  const s = new Scanner(value, 0, header);
  const list: Via[] = [];
  try {
    for (;;) {
      s.skipWs();
      const protocol = s.readToken('protocol name');
      s.expectSeparator('/');
      const version = s.readToken('protocol version');
      s.expectSeparator('/');
      const transport = s.readToken('transport').toUpperCase();
      s.skipWs();
      const sentBy = s.readUntil(';,', 'sent-by');
      let host: string;
      let port: number | undefined;
      // COLON = SWS ":" SWS; a port may also follow whitespace after the host.
      if (sentBy.startsWith('[')) {
        const close = sentBy.indexOf(']');
        host = close < 0 ? sentBy : sentBy.slice(0, close + 1);
        const rest = close < 0 ? '' : sentBy.slice(close + 1);
        if (rest !== '') {
          if (rest[0] !== ':') s.fail('invalid sent-by');
          port = checkPort(rest.slice(1));
        }
      } else {
        const colon = sentBy.indexOf(':');
        host = colon < 0 ? sentBy : sentBy.slice(0, colon);
        if (colon >= 0) port = checkPort(sentBy.slice(colon + 1));
      }
      checkHost(host);
      if (port === undefined && s.trySeparator(':')) port = checkPort(s.readDigits('port'));
      const params = parseHeaderParams(s);
      checkViaParams(params, s);
      list.push(withComputed({ protocol, version, transport, host, ...(port === undefined ? {} : { port }), params }));
      s.skipWs();
      if (s.done) return list;
      if (s.text[s.pos] !== ',') s.fail('expected ","');
      s.pos++;
    }
  } catch (e) {
    if (e instanceof SipSyntaxError && e.header === undefined) throw new SipSyntaxError(e.message, header);
    throw e;
  }
}

export function viaToString(via: Via): string {
  return `${via.protocol}/${via.version}/${via.transport} ${via.host}${via.port === undefined ? '' : ':' + via.port}${via.params.toString()}`;
}

/** Whether the branch marks an RFC 3261 transaction id (magic cookie plus something after it). */
export function isRfc3261Branch(branch: string | undefined): branch is string {
  return branch !== undefined && branch.length > MAGIC_COOKIE.length && branch.startsWith(MAGIC_COOKIE);
}

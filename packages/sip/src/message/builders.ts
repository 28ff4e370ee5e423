import { address, parseAddress, withParam, type Address } from './address.js';
import { canonicalName, headerKey } from './header-names.js';
import { newCallId, newTag } from './ids.js';
import { SipRequest, SipResponse, type HeaderField, type HeaderInput } from './message.js';
import type { ParseFailure } from './parser.js';
import { reasonPhrase } from './reason-phrases.js';
import { parseUri, type Uri } from './uri.js';

export type ExtraHeaders = Record<string, HeaderInput> | ReadonlyArray<readonly [string, HeaderInput]>;

function addHeaders(message: SipRequest | SipResponse, headers: ExtraHeaders | undefined): void {
  if (!headers) return;
  const entries: ReadonlyArray<readonly [string, HeaderInput]> = Array.isArray(headers)
    ? (headers as ReadonlyArray<readonly [string, HeaderInput]>)
    : Object.entries(headers as Record<string, HeaderInput>);
  for (const [name, value] of entries) message.add(name, value);
}

function toAddress(value: Address | Uri | string): Address {
  if (typeof value === 'string') return parseAddress(value);
  return 'kind' in value ? address(value) : value;
}

export interface RequestInit {
  method: string;
  /** Request-URI. */
  uri: Uri | string;
  /** A From without a tag gets a fresh one (§8.1.1.3). */
  from: Address | Uri | string;
  to: Address | Uri | string;
  callId?: string;
  /** CSeq number; 1 by default. */
  cseq?: number;
  contact?: Address | readonly Address[];
  maxForwards?: number;
  route?: readonly Address[];
  headers?: ExtraHeaders;
  body?: Buffer | string;
  contentType?: string;
}

/**
 * A request outside any dialog (RFC 3261 §8.1.1). The stack adds the Via with its branch when the
 * request is sent; everything else a UAC must supply is set here.
 */
export function createRequest(init: RequestInit): SipRequest {
  const uri = typeof init.uri === 'string' ? parseUri(init.uri) : init.uri;
  const request = new SipRequest(init.method, uri);
  let from = toAddress(init.from);
  if (!from.params.has('tag')) from = withParam(from, 'tag', newTag());
  request.set('Max-Forwards', init.maxForwards ?? 70);
  if (init.route && init.route.length > 0) request.set('Route', init.route);
  request.set('From', from);
  request.set('To', toAddress(init.to));
  request.set('Call-ID', init.callId ?? newCallId());
  request.set('CSeq', { seq: init.cseq ?? 1, method: init.method });
  if (init.contact !== undefined) request.set('Contact', init.contact);
  addHeaders(request, init.headers);
  request.setBody(init.body ?? Buffer.alloc(0), init.body === undefined ? undefined : init.contentType);
  return request;
}

export interface ResponseOptions {
  /**
   * The To tag to add when the request's To has none (§8.2.6.2): a string, or `true` for a fresh
   * one. Ignored for 100 Trying, which never carries a tag.
   */
  toTag?: string | true;
  headers?: ExtraHeaders;
  body?: Buffer | string;
  contentType?: string;
}

const COPIED = ['via', 'from', 'to', 'call-id', 'cseq'];

/**
 * A response to `request` (RFC 3261 §8.2.6): Via, From, To, Call-ID and CSeq copied as received
 * (Via values in order), a To tag added when asked, Timestamp echoed in 100 (§8.2.6.1).
 */
export function createResponse(request: SipRequest, status: number, reason?: string, options: ResponseOptions = {}): SipResponse {
  const fields: HeaderField[] = [];
  for (const key of COPIED) {
    const values = request.getAll(key);
    if (key === 'to' && values.length > 0 && options.toTag !== undefined && status !== 100 && request.toTag === undefined) {
      const tag = options.toTag === true ? newTag() : options.toTag;
      fields.push({ name: 'To', key, value: `${values[0]!};tag=${tag}` });
      continue;
    }
    for (const value of values) fields.push({ name: canonicalName(key), key, value });
  }
  if (status === 100) {
    const timestamp = request.get('timestamp');
    if (timestamp !== undefined) fields.push({ name: 'Timestamp', key: headerKey('timestamp'), value: timestamp });
  }
  const response = new SipResponse(status, reason ?? reasonPhrase(status), fields);
  addHeaders(response, options.headers);
  response.setBody(options.body ?? Buffer.alloc(0), options.body === undefined ? undefined : options.contentType);
  return response;
}

/**
 * The answer to a request that failed to parse (400, or 505 for a SIP version we do not speak),
 * built from the raw values the parser salvaged; undefined when it cannot be routed back.
 */
export function createErrorResponse(failure: ParseFailure): SipResponse | undefined {
  const ctx = failure.replyContext;
  if (failure.kind !== 'request' || !ctx) return undefined;
  const fields: HeaderField[] = ctx.vias.map((value) => ({ name: 'Via', key: 'via', value }));
  if (ctx.from !== undefined) fields.push({ name: 'From', key: 'from', value: ctx.from });
  if (ctx.to !== undefined) fields.push({ name: 'To', key: 'to', value: ctx.to });
  if (ctx.callId !== undefined) fields.push({ name: 'Call-ID', key: 'call-id', value: ctx.callId });
  if (ctx.cseq !== undefined) fields.push({ name: 'CSeq', key: 'cseq', value: ctx.cseq });
  const detail = failure.reason.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
  const response = new SipResponse(failure.status, `${reasonPhrase(failure.status)} (${detail})`, fields);
  response.set('Content-Length', 0);
  return response;
}

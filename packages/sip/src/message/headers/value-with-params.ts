import type { Params} from '../params.js';
import { parseHeaderParams } from '../params.js';
import { parseDeltaSeconds } from './numeric.js';
import { Scanner, isWord } from '../syntax.js';

/** Event (RFC 6665 §8.2.1): an event package with parameters such as `id`. */
export interface EventHeader {
  readonly type: string;
  readonly params: Params;
  readonly id?: string;
}

/** Subscription-State (RFC 6665 §8.2.3). */
export interface SubscriptionState {
  /** active / pending / terminated, or an extension value, lower-cased. */
  readonly state: string;
  readonly params: Params;
  readonly expires?: number;
  readonly reason?: string;
  readonly retryAfter?: number;
}

/** Session-Expires (RFC 4028 §4). */
export interface SessionExpires {
  readonly seconds: number;
  readonly refresher?: 'uac' | 'uas';
  readonly params: Params;
}

/** One Reason value (RFC 3326): `SIP;cause=200;text="Call completed elsewhere"`. */
export interface Reason {
  readonly protocol: string;
  readonly cause?: number;
  readonly text?: string;
  readonly params: Params;
}

/** Replaces (RFC 3891 §6.1). */
export interface Replaces {
  readonly callId: string;
  readonly toTag: string;
  readonly fromTag: string;
  readonly earlyOnly: boolean;
  readonly params: Params;
}

function single<T>(value: string, header: string, head: (s: Scanner) => string, build: (head: string, params: Params, s: Scanner) => T): T {
  const s = new Scanner(value, 0, header);
  s.skipWs();
  const h = head(s);
  const params = parseHeaderParams(s);
  s.skipWs();
  if (!s.done) s.fail('unexpected text');
  return build(h, params, s);
}

export function parseEvent(value: string): EventHeader {
  return single(value, 'Event', (s) => s.readToken('event type'), (type, params) => {
    const id = params.get('id');
    return id === undefined ? { type, params } : { type, params, id };
  });
}

export function parseSubscriptionState(value: string): SubscriptionState {
  return single(value, 'Subscription-State', (s) => s.readToken('subscription state').toLowerCase(), (state, params) => {
    const out: { -readonly [K in keyof SubscriptionState]: SubscriptionState[K] } = { state, params };
    const expires = params.get('expires');
    if (expires !== undefined) out.expires = parseDeltaSeconds(expires, 'Subscription-State');
    const reason = params.get('reason');
    if (reason !== undefined) out.reason = reason.toLowerCase();
    const retry = params.get('retry-after');
    if (retry !== undefined) out.retryAfter = parseDeltaSeconds(retry, 'Subscription-State');
    return out;
  });
}

export function parseSessionExpires(value: string): SessionExpires {
  return single(value, 'Session-Expires', (s) => s.readDigits('delta-seconds'), (digits: string, params: Params, s: Scanner): SessionExpires => {
    const refresher = params.get('refresher')?.toLowerCase();
    if (refresher !== undefined && refresher !== 'uac' && refresher !== 'uas') return s.fail('invalid refresher');
    const seconds = parseDeltaSeconds(digits, 'Session-Expires');
    return refresher === undefined ? { seconds, params } : { seconds, refresher, params };
  });
}

export function parseReasonList(value: string): Reason[] {
  const s = new Scanner(value, 0, 'Reason');
  const list: Reason[] = [];
  for (;;) {
    s.skipWs();
    const protocol = s.readToken('protocol');
    const params = parseHeaderParams(s);
    const out: { -readonly [K in keyof Reason]: Reason[K] } = { protocol, params };
    const cause = params.get('cause');
    if (cause !== undefined && /^\d{1,6}$/.test(cause)) out.cause = Number(cause);
    const text = params.get('text');
    if (text !== undefined) out.text = text;
    list.push(out);
    s.skipWs();
    if (s.done) return list;
    if (s.text[s.pos] !== ',') s.fail('expected ","');
    s.pos++;
  }
}

export function parseReplaces(value: string): Replaces {
  return single(value, 'Replaces', (s) => s.readUntil(';', 'call-id'), (callId: string, params: Params, s: Scanner): Replaces => {
    if (!isWord(callId.split('@').join(''))) s.fail('invalid call-id');
    const toTag = params.get('to-tag');
    const fromTag = params.get('from-tag');
    if (toTag === undefined || fromTag === undefined) return s.fail('Replaces needs to-tag and from-tag');
    return { callId, toTag, fromTag, earlyOnly: params.has('early-only'), params };
  });
}

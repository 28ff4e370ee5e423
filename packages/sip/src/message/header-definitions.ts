import { parseAddress, parseAddressList, type Address } from './address.js';
import { parseAuthValue, type AuthValue } from './headers/auth.js';
import { parseContactList, type ContactList } from './headers/contact.js';
import { parseCSeq, type CSeq } from './headers/cseq.js';
import { parseSipDate } from './headers/date.js';
import { parseMediaType, parseMediaTypeList, type MediaType } from './headers/media-type.js';
import { parseContentLength, parseDeltaSeconds, parseMaxForwards } from './headers/numeric.js';
import { parseTokenList } from './headers/token-list.js';
import {
  parseEvent,
  parseReasonList,
  parseReplaces,
  parseSessionExpires,
  parseSubscriptionState,
  type EventHeader,
  type Reason,
  type Replaces,
  type SessionExpires,
  type SubscriptionState,
} from './headers/value-with-params.js';
import { parseViaList, type Via } from './headers/via.js';
import { SipSyntaxError, isWord } from './syntax.js';

/** The typed value of every header the stack understands, by header key. */
export interface TypedHeaders {
  via: readonly Via[];
  from: Address;
  to: Address;
  'call-id': string;
  cseq: CSeq;
  'max-forwards': number;
  contact: ContactList;
  expires: number;
  'min-expires': number;
  route: readonly Address[];
  'record-route': readonly Address[];
  'content-type': MediaType;
  'content-length': number;
  accept: readonly MediaType[];
  event: EventHeader;
  'subscription-state': SubscriptionState;
  allow: readonly string[];
  supported: readonly string[];
  require: readonly string[];
  'proxy-require': readonly string[];
  unsupported: readonly string[];
  'allow-events': readonly string[];
  'refer-to': Address;
  'referred-by': Address;
  replaces: Replaces;
  reason: readonly Reason[];
  'session-expires': SessionExpires;
  'min-se': number;
  'p-asserted-identity': readonly Address[];
  authorization: readonly AuthValue[];
  'proxy-authorization': readonly AuthValue[];
  'www-authenticate': readonly AuthValue[];
  'proxy-authenticate': readonly AuthValue[];
  date: number;
}

export type TypedHeaderKey = keyof TypedHeaders;

export interface Definition<T> {
  /** A single-valued header may appear once (RFC 4475 §3.3.8-9: multi01, mcl01). */
  readonly single: boolean;
  parse(values: readonly string[]): T;
  /** The same for a header written on one line (the usual case: no array to build). */
  parseLine(value: string): T;
}

type Definitions = { readonly [K in TypedHeaderKey]: Definition<TypedHeaders[K]> };

function one<T>(parse: (value: string) => T): Definition<T> {
  return { single: true, parse: (values) => parse(values[0] ?? ''), parseLine: parse };
}

function list<T>(parse: (value: string) => readonly T[]): Definition<readonly T[]> {
  return {
    single: false,
    parse: (values) => (values.length === 1 ? parse(values[0]!) : values.flatMap((v) => parse(v))),
    parseLine: parse,
  };
}

function perLine<T>(parse: (value: string) => T): Definition<readonly T[]> {
  return { single: false, parse: (values) => values.map(parse), parseLine: (value) => [parse(value)] };
}

function parseCallId(value: string): string {
  const id = value.trim();
  const at = id.indexOf('@');
  const ok = at < 0 ? isWord(id) : isWord(id.slice(0, at)) && isWord(id.slice(at + 1));
  if (!ok) throw new SipSyntaxError(`invalid Call-ID "${id.slice(0, 40)}"`, 'Call-ID');
  return id;
}

function parseContacts(values: readonly string[]): ContactList {
  const lists = values.map(parseContactList);
  if (lists.length === 1) return lists[0]!;
  if (lists.includes('*')) throw new SipSyntaxError('"*" must be the only Contact', 'Contact');
  return (lists as Array<readonly Address[]>).flat();
}

export const HEADER_DEFINITIONS: Definitions = {
  via: list((v) => parseViaList(v)),
  from: one((v) => parseAddress(v, 'From')),
  to: one((v) => parseAddress(v, 'To')),
  'call-id': one(parseCallId),
  cseq: one(parseCSeq),
  'max-forwards': one(parseMaxForwards),
  contact: { single: false, parse: parseContacts, parseLine: parseContactList },
  expires: one((v) => parseDeltaSeconds(v, 'Expires')),
  'min-expires': one((v) => parseDeltaSeconds(v, 'Min-Expires')),
  route: list((v) => parseAddressList(v, 'Route')),
  'record-route': list((v) => parseAddressList(v, 'Record-Route')),
  'content-type': one((v) => parseMediaType(v)),
  'content-length': one(parseContentLength),
  accept: list((v) => parseMediaTypeList(v)),
  event: one(parseEvent),
  'subscription-state': one(parseSubscriptionState),
  allow: list((v) => parseTokenList(v, 'Allow')),
  supported: list((v) => parseTokenList(v, 'Supported')),
  require: list((v) => parseTokenList(v, 'Require')),
  'proxy-require': list((v) => parseTokenList(v, 'Proxy-Require')),
  unsupported: list((v) => parseTokenList(v, 'Unsupported')),
  'allow-events': list((v) => parseTokenList(v, 'Allow-Events')),
  'refer-to': one((v) => parseAddress(v, 'Refer-To')),
  'referred-by': one((v) => parseAddress(v, 'Referred-By')),
  replaces: one(parseReplaces),
  reason: list(parseReasonList),
  'session-expires': one(parseSessionExpires),
  'min-se': one((v) => parseDeltaSeconds(v, 'Min-SE')),
  'p-asserted-identity': list((v) => parseAddressList(v, 'P-Asserted-Identity')),
  authorization: perLine((v) => parseAuthValue(v, 'Authorization')),
  'proxy-authorization': perLine((v) => parseAuthValue(v, 'Proxy-Authorization')),
  'www-authenticate': perLine((v) => parseAuthValue(v, 'WWW-Authenticate')),
  'proxy-authenticate': perLine((v) => parseAuthValue(v, 'Proxy-Authenticate')),
  date: one(parseSipDate),
};

const BY_KEY: ReadonlyMap<string, Definition<unknown>> = new Map(Object.entries(HEADER_DEFINITIONS));

export function isTypedHeaderKey(key: string): key is TypedHeaderKey {
  return BY_KEY.has(key);
}

/** The definition of a header the stack understands; undefined for any other key (one map lookup). */
export function headerDefinition(key: string): Definition<unknown> | undefined {
  return BY_KEY.get(key);
}

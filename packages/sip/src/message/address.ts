import { Params, parseHeaderParams } from './params.js';
import { Scanner, SipSyntaxError, isTokenChar, quote, unquote } from './syntax.js';
import { parseUri, uriToString, type Uri } from './uri.js';

/**
 * name-addr or addr-spec with header parameters (RFC 3261 §20.10, §20.20, §20.39...): the value
 * of From, To, Contact, Route, Record-Route, Refer-To, Referred-By and P-Asserted-Identity.
 */
export interface Address {
  /** Unquoted display name, if one was given. */
  readonly displayName?: string;
  readonly uri: Uri;
  readonly params: Params;
}

export function address(uri: Uri, options: { displayName?: string; params?: Params | Record<string, string | undefined> } = {}): Address {
  const params = options.params === undefined ? Params.empty : options.params instanceof Params ? options.params : Params.of(options.params);
  return options.displayName === undefined ? { uri, params } : { displayName: options.displayName, uri, params };
}

/** Always writes the name-addr form, which is unambiguous whatever the URI contains (§20.10). */
export function addressToString(a: Address): string {
  const name = a.displayName !== undefined && a.displayName !== '' ? quote(a.displayName) + ' ' : '';
  return `${name}<${uriToString(a.uri)}>${a.params.toString()}`;
}

export function withParam(a: Address, name: string, value?: string): Address {
  return { ...a, params: a.params.with(name, value) };
}

function parseNameAddrUri(s: Scanner): Uri {
  // LAQUOT addr-spec RAQUOT: no whitespace allowed inside the brackets.
  s.pos++;
  const close = s.text.indexOf('>', s.pos);
  if (close < 0) s.fail('missing ">"');
  const text = s.text.slice(s.pos, close);
  if (text === '' || text.charCodeAt(0) <= 32 || text.charCodeAt(text.length - 1) <= 32) s.fail('whitespace inside "<>"');
  const uri = parseUriIn(s, text);
  s.pos = close + 1;
  return uri;
}

function parseUriIn(s: Scanner, text: string): Uri {
  try {
    return parseUri(text);
  } catch (e) {
    if (e instanceof SipSyntaxError) throw new SipSyntaxError(e.message, s.header);
    throw e;
  }
}

/** Reads one address at the cursor (leading whitespace allowed). */
export function readAddress(s: Scanner): Address {
  s.skipWs();
  const t = s.text;
  let displayName: string | undefined;
  let uri: Uri;
  if (t[s.pos] === '"') {
    displayName = unquote(s.readQuotedRaw());
    s.skipWs();
    if (t[s.pos] !== '<') s.fail('expected "<" after display name');
    uri = parseNameAddrUri(s);
  } else if (t[s.pos] === '<') {
    uri = parseNameAddrUri(s);
  } else {
    // Either display-name tokens followed by "<", or an addr-spec.
    let p = s.pos;
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (!isTokenChar(c) && c !== 32 && c !== 9) break;
      p++;
    }
    if (t[p] === '<') {
      displayName = t.slice(s.pos, p).trim().replace(/[ \t]+/g, ' ');
      s.pos = p;
      uri = parseNameAddrUri(s);
    } else {
      // addr-spec form: the URI may contain none of ",", ";" or "?" (§20.10).
      const text = s.readUntil(',;', 'address');
      if (text.includes('?')) s.fail('addr-spec with "?" must be written in "<>"');
      uri = parseUriIn(s, text);
    }
  }
  const params = parseHeaderParams(s);
  return displayName === undefined ? { uri, params } : { displayName, uri, params };
}

function expectEnd(s: Scanner): void {
  s.skipWs();
  if (!s.done) s.fail('unexpected text');
}

/** One address filling the whole value (From, To, Refer-To...). */
export function parseAddress(value: string, header?: string): Address {
  const s = new Scanner(value, 0, header);
  const a = readAddress(s);
  expectEnd(s);
  return a;
}

/** A comma-separated list of addresses (Route, Record-Route, Contact, P-Asserted-Identity). */
export function parseAddressList(value: string, header?: string): Address[] {
  const s = new Scanner(value, 0, header);
  const list: Address[] = [];
  for (;;) {
    list.push(readAddress(s));
    s.skipWs();
    if (s.done) return list;
    if (s.text[s.pos] !== ',') s.fail('expected ","');
    s.pos++;
  }
}

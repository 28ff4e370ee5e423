import { isIPv6 } from 'node:net';
import { Params, type Param } from './params.js';
import {
  PARAM_CHARS,
  PASSWORD_CHARS,
  SipSyntaxError,
  URI_HEADER_CHARS,
  USER_CHARS,
  escape,
  isDigits,
  isEscapedText,
  unescape,
} from './syntax.js';

/** A `sip:` or `sips:` URI (RFC 3261 §19.1). `user` and `password` are stored unescaped. */
export interface SipUri {
  readonly kind: 'sip';
  readonly scheme: 'sip' | 'sips';
  readonly user?: string;
  readonly password?: string;
  /** As written; an IPv6 reference keeps its brackets: `[2001:db8::1]`. */
  readonly host: string;
  readonly port?: number;
  readonly params: Params;
  /** `?name=value&...` URI headers, written form. */
  readonly headers: readonly Param[];
}

/** A `tel:` URI (RFC 3966); only the number and its parameters are distinguished. */
export interface TelUri {
  readonly kind: 'tel';
  readonly scheme: 'tel';
  readonly number: string;
  readonly params: Params;
}

/** Any other absoluteURI (`http:`, `urn:`, `isbn:`...): kept as scheme and opaque text. */
export interface OtherUri {
  readonly kind: 'other';
  readonly scheme: string;
  readonly opaque: string;
}

export type Uri = SipUri | TelUri | OtherUri;

export function sipUri(parts: {
  scheme?: 'sip' | 'sips';
  user?: string;
  password?: string;
  host: string;
  port?: number;
  params?: Params | Record<string, string | undefined>;
  headers?: readonly Param[];
}): SipUri {
  const params = parts.params === undefined ? Params.empty : parts.params instanceof Params ? parts.params : Params.of(parts.params);
  const uri: { -readonly [K in keyof SipUri]: SipUri[K] } = { kind: 'sip', scheme: parts.scheme ?? 'sip', host: formatHost(parts.host), params, headers: parts.headers ?? [] };
  if (parts.user !== undefined) uri.user = parts.user;
  if (parts.password !== undefined) uri.password = parts.password;
  if (parts.port !== undefined) uri.port = parts.port;
  return uri;
}

/** Writes an IPv6 address as a reference (`[...]`), anything else unchanged. */
export function formatHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The host as a socket API wants it: an IPv6 reference without its brackets. */
export function socketHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

const SCHEME_RE = /^[A-Za-z][A-Za-z0-9+.-]*$/;
/**
 * hostname = *( domainlabel "." ) toplabel [ "." ], labels of letters, digits and inner "-"
 * (plus "_", which real deployments use). A loop rather than a regular expression: hot path.
 */
function isHostname(host: string): boolean {
  if (host.length === 0 || host.length > 255) return false;
  let labelStart = 0;
  for (let i = 0; i <= host.length; i++) {
    const c = i === host.length ? 46 : host.charCodeAt(i);
    if (c === 46) {
      const length = i - labelStart;
      if (length === 0) return i === host.length && i > 0 && labelStart === i; // a single trailing dot
      if (host.charCodeAt(labelStart) === 45 || host.charCodeAt(i - 1) === 45) return false;
      labelStart = i + 1;
      continue;
    }
    const ok = (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 45 || c === 95;
    if (!ok) return false;
  }
  return true;
}

function looksNumeric(host: string): boolean {
  for (let i = 0; i < host.length; i++) {
    const c = host.charCodeAt(i);
    if ((c < 48 || c > 57) && c !== 46) return false;
  }
  return host.length > 0;
}

/** Dotted-quad IPv4 (four decimal octets 0-255, no leading zeros beyond "0"). */
export function isIPv4Address(text: string): boolean {
  let octets = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i === text.length ? 46 : text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || value > 255) return false;
      octets++;
      value = 0;
      digits = 0;
      continue;
    }
    if (c < 48 || c > 57) return false;
    if (digits > 0 && value === 0) return false; // leading zero
    value = value * 10 + (c - 48);
    digits++;
    if (digits > 3) return false;
  }
  return octets === 4;
}

/** Validates host = hostname / IPv4address / IPv6reference; returns it as written. */
export function checkHost(host: string): string {
  if (host.startsWith('[')) {
    if (!host.endsWith(']') || !isIPv6(host.slice(1, -1))) throw new SipSyntaxError(`invalid IPv6 reference "${host}"`);
    return host;
  }
  if (looksNumeric(host)) {
    if (!isIPv4Address(host)) throw new SipSyntaxError(`invalid IPv4 address "${host}"`);
    return host;
  }
  if (!isHostname(host)) throw new SipSyntaxError(`invalid host "${host}"`);
  return host;
}

export function checkPort(text: string): number {
  if (!isDigits(text) || text.length > 5) throw new SipSyntaxError(`invalid port "${text}"`);
  const port = Number(text);
  if (port > 65535) throw new SipSyntaxError(`invalid port "${text}"`);
  return port;
}

/** Splits `host[:port]`, handling IPv6 references. */
export function parseHostPort(text: string): { host: string; port?: number } {
  let host: string;
  let rest: string;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) throw new SipSyntaxError(`unterminated IPv6 reference "${text}"`);
    host = text.slice(0, close + 1);
    rest = text.slice(close + 1);
  } else {
    const colon = text.indexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    rest = colon < 0 ? '' : text.slice(colon);
  }
  checkHost(host);
  if (rest === '') return { host };
  if (rest[0] !== ':') throw new SipSyntaxError(`invalid host "${text}"`);
  return { host, port: checkPort(rest.slice(1)) };
}

function parseUriParams(text: string, what: string): Params {
  if (text === '') return Params.empty;
  const list: Param[] = [];
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? undefined : part.slice(eq + 1);
    if (name === '' || !isEscapedText(name, PARAM_CHARS) || (value !== undefined && (value === '' || !isEscapedText(value, PARAM_CHARS)))) {
      throw new SipSyntaxError(`invalid ${what} parameter "${part}"`);
    }
    list.push({ name, value });
  }
  return Params.of(list);
}

function parseUriHeaders(text: string): Param[] {
  const list: Param[] = [];
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new SipSyntaxError(`invalid URI header "${part}"`);
    const name = part.slice(0, eq);
    const value = part.slice(eq + 1);
    if (!isEscapedText(name, URI_HEADER_CHARS) || !isEscapedText(value, URI_HEADER_CHARS)) throw new SipSyntaxError(`invalid URI header "${part}"`);
    list.push({ name, value });
  }
  return list;
}

function parseSipUri(scheme: 'sip' | 'sips', rest: string): SipUri {
  let user: string | undefined;
  let password: string | undefined;
  const at = rest.indexOf('@');
  let hostPart = rest;
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    hostPart = rest.slice(at + 1);
    const colon = userinfo.indexOf(':');
    const userText = colon < 0 ? userinfo : userinfo.slice(0, colon);
    if (userText === '' || !isEscapedText(userText, USER_CHARS)) throw new SipSyntaxError(`invalid user part "${userText}"`);
    user = unescape(userText);
    if (colon >= 0) {
      const passText = userinfo.slice(colon + 1);
      if (!isEscapedText(passText, PASSWORD_CHARS)) throw new SipSyntaxError('invalid password in URI');
      password = unescape(passText);
    }
  }
  const question = hostPart.indexOf('?');
  const beforeHeaders = question < 0 ? hostPart : hostPart.slice(0, question);
  const semi = beforeHeaders.indexOf(';');
  const hostport = semi < 0 ? beforeHeaders : beforeHeaders.slice(0, semi);
  const { host, port } = parseHostPort(hostport);
  const params = semi < 0 ? Params.empty : parseUriParams(beforeHeaders.slice(semi + 1), 'URI');
  const headers = question < 0 ? [] : parseUriHeaders(hostPart.slice(question + 1));
  const uri: { -readonly [K in keyof SipUri]: SipUri[K] } = { kind: 'sip', scheme, host, params, headers };
  if (user !== undefined) uri.user = user;
  if (password !== undefined) uri.password = password;
  if (port !== undefined) uri.port = port;
  return uri;
}

function parseTelUri(rest: string): TelUri {
  const semi = rest.indexOf(';');
  const number = semi < 0 ? rest : rest.slice(0, semi);
  if (!/^[0-9A-Fa-f*#+\-.()pPwW]+$/.test(number)) throw new SipSyntaxError(`invalid telephone number "${number}"`);
  return { kind: 'tel', scheme: 'tel', number, params: semi < 0 ? Params.empty : parseUriParams(rest.slice(semi + 1), 'tel URI') };
}

/** Parses a complete URI (no surrounding whitespace or angle brackets). Throws SipSyntaxError. */
export function parseUri(text: string): Uri {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new SipSyntaxError(`invalid URI "${text.slice(0, 60)}"`);
  const schemeText = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  const scheme = schemeText.toLowerCase();
  if (scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel' && !SCHEME_RE.test(schemeText)) throw new SipSyntaxError(`invalid URI scheme "${schemeText.slice(0, 60)}"`);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32 || c >= 127 || c === 60 || c === 62 || c === 34) throw new SipSyntaxError(`invalid character in URI "${text.slice(0, 60)}"`);
  }
  if (scheme === 'sip' || scheme === 'sips') return parseSipUri(scheme, rest);
  if (scheme === 'tel') return parseTelUri(rest);
  if (rest === '') throw new SipSyntaxError(`empty URI "${text}"`);
  return { kind: 'other', scheme: schemeText, opaque: rest };
}

export function uriToString(uri: Uri): string {
  switch (uri.kind) {
    case 'sip': {
      let out = uri.scheme + ':';
      if (uri.user !== undefined) {
        out += escape(uri.user, USER_CHARS);
        if (uri.password !== undefined) out += ':' + escape(uri.password, PASSWORD_CHARS);
        out += '@';
      }
      out += uri.host;
      if (uri.port !== undefined) out += ':' + uri.port;
      out += uri.params.toString();
      if (uri.headers.length > 0) out += '?' + uri.headers.map((h) => `${h.name}=${h.value ?? ''}`).join('&');
      return out;
    }
    case 'tel':
      return 'tel:' + uri.number + uri.params.toString();
    case 'other':
      return uri.scheme + ':' + uri.opaque;
  }
}

const MUST_MATCH = ['user', 'ttl', 'method', 'maddr', 'transport'];

/** Parameter names and values unescaped and lower-cased, as §19.1.4 compares them. */
function normalizedParams(params: Params): Map<string, string> {
  const map = new Map<string, string>();
  for (const p of params) map.set(unescape(p.name).toLowerCase(), unescape(p.value ?? '').toLowerCase());
  return map;
}

/** URI equality as defined in RFC 3261 §19.1.4 (and RFC 3966 §4 loosely for tel). */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.kind === 'sip' && b.kind === 'sip') {
    if (a.scheme !== b.scheme) return false;
    if (a.user !== b.user || a.password !== b.password) return false;
    if (a.host.toLowerCase() !== b.host.toLowerCase() || a.port !== b.port) return false;
    const pa = normalizedParams(a.params);
    const pb = normalizedParams(b.params);
    for (const name of new Set([...pa.keys(), ...pb.keys()])) {
      const va = pa.get(name);
      const vb = pb.get(name);
      if (va === undefined || vb === undefined) {
        if (MUST_MATCH.includes(name)) return false;
        continue;
      }
      if (va !== vb) return false;
    }
    if (a.headers.length !== b.headers.length) return false;
    for (const h of a.headers) {
      const other = b.headers.find((x) => x.name.toLowerCase() === h.name.toLowerCase());
      if (!other || unescape(other.value ?? '') !== unescape(h.value ?? '')) return false;
    }
    return true;
  }
  if (a.kind === 'tel' && b.kind === 'tel') {
    const digits = (n: string) => n.replace(/[-.()]/g, '').toLowerCase();
    return digits(a.number) === digits(b.number) && a.params.toString().toLowerCase() === b.params.toString().toLowerCase();
  }
  if (a.kind === 'other' && b.kind === 'other') return a.scheme.toLowerCase() === b.scheme.toLowerCase() && a.opaque === b.opaque;
  return false;
}

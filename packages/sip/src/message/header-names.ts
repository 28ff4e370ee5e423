/**
 * Header field names. Names compare case-insensitively and a compact form is the same header as
 * its long form (RFC 3261 §7.3.3, §20), so every lookup goes through a "key": the lower-cased
 * long name.
 */

/** Compact forms registered with IANA (RFC 3261 §7.3.3 and later extensions). */
export const COMPACT_FORMS: Readonly<Record<string, string>> = {
  a: 'accept-contact', // RFC 3841
  b: 'referred-by', // RFC 3892
  c: 'content-type',
  d: 'request-disposition', // RFC 3841
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact', // RFC 3841
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info', // RFC 4474
  o: 'event', // RFC 6665
  r: 'refer-to', // RFC 3515
  s: 'subject',
  t: 'to',
  u: 'allow-events', // RFC 6665
  v: 'via',
  x: 'session-expires', // RFC 4028
  y: 'identity', // RFC 8224
};

/** How we write a header we add (received headers keep the spelling they came with). */
const CANONICAL: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'p-asserted-identity': 'P-Asserted-Identity',
  'p-preferred-identity': 'P-Preferred-Identity',
  'min-se': 'Min-SE',
  rack: 'RAck',
  rseq: 'RSeq',
  'sip-etag': 'SIP-ETag',
  'sip-if-match': 'SIP-If-Match',
};

const keyCache = new Map<string, string>();

/** The lookup key of a header name: lower-cased, compact form expanded. */
export function headerKey(name: string): string {
  const cached = keyCache.get(name);
  if (cached !== undefined) return cached;
  const lower = name.toLowerCase();
  const key = COMPACT_FORMS[lower] ?? lower;
  if (keyCache.size < 1000) keyCache.set(name, key);
  return key;
}

const canonicalCache = new Map<string, string>();

/** The conventional spelling of a header name: "max-forwards" -> "Max-Forwards". */
export function canonicalName(name: string): string {
  const key = headerKey(name);
  const cached = canonicalCache.get(key);
  if (cached !== undefined) return cached;
  const spelled = CANONICAL[key] ?? key.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
  if (canonicalCache.size < 1000) canonicalCache.set(key, spelled);
  return spelled;
}

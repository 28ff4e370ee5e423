import { parseAddressList, type Address } from '../address.js';
import { SipSyntaxError } from '../syntax.js';
import { parseDeltaSeconds } from './numeric.js';

/** Contact values (RFC 3261 §20.10): a list of addresses, or the REGISTER-only wildcard "*". */
export type ContactList = readonly Address[] | '*';

const QVALUE_RE = /^(0(\.\d{0,3})?|1(\.0{0,3})?)$/;

export function parseContactList(value: string): ContactList {
  if (value.trim() === '*') return '*';
  const list = parseAddressList(value, 'Contact');
  for (const c of list) {
    const expires = c.params.get('expires');
    if (expires !== undefined) parseDeltaSeconds(expires, 'Contact');
    const q = c.params.get('q');
    if (q !== undefined && !QVALUE_RE.test(q)) throw new SipSyntaxError(`invalid q value "${q}"`, 'Contact');
  }
  return list;
}

/** The contact's `expires` parameter in seconds, if it has one. */
export function contactExpires(contact: Address): number | undefined {
  const v = contact.params.get('expires');
  return v === undefined ? undefined : parseDeltaSeconds(v, 'Contact');
}

/** The contact's `q` preference (0..1), 1 when absent. */
export function contactQ(contact: Address): number {
  const v = contact.params.get('q');
  return v === undefined ? 1 : Number(v);
}

/** `+sip.instance` (RFC 5626 §4.1) without its quotes and angle brackets, e.g. "urn:uuid:...". */
export function contactInstance(contact: Address): string | undefined {
  const v = contact.params.get('+sip.instance');
  if (v === undefined) return undefined;
  return v.startsWith('<') && v.endsWith('>') ? v.slice(1, -1) : v;
}

import { SipSyntaxError } from '../syntax.js';

const DATE_RE = /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d{2}) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/;

/** SIP-date = rfc1123-date, always in GMT (RFC 3261 §20.17). Returns milliseconds since the epoch. */
export function parseSipDate(value: string): number {
  const m = DATE_RE.exec(value.trim());
  const time = m ? Date.parse(value.trim()) : NaN;
  if (!m || Number.isNaN(time)) throw new SipSyntaxError(`invalid date "${value.slice(0, 40)}"`, 'Date');
  return time;
}

export function formatSipDate(ms: number): string {
  return new Date(ms).toUTCString();
}

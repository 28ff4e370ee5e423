import { Scanner } from '../syntax.js';

/** CSeq (RFC 3261 §20.16). */
export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** §8.1.1.5: the sequence number MUST be expressible as a 32-bit unsigned integer and less than 2**31. */
export const MAX_CSEQ = 2 ** 31 - 1;

export function parseCSeq(value: string): CSeq {
  const s = new Scanner(value.trim(), 0, 'CSeq');
  const digits = s.readDigits('sequence number');
  if (digits.length > 10 || Number(digits) > MAX_CSEQ) s.fail('sequence number too large');
  const before = s.pos;
  s.skipWs();
  if (s.pos === before) s.fail('expected whitespace');
  const method = s.readToken('method');
  if (!s.done) s.fail('unexpected text');
  return { seq: Number(digits), method };
}

export function cseqToString(c: CSeq): string {
  return `${c.seq} ${c.method}`;
}

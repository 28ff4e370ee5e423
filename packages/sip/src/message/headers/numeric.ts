import { SipSyntaxError, isDigits } from '../syntax.js';

/** Largest delta-seconds value; larger ones are read as this (RFC 3261 §20.19, RFC 4475 §3.1.2.4). */
export const MAX_DELTA_SECONDS = 2 ** 32 - 1;

function digits(value: string, header: string): string {
  const text = value.trim();
  if (!isDigits(text)) throw new SipSyntaxError(`expected a number, got "${text.slice(0, 40)}"`, header);
  return text;
}

/** delta-seconds, clamped to 2**32-1 (Expires, Min-Expires, Min-SE, expires= parameters). */
export function parseDeltaSeconds(value: string, header = 'Expires'): number {
  const text = digits(value, header);
  return text.length > 10 ? MAX_DELTA_SECONDS : Math.min(Number(text), MAX_DELTA_SECONDS);
}

/** Max-Forwards: 0-255 (RFC 4475 §3.1.2.4 treats larger values as malformed). */
export function parseMaxForwards(value: string): number {
  const text = digits(value, 'Max-Forwards');
  const n = text.length > 10 ? 256 : Number(text);
  if (n > 255) throw new SipSyntaxError('Max-Forwards above 255', 'Max-Forwards');
  return n;
}

export function parseContentLength(value: string): number {
  const text = digits(value, 'Content-Length');
  if (text.length > 9) throw new SipSyntaxError('Content-Length too large', 'Content-Length');
  return Number(text);
}

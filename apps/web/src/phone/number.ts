/**
 * What the number field keeps: digits, * and #, and a leading + for international numbers.
 * Spaces, dashes, dots and brackets people paste ("+1 (555) 010-2000") are dropped.
 */
export function cleanNumber(input: string): string {
  const trimmed = input.trim();
  const plus = trimmed.startsWith('+') ? '+' : '';
  return plus + trimmed.replace(/[^0-9*#]/g, '');
}

/** The SIP URI a dialled number goes to: the tenant's domain carries extensions and external numbers alike. */
export function targetUri(number: string, sipDomain: string): string {
  return `sip:${number}@${sipDomain}`;
}

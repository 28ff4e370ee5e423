/**
 * The per-tenant numbering plan (docs/architecture.md, "Numbering plan"): what a dialled string
 * reaches. Pure: the call engine supplies the tenant's plan and the caller's permissions, and
 * acts on the returned destination.
 */

export interface NumberingPlan {
  /** Inclusive range of extension numbers, e.g. 100–899. */
  extensionRange: readonly [number, number];
  /** Inclusive range of conference room numbers, e.g. 99900–99999. */
  roomRange: readonly [number, number];
  /** Dialled prefixes refused for external calls unless the caller is allowed (toll-fraud guard). */
  internationalPrefixes: readonly string[];
  premiumPrefixes: readonly string[];
}

export const DEFAULT_PLAN: NumberingPlan = {
  extensionRange: [100, 899],
  roomRange: [99900, 99999],
  internationalPrefixes: ['00', '011', '+'],
  premiumPrefixes: ['1900', '1976', '09'],
};

export interface CallerRights {
  canDialExternal: boolean;
  canDialInternational: boolean;
  canDialPremium: boolean;
}

export type FeatureCode = 'conference' | 'echo' | 'voicemail' | 'dnd-on' | 'dnd-off' | 'pickup';

/** Feature codes: dialled alone they act on the caller; see the user guide and the architecture. */
export const FEATURE_CODES: Readonly<Record<string, FeatureCode>> = {
  '*38': 'conference',
  '*43': 'echo',
  '*97': 'voicemail',
  '*78': 'dnd-on',
  '*79': 'dnd-off',
  '*8': 'pickup',
  // Directed pickup as the portal's BLF keys dial it: **<ext>.
  '**': 'pickup',
};

export type Destination =
  | { kind: 'extension'; number: string }
  | { kind: 'room'; number: string }
  | { kind: 'feature'; feature: FeatureCode; argument: string | null }
  | { kind: 'external'; number: string }
  | { kind: 'refused'; status: 403 | 404 | 484; reason: string };

/** Digits, `*`, `#` and a leading `+`; visual separators people type are dropped. */
export function normaliseDialString(raw: string): string {
  const trimmed = raw.trim().replace(/[\s().-]/g, '');
  return trimmed;
}

export function classify(rawNumber: string, plan: NumberingPlan, rights: CallerRights): Destination {
  const number = normaliseDialString(rawNumber);
  if (number === '' || !/^\+?[0-9*#]+$/.test(number)) {
    return { kind: 'refused', status: 404, reason: 'That is not a number that can be dialled' };
  }
  if (number.startsWith('*')) {
    // Longest code first: "*38" must not be read as "*3" + "8".
    const code = Object.keys(FEATURE_CODES)
      .sort((a, b) => b.length - a.length)
      .find((c) => number.startsWith(c));
    if (code === undefined) return { kind: 'refused', status: 404, reason: 'Unknown feature code' };
    const argument = number.slice(code.length);
    return { kind: 'feature', feature: FEATURE_CODES[code]!, argument: argument === '' ? null : argument };
  }
  if (/^[0-9]+$/.test(number)) {
    const value = Number(number);
    const [extLow, extHigh] = plan.extensionRange;
    if (number.length === String(extHigh).length && value >= extLow && value <= extHigh && !number.startsWith('0')) {
      return { kind: 'extension', number };
    }
    const [roomLow, roomHigh] = plan.roomRange;
    if (number.length === String(roomHigh).length && value >= roomLow && value <= roomHigh) {
      return { kind: 'room', number };
    }
  }
  if (number.includes('#') || number.includes('*')) {
    return { kind: 'refused', status: 404, reason: 'That is not a number that can be dialled' };
  }
  if (!rights.canDialExternal) {
    return { kind: 'refused', status: 403, reason: 'Outside calls are not allowed for your account' };
  }
  if (plan.internationalPrefixes.some((p) => number.startsWith(p)) && !rights.canDialInternational) {
    return { kind: 'refused', status: 403, reason: 'International calls are not allowed for your account' };
  }
  if (plan.premiumPrefixes.some((p) => number.startsWith(p)) && !rights.canDialPremium) {
    return { kind: 'refused', status: 403, reason: 'Premium-rate numbers are blocked' };
  }
  if (number.replace('+', '').length < 3) {
    return { kind: 'refused', status: 484, reason: 'The number is incomplete' };
  }
  return { kind: 'external', number };
}

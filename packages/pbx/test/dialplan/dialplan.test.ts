import { DEFAULT_PLAN, classify, type CallerRights } from '../../src/dialplan/dialplan.js';

const internal: CallerRights = { canDialExternal: false, canDialInternational: false, canDialPremium: false };
const external: CallerRights = { canDialExternal: true, canDialInternational: false, canDialPremium: false };
const everything: CallerRights = { canDialExternal: true, canDialInternational: true, canDialPremium: true };

describe('dial plan', () => {
  it('routes extensions and conference rooms', () => {
    expect(classify('101', DEFAULT_PLAN, internal)).toEqual({ kind: 'extension', number: '101' });
    expect(classify(' 899 ', DEFAULT_PLAN, internal)).toEqual({ kind: 'extension', number: '899' });
    expect(classify('99901', DEFAULT_PLAN, internal)).toEqual({ kind: 'room', number: '99901' });
  });

  it('reads feature codes, with and without an argument', () => {
    expect(classify('*43', DEFAULT_PLAN, internal)).toEqual({ kind: 'feature', feature: 'echo', argument: null });
    expect(classify('*38', DEFAULT_PLAN, internal)).toEqual({ kind: 'feature', feature: 'conference', argument: null });
    expect(classify('*8102', DEFAULT_PLAN, internal)).toEqual({ kind: 'feature', feature: 'pickup', argument: '102' });
    expect(classify('*99', DEFAULT_PLAN, internal)).toMatchObject({ kind: 'refused', status: 404 });
  });

  it('refuses outside calls to users who may not make them, with a reason a person can read', () => {
    expect(classify('5551234', DEFAULT_PLAN, internal)).toEqual({ kind: 'refused', status: 403, reason: 'Outside calls are not allowed for your account' });
    expect(classify('555-1234', DEFAULT_PLAN, external)).toEqual({ kind: 'external', number: '5551234' });
  });

  it('guards against toll fraud: international and premium prefixes need their own right', () => {
    expect(classify('0044207946000', DEFAULT_PLAN, external)).toMatchObject({ kind: 'refused', reason: 'International calls are not allowed for your account' });
    expect(classify('+44207946000', DEFAULT_PLAN, external)).toMatchObject({ kind: 'refused', status: 403 });
    expect(classify('19005550100', DEFAULT_PLAN, external)).toMatchObject({ kind: 'refused', reason: 'Premium-rate numbers are blocked' });
    expect(classify('+44207946000', DEFAULT_PLAN, everything)).toEqual({ kind: 'external', number: '+44207946000' });
  });

  it('rejects garbage and numbers that are too short', () => {
    expect(classify('abc', DEFAULT_PLAN, everything)).toMatchObject({ kind: 'refused', status: 404 });
    expect(classify('12#4', DEFAULT_PLAN, everything)).toMatchObject({ kind: 'refused', status: 404 });
    expect(classify('12', DEFAULT_PLAN, everything)).toMatchObject({ kind: 'refused', status: 484 });
    expect(classify('', DEFAULT_PLAN, everything)).toMatchObject({ kind: 'refused', status: 404 });
  });
});

import { describe, expect, it } from 'vitest';
import { describeCallEnd } from './call-failure.js';
import { serverReason } from './server-reason.js';

describe('the server’s own words for a refusal', () => {
  it('takes the text of a Reason header (RFC 3326)', () => {
    expect(serverReason(486, 'Busy Here', 'SIP ;cause=486 ;text="The conference room is full (10 people)"')).toBe('The conference room is full (10 people)');
  });

  it('takes a reason phrase that is not the standard one, and ignores the standard ones', () => {
    expect(serverReason(486, 'The conference room is full (10 people)', null)).toBe('The conference room is full (10 people)');
    expect(serverReason(486, 'Busy Here', null)).toBeNull();
    expect(serverReason(404, 'not found', null)).toBeNull();
    expect(serverReason(599, 'Whatever', null)).toBeNull();
    expect(serverReason(null, null, null)).toBeNull();
  });

  it('is what the user reads when present', () => {
    expect(describeCallEnd({ originator: 'remote', cause: 'Busy', statusCode: 486, reason: 'The conference room is full (10 people)' }, '*38')).toBe('The conference room is full (10 people).');
    expect(describeCallEnd({ originator: 'remote', cause: 'Busy', statusCode: 486, reason: null }, '102')).toBe('102 is busy. Try again later.');
    expect(describeCallEnd({ originator: 'remote', cause: 'Not Found', statusCode: 404, reason: 'Extension 789 does not exist' }, '789')).toBe('Number not found: Extension 789 does not exist.');
  });
});

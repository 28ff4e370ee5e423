import { describe, expect, it } from 'vitest';
import { describeCallEnd } from './call-failure.js';

const remote = (statusCode: number | null, cause: string) => ({ originator: 'remote' as const, statusCode, cause });

describe('describeCallEnd', () => {
  it('says "number not found" for 404', () => {
    expect(describeCallEnd(remote(404, 'Not Found'), '555')).toBe('Number not found: 555 does not exist. Check the number and try again.');
  });

  it('says busy for 486 and no answer for 480', () => {
    expect(describeCallEnd(remote(486, 'Busy'), '102')).toBe('102 is busy. Try again later.');
    expect(describeCallEnd(remote(480, 'Unavailable'), '102')).toBe('No answer: 102 is not available right now.');
  });

  it('explains a refused external call and a declined one', () => {
    expect(describeCallEnd(remote(403, 'Rejected'), '0044123')).toMatch(/not allowed to call 0044123/);
    expect(describeCallEnd(remote(603, 'Rejected'), '102')).toBe('102 declined the call.');
  });

  it('says nothing for an ordinary hang-up or our own cancel', () => {
    expect(describeCallEnd(remote(null, 'Terminated'), '102')).toBeNull();
    expect(describeCallEnd({ originator: 'local', statusCode: null, cause: 'Canceled' }, '102')).toBeNull();
    expect(describeCallEnd({ originator: 'local', statusCode: 487, cause: 'Canceled' }, '102')).toBeNull();
  });

  it('explains failures with no response in plain words', () => {
    expect(describeCallEnd(remote(null, 'Connection Error'), '102')).toMatch(/connection to the phone system was lost/);
    expect(describeCallEnd(remote(null, 'RTP Timeout'), '102')).toMatch(/lost its audio/);
    expect(describeCallEnd({ originator: 'local', statusCode: null, cause: 'User Denied Media Access' }, '102')).toMatch(/Microphone blocked/);
  });

  it('falls back to the status code for anything else', () => {
    expect(describeCallEnd(remote(420, 'SIP Failure Code'), '102')).toBe('The call failed (error 420).');
  });
});

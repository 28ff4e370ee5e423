import { parseRtp } from '../../src/rtp/rtp-packet.js';
import { dtmfDigitToEvent, dtmfEventToDigit, parseTelephoneEvent, serializeTelephoneEvent } from '../../src/rtp/telephone-event.js';
import { capturedPacket } from '../fixtures/index.js';

describe('RFC 4733 telephone-event payload', () => {
  it('parses the events baresip sent for digit 5 and writes them back byte for byte', () => {
    const start = parseRtp(capturedPacket('dtmfStart'))!;
    expect(start.payloadType).toBe(101);
    expect(start.marker).toBe(true);
    const event = parseTelephoneEvent(start.payload)!;
    expect(event).toEqual({ event: 5, end: false, volume: 10, duration: 160 });
    expect(serializeTelephoneEvent(event).equals(start.payload)).toBe(true);
    const end = parseRtp(capturedPacket('dtmfEnd'))!;
    expect(parseTelephoneEvent(end.payload)).toEqual({ event: 5, end: true, volume: 10, duration: 1440 });
    expect(end.timestamp).toBe(start.timestamp);
    expect(serializeTelephoneEvent(parseTelephoneEvent(end.payload)!).equals(end.payload)).toBe(true);
  });

  it('rejects a truncated payload', () => {
    expect(parseTelephoneEvent(Buffer.from('050a00', 'hex'))).toBeNull();
  });

  it('maps digits to events and back (RFC 4733 §3.2)', () => {
    expect([...'0123456789*#ABCD'].map(dtmfDigitToEvent)).toEqual([...Array(16).keys()]);
    expect(dtmfDigitToEvent('x')).toBeNull();
    expect(dtmfEventToDigit(11)).toBe('#');
    expect(dtmfEventToDigit(16)).toBeNull();
  });
});

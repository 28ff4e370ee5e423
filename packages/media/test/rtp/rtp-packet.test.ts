import { looksLikeRtcp, parseRtp, rtpHeader, serializeRtp, takeDatagram, writeRtpHeader } from '../../src/rtp/rtp-packet.js';
import { capturedPacket } from '../fixtures/index.js';

describe('RTP packet (RFC 3550 §5.1)', () => {
  it('parses a PCMU packet captured from baresip and writes it back byte for byte', () => {
    const wire = capturedPacket('rtpFirstPcmu');
    const packet = parseRtp(wire)!;
    expect(packet).toMatchObject({ payloadType: 0, marker: true, sequenceNumber: 0x5a4d, timestamp: 0x88ab, ssrc: 0xb0b81858, csrcs: [], extension: null, paddingLength: 0 });
    expect(packet.payload.length).toBe(160);
    expect(serializeRtp(packet).equals(wire)).toBe(true);
    const next = parseRtp(capturedPacket('rtpPcmu'))!;
    expect(next.marker).toBe(false);
    expect(next.sequenceNumber).toBe(packet.sequenceNumber + 1);
    expect(next.timestamp - packet.timestamp).toBe(160);
  });

  it('round-trips CSRCs, a header extension and padding', () => {
    // V=2 P=1 X=1 CC=2 | M=1 PT=111 | seq 0xffff | ts 0xfffffff0 | ssrc | 2 CSRCs | ext 0xbede, 1 word | payload 3 bytes | padding 4
    const wire = Buffer.from(
      'b2' + 'ef' + 'ffff' + 'fffffff0' + '01020304' + '0a0b0c0d' + '0e0f1011' + 'bede0001' + '10ff0000' + 'aabbcc' + '00000004',
      'hex',
    );
    const packet = parseRtp(wire)!;
    expect(packet).toMatchObject({ payloadType: 111, marker: true, sequenceNumber: 0xffff, timestamp: 0xfffffff0, ssrc: 0x01020304, csrcs: [0x0a0b0c0d, 0x0e0f1011], paddingLength: 4 });
    expect(packet.extension!.profile).toBe(0xbede);
    expect(packet.extension!.data.toString('hex')).toBe('10ff0000');
    expect(packet.payload.toString('hex')).toBe('aabbcc');
    expect(serializeRtp(packet).equals(wire)).toBe(true);
  });

  it('rejects truncated and invalid packets', () => {
    const wire = capturedPacket('rtpPcmu');
    expect(parseRtp(wire.subarray(0, 11))).toBeNull();
    expect(parseRtp(Buffer.from('40000001000000000000000', 'hex'))).toBeNull(); // version 1
    expect(parseRtp(Buffer.concat([Buffer.from([0x82]), wire.subarray(1, 16)]))).toBeNull(); // CC=2 but only 4 bytes after header
    expect(parseRtp(Buffer.from('900000010000000000000001bede0002aabbccdd', 'hex'))).toBeNull(); // extension longer than packet
    expect(parseRtp(Buffer.from('a000000100000000000000010000', 'hex'))).toBeNull(); // padding count 0
    expect(parseRtp(Buffer.from('a00000010000000000000001ff', 'hex'))).toBeNull(); // padding longer than packet
  });

  it('tells RTCP from RTP on a muxed port (RFC 5761 §4)', () => {
    expect(looksLikeRtcp(capturedPacket('rtcpSrSdes'))).toBe(true);
    expect(looksLikeRtcp(capturedPacket('rtpPcmu'))).toBe(false);
    expect(looksLikeRtcp(capturedPacket('dtmfStart'))).toBe(false);
  });

  it('refuses to write what cannot be on the wire', () => {
    const base = { payloadType: 0, marker: false, sequenceNumber: 1, timestamp: 1, ssrc: 1, payload: Buffer.alloc(0) };
    expect(() => serializeRtp({ ...base, csrcs: new Array<number>(16).fill(1) })).toThrow(RangeError);
    expect(() => serializeRtp({ ...base, extension: { profile: 1, data: Buffer.alloc(3) } })).toThrow(RangeError);
  });

  it('lends a bare-header datagram to one taker only, and never one with CSRCs, extension or padding', () => {
    const wire = capturedPacket('rtpPcmu');
    expect(parseRtp(wire)!.datagram).toBeNull(); // not lent unless asked
    const packet = parseRtp(wire, true)!;
    expect(packet.datagram).toBe(wire);
    expect(packet.payload.buffer).toBe(wire.buffer);
    expect(packet.payload.byteOffset).toBe(wire.byteOffset + 12);
    expect(packet.payload.length).toBe(wire.length - 12);
    expect(takeDatagram(packet)).toBe(wire);
    expect(takeDatagram(packet)).toBeNull();
    expect(takeDatagram({ payloadType: 0, sequenceNumber: 1, timestamp: 2, ssrc: 3, marker: false, payload: Buffer.alloc(1) })).toBeNull();
    const csrc = Buffer.from('81000001' + '00000000' + '00000001' + '0a0b0c0d' + 'aa', 'hex');
    const extension = Buffer.from('90000001' + '00000000' + '00000001' + 'bede0001' + '10ff0000' + 'aa', 'hex');
    const padding = Buffer.from('a0000001' + '00000000' + '00000001' + 'aa' + '000002', 'hex');
    for (const other of [csrc, extension, padding]) expect(parseRtp(other, true)!.datagram).toBeNull();
  });

  it('writes the fixed header in place exactly as it serialises it, at the edges of every field', () => {
    const cases = [
      { payloadType: 0, marker: false, sequenceNumber: 0, timestamp: 0, ssrc: 0 },
      { payloadType: 127, marker: true, sequenceNumber: 0xffff, timestamp: 0xffffffff, ssrc: 0xffffffff },
      { payloadType: 8, marker: true, sequenceNumber: 0x8001, timestamp: 0x80000001, ssrc: 0x80000000 },
      { payloadType: 101, marker: false, sequenceNumber: 0x00ff, timestamp: 0x00ff00ff, ssrc: 0x12345678 },
    ];
    for (const fields of cases) {
      const packet = { ...fields, payload: Buffer.from('a1b2c3', 'hex') };
      const datagram = Buffer.concat([Buffer.alloc(12, 0x55), packet.payload]);
      writeRtpHeader(datagram, packet);
      expect(datagram.toString('hex')).toBe(serializeRtp(packet).toString('hex'));
      expect(rtpHeader(packet).toString('hex')).toBe(datagram.subarray(0, 12).toString('hex'));
    }
  });
});


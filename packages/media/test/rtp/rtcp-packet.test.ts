import { isGoodbye, isSenderReport, isSourceDescription, parseRtcp, serializeRtcp, RTCP_RR, type ReceiverReport } from '../../src/rtp/rtcp-packet.js';
import { capturedPacket } from '../fixtures/index.js';

describe('RTCP compound packets (RFC 3550 §6)', () => {
  it('parses baresip SR + SDES and writes it back byte for byte', () => {
    const wire = capturedPacket('rtcpSrSdes');
    const packets = parseRtcp(wire)!;
    expect(packets).toHaveLength(2);
    const [sr, sdes] = packets;
    expect(isSenderReport(sr!)).toBe(true);
    if (!isSenderReport(sr!)) return;
    expect(sr.ssrc).toBe(0xb0b81858);
    expect(sr.packetCount).toBe(250);
    expect(sr.octetCount).toBe(40000);
    expect(sr.reports).toHaveLength(1);
    expect(sr.reports[0]!.ssrc).toBe(0x70b12145);
    expect(sr.reports[0]!.packetsLost).toBe(0);
    expect(isSourceDescription(sdes!) && sdes.chunks[0]!.items[0]).toEqual({ type: 1, text: 'sip:bob@127.0.0.1:38895;transport=udp' });
    expect(serializeRtcp(packets).equals(wire)).toBe(true);
    const other = capturedPacket('rtcpSrSdes2');
    expect(serializeRtcp(parseRtcp(other)!).equals(other)).toBe(true);
  });

  it('parses BYE with a reason and APP packets, byte for byte', () => {
    const bye = capturedPacket('rtcpByeSdes');
    const packets = parseRtcp(bye)!;
    expect(isGoodbye(packets[0]!) && packets[0]).toEqual({ type: 203, ssrcs: [0x70b12145], reason: 'Adjo' });
    expect(serializeRtcp(packets).equals(bye)).toBe(true);
    const app = capturedPacket('rtcpApp');
    const [ping] = parseRtcp(app)!;
    expect(ping).toMatchObject({ type: 204, count: 0 });
    expect(serializeRtcp([ping!]).equals(app)).toBe(true);
  });

  it('round-trips a receiver report with negative cumulative loss', () => {
    const rr: ReceiverReport = {
      type: RTCP_RR,
      ssrc: 0x11223344,
      reports: [{ ssrc: 0x55667788, fractionLost: 25, packetsLost: -3, highestSequence: 0x0001ffff, jitter: 17, lastSenderReport: 0xaabbccdd, delaySinceLastSenderReport: 65536 }],
    };
    const wire = serializeRtcp([rr]);
    expect(wire.toString('hex')).toBe('81c90007' + '11223344' + '55667788' + '19fffffd' + '0001ffff' + '00000011' + 'aabbccdd' + '00010000');
    expect(parseRtcp(wire)).toEqual([rr]);
  });

  it('rejects truncated and invalid compounds', () => {
    const wire = capturedPacket('rtcpSrSdes');
    expect(parseRtcp(wire.subarray(0, wire.length - 4))).toBeNull();
    expect(parseRtcp(wire.subarray(0, 3))).toBeNull();
    expect(parseRtcp(Buffer.alloc(0))).toBeNull();
    const badVersion = Buffer.from(wire);
    badVersion[0] = 0x41;
    expect(parseRtcp(badVersion)).toBeNull();
    // An SR whose count promises a report block its length does not hold.
    expect(parseRtcp(Buffer.from('82c80006' + '00'.repeat(24), 'hex'))).toBeNull();
    // Padding on a packet that is not the last of the compound.
    const padded = Buffer.from(wire);
    padded[0] = padded[0]! | 0x20;
    expect(parseRtcp(padded)).toBeNull();
  });
});

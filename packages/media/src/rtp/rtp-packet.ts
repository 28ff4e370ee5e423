import type { RtpPacket } from '../transport/types.js';

/**
 * The RTP fixed header and its optional parts (RFC 3550 §5.1, §5.3.1), as a pure
 * `parseRtp(buf)` / `serializeRtp(packet)` pair. A malformed packet from the network is an
 * outcome, not a bug: `parseRtp` returns null for it.
 *
 * ```
 *  0                   1                   2                   3
 *  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 * |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 * |                           timestamp                           |
 * |           synchronization source (SSRC) identifier            |
 * |            contributing source (CSRC) identifiers             |  CC × 32 bits
 * |      defined by profile       |           length              |  when X
 * |                        header extension                       |  length × 32 bits
 * ```
 */

/** RFC 3550 §5.3.1 header extension: a 16-bit profile word and a body of whole 32-bit words. */
export interface RtpHeaderExtension {
  profile: number;
  data: Buffer;
}

/** An RTP packet with every header part, as found on the wire. */
export interface RtpWirePacket extends RtpPacket {
  csrcs: readonly number[];
  extension: RtpHeaderExtension | null;
  /** Bytes of padding at the end (RFC 3550 §5.1 P bit), including the count byte; 0 for none. */
  paddingLength: number;
}

/**
 * A packet as a transport received it. When the datagram's header is the bare 12 bytes (no
 * CSRCs, extension or padding: most packets) `datagram` is the whole datagram, so that the one
 * leg relaying it on may rewrite those 12 bytes in place and send the datagram itself: no header
 * allocation, one piece of memory for the kernel. See `takeDatagram`.
 */
export interface ReceivedRtpPacket extends RtpWirePacket {
  datagram: Buffer | null;
}

/** A packet to send that may carry a received datagram whose header it can be written into. */
export interface RelayedRtpPacket extends RtpPacket {
  datagram: Buffer | null;
}

export const RTP_HEADER_SIZE = 12;
const NO_CSRCS: readonly number[] = Object.freeze([]);

/** RFC 5761 §4: on a muxed port, RTCP packet types 192–223 collide with no RTP payload type in use. */
export function looksLikeRtcp(buf: Buffer): boolean {
  if (buf.length < 4) return false;
  const type = buf[1]!;
  return type >= 192 && type <= 223;
}

/**
 * Parses a packet. With `lendDatagram`, the caller gives up the buffer: a packet with a bare
 * header carries it as `datagram` (see `ReceivedRtpPacket`); otherwise `datagram` is null.
 */
export function parseRtp(buf: Buffer, lendDatagram = false): ReceivedRtpPacket | null {
  if (buf.length < RTP_HEADER_SIZE) return null;
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  if (b0 >> 6 !== 2) return null;
  const hasPadding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;
  let offset = RTP_HEADER_SIZE;
  if (buf.length < offset + csrcCount * 4) return null;
  // Almost every packet has none: share one empty list instead of allocating one per packet.
  let csrcs: readonly number[] = NO_CSRCS;
  if (csrcCount > 0) {
    const list: number[] = [];
    for (let i = 0; i < csrcCount; i++, offset += 4) list.push(buf.readUInt32BE(offset));
    csrcs = list;
  }
  let extension: RtpHeaderExtension | null = null;
  if (hasExtension) {
    if (buf.length < offset + 4) return null;
    const profile = buf.readUInt16BE(offset);
    const words = buf.readUInt16BE(offset + 2);
    const end = offset + 4 + words * 4;
    if (buf.length < end) return null;
    extension = { profile, data: buf.subarray(offset + 4, end) };
    offset = end;
  }
  let end = buf.length;
  let paddingLength = 0;
  if (hasPadding) {
    paddingLength = buf[buf.length - 1]!;
    // RFC 3550 §5.1: the count includes itself, so 0 is invalid.
    if (paddingLength === 0 || offset + paddingLength > buf.length) return null;
    end -= paddingLength;
  }
  return {
    payloadType: b1 & 0x7f,
    marker: (b1 & 0x80) !== 0,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrcs,
    extension,
    paddingLength,
    payload: buf.subarray(offset, end),
    // V=2 and nothing after the fixed header: the payload runs from byte 12 to the end.
    datagram: lendDatagram && b0 === 0x80 ? buf : null,
  };
}

/**
 * Hands a received packet's datagram to its first taker (the leg relaying it on), which may
 * overwrite the 12 header bytes; every later caller gets null and builds its own header. The
 * payload bytes are never touched, so other consumers of the same packet (a recorder, a mixer)
 * are not disturbed, and the parsed header fields stay as received.
 */
export function takeDatagram(packet: RtpPacket): Buffer | null {
  const received = packet as Partial<ReceivedRtpPacket>;
  const datagram = received.datagram;
  if (!datagram) return null;
  received.datagram = null;
  return datagram;
}

/** Writes the 12-byte fixed header of a packet without CSRCs, extension or padding into `buf`. */
export function writeRtpHeader(buf: Buffer, packet: RtpPacket): void {
  buf[0] = 0x80;
  buf[1] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  const seq = packet.sequenceNumber;
  buf[2] = seq >>> 8;
  buf[3] = seq;
  const ts = packet.timestamp;
  buf[4] = ts >>> 24;
  buf[5] = ts >>> 16;
  buf[6] = ts >>> 8;
  buf[7] = ts;
  const ssrc = packet.ssrc;
  buf[8] = ssrc >>> 24;
  buf[9] = ssrc >>> 16;
  buf[10] = ssrc >>> 8;
  buf[11] = ssrc;
}

/** Just the 12-byte fixed header of a packet without CSRCs, extension or padding. */
export function rtpHeader(packet: RtpPacket): Buffer {
  const buf = Buffer.allocUnsafe(RTP_HEADER_SIZE);
  writeRtpHeader(buf, packet);
  return buf;
}

/** Writes a packet; CSRCs, extension and padding are optional (a bare `RtpPacket` is fine). */
export function serializeRtp(packet: RtpPacket & Partial<Pick<RtpWirePacket, 'csrcs' | 'extension' | 'paddingLength'>>): Buffer {
  const csrcs = packet.csrcs ?? [];
  const extension = packet.extension ?? null;
  const paddingLength = packet.paddingLength ?? 0;
  if (csrcs.length > 15) throw new RangeError('an RTP packet carries at most 15 CSRCs');
  if (extension && extension.data.length % 4 !== 0) throw new RangeError('an RTP header extension is a whole number of 32-bit words');
  if (paddingLength < 0 || paddingLength > 255) throw new RangeError('RTP padding is 1..255 bytes');
  const extensionSize = extension ? 4 + extension.data.length : 0;
  const headerSize = RTP_HEADER_SIZE + csrcs.length * 4 + extensionSize;
  const buf = Buffer.allocUnsafe(headerSize + packet.payload.length + paddingLength);
  buf[0] = 0x80 | (paddingLength > 0 ? 0x20 : 0) | (extension ? 0x10 : 0) | csrcs.length;
  buf[1] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  buf.writeUInt16BE(packet.sequenceNumber & 0xffff, 2);
  buf.writeUInt32BE(packet.timestamp >>> 0, 4);
  buf.writeUInt32BE(packet.ssrc >>> 0, 8);
  let offset = RTP_HEADER_SIZE;
  for (const csrc of csrcs) {
    buf.writeUInt32BE(csrc >>> 0, offset);
    offset += 4;
  }
  if (extension) {
    buf.writeUInt16BE(extension.profile, offset);
    buf.writeUInt16BE(extension.data.length / 4, offset + 2);
    extension.data.copy(buf, offset + 4);
    offset += extensionSize;
  }
  packet.payload.copy(buf, offset);
  offset += packet.payload.length;
  if (paddingLength > 0) {
    buf.fill(0, offset, offset + paddingLength - 1);
    buf[offset + paddingLength - 1] = paddingLength;
  }
  return buf;
}

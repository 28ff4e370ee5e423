/**
 * RTCP compound packets (RFC 3550 §6.4–§6.6): sender and receiver reports, source
 * descriptions and BYE, as a pure `parseRtcp(buf)` / `serializeRtcp(packets)` pair. Packet
 * types we do not interpret (APP, feedback) are kept whole so a compound packet round-trips.
 */

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;

/** RFC 3550 §6.4.1 report block. */
export interface ReportBlock {
  ssrc: number;
  /** Fraction lost since the last report, as the 8-bit fixed-point value (0..255). */
  fractionLost: number;
  /** Cumulative packets lost (signed 24-bit). */
  packetsLost: number;
  /** Extended highest sequence number received. */
  highestSequence: number;
  /** Interarrival jitter in timestamp units. */
  jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received (LSR). */
  lastSenderReport: number;
  /** Delay since that SR, in 1/65536 s (DLSR). */
  delaySinceLastSenderReport: number;
}

export interface SenderReport {
  type: typeof RTCP_SR;
  ssrc: number;
  ntpSeconds: number;
  ntpFraction: number;
  rtpTimestamp: number;
  packetCount: number;
  octetCount: number;
  reports: ReportBlock[];
}

export interface ReceiverReport {
  type: typeof RTCP_RR;
  ssrc: number;
  reports: ReportBlock[];
}

/** RFC 3550 §6.5 item types: 1 CNAME, 2 NAME, … 8 PRIV. */
export interface SdesItem {
  type: number;
  text: string;
}

export interface SdesChunk {
  ssrc: number;
  items: SdesItem[];
}

export interface SourceDescription {
  type: typeof RTCP_SDES;
  chunks: SdesChunk[];
}

export interface Goodbye {
  type: typeof RTCP_BYE;
  ssrcs: number[];
  reason?: string;
}

/** Any other RTCP packet, kept as its count field and body (after the 4-byte header). */
export interface OtherRtcp {
  type: number;
  count: number;
  body: Buffer;
}

export type RtcpPacket = SenderReport | ReceiverReport | SourceDescription | Goodbye | OtherRtcp;

/** Parses a compound packet; null when any part is malformed (RFC 3550 A.2 validity checks). */
export function parseRtcp(buf: Buffer): RtcpPacket[] | null {
  const packets: RtcpPacket[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (buf.length - offset < 4) return null;
    const b0 = buf[offset]!;
    if (b0 >> 6 !== 2) return null;
    const length = (buf.readUInt16BE(offset + 2) + 1) * 4;
    const end = offset + length;
    if (end > buf.length) return null;
    let bodyEnd = end;
    if (b0 & 0x20) {
      // Only the last packet of a compound may be padded (RFC 3550 A.2).
      if (end !== buf.length) return null;
      const padding = buf[end - 1]!;
      if (padding === 0 || padding > length - 4) return null;
      bodyEnd -= padding;
    }
    const packet = parseOne(buf[offset + 1]!, b0 & 0x1f, buf.subarray(offset + 4, bodyEnd));
    if (!packet) return null;
    packets.push(packet);
    offset = end;
  }
  return packets.length > 0 ? packets : null;
}

function parseOne(type: number, count: number, body: Buffer): RtcpPacket | null {
  switch (type) {
    case RTCP_SR: {
      if (body.length < 24 + count * 24) return null;
      const reports = parseReportBlocks(body, 24, count);
      return {
        type: RTCP_SR,
        ssrc: body.readUInt32BE(0),
        ntpSeconds: body.readUInt32BE(4),
        ntpFraction: body.readUInt32BE(8),
        rtpTimestamp: body.readUInt32BE(12),
        packetCount: body.readUInt32BE(16),
        octetCount: body.readUInt32BE(20),
        reports,
      };
    }
    case RTCP_RR:
      if (body.length < 4 + count * 24) return null;
      return { type: RTCP_RR, ssrc: body.readUInt32BE(0), reports: parseReportBlocks(body, 4, count) };
    case RTCP_SDES:
      return parseSdes(body, count);
    case RTCP_BYE: {
      if (body.length < count * 4) return null;
      const ssrcs: number[] = [];
      for (let i = 0; i < count; i++) ssrcs.push(body.readUInt32BE(i * 4));
      let reason: string | undefined;
      const at = count * 4;
      if (body.length > at) {
        const len = body[at]!;
        if (at + 1 + len > body.length) return null;
        reason = body.toString('utf8', at + 1, at + 1 + len);
      }
      return reason === undefined ? { type: RTCP_BYE, ssrcs } : { type: RTCP_BYE, ssrcs, reason };
    }
    default:
      return { type, count, body: Buffer.from(body) };
  }
}

function parseReportBlocks(body: Buffer, start: number, count: number): ReportBlock[] {
  const reports: ReportBlock[] = [];
  for (let i = 0, at = start; i < count; i++, at += 24) {
    const lostWord = body.readUInt32BE(at + 4);
    const raw = lostWord & 0xffffff;
    reports.push({
      ssrc: body.readUInt32BE(at),
      fractionLost: lostWord >>> 24,
      packetsLost: raw & 0x800000 ? raw - 0x1000000 : raw,
      highestSequence: body.readUInt32BE(at + 8),
      jitter: body.readUInt32BE(at + 12),
      lastSenderReport: body.readUInt32BE(at + 16),
      delaySinceLastSenderReport: body.readUInt32BE(at + 20),
    });
  }
  return reports;
}

function parseSdes(body: Buffer, count: number): SourceDescription | null {
  const chunks: SdesChunk[] = [];
  let at = 0;
  for (let c = 0; c < count; c++) {
    if (at + 4 > body.length) return null;
    const ssrc = body.readUInt32BE(at);
    at += 4;
    const items: SdesItem[] = [];
    for (;;) {
      if (at >= body.length) return null;
      const itemType = body[at]!;
      if (itemType === 0) {
        // The item list ends with a null octet, then padding to the next 32-bit boundary.
        at = (at + 4) & ~3;
        break;
      }
      if (at + 2 > body.length) return null;
      const len = body[at + 1]!;
      if (at + 2 + len > body.length) return null;
      items.push({ type: itemType, text: body.toString('utf8', at + 2, at + 2 + len) });
      at += 2 + len;
    }
    chunks.push({ ssrc, items });
  }
  return { type: RTCP_SDES, chunks };
}

/** Serializes a compound packet (no padding: it is only needed for encryption, RFC 3550 §6.4.1). */
export function serializeRtcp(packets: readonly RtcpPacket[]): Buffer {
  return Buffer.concat(packets.map(serializeOne));
}

function serializeOne(packet: RtcpPacket): Buffer {
  let count: number;
  let body: Buffer;
  if (isSenderReport(packet)) {
    count = packet.reports.length;
    body = Buffer.alloc(24 + count * 24);
    body.writeUInt32BE(packet.ssrc >>> 0, 0);
    body.writeUInt32BE(packet.ntpSeconds >>> 0, 4);
    body.writeUInt32BE(packet.ntpFraction >>> 0, 8);
    body.writeUInt32BE(packet.rtpTimestamp >>> 0, 12);
    body.writeUInt32BE(packet.packetCount >>> 0, 16);
    body.writeUInt32BE(packet.octetCount >>> 0, 20);
    writeReportBlocks(body, 24, packet.reports);
  } else if (isReceiverReport(packet)) {
    count = packet.reports.length;
    body = Buffer.alloc(4 + count * 24);
    body.writeUInt32BE(packet.ssrc >>> 0, 0);
    writeReportBlocks(body, 4, packet.reports);
  } else if (isSourceDescription(packet)) {
    count = packet.chunks.length;
    body = Buffer.concat(packet.chunks.map(serializeSdesChunk));
  } else if (isGoodbye(packet)) {
    count = packet.ssrcs.length;
    const reason = packet.reason === undefined ? null : Buffer.from(packet.reason, 'utf8');
    const size = count * 4 + (reason ? 1 + reason.length : 0);
    body = Buffer.alloc((size + 3) & ~3);
    packet.ssrcs.forEach((ssrc, i) => body.writeUInt32BE(ssrc >>> 0, i * 4));
    if (reason) {
      body[count * 4] = reason.length;
      reason.copy(body, count * 4 + 1);
    }
  } else {
    count = packet.count;
    body = packet.body;
  }
  if (count > 31) throw new RangeError('an RTCP packet holds at most 31 reports, chunks or sources');
  if (body.length % 4 !== 0) throw new RangeError('an RTCP packet body is a whole number of 32-bit words');
  const header = Buffer.alloc(4);
  header[0] = 0x80 | count;
  header[1] = packet.type;
  header.writeUInt16BE(body.length / 4, 2);
  return Buffer.concat([header, body]);
}

function writeReportBlocks(body: Buffer, start: number, reports: readonly ReportBlock[]): void {
  reports.forEach((r, i) => {
    const at = start + i * 24;
    body.writeUInt32BE(r.ssrc >>> 0, at);
    const lost = Math.max(-0x800000, Math.min(0x7fffff, r.packetsLost)) & 0xffffff;
    body.writeUInt32BE((((r.fractionLost & 0xff) << 24) | lost) >>> 0, at + 4);
    body.writeUInt32BE(r.highestSequence >>> 0, at + 8);
    body.writeUInt32BE(r.jitter >>> 0, at + 12);
    body.writeUInt32BE(r.lastSenderReport >>> 0, at + 16);
    body.writeUInt32BE(r.delaySinceLastSenderReport >>> 0, at + 20);
  });
}

function serializeSdesChunk(chunk: SdesChunk): Buffer {
  const items = chunk.items.map((item) => {
    const text = Buffer.from(item.text, 'utf8');
    if (text.length > 255) throw new RangeError('an SDES item is at most 255 bytes');
    return Buffer.concat([Buffer.from([item.type, text.length]), text]);
  });
  const content = 4 + items.reduce((n, b) => n + b.length, 0);
  // At least one null octet ends the list, then pad to a 32-bit boundary.
  const size = (content + 1 + 3) & ~3;
  const out = Buffer.alloc(size);
  out.writeUInt32BE(chunk.ssrc >>> 0, 0);
  let at = 4;
  for (const item of items) {
    item.copy(out, at);
    at += item.length;
  }
  return out;
}

export function isSenderReport(p: RtcpPacket): p is SenderReport {
  return p.type === RTCP_SR && 'reports' in p;
}
export function isReceiverReport(p: RtcpPacket): p is ReceiverReport {
  return p.type === RTCP_RR && 'reports' in p;
}
export function isSourceDescription(p: RtcpPacket): p is SourceDescription {
  return p.type === RTCP_SDES && 'chunks' in p;
}
export function isGoodbye(p: RtcpPacket): p is Goodbye {
  return p.type === RTCP_BYE && 'ssrcs' in p;
}

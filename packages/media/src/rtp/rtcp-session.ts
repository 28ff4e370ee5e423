import { RTCP_BYE, RTCP_RR, RTCP_SDES, RTCP_SR, type ReportBlock, type RtcpPacket } from './rtcp-packet.js';

/**
 * The statistics behind RTCP reports (RFC 3550 §6.4, Appendix A.1, A.3, A.8): what we sent,
 * and per remote source the extended highest sequence number, loss and interarrival jitter.
 */

const SEQ_MOD = 0x10000;
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const NTP_EPOCH_OFFSET = 2208988800; // seconds from 1900 to 1970

export class ReceptionStats {
  private baseSeq = 0;
  private maxSeq = 0;
  private cycles = 0;
  private badSeq = SEQ_MOD + 1;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private transit: number | null = null;
  received = 0;
  /** Interarrival jitter in timestamp units, ×16 fixed point as in A.8. */
  private jitterQ4 = 0;
  /** LSR / arrival of the last SR from this source. */
  lastSrMiddle = 0;
  lastSrArrivalMs = 0;

  constructor(
    readonly ssrc: number,
    firstSeq: number,
    private readonly clockRate: number,
  ) {
    this.init(firstSeq);
    this.maxSeq = firstSeq - 1;
  }

  private init(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  /** RFC 3550 A.1 `update_seq` plus A.8 jitter; false for a packet judged invalid (a wild jump). */
  update(seq: number, timestamp: number, arrivalMs: number): boolean {
    const delta = (seq - this.maxSeq + SEQ_MOD) % SEQ_MOD;
    if (delta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += SEQ_MOD;
      this.maxSeq = seq;
    } else if (delta <= SEQ_MOD - MAX_MISORDER) {
      if (seq === this.badSeq) {
        // Two sequential packets after a big jump: the source restarted.
        this.init(seq);
      } else {
        this.badSeq = (seq + 1) % SEQ_MOD;
        return false;
      }
    }
    this.received++;
    const arrival = (arrivalMs / 1000) * this.clockRate;
    const transit = arrival - timestamp;
    if (this.transit !== null) {
      const d = Math.abs(transit - this.transit);
      this.jitterQ4 += d - ((this.jitterQ4 + 8) >> 4);
    }
    this.transit = transit;
    return true;
  }

  get extendedMax(): number {
    return this.cycles + this.maxSeq;
  }

  get jitter(): number {
    return this.jitterQ4 >> 4;
  }

  get cumulativeLost(): number {
    return this.extendedMax - this.baseSeq + 1 - this.received;
  }

  /** A.3: one report block, moving the "prior" counters for the next interval's fraction. */
  reportBlock(nowMs: number): ReportBlock {
    const expected = this.extendedMax - this.baseSeq + 1;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fraction = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval << 8) / expectedInterval);
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, fraction),
      packetsLost: this.cumulativeLost,
      highestSequence: this.extendedMax >>> 0,
      jitter: this.jitter,
      lastSenderReport: this.lastSrMiddle,
      delaySinceLastSenderReport: this.lastSrMiddle === 0 ? 0 : Math.round(((nowMs - this.lastSrArrivalMs) / 1000) * 65536),
    };
  }
}

/** Wall clock as NTP seconds and fraction (RFC 3550 §4). */
export function ntpTime(unixMs: number): { seconds: number; fraction: number } {
  const seconds = Math.floor(unixMs / 1000);
  const fraction = Math.floor(((unixMs % 1000) / 1000) * 0x100000000);
  return { seconds: (seconds + NTP_EPOCH_OFFSET) >>> 0, fraction: fraction >>> 0 };
}

export interface SenderStats {
  ssrc: number;
  packets: number;
  octets: number;
  lastRtpTimestamp: number;
  lastSendUnixMs: number;
  clockRate: number;
}

/**
 * A compound report (RFC 3550 §6.1): SR when we sent since the last report, RR otherwise,
 * then SDES with our CNAME; BYE last when leaving.
 */
export function buildReport(options: {
  ssrc: number;
  cname: string;
  sender: SenderStats | null;
  sources: ReceptionStats[];
  nowUnixMs: number;
  nowMs: number;
  bye?: boolean;
}): RtcpPacket[] {
  const reports = options.sources.slice(0, 31).map((s) => s.reportBlock(options.nowMs));
  const packets: RtcpPacket[] = [];
  if (options.sender && options.sender.packets > 0) {
    const s = options.sender;
    const ntp = ntpTime(options.nowUnixMs);
    // The RTP timestamp that corresponds to "now", extrapolated from the last packet sent.
    const rtpNow = (s.lastRtpTimestamp + Math.round(((options.nowUnixMs - s.lastSendUnixMs) / 1000) * s.clockRate)) >>> 0;
    packets.push({ type: RTCP_SR, ssrc: options.ssrc, ntpSeconds: ntp.seconds, ntpFraction: ntp.fraction, rtpTimestamp: rtpNow, packetCount: s.packets >>> 0, octetCount: s.octets >>> 0, reports });
  } else {
    packets.push({ type: RTCP_RR, ssrc: options.ssrc, reports });
  }
  packets.push({ type: RTCP_SDES, chunks: [{ ssrc: options.ssrc, items: [{ type: 1, text: options.cname }] }] });
  if (options.bye) packets.push({ type: RTCP_BYE, ssrcs: [options.ssrc] });
  return packets;
}

/**
 * RTCP of the WebRTC leg (RFC 3550 §6, required for WebRTC by RFC 8834 §4.1): reception
 * statistics of what the browser sends, sender statistics of what we send, and the compound
 * report (SR or RR, SDES CNAME, BYE when leaving) built by the shared RTCP code. The leg
 * encrypts the report with SRTCP and sends it on the rtcp-muxed path.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { isGoodbye, isSenderReport, parseRtcp, serializeRtcp } from '../rtp/rtcp-packet.js';
import { buildReport, ReceptionStats } from '../rtp/rtcp-session.js';
import type { SenderStats } from '../rtp/rtcp-session.js';
import type { AudioCodec, RtpPacket } from '../transport/types.js';

/** More sources than a leg ever has (a browser sends one; SSRC changes replace it). */
const MAX_SOURCES = 8;
/** RFC 3550 §6.4: a participant that has not sent for a while reports as a receiver again. */
const SENDER_TIMEOUT_MS = 10_000;

export class RtcpReporter {
  /** RFC 7022: a random CNAME per leg. */
  private readonly cname = randomBytes(12).toString('base64');
  private readonly ownSsrc = randomInt(1, 2 ** 32 - 1);
  private readonly sources = new Map<number, ReceptionStats>();
  private sender: SenderStats | null = null;
  private codecs: readonly AudioCodec[] = [];

  /** The negotiated codecs, for the clock rates of jitter and SR timestamps. */
  setCodecs(codecs: readonly AudioCodec[]): void {
    this.codecs = codecs;
  }

  private clockRate(payloadType: number): number {
    return this.codecs.find((codec) => codec.payloadType === payloadType)?.clockRate ?? 8000;
  }

  sent(packet: RtpPacket): void {
    if (this.sender?.ssrc !== packet.ssrc) {
      // A new SSRC is a new source (RFC 3550 §8.2): its counts start over.
      this.sender = { ssrc: packet.ssrc, packets: 0, octets: 0, lastRtpTimestamp: 0, lastSendUnixMs: 0, clockRate: this.clockRate(packet.payloadType) };
    }
    this.sender.packets++;
    this.sender.octets += packet.payload.length;
    this.sender.lastRtpTimestamp = packet.timestamp;
    this.sender.lastSendUnixMs = Date.now();
  }

  received(packet: RtpPacket): void {
    let stats = this.sources.get(packet.ssrc);
    if (!stats) {
      if (this.sources.size >= MAX_SOURCES) this.sources.clear();
      stats = new ReceptionStats(packet.ssrc, packet.sequenceNumber, this.clockRate(packet.payloadType));
      this.sources.set(packet.ssrc, stats);
    }
    stats.update(packet.sequenceNumber, packet.timestamp, performance.now());
  }

  /** A decrypted compound RTCP packet from the browser: note its SRs (for LSR/DLSR) and BYEs. */
  receivedRtcp(compound: Buffer): void {
    for (const packet of parseRtcp(compound) ?? []) {
      if (isSenderReport(packet)) {
        const source = this.sources.get(packet.ssrc);
        if (!source) continue;
        source.lastSrMiddle = (((packet.ntpSeconds & 0xffff) << 16) | (packet.ntpFraction >>> 16)) >>> 0;
        source.lastSrArrivalMs = performance.now();
      } else if (isGoodbye(packet)) {
        for (const ssrc of packet.ssrcs) this.sources.delete(ssrc);
      }
    }
  }

  /** Our next compound report, in the clear; SR under the SSRC we last sent with, else RR under our own. */
  report(bye: boolean): Buffer {
    const sender = this.sender && Date.now() - this.sender.lastSendUnixMs < SENDER_TIMEOUT_MS ? this.sender : null;
    const packets = buildReport({
      ssrc: sender?.ssrc ?? this.ownSsrc,
      cname: this.cname,
      sender,
      sources: [...this.sources.values()],
      nowUnixMs: Date.now(),
      nowMs: performance.now(),
      bye,
    });
    return serializeRtcp(packets);
  }
}

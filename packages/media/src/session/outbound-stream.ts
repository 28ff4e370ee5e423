import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { takeDatagram, type RelayedRtpPacket } from '../rtp/rtp-packet.js';
import type { RtpPacket } from '../transport/types.js';

/**
 * The one RTP stream a leg sends (RFC 3550 §5.1): one SSRC for the leg's whole life, sequence
 * numbers without jumps, timestamps that follow the wall clock. Whatever feeds the leg — a
 * relayed peer, a transcoder, hold music, a mixer — and however often that changes (re-INVITE,
 * hold/resume, transfer), the far end sees a single continuous stream: each new producer is
 * rebased onto the stream where it stands now, with the marker bit set as at a talkspurt start.
 */
export class OutboundStream {
  readonly ssrc = randomInt(1, 0xffffffff);
  private seq = randomInt(0, 0x10000);
  private timestamp = randomInt(0, 0x100000000);
  private lastSendMs: number | null = null;
  private producer: string | null = null;
  /** Where the current generated producer's next frame goes. */
  private nextTimestamp = 0;
  /** The current relayed producer's offsets. */
  private relayMap: { producer: string; ssrc: number; seqOffset: number; tsOffset: number } | null = null;
  /** The event being relayed or sent: its source timestamp and where it went out. */
  private eventMap: { key: string; sourceTimestamp: number; outTimestamp: number } | null = null;
  packets = 0;

  constructor(
    private clockRate: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get rate(): number {
    return this.clockRate;
  }

  /** A renegotiation changed the send codec's clock; timing continues at the new rate. */
  setClockRate(rate: number): void {
    if (rate === this.clockRate) return;
    this.timestamp = this.expectedTimestamp();
    this.lastSendMs = this.now();
    this.clockRate = rate;
    this.producer = null;
    this.relayMap = null;
  }

  /** Where "now" falls on our timestamp line, given when and what we last sent. */
  private expectedTimestamp(): number {
    if (this.lastSendMs === null) return this.timestamp;
    const elapsed = Math.max(0, this.now() - this.lastSendMs);
    return (this.timestamp + Math.max(1, Math.round((elapsed * this.clockRate) / 1000))) >>> 0;
  }

  /** A frame we made ourselves (player, mixer, transcoder): `samples` at the clock rate. */
  generated(producer: string, payloadType: number, payload: Buffer, samples: number): RtpPacket {
    let marker = false;
    if (this.producer !== producer || this.relayMap !== null) {
      this.nextTimestamp = this.expectedTimestamp();
      this.producer = producer;
      this.relayMap = null;
      marker = true;
    }
    const timestamp = this.nextTimestamp;
    this.nextTimestamp = (timestamp + samples) >>> 0;
    return this.emit({ payloadType, payload, timestamp, marker, sequenceNumber: this.nextSeq(), ssrc: this.ssrc });
  }

  /**
   * A packet relayed from another stream with the same codec: its sequence and timestamp
   * steps are kept (so loss and timing stay visible to the far end), shifted onto ours. It
   * takes the received datagram when it can (our header is written over the source's on send).
   */
  relayed(producer: string, packet: RtpPacket, payloadType: number): RelayedRtpPacket {
    let marker = packet.marker;
    if (!this.relayMap || this.relayMap.producer !== producer || this.relayMap.ssrc !== packet.ssrc) {
      const seq = (this.seq + 1) & 0xffff;
      this.relayMap = {
        producer,
        ssrc: packet.ssrc,
        seqOffset: (seq - packet.sequenceNumber) & 0xffff,
        tsOffset: (this.expectedTimestamp() - packet.timestamp) >>> 0,
      };
      this.producer = producer;
      marker = true;
    }
    const map = this.relayMap;
    const sequenceNumber = (packet.sequenceNumber + map.seqOffset) & 0xffff;
    // Keep our own counter at the newest sequence sent (serial comparison, RFC 1982).
    if (((sequenceNumber - this.seq) & 0xffff) < 0x8000) this.seq = sequenceNumber;
    const timestamp = (packet.timestamp + map.tsOffset) >>> 0;
    return this.emit({ payloadType, payload: packet.payload, timestamp, marker, sequenceNumber, ssrc: this.ssrc, datagram: takeDatagram(packet) });
  }

  /**
   * One RFC 4733 packet. Every packet of an event carries the event's start timestamp: the
   * first packet of a new event (new `sourceTimestamp`) picks it — the relayed stream's
   * mapping when the event comes from the producer being relayed, else "now".
   */
  event(producer: string, sourceTimestamp: number, payloadType: number, payload: Buffer, relatedClockRate?: number): RtpPacket {
    const key = producer;
    let marker = false;
    if (!this.eventMap || this.eventMap.key !== key || this.eventMap.sourceTimestamp !== sourceTimestamp) {
      const map = this.relayMap;
      const outTimestamp =
        map && map.producer === producer && (relatedClockRate === undefined || relatedClockRate === this.clockRate)
          ? (sourceTimestamp + map.tsOffset) >>> 0
          : this.producer === producer && this.relayMap === null
            ? this.nextTimestamp
            : this.expectedTimestamp();
      this.eventMap = { key, sourceTimestamp, outTimestamp };
      marker = true;
    }
    return this.emit({ payloadType, payload, timestamp: this.eventMap.outTimestamp, marker, sequenceNumber: this.nextSeq(), ssrc: this.ssrc });
  }

  private nextSeq(): number {
    this.seq = (this.seq + 1) & 0xffff;
    return this.seq;
  }

  /** Every packet leaves through here: it is built whole by the caller (no copy per packet). */
  private emit<P extends RtpPacket>(p: P): P {
    // Timestamps only move forward on our line (a relayed packet arriving late keeps its own).
    if (((p.timestamp - this.timestamp) >>> 0) < 0x80000000) this.timestamp = p.timestamp;
    this.lastSendMs = this.now();
    this.packets++;
    return p;
  }
}

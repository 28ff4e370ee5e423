import { randomBytes, randomInt } from 'node:crypto';
import type { RemoteInfo, Socket } from 'node:dgram';
import { isIP } from 'node:net';
// The module's binding, not the global: in a worker `performance` is a global accessor, looked up on every packet.
import { performance } from 'node:perf_hooks';
import type {
  AudioCodec,
  Direction,
  MediaTransport,
  MediaTransportEvents,
  NegotiatedAudio,
  OfferOptions,
  RtpPacket,
  TransportState,
} from '../transport/types.js';
import { answerDirection, canSend, chooseForAnswer, chooseFromAnswer, NegotiationError } from '../sdp/negotiate.js';
import { DEFAULT_OFFER_CODECS, plainRtpCodecs, readRtpSdp, writeRtpSdp, type LocalRtpDescription, type RemoteRtpDescription, type SrtpCryptoLine } from '../sdp/rtp-sdp.js';
import { newKeyParams, parseKeyParams, SRTP_SUITE, SrtpSession, type SrtpKeys } from './srtp.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { type BoundPair, type RtpPortPool } from './port-pool.js';
import { isGoodbye, isSenderReport, parseRtcp, serializeRtcp } from './rtcp-packet.js';
import { buildReport, ReceptionStats, type SenderStats } from './rtcp-session.js';
import { looksLikeRtcp, parseRtp, rtpHeader, writeRtpHeader, type RelayedRtpPacket } from './rtp-packet.js';

export interface RtpTransportOptions {
  id: string;
  /** Address the sockets bind (e.g. 0.0.0.0 or the server's LAN address). */
  bindAddress: string;
  /** Address written in c= and o= (the address phones reach us at). */
  announcedAddress: string;
  ports: RtpPortPool;
  /** Mean interval of RTCP reports; RFC 3550 §6.2 suggests 5 s. */
  rtcpIntervalMs?: number;
  /** Packetization we ask for (a=ptime). */
  ptime?: number;
  /**
   * Symmetric RTP: a source that has gone quiet this long may be replaced by a new one
   * (a phone behind NAT whose mapping changed).
   */
  relatchAfterMs?: number;
  cname?: string;
  /**
   * Offer SRTP (RFC 4568 SDES, AES_CM_128_HMAC_SHA1_80) when we make the offer. Offers that
   * carry SRTP are accepted either way.
   */
  srtp?: boolean;
}

/** Counters for tests, logs and RTCP. */
export interface RtpTransportStats {
  packetsSent: number;
  octetsSent: number;
  packetsReceived: number;
  /**
   * Packets from a source other than the latched one, dropped while it is alive. Once the RTP
   * socket is pinned to the latched source the kernel drops them before we see them.
   */
  packetsFromStrangers: number;
  rtcpSent: number;
  rtcpReceived: number;
  /** SRTP/SRTCP packets that failed authentication (dropped). */
  authFailures: number;
  /** Where RTP goes now (after latching), or null. */
  remote: { address: string; port: number } | null;
}

interface Endpoint {
  address: string;
  port: number;
}

/**
 * A plain RTP/AVP leg (RFC 3550 over UDP), or RTP/SAVP with SDES keys (RFC 4568, RFC 3711):
 * an even RTP port with RTCP on the next one, or both
 * on one port when the peer accepts rtcp-mux (RFC 5761). Symmetric RTP (RFC 4961): once media
 * arrives we send to where it really comes from, which is what makes phones behind NAT work.
 * Sockets are bound on the first offer or answer.
 *
 * ```
 * new ──offer/answer settled──▶ connected ──close()──▶ closed
 *   └──────────────────────────────close()───────────────▲
 * ```
 */
export class RtpTransport implements MediaTransport {
  readonly kind = 'rtp' as const;
  private currentState: TransportState = 'new';
  private settled: NegotiatedAudio | null = null;
  private readonly events = new TypedEmitter<MediaTransportEvents>();
  /**
   * 'rtp' listeners, apart from the emitter: called for every packet, usually just the leg's.
   * Replaced, never changed in place, so a listener may come or go during a call.
   */
  private rtpListeners: readonly MediaTransportEvents['rtp'][] = [];
  private pair: BoundPair | null = null;
  private binding: Promise<BoundPair> | null = null;
  private readonly sessionId = String(randomInt(1, 2 ** 47));
  private sessionVersion = randomInt(1, 2 ** 20);
  private lastBody: string | null = null;
  private pendingOffer: { codecs: AudioCodec[]; direction: Direction; srtp: boolean } | null = null;
  /** Our SDES master key (one for the leg's life) and the sessions in use, when SRTP is on. */
  private localKey: { keys: SrtpKeys; params: string } | null = null;
  private srtpOut: SrtpSession | null = null;
  private srtpIn: SrtpSession | null = null;
  private remoteKeyParams: string | null = null;
  private remoteSdp: RemoteRtpDescription | null = null;
  private rtcpMux = false;
  private rtpDest: Endpoint | null = null;
  private rtcpDest: Endpoint | null = null;
  private latchedRtp: { at: number; from: Endpoint } | null = null;
  /** Where the RTP socket is connected to (see pin()), or null while it takes any source. */
  private pinned: Endpoint | null = null;
  private quietCheck: NodeJS.Timeout | null = null;
  private latchedRtcp: { at: number; from: Endpoint } | null = null;
  private readonly sources = new Map<number, ReceptionStats>();
  /** The source of the last packet: almost always the next one's too (no map lookup). */
  private lastSource: ReceptionStats | null = null;
  private sender: SenderStats | null = null;
  private rtcpTimer: NodeJS.Timeout | null = null;
  private reportSsrc: number | null = null;
  private senderPayloadType = -1;
  private readonly cname: string;
  private readonly counters: Omit<RtpTransportStats, 'remote'> = { packetsSent: 0, octetsSent: 0, packetsReceived: 0, packetsFromStrangers: 0, rtcpSent: 0, rtcpReceived: 0, authFailures: 0 };

  constructor(private readonly options: RtpTransportOptions) {
    this.cname = options.cname ?? `${randomBytes(6).toString('hex')}@switchboard`;
  }

  get id(): string {
    return this.options.id;
  }
  get state(): TransportState {
    return this.currentState;
  }
  get negotiated(): NegotiatedAudio | null {
    return this.settled;
  }
  /** The bound RTP port, or null before the first offer/answer. */
  get localPort(): number | null {
    return this.pair?.port ?? null;
  }

  stats(): RtpTransportStats {
    return { ...this.counters, remote: this.rtpDest ? { ...this.rtpDest } : null };
  }

  on<E extends keyof MediaTransportEvents>(event: E, listener: MediaTransportEvents[E]): void {
    if (event === 'rtp') {
      const rtp = listener as MediaTransportEvents['rtp'];
      if (!this.rtpListeners.includes(rtp)) this.rtpListeners = [...this.rtpListeners, rtp];
    } else this.events.on(event, listener);
  }
  off<E extends keyof MediaTransportEvents>(event: E, listener: MediaTransportEvents[E]): void {
    if (event === 'rtp') this.rtpListeners = this.rtpListeners.filter((l) => l !== listener);
    else this.events.off(event, listener);
  }

  async createOffer(options: OfferOptions = {}): Promise<string> {
    const pair = await this.bound();
    const codecs = plainRtpCodecs(options.codecs ?? DEFAULT_OFFER_CODECS);
    const direction = options.direction ?? 'sendrecv';
    const srtp = this.options.srtp === true;
    this.pendingOffer = { codecs, direction, srtp };
    const crypto = srtp ? [{ tag: 1, suite: SRTP_SUITE, keyParams: this.ourKey().params }] : undefined;
    return this.writeSdp({ port: pair.port, codecs, direction, rtcpMux: true, offer: true, ...(crypto ? { crypto } : {}) });
  }

  applyAnswer(sdp: string): Promise<NegotiatedAudio> {
    try {
      const offer = this.pendingOffer;
      if (!offer) throw new NegotiationError('no-pending-offer', 'applyAnswer() without an offer of ours waiting for it');
      this.assertOpen();
      const remote = readRtpSdp(sdp);
      if (remote.secure !== offer.srtp) {
        throw new NegotiationError('unsupported', offer.srtp ? 'the answer refused SRTP (RTP/SAVP), which we offered as mandatory' : 'the answer uses SRTP (RTP/SAVP), which we did not offer');
      }
      const choice = chooseFromAnswer(offer.codecs, remote.codecs);
      if (offer.srtp) this.useRemoteKey(remote);
      this.pendingOffer = null;
      this.settle(remote, { codecs: choice.codecs, telephoneEvent: choice.telephoneEvent, localDirection: offer.direction, remoteDirection: remote.direction }, remote.rtcpMux);
      return Promise.resolve(this.settled!);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async answerOffer(sdp: string, options: OfferOptions = {}): Promise<{ answer: string; negotiated: NegotiatedAudio }> {
    const remote = readRtpSdp(sdp);
    const line = remote.secure ? this.useRemoteKey(remote) : null;
    if (!remote.secure) this.srtpOff();
    // Without a stated preference, keep the offerer's order (its first choice is usually what it sends).
    const choice = chooseForAnswer(remote.codecs, plainRtpCodecs(options.codecs ?? ['PCMU', 'PCMA', 'opus']), options.codecs === undefined);
    const pair = await this.bound();
    const direction = answerDirection(remote.direction, options.direction ?? 'sendrecv');
    const crypto = line ? [{ tag: line.tag, suite: SRTP_SUITE, keyParams: this.ourKey().params }] : undefined;
    const answer = this.writeSdp({ port: pair.port, codecs: choice.answerLines, direction, rtcpMux: remote.rtcpMux, offer: false, remote, ...(crypto ? { crypto } : {}) });
    this.pendingOffer = null;
    this.settle(remote, { codecs: choice.codecs, telephoneEvent: choice.telephoneEvent, localDirection: direction, remoteDirection: remote.direction }, remote.rtcpMux);
    return { answer, negotiated: this.settled! };
  }

  sendRtp(packet: RtpPacket): void {
    const pair = this.pair;
    const dest = this.rtpDest;
    if (!pair || !dest || this.currentState !== 'connected' || !this.settled || !canSend(this.settled.localDirection)) return;
    // A relayed packet may bring the datagram it arrived in: our header goes over its own and
    // the datagram leaves whole (rtp-packet.ts, takeDatagram). Otherwise header and payload go
    // out as two pieces of one datagram (no copy of the payload).
    const datagram = (packet as Partial<RelayedRtpPacket>).datagram;
    if (datagram) writeRtpHeader(datagram, packet);
    if (this.srtpOut) this.sendDatagram(pair.rtp, this.srtpOut.protectRtp(datagram ?? Buffer.concat([rtpHeader(packet), packet.payload])), dest);
    else this.sendDatagram(pair.rtp, datagram ?? [rtpHeader(packet), packet.payload], dest);
    this.counters.packetsSent++;
    this.counters.octetsSent += packet.payload.length;
    let sender = this.sender;
    if (!sender || sender.ssrc !== packet.ssrc || this.senderPayloadType !== packet.payloadType) {
      const clockRate = this.settled.codecs.find((c) => c.payloadType === packet.payloadType)?.clockRate ?? this.settled.telephoneEvent?.clockRate ?? 8000;
      if (!sender || sender.ssrc !== packet.ssrc) sender = { ssrc: packet.ssrc, packets: 0, octets: 0, lastRtpTimestamp: 0, lastSendUnixMs: 0, clockRate };
      sender.clockRate = clockRate;
      this.sender = sender;
      this.senderPayloadType = packet.payloadType;
    }
    sender.packets++;
    sender.octets += packet.payload.length;
    sender.lastRtpTimestamp = packet.timestamp;
    sender.lastSendUnixMs = Date.now();
  }

  close(): void {
    if (this.currentState === 'closed') return;
    if (this.rtcpTimer) clearTimeout(this.rtcpTimer);
    this.rtcpTimer = null;
    if (this.quietCheck) clearInterval(this.quietCheck);
    this.quietCheck = null;
    if (this.pair && this.sender && this.sender.packets > 0) this.sendReport(true);
    this.pair?.release();
    this.pair = null;
    this.pinned = null;
    this.transition('closed');
    this.events.removeAllListeners();
    this.rtpListeners = [];
  }

  private assertOpen(): void {
    if (this.currentState === 'closed') throw new Error(`RTP transport ${this.id} is closed`);
  }

  private async bound(): Promise<BoundPair> {
    this.assertOpen();
    if (this.pair) return this.pair;
    this.binding ??= this.options.ports.bindPair(this.options.bindAddress);
    const pair = await this.binding;
    if (this.currentState === 'closed') {
      pair.release();
      throw new Error(`RTP transport ${this.id} was closed while binding`);
    }
    if (this.pair !== pair) {
      this.pair = pair;
      pair.rtp.on('message', (msg, rinfo) => this.onRtpSocket(msg, rinfo));
      pair.rtcp.on('message', (msg, rinfo) => this.onRtcp(msg, rinfo));
      // Send errors (an ICMP unreachable on loopback, say) are outcomes, not crashes.
      pair.rtp.on('error', () => undefined);
      pair.rtcp.on('error', () => undefined);
    }
    return pair;
  }

  private ourKey(): { keys: SrtpKeys; params: string } {
    this.localKey ??= newKeyParams();
    return this.localKey;
  }

  /** RFC 4568 §6: take the first crypto line we support; our key protects what we send. */
  private useRemoteKey(remote: RemoteRtpDescription): SrtpCryptoLine {
    for (const line of remote.crypto) {
      if (line.suite !== SRTP_SUITE) continue;
      const keys = parseKeyParams(line.keyParams);
      if (!keys) continue;
      if (this.remoteKeyParams !== line.keyParams) {
        this.srtpIn = new SrtpSession(keys);
        this.remoteKeyParams = line.keyParams;
      }
      this.srtpOut ??= new SrtpSession(this.ourKey().keys);
      return line;
    }
    const suites = remote.crypto.map((c) => c.suite).join(', ') || 'no a=crypto line';
    throw new NegotiationError('unsupported', `no usable SRTP crypto suite offered (${suites}); we support ${SRTP_SUITE} with an inline key`);
  }

  private srtpOff(): void {
    this.srtpIn = null;
    this.srtpOut = null;
    this.remoteKeyParams = null;
  }

  private writeSdp(parts: { port: number; codecs: readonly AudioCodec[]; direction: Direction; rtcpMux: boolean; offer: boolean; remote?: RemoteRtpDescription; crypto?: SrtpCryptoLine[] }): string {
    const description: LocalRtpDescription = {
      sessionId: this.sessionId,
      sessionVersion: this.sessionVersion,
      address: this.options.announcedAddress,
      port: parts.port,
      // An offer names the RTCP port to fall back to if the answerer declines rtcp-mux (RFC 5761 §5.1.3).
      rtcpPort: parts.rtcpMux && !parts.offer ? null : parts.port + 1,
      rtcpMux: parts.rtcpMux,
      codecs: parts.codecs,
      direction: parts.direction,
      ptime: this.options.ptime ?? 20,
      ...(parts.remote ? { rejected: parts.remote.others, audioIndex: parts.remote.audioIndex } : {}),
      ...(parts.crypto ? { crypto: parts.crypto } : {}),
    };
    // RFC 3264 §8: the o= version goes up by one whenever what we describe changes.
    const body = writeRtpSdp({ ...description, sessionVersion: 0 });
    if (this.lastBody !== null && body !== this.lastBody) this.sessionVersion++;
    this.lastBody = body;
    return writeRtpSdp({ ...description, sessionVersion: this.sessionVersion });
  }

  private settle(remote: RemoteRtpDescription, negotiated: NegotiatedAudio, rtcpMux: boolean): void {
    const previous = this.remoteSdp;
    this.remoteSdp = remote;
    this.settled = negotiated;
    this.rtcpMux = rtcpMux;
    const moved = !previous || previous.address !== remote.address || previous.port !== remote.port;
    if (moved) {
      this.unpin();
      this.rtpDest = remote.address ? { address: remote.address, port: remote.port } : null;
      this.rtcpDest = remote.rtcpAddress ? { address: remote.rtcpAddress, port: rtcpMux ? remote.port : remote.rtcpPort } : null;
      this.latchedRtp = null;
      this.latchedRtcp = null;
    } else if (!remote.address) {
      this.unpin();
      this.rtpDest = null;
    }
    if (this.currentState === 'new') {
      this.transition('connected');
      this.scheduleReport();
    }
  }

  private transition(state: TransportState): void {
    if (this.currentState === state) return;
    this.currentState = state;
    this.events.emit('state', state);
  }

  /** Symmetric RTP latching; false drops the packet. */
  private accept(kind: 'rtp' | 'rtcp', rinfo: RemoteInfo, now: number): boolean {
    const latched = kind === 'rtp' ? this.latchedRtp : this.latchedRtcp;
    if (latched && latched.from.address === rinfo.address && latched.from.port === rinfo.port) {
      latched.at = now;
      // Back after a quiet spell that unpinned the socket.
      if (kind === 'rtp' && !this.pinned && this.remoteSdp?.address) this.pin(latched.from);
      return true;
    }
    if (latched && now - latched.at < this.relatchAfterMs()) {
      this.counters.packetsFromStrangers++;
      return false;
    }
    const from = { address: rinfo.address, port: rinfo.port };
    if (kind === 'rtp') {
      this.latchedRtp = { at: now, from };
      if (this.remoteSdp?.address) {
        this.rtpDest = { ...from };
        if (this.rtcpMux) this.rtcpDest = { ...from };
        this.pin(from);
      }
    } else {
      this.latchedRtcp = { at: now, from };
      if (this.remoteSdp?.address) this.rtcpDest = { ...from };
    }
    return true;
  }

  private onRtpSocket(msg: Buffer, rinfo: RemoteInfo): void {
    if (looksLikeRtcp(msg)) {
      this.onRtcp(msg, rinfo);
      return;
    }
    if (!this.settled || this.currentState !== 'connected') return;
    if (this.srtpIn) {
      const clear = this.srtpIn.unprotectRtp(msg);
      if (!clear) {
        this.counters.authFailures++;
        return;
      }
      msg = clear;
    }
    // The datagram is ours (a fresh buffer per receive, or SRTP's clear copy): lend it on.
    const packet = parseRtp(msg, true);
    const now = performance.now();
    if (!packet || !this.accept('rtp', rinfo, now)) return;
    this.counters.packetsReceived++;
    let stats = this.lastSource;
    if (stats?.ssrc !== packet.ssrc) stats = this.sourceStats(packet);
    stats.update(packet.sequenceNumber, packet.timestamp, now);
    for (const listener of this.rtpListeners) {
      try {
        listener(packet);
      } catch (error) {
        process.emitWarning(`an 'rtp' listener of transport ${this.id} threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      }
    }
  }

  private sourceStats(packet: RtpPacket): ReceptionStats {
    let stats = this.sources.get(packet.ssrc);
    if (!stats) {
      const clockRate = this.settled?.codecs.find((c) => c.payloadType === packet.payloadType)?.clockRate ?? 8000;
      stats = new ReceptionStats(packet.ssrc, packet.sequenceNumber, clockRate);
      if (this.sources.size > 8) this.sources.clear();
      this.sources.set(packet.ssrc, stats);
    }
    this.lastSource = stats;
    return stats;
  }

  private onRtcp(msg: Buffer, rinfo: RemoteInfo): void {
    if (!this.settled) return;
    if (this.srtpIn) {
      const clear = this.srtpIn.unprotectRtcp(msg);
      if (!clear) {
        this.counters.authFailures++;
        return;
      }
      msg = clear;
    }
    const packets = parseRtcp(msg);
    if (!packets || !this.accept(this.rtcpMux ? 'rtp' : 'rtcp', rinfo, performance.now())) return;
    this.counters.rtcpReceived++;
    for (const p of packets) {
      if (isSenderReport(p)) {
        const source = this.sources.get(p.ssrc);
        if (source) {
          source.lastSrMiddle = ((p.ntpSeconds & 0xffff) << 16 | p.ntpFraction >>> 16) >>> 0;
          source.lastSrArrivalMs = performance.now();
        }
      } else if (isGoodbye(p)) {
        for (const ssrc of p.ssrcs) this.sources.delete(ssrc);
        this.lastSource = null;
      }
    }
  }

  /**
   * Connects the RTP socket to the source we latched onto. The kernel then skips the route
   * lookup on every send and drops other sources' packets before they wake us: about a fifth
   * less CPU per relayed packet. A pinned socket cannot see a new source, so once the latched
   * one has been quiet for the relatch time the socket is unpinned and takes any source again
   * (a phone whose NAT mapping changed is followed within 1.5× that time).
   */
  private pin(to: Endpoint): void {
    const socket = this.pair?.rtp;
    // rinfo addresses are always literals: with the pool's literal lookup, connect() completes
    // before it returns, so the socket is never left half-connected.
    if (!socket || isIP(to.address) === 0) return;
    this.unpin();
    try {
      socket.connect(to.port, to.address);
      socket.remoteAddress();
    } catch {
      return;
    }
    this.pinned = { ...to };
    const relatchMs = this.relatchAfterMs();
    this.quietCheck ??= setInterval(() => {
      if (this.pinned && this.latchedRtp && performance.now() - this.latchedRtp.at >= relatchMs) this.unpin();
    }, relatchMs / 2);
    this.quietCheck.unref();
  }

  private unpin(): void {
    if (!this.pinned) return;
    this.pinned = null;
    try {
      this.pair?.rtp.disconnect();
    } catch {
      // closed meanwhile
    }
  }

  /** A pinned socket sends only to its peer and without naming it. */
  private sendDatagram(socket: Socket, data: Buffer | Buffer[], dest: Endpoint): void {
    const pinned = this.pinned;
    if (pinned && socket === this.pair?.rtp) {
      if (pinned.port === dest.port && pinned.address === dest.address) {
        socket.send(data);
        return;
      }
      this.unpin();
    }
    socket.send(data, dest.port, dest.address);
  }

  private relatchAfterMs(): number {
    return this.options.relatchAfterMs ?? 2000;
  }

  private scheduleReport(): void {
    const mean = this.options.rtcpIntervalMs ?? 5000;
    // RFC 3550 §6.3.1: randomise over [0.5, 1.5] × the interval so sources do not synchronise.
    this.rtcpTimer = setTimeout(() => {
      this.sendReport(false);
      this.scheduleReport();
    }, mean * (0.5 + Math.random()));
    this.rtcpTimer.unref();
  }

  private sendReport(bye: boolean): void {
    const pair = this.pair;
    const dest = this.rtcpDest;
    if (!pair || !dest) return;
    const ssrc = this.sender?.ssrc ?? (this.reportSsrc ??= randomInt(1, 2 ** 32 - 1));
    const packets = buildReport({ ssrc, cname: this.cname, sender: this.sender, sources: [...this.sources.values()], nowUnixMs: Date.now(), nowMs: performance.now(), bye });
    const socket = this.rtcpMux ? pair.rtp : pair.rtcp;
    const wire = serializeRtcp(packets);
    this.sendDatagram(socket, this.srtpOut ? this.srtpOut.protectRtcp(wire) : wire, dest);
    this.counters.rtcpSent++;
  }
}

export function createRtpTransport(options: RtpTransportOptions): RtpTransport {
  return new RtpTransport(options);
}

/**
 * A media leg to a browser: ICE-lite + DTLS-SRTP + rtcp-mux, audio only, offer/answer in both
 * directions (RFC 3264, RFC 8829), re-offers for hold/resume on the same ICE and DTLS session.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
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
import type { BoundPair, PortRange, RtpPortPool } from '../rtp/port-pool.js';
import { answerDirection, canReceive, canSend, NegotiationError } from '../sdp/negotiate.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import { chooseFromWebRtcAnswer, chooseWebRtcAnswer, webRtcCodecs } from './codec-negotiation.js';
import { WebRtcUsageError } from './errors.js';
import { IceDtlsLink } from './ice-dtls-link.js';
import type { DtlsRole, LinkCounters, RemoteSecurity } from './ice-dtls-link.js';
import { RtcpReporter } from './rtcp-reporter.js';
import { parseRemoteDescription, writeLocalDescription } from './session-description.js';
import type { DtlsSetup, Fingerprint, LocalDescription, RemoteAudioDescription } from './session-description.js';
import { closeSocket, defaultBindAddress, poolFor } from './socket-placement.js';
import { TransportStateMachine } from './transport-state.js';

/** The subset of a pino logger the leg uses. */
export interface WebRtcLogger {
  warn(details: object, message: string): void;
  debug(details: object, message: string): void;
}

export interface WebRtcTransportOptions {
  id: string;
  /**
   * IP addresses written as ICE host candidates in our SDP: where browsers reach this server
   * (['127.0.0.1'] in tests, the configured public address, resolved, in production). Nothing
   * else is gathered: no interface scan, no STUN server.
   */
  announcedAddresses: readonly string[];
  /**
   * Address the leg's UDP socket binds. Default: the first announced address when it belongs
   * to this host, otherwise the wildcard address of its family (a 1:1 NAT in front of us).
   */
  bindAddress?: string;
  /**
   * Where the socket's port comes from. A pool shared with the plain-RTP legs of the same
   * worker keeps the two kinds from racing for a port; the leg takes a pair from it (even port
   * for its socket, the odd one stays reserved and unused). Without a pool, `portRange` uses
   * a pool of this process for that range; without either, the system picks a free port.
   */
  portPool?: RtpPortPool;
  /** The server's RTP range, when no `portPool` is given. */
  portRange?: PortRange;
  /** Mean RTCP report interval, randomised ×0.5–1.5 (RFC 3550 §6.3.1). Default 5 s. */
  rtcpIntervalMs?: number;
  /** ICE and DTLS must complete within this time once both descriptions are known. Default 20 s. */
  connectTimeoutMs?: number;
  /**
   * The leg fails when nothing at all (media, RTCP, or the browser's ICE consent checks,
   * sent every ~5 s by RFC 7675 §5.1) arrives for this long. Default 30 s, RFC 7675's
   * consent timeout, so a browser that vanished is noticed like the browser notices us.
   */
  silenceTimeoutMs?: number;
  logger?: WebRtcLogger;
}

/** Milliseconds (performance.now()) at which the leg reached each step; null until it does. */
export interface WebRtcTimings {
  /** Both descriptions known: ICE and DTLS start. */
  connectingAt: number | null;
  /** DTLS done, SRTP keys in place. */
  connectedAt: number | null;
  /** First RTP packet from the browser decrypted. */
  firstRtpAt: number | null;
}

/** RTP and RTCP packets and RTP payload bytes through the leg since it connected. */
export type WebRtcCounters = LinkCounters;

export interface WebRtcTransport extends MediaTransport {
  readonly kind: 'webrtc';
  readonly timings: Readonly<WebRtcTimings>;
  readonly counters: WebRtcCounters;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 20_000;
const DEFAULT_SILENCE_TIMEOUT_MS = 30_000;
const DEFAULT_RTCP_INTERVAL_MS = 5_000;
const BIND_ATTEMPTS = 8;

/** Without a logger, warnings become process warnings and debug lines go nowhere. */
const defaultLogger: WebRtcLogger = {
  warn: (details, message) => process.emitWarning(`${message} ${JSON.stringify(details)}`),
  debug: () => undefined,
};

interface PendingOffer {
  codecs: AudioCodec[];
  direction: Direction;
}

function setupFor(role: DtlsRole): DtlsSetup {
  return role === 'client' ? 'active' : 'passive';
}

/**
 * Our DTLS role from the peer's a=setup (RFC 5763 §5; RFC 4145 §4: no attribute means active).
 * Given the choice (actpass) we take the server side, i.e. answer `a=setup:passive`, which
 * RFC 5763 allows though it recommends active: our DTLS server listens from the moment ICE
 * starts, so the browser's ClientHello is answered at once, while werift as a client waits
 * 100 ms before its ClientHello and 0.5 s or more before each resend. Measured with Chromium
 * on a loaded 2-core machine: answer applied to connected, median 190 ms as server against
 * 330 ms (one of 12 at 1.6 s) as client.
 */
function roleAgainst(remoteSetup: DtlsSetup | undefined): DtlsRole {
  return remoteSetup === 'passive' ? 'client' : 'server';
}

function sameFingerprints(a: readonly Fingerprint[], b: readonly Fingerprint[]): boolean {
  const key = (f: Fingerprint): string => `${f.algorithm.toLowerCase()} ${f.value.toUpperCase()}`;
  return a.map(key).sort().join() === b.map(key).sort().join();
}

class WebRtcLeg implements WebRtcTransport {
  readonly kind = 'webrtc' as const;
  readonly timings: WebRtcTimings = { connectingAt: null, connectedAt: null, firstRtpAt: null };

  private readonly log: WebRtcLogger;
  private readonly emitter: TypedEmitter<MediaTransportEvents>;
  private readonly machine: TransportStateMachine;
  private readonly portPool: RtpPortPool | null;
  private readonly bindAddress: string;
  private link: IceDtlsLink | null = null;
  private linkOpening: Promise<IceDtlsLink> | null = null;
  private portLease: BoundPair | null = null;
  private negotiatedAudio: NegotiatedAudio | null = null;
  private pendingOffer: PendingOffer | null = null;
  private sendingAllowed = false;
  private connectTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  private rtcpTimer: NodeJS.Timeout | undefined;
  private readonly rtcp = new RtcpReporter();
  private readonly sessionId = BigInt(`0x${randomBytes(7).toString('hex')}`).toString();
  private sessionVersion = 0;
  private mid = '0';
  private bundle = true;
  private readonly msid = { stream: randomUUID(), track: randomUUID() };

  constructor(private readonly options: WebRtcTransportOptions) {
    if (options.announcedAddresses.length === 0) throw new RangeError('a WebRTC leg needs at least one address to announce');
    // Browsers resolve no host names in ICE candidates (only their own mDNS .local ones).
    const named = options.announcedAddresses.find((address) => isIP(address) === 0);
    if (named !== undefined) throw new RangeError(`a WebRTC leg announces IP addresses only; resolve "${named}" first`);
    this.log = options.logger ?? defaultLogger;
    this.emitter = new TypedEmitter<MediaTransportEvents>((error, event) => {
      this.log.warn({ leg: options.id, event: String(event), error: String(error) }, 'a WebRTC leg listener threw');
    });
    this.machine = new TransportStateMachine((state) => this.emitter.emit('state', state));
    this.portPool = options.portPool ?? (options.portRange ? poolFor(options.portRange) : null);
    this.bindAddress = options.bindAddress ?? defaultBindAddress(options.announcedAddresses);
  }

  get id(): string {
    return this.options.id;
  }

  get state(): TransportState {
    return this.machine.state;
  }

  get negotiated(): NegotiatedAudio | null {
    return this.negotiatedAudio;
  }

  get counters(): WebRtcCounters {
    return { ...(this.link?.counters ?? { rtpSent: 0, rtpReceived: 0, rtcpSent: 0, rtcpReceived: 0, bytesSent: 0, bytesReceived: 0 }) };
  }

  on<E extends keyof MediaTransportEvents>(event: E, listener: MediaTransportEvents[E]): void {
    this.emitter.on(event, listener);
  }

  off<E extends keyof MediaTransportEvents>(event: E, listener: MediaTransportEvents[E]): void {
    this.emitter.off(event, listener);
  }

  async createOffer(options?: OfferOptions): Promise<string> {
    this.assertOpen();
    const codecs = webRtcCodecs(options?.codecs);
    const link = await this.openLink();
    this.assertOpen();
    const direction = options?.direction ?? 'sendrecv';
    this.pendingOffer = { codecs, direction };
    // Before DTLS is settled we let the browser choose (actpass); afterwards we restate our
    // role so the re-offer keeps the DTLS association (RFC 8842 §5.5).
    const setup = link.role === null ? 'actpass' : setupFor(link.role);
    return writeLocalDescription(this.localDescription(link, { setup, codecs, direction }));
  }

  applyAnswer(sdp: string): Promise<NegotiatedAudio> {
    // Nothing to wait for, but the contract is asynchronous: errors become rejections.
    return new Promise((resolve) => resolve(this.acceptAnswer(sdp)));
  }

  async answerOffer(sdp: string, options?: OfferOptions): Promise<{ answer: string; negotiated: NegotiatedAudio }> {
    this.assertOpen();
    if (this.pendingOffer) throw new WebRtcUsageError('offer-pending', 'answerOffer() while our own offer awaits its answer');
    const remote = parseRemoteDescription(sdp);
    const selection = chooseWebRtcAnswer(remote.codecs, options?.codecs);
    const link = await this.openLink();
    this.assertOpen();
    const security = this.securityFor(link, remote);
    const role = security?.role ?? link.role ?? 'server';
    const localDirection = answerDirection(remote.direction, options?.direction ?? 'sendrecv');
    this.mid = remote.mid ?? this.mid;
    this.bundle = remote.bundle;
    const answer = writeLocalDescription(
      this.localDescription(link, {
        setup: setupFor(role),
        codecs: selection.answerLines,
        direction: localDirection,
        offerSections: { sections: remote.sections, audioIndex: remote.audioIndex },
      }),
    );
    const negotiated = this.settle({ codecs: selection.codecs, telephoneEvent: selection.telephoneEvent, localDirection, remoteDirection: remote.direction });
    if (security) this.startConnecting(link, security);
    return { answer, negotiated };
  }

  sendRtp(packet: RtpPacket): void {
    if (!this.sendingAllowed || this.machine.state !== 'connected' || !this.link) return;
    this.link.sendRtp(packet);
    this.rtcp.sent(packet);
  }

  close(): void {
    if (this.machine.state === 'closed') return;
    // RFC 3550 §6.6: say goodbye, so the browser stops counting us at once.
    if (this.machine.state === 'connected') this.link?.sendRtcp(this.rtcp.report(true));
    this.stopTimers();
    this.pendingOffer = null;
    this.sendingAllowed = false;
    this.machine.transition('closed');
    this.emitter.removeAllListeners();
    this.releaseLink();
  }

  private assertOpen(): void {
    const { state } = this.machine;
    if (state === 'closed' || state === 'failed') throw new WebRtcUsageError(state, `WebRTC leg ${this.id} is ${state}`);
  }

  private acceptAnswer(sdp: string): NegotiatedAudio {
    this.assertOpen();
    const offer = this.pendingOffer;
    const link = this.link;
    if (!offer || !link) throw new NegotiationError('no-pending-offer', 'applyAnswer() needs a createOffer() first');
    const remote = parseRemoteDescription(sdp);
    const selection = chooseFromWebRtcAnswer(offer.codecs, remote.codecs);
    const security = this.securityFor(link, remote);
    this.pendingOffer = null;
    this.bundle = remote.bundle;
    const negotiated = this.settle({ ...selection, localDirection: offer.direction, remoteDirection: remote.direction });
    if (security) this.startConnecting(link, security);
    return negotiated;
  }

  /**
   * The DTLS/ICE parameters to start with, or null when this description belongs to the
   * session already running (a re-offer or its answer): then it must not change ICE
   * credentials or the certificate, as we do not restart either.
   */
  private securityFor(link: IceDtlsLink, remote: RemoteAudioDescription): RemoteSecurity | null {
    if (remote.ice.lite) {
      throw new NegotiationError('bad-sdp', 'the peer is an ICE-lite agent like us; one side must run full ICE (RFC 8445 §2.5)');
    }
    if (link.remoteIce === null) {
      return { ice: remote.ice, fingerprints: remote.fingerprints, role: roleAgainst(remote.setup) };
    }
    if (link.remoteIce.ufrag !== remote.ice.ufrag || link.remoteIce.pwd !== remote.ice.pwd) {
      throw new NegotiationError('bad-sdp', 'the peer changed its ICE credentials (an ICE restart), which a WebRTC leg does not support');
    }
    if (!sameFingerprints(link.remoteFingerprints, remote.fingerprints)) {
      throw new NegotiationError('bad-sdp', 'the peer changed its DTLS certificate mid-session, which a WebRTC leg does not support');
    }
    return null;
  }

  private localDescription(
    link: IceDtlsLink,
    parts: Pick<LocalDescription, 'setup' | 'codecs' | 'direction' | 'offerSections'>,
  ): LocalDescription {
    this.sessionVersion++;
    return {
      sessionId: this.sessionId,
      sessionVersion: this.sessionVersion,
      ice: link.localIce,
      fingerprint: link.fingerprint,
      addresses: this.options.announcedAddresses,
      port: link.port,
      mid: this.mid,
      msid: this.msid,
      bundle: this.bundle,
      ...parts,
    };
  }

  private settle(negotiated: NegotiatedAudio): NegotiatedAudio {
    this.negotiatedAudio = negotiated;
    // RFC 3264 §5.1: we send only when we said we would and the peer said it would receive.
    this.sendingAllowed = canSend(negotiated.localDirection) && canReceive(negotiated.remoteDirection);
    this.rtcp.setCodecs(negotiated.telephoneEvent ? [...negotiated.codecs, negotiated.telephoneEvent] : negotiated.codecs);
    return negotiated;
  }

  private openLink(): Promise<IceDtlsLink> {
    if (this.link) return Promise.resolve(this.link);
    this.linkOpening ??= this.bindLink().catch((error: unknown) => {
      this.linkOpening = null;
      throw error;
    });
    return this.linkOpening;
  }

  private async bindLink(): Promise<IceDtlsLink> {
    const pool = this.portPool;
    for (let attempt = 0; attempt < (pool ? BIND_ATTEMPTS : 1); attempt++) {
      // The pool proves the port free by binding it; werift binds its own socket, so we hand it the port right after.
      const lease = pool ? await pool.bindPair(this.bindAddress) : null;
      if (lease) await Promise.all([closeSocket(lease.rtp), closeSocket(lease.rtcp)]);
      const link = await IceDtlsLink.open(this.bindAddress, lease?.port, {
        rtp: (packet) => this.onRtp(packet),
        rtcp: (compound) => this.rtcp.receivedRtcp(compound),
        peerClosed: () => this.fail('the browser ended the DTLS association'),
      });
      if (!link) {
        lease?.release();
        continue;
      }
      this.link = link;
      this.portLease = lease;
      if (this.machine.state === 'closed') {
        this.releaseLink();
        throw new WebRtcUsageError('closed', `WebRTC leg ${this.id} is closed`);
      }
      this.log.debug({ leg: this.id, address: this.bindAddress, port: link.port }, 'WebRTC leg bound');
      return link;
    }
    throw new Error(`WebRTC leg ${this.id}: no UDP port could be bound on ${this.bindAddress}`);
  }

  private onRtp(packet: RtpPacket): void {
    if (this.machine.state !== 'connected') return;
    this.timings.firstRtpAt ??= performance.now();
    this.rtcp.received(packet);
    this.emitter.emit('rtp', packet);
  }

  private startConnecting(link: IceDtlsLink, security: RemoteSecurity): void {
    if (this.machine.state !== 'new') return;
    this.timings.connectingAt = performance.now();
    this.machine.transition('connecting');
    const timeoutMs = this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    this.connectTimer = setTimeout(() => this.fail(`ICE and DTLS did not complete within ${timeoutMs} ms`), timeoutMs);
    this.connectTimer.unref();
    link.connect(security).then(
      () => {
        if (this.machine.state !== 'connecting') return;
        clearTimeout(this.connectTimer);
        this.timings.connectedAt = performance.now();
        this.machine.transition('connected');
        this.watchSilence(link);
        this.scheduleRtcp(link);
      },
      (error: unknown) => this.fail(`ICE/DTLS failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }

  private watchSilence(link: IceDtlsLink): void {
    const timeoutMs = this.options.silenceTimeoutMs ?? DEFAULT_SILENCE_TIMEOUT_MS;
    let lastCount = link.receivedCount;
    let lastHeard = performance.now();
    this.silenceTimer = setInterval(
      () => {
        const count = link.receivedCount;
        const now = performance.now();
        if (count !== lastCount) {
          lastCount = count;
          lastHeard = now;
        } else if (now - lastHeard >= timeoutMs) {
          this.fail(`nothing received from the browser for ${Math.round(now - lastHeard)} ms`);
        }
      },
      Math.max(50, Math.min(5_000, timeoutMs / 4)),
    );
    this.silenceTimer.unref();
  }

  private scheduleRtcp(link: IceDtlsLink): void {
    const mean = this.options.rtcpIntervalMs ?? DEFAULT_RTCP_INTERVAL_MS;
    this.rtcpTimer = setTimeout(
      () => {
        link.sendRtcp(this.rtcp.report(false));
        this.scheduleRtcp(link);
      },
      mean * (0.5 + Math.random()),
    );
    this.rtcpTimer.unref();
  }

  private fail(reason: string): void {
    if (!this.machine.canMoveTo('failed')) return;
    this.log.warn({ leg: this.id, reason }, 'WebRTC leg failed');
    this.stopTimers();
    this.sendingAllowed = false;
    this.machine.transition('failed');
    this.releaseLink();
  }

  private stopTimers(): void {
    clearTimeout(this.connectTimer);
    clearInterval(this.silenceTimer);
    clearTimeout(this.rtcpTimer);
    this.connectTimer = undefined;
    this.silenceTimer = undefined;
    this.rtcpTimer = undefined;
  }

  /** Closes the socket and DTLS in the background and gives the port back. */
  private releaseLink(): void {
    const link = this.link;
    const lease = this.portLease;
    this.link = null;
    this.portLease = null;
    if (!link) return;
    link.close().then(
      () => lease?.release(),
      (error: unknown) => this.log.warn({ leg: this.id, error: String(error) }, 'closing a WebRTC leg failed'),
    );
  }
}

/** A media leg to a browser (see WebRtcTransportOptions). Nothing is bound until the first offer or answer. */
export function createWebRtcTransport(options: WebRtcTransportOptions): WebRtcTransport {
  return new WebRtcLeg(options);
}

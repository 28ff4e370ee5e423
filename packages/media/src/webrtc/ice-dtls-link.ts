/**
 * The secure path of one WebRTC leg: one UDP socket, ICE-lite (RFC 8445 §2.5) on it, DTLS
 * (RFC 5764) over the selected pair, then SRTP with the keys DTLS exported. Built from
 * werift's ICE and DTLS transports directly, without its RTCPeerConnection, so that:
 * - gathering binds exactly one socket on the configured address (no interface scan, no STUN
 *   server: lite agents gather host candidates only), which takes about a millisecond;
 * - RTP leaves through the SRTP session with the header the caller built (werift's
 *   RTCRtpSender rewrites payload type, SSRC, sequence number and timestamp);
 * - every RTP packet the browser sends surfaces, whatever its payload type.
 */
import { isIPv6 } from 'node:net';
import {
  ProtectionProfileAeadAes128Gcm,
  ProtectionProfileAes128CmHmacSha1_80,
  RTCDtlsFingerprint,
  RTCDtlsParameters,
  RTCDtlsTransport,
  RTCIceGatherer,
  RTCIceParameters,
  RTCIceTransport,
  RtpHeader,
} from 'werift';
import type { RtpPacket } from '../transport/types.js';
import type { Fingerprint, IceCredentials } from './session-description.js';

/** How long binding the leg's socket may take before another port is tried. */
const GATHER_TIMEOUT_MS = 3_000;

/** Our DTLS role (RFC 5763 §5): the client sends ClientHello. */
export type DtlsRole = 'client' | 'server';

export interface RemoteSecurity {
  ice: IceCredentials;
  fingerprints: Fingerprint[];
  role: DtlsRole;
}

export interface IceDtlsLinkEvents {
  rtp(packet: RtpPacket): void;
  /** One decrypted RTCP packet (of a compound) from the browser. */
  rtcp(packet: Buffer): void;
  /** The peer ended DTLS (an alert such as close_notify): its side of the leg is gone. */
  peerClosed(): void;
}

// The profiles browsers offer in use_srtp (RFC 5764 §4.1.2, RFC 7714); GCM preferred.
const SRTP_PROFILES = [ProtectionProfileAeadAes128Gcm, ProtectionProfileAes128CmHmacSha1_80];

/**
 * Creates the DTLS certificate (ECDSA P-256, one per process, used by every leg) ahead of the
 * first call, which otherwise pays for it (~0.1-0.3 s here).
 */
export async function prepareDtlsCertificate(): Promise<void> {
  await RTCDtlsTransport.SetupCertificate();
}

/** Datagrams and payload bytes through the leg, RTP and RTCP apart (after SRTP decryption, before encryption). */
export interface LinkCounters {
  rtpSent: number;
  rtpReceived: number;
  rtcpSent: number;
  rtcpReceived: number;
  bytesSent: number;
  bytesReceived: number;
}

export class IceDtlsLink {
  readonly counters: LinkCounters = { rtpSent: 0, rtpReceived: 0, rtcpSent: 0, rtcpReceived: 0, bytesSent: 0, bytesReceived: 0 };
  private dataReceived = 0;
  private closed = false;

  private constructor(
    private readonly ice: RTCIceTransport,
    private readonly dtls: RTCDtlsTransport,
    readonly port: number,
    readonly localIce: IceCredentials,
    readonly fingerprint: Fingerprint,
    private readonly events: IceDtlsLinkEvents,
  ) {
    ice.connection.onData.subscribe(() => {
      this.dataReceived++;
    });
    dtls.onRtp.subscribe((packet) => {
      const { header } = packet;
      this.counters.rtpReceived++;
      this.counters.bytesReceived += packet.payload.length;
      events.rtp({
        payloadType: header.payloadType,
        sequenceNumber: header.sequenceNumber,
        timestamp: header.timestamp,
        ssrc: header.ssrc,
        marker: header.marker,
        payload: packet.payload,
      });
    });
    // werift hands RTCP over parsed; RTCP is rare (seconds apart), so serialising it back is cheap.
    dtls.onRtcp.subscribe((packet) => {
      this.counters.rtcpReceived++;
      events.rtcp(packet.serialize());
    });
    dtls.onStateChange.subscribe((state) => {
      if (state === 'closed' && !this.closed) events.peerClosed();
    });
  }

  /**
   * Binds the leg's socket on `bindAddress` (port `port`, or any free port when undefined).
   * Returns null when the port could not be bound, so the caller can try another one.
   */
  static async open(bindAddress: string, port: number | undefined, events: IceDtlsLinkEvents): Promise<IceDtlsLink | null> {
    const certificate = await RTCDtlsTransport.SetupCertificate();
    const gatherer = new RTCIceGatherer({
      iceLite: true,
      // No interface scan: the only host address is the one we bind (see additionalHostAddresses).
      useIpv4: false,
      useIpv6: false,
      additionalHostAddresses: [bindAddress],
      interfaceAddresses: isIPv6(bindAddress) ? { udp6: bindAddress } : { udp4: bindAddress },
      ...(port !== undefined ? { portRange: [port, port] as [number, number] } : {}),
    });
    const ice = new RTCIceTransport(gatherer);
    // werift binds the port a second time itself, and waits only for 'listening': if another
    // program took the port in between, its bind fails and gathering never ends. Give it a
    // moment (binding one socket takes about a millisecond), then let the caller try another port.
    let timer: NodeJS.Timeout | undefined;
    const gathered = await Promise.race([
      gatherer.gather().then(() => true),
      new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), GATHER_TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    const [candidate] = gathered ? gatherer.localCandidates : [];
    if (!candidate) {
      await ice.stop().catch(() => undefined);
      return null;
    }
    const { usernameFragment, password } = gatherer.localParameters;
    const [fingerprint] = certificate.getFingerprints();
    if (!fingerprint) throw new Error('the DTLS certificate has no fingerprint');
    const dtls = new RTCDtlsTransport({}, ice, certificate, SRTP_PROFILES);
    return new IceDtlsLink(ice, dtls, candidate.port, { ufrag: usernameFragment, pwd: password }, { algorithm: fingerprint.algorithm, value: fingerprint.value }, events);
  }

  /** Remote ICE credentials as last applied, to tell a re-offer from an ICE restart. */
  remoteIce: IceCredentials | null = null;
  remoteFingerprints: Fingerprint[] = [];

  /** Our DTLS role once the first offer/answer settled it. */
  get role(): DtlsRole | null {
    return this.dtls.role === 'auto' ? null : this.dtls.role;
  }

  /**
   * Runs ICE (we answer the browser's checks) and the DTLS handshake; resolves when SRTP keys
   * are in place. As DTLS server we listen from the start, so a ClientHello that follows the
   * browser's nominating check at once is not lost; as client we send ClientHello only once
   * ICE has selected a pair, because werift drops data sent before that.
   */
  async connect(remote: RemoteSecurity): Promise<void> {
    this.remoteIce = remote.ice;
    this.remoteFingerprints = remote.fingerprints;
    this.ice.setRemoteParams(new RTCIceParameters({ usernameFragment: remote.ice.ufrag, password: remote.ice.pwd, iceLite: false }));
    this.dtls.setRemoteParams(
      new RTCDtlsParameters(
        remote.fingerprints.map((fingerprint) => new RTCDtlsFingerprint(fingerprint.algorithm, fingerprint.value)),
        remote.role === 'client' ? 'server' : 'client',
      ),
    );
    this.dtls.role = remote.role;
    const iceConnected = this.ice.start();
    if (remote.role === 'server') {
      await Promise.all([iceConnected, this.dtls.start()]);
    } else {
      await iceConnected;
      await this.dtls.start();
    }
  }

  /** Encrypts and sends one packet with exactly the caller's header fields. */
  sendRtp(packet: RtpPacket): void {
    const header = new RtpHeader({
      payloadType: packet.payloadType,
      sequenceNumber: packet.sequenceNumber,
      timestamp: packet.timestamp,
      ssrc: packet.ssrc,
      marker: packet.marker,
    });
    this.counters.rtpSent++;
    this.counters.bytesSent += packet.payload.length;
    // werift's sendRtp catches its own errors (it resolves to 0 bytes on failure).
    void this.dtls.sendRtp(packet.payload, header);
  }

  /** Encrypts (SRTCP, RFC 3711 §3.4) and sends one compound RTCP packet, rtcp-muxed (RFC 5761). */
  sendRtcp(compound: Buffer): void {
    if (this.closed || !this.dtls.srtpStarted) return;
    const protectedRtcp = this.dtls.srtcp.encrypt(compound);
    this.counters.rtcpSent++;
    this.ice.connection.send(protectedRtcp).catch(() => undefined);
  }

  /** Grows with every STUN check and every datagram the browser sends; flat means the peer is silent. */
  get receivedCount(): number {
    let requests = 0;
    for (const pair of this.ice.connection.candidatePairs) requests += pair.requestsReceived;
    return requests + this.dataReceived;
  }

  /** Closes the socket and DTLS; safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.dtls.stop();
  }
}

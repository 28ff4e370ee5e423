/**
 * The contract between a media leg's wire transport and everything above it (bridge, mixer,
 * players, recorder). Two kinds implement it: plain RTP over UDP (desk phones, trunks) and
 * WebRTC (ICE + DTLS-SRTP, browsers). Everything above a transport sees RTP packets in the
 * clear and SDP text; nothing above it knows which kind it is talking to.
 */

/** An RTP packet in the clear (RFC 3550 §5.1); `payload` excludes header, CSRCs and extensions. */
export interface RtpPacket {
  payloadType: number;
  sequenceNumber: number;
  timestamp: number;
  ssrc: number;
  marker: boolean;
  payload: Buffer;
}

/** One codec line of an SDP media section (RFC 4566 a=rtpmap / a=fmtp). */
export interface AudioCodec {
  payloadType: number;
  /** As in rtpmap, case kept: 'PCMU', 'PCMA', 'opus', 'telephone-event'. */
  name: string;
  clockRate: number;
  channels: number;
  fmtp?: string;
}

/** RFC 3264 §5.1 / §6.1 stream direction. */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** What an offer/answer exchange settled for one audio stream. */
export interface NegotiatedAudio {
  /** Codecs both sides accept, in the order the answerer preferred; the first is what we send. */
  codecs: AudioCodec[];
  /**
   * telephone-event (RFC 4733) at the send codec's clock rate when both sides have it; otherwise
   * at another rate both have (some phones pair Opus/48000 with telephone-event/8000 only).
   */
  telephoneEvent: AudioCodec | null;
  /** Our direction as written in our last SDP. */
  localDirection: Direction;
  /** The peer's direction as written in its last SDP. */
  remoteDirection: Direction;
}

export interface OfferOptions {
  /** Codec names in our order of preference; defaults to the transport kind's usual set. */
  codecs?: string[];
  direction?: Direction;
}

export type TransportState = 'new' | 'connecting' | 'connected' | 'failed' | 'closed';

export interface MediaTransportEvents {
  rtp: (packet: RtpPacket) => void;
  state: (state: TransportState) => void;
}

export interface MediaTransport {
  readonly id: string;
  readonly kind: 'rtp' | 'webrtc';
  readonly state: TransportState;
  /** The last settled negotiation, or null before the first offer/answer completes. */
  readonly negotiated: NegotiatedAudio | null;

  /** We offer (initial INVITE or re-INVITE, e.g. hold): returns SDP text. */
  createOffer(options?: OfferOptions): Promise<string>;
  /** The peer answered our last offer. */
  applyAnswer(sdp: string): Promise<NegotiatedAudio>;
  /** The peer offered (initial or re-offer): returns our answer SDP and what was settled. */
  answerOffer(sdp: string, options?: OfferOptions): Promise<{ answer: string; negotiated: NegotiatedAudio }>;

  /** Send one packet; the caller sets payload type, SSRC, sequence and timestamp. */
  sendRtp(packet: RtpPacket): void;

  on<E extends keyof MediaTransportEvents>(event: E, listener: MediaTransportEvents[E]): void;
  off<E extends keyof MediaTransportEvents>(event: E, listener: MediaTransportEvents[E]): void;

  /** Release sockets and ports; safe to call twice. */
  close(): void;
}

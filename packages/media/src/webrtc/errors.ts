/**
 * Typed failures of the WebRTC leg. A peer's SDP we cannot accept is a negotiation error (the
 * signalling layer answers it with 488 Not Acceptable Here, RFC 3261 §21.4.26); calling the
 * transport out of order is a usage error (a bug in the caller).
 */

export type WebRtcNegotiationErrorCode =
  /** The text is not parseable SDP or lacks a mandatory line. */
  | 'malformed-sdp'
  /** No usable audio m-section. */
  | 'no-audio'
  /** The audio m-section is not DTLS-SRTP over ICE (RFC 8827 requires it for WebRTC). */
  | 'not-dtls-srtp'
  /** No codec in common. */
  | 'no-common-codec'
  /** The peer changed ICE credentials (an ICE restart), which this leg does not do. */
  | 'ice-restart-unsupported'
  /** The peer changed its DTLS certificate mid-session, which this leg does not do. */
  | 'dtls-change-unsupported';

export class WebRtcNegotiationError extends Error {
  override readonly name = 'WebRtcNegotiationError';
  constructor(
    readonly code: WebRtcNegotiationErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export type WebRtcUsageErrorCode =
  /** applyAnswer() without a pending createOffer(). */
  | 'no-offer-pending'
  /** answerOffer() while our own offer awaits its answer (glare is resolved by signalling, RFC 3261 §14.2). */
  | 'offer-pending'
  /** The transport was closed. */
  | 'closed'
  /** The transport failed (ICE, DTLS or the peer went away): only close() remains. */
  | 'failed';

export class WebRtcUsageError extends Error {
  override readonly name = 'WebRtcUsageError';
  constructor(
    readonly code: WebRtcUsageErrorCode,
    message: string,
  ) {
    super(message);
  }
}

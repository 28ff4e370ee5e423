/**
 * Calling a WebRTC leg out of order is a usage error (a bug in the caller). SDP we cannot
 * accept is a NegotiationError (sdp/negotiate.ts), shared with the plain-RTP legs, which the
 * signalling layer answers with 488 Not Acceptable Here (RFC 3261 §21.4.26).
 */
export type WebRtcUsageErrorCode =
  /** answerOffer() while our own offer awaits its answer (glare is resolved by signalling, RFC 3261 §14.2). */
  | 'offer-pending'
  /** The leg was closed. */
  | 'closed'
  /** The leg failed (ICE, DTLS, or the browser went away): only close() remains. */
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

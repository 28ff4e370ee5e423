import type { Leg } from '@switchboard/media';
import type { InviteServerTransaction, SipRequest } from '@switchboard/sip';

/**
 * An INVITE that carries no SDP offer (a "delayed offer", RFC 3261 §13.2.1, RFC 3264 §2): some
 * carriers and phones send one, and some phones send such a re-INVITE to refresh a session. Our
 * 2xx then carries an offer and the caller's ACK the answer.
 */
export function offerless(request: SipRequest): boolean {
  // Looks at the octets (an SDP's first is "v"): no string made on the call path.
  for (const octet of request.body) if (octet !== 0x20 && octet !== 0x09 && octet !== 0x0d && octet !== 0x0a) return false;
  return true;
}

type Negotiated = Awaited<ReturnType<Leg['applyAnswer']>>;

/**
 * Applies to `media` the answer that the ACK for our 2xx on `tx` brings (our 2xx carried the
 * offer). An ACK without an answer, or with one we cannot use, leaves the two sides no way to
 * agree on media: `failed` is told why, and ends the call. No ACK at all is `Pbx.watchAnswer`'s.
 */
export function answerFromAck(tx: InviteServerTransaction, media: Leg, outcome: { settled?: (negotiated: Negotiated) => void; failed: (why: string) => void }): void {
  const off = tx.on('ack', (ack) => {
    off();
    const sdp = ack.body.toString('utf8');
    if (sdp.trim() === '') {
      outcome.failed('the ACK brought no answer to our SDP offer');
      return;
    }
    media.applyAnswer(sdp).then(
      (negotiated) => outcome.settled?.(negotiated),
      (error: unknown) => outcome.failed(`the answer in the ACK cannot be used: ${error instanceof Error ? error.message : String(error)}`),
    );
  });
}

import type { Leg } from '@switchboard/media';
import type { InviteServerTransaction, SipRequest } from '@switchboard/sip';

/**
 * An INVITE that carries no SDP offer (a "delayed offer", RFC 3261 §13.2.1, RFC 3264 §2): some
 * carriers and phones send one, and some phones send such a re-INVITE to refresh a session. Our
 * 2xx then carries an offer and the caller's ACK the answer.
 */
export function offerless(request: SipRequest): boolean {
  const body = request.body;
  return body.length === 0 || body.toString('utf8').trim() === '';
}

type Negotiated = Awaited<ReturnType<Leg['applyAnswer']>>;

/**
 * Applies to `media` the answer that the ACK for our 2xx on `tx` brings (our 2xx carried the
 * offer). An ACK without an answer, one we cannot use, or none at all within 64×T1 leaves the two
 * sides no way to agree on media: `failed` is told why, and ends the call.
 */
export function answerFromAck(tx: InviteServerTransaction, media: Leg, outcome: { settled?: (negotiated: Negotiated) => void; failed: (why: string) => void }): void {
  const offTimeout = tx.on('ackTimeout', () => outcome.failed('no ACK came with an answer to our SDP offer'));
  const off = tx.on('ack', (ack) => {
    off();
    offTimeout();
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

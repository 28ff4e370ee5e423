/**
 * The codecs of the WebRTC leg. The offer/answer rules themselves are the shared ones of
 * sdp/negotiate.ts (RFC 3264, RFC 4733 telephone-event at the send codec's clock rate); this
 * file holds what is particular to browsers: Opus first, and both telephone-event rates, each
 * with the payload type Chrome itself uses.
 *
 * werift matches codecs by mime type only, which answers telephone-event/48000 with a
 * telephone-event/8000 line; werift never sees our codecs, the shared rules match name,
 * clock rate and channels.
 */
import type { AudioCodec } from '../transport/types.js';
import { chooseForAnswer, chooseFromAnswer, NegotiationError, TELEPHONE_EVENT } from '../sdp/negotiate.js';
import type { CodecChoice } from '../sdp/negotiate.js';

/** The codecs this leg can carry, with the payload types we use when we offer. */
const WEBRTC_CODECS: readonly AudioCodec[] = [
  // RFC 7587 §7: opus is always signalled as 48000/2, even when the stream is mono.
  { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' },
  { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 },
  { payloadType: 8, name: 'PCMA', clockRate: 8000, channels: 1 },
];

/** RFC 4733 §3.2 events 0-15: the DTMF digits, *, # and A-D. */
const TELEPHONE_EVENTS: readonly AudioCodec[] = [
  { payloadType: 110, name: TELEPHONE_EVENT, clockRate: 48000, channels: 1, fmtp: '0-15' },
  { payloadType: 126, name: TELEPHONE_EVENT, clockRate: 8000, channels: 1, fmtp: '0-15' },
];

export const DEFAULT_WEBRTC_CODECS: readonly string[] = WEBRTC_CODECS.map((codec) => codec.name);

/**
 * Our codec lines for the given names (unknown names ignored) in that order, then one
 * telephone-event per clock rate in use. Throws NegotiationError when no name is usable.
 */
export function webRtcCodecs(names: readonly string[] | undefined): AudioCodec[] {
  const wanted = names && names.length > 0 ? names : DEFAULT_WEBRTC_CODECS;
  const audio: AudioCodec[] = [];
  for (const name of wanted) {
    const codec = WEBRTC_CODECS.find((known) => known.name.toLowerCase() === name.toLowerCase());
    if (codec && !audio.includes(codec)) audio.push(codec);
  }
  if (audio.length === 0) throw new NegotiationError('no-common-codec', `none of ${wanted.join(', ')} can be carried on a WebRTC leg`);
  const rates = new Set(audio.map((codec) => codec.clockRate));
  return [...audio, ...TELEPHONE_EVENTS.filter((event) => rates.has(event.clockRate))].map((codec) => ({ ...codec }));
}

/**
 * Answerer's choice: offered codecs we carry, in our order of preference, with the offer's
 * payload types. The chosen `codecs` keep the offerer's fmtp: it says what the browser can
 * receive (e.g. Opus `useinbandfec=1`), which is what our encoder must respect.
 */
export function chooseWebRtcAnswer(offered: readonly AudioCodec[], preference: readonly string[] | undefined): CodecChoice {
  return chooseForAnswer(offered, webRtcCodecs(preference));
}

/** Offerer's view of the browser's answer: what it accepted of ours, send codec first. */
export function chooseFromWebRtcAnswer(offeredByUs: readonly AudioCodec[], answered: readonly AudioCodec[]): Omit<CodecChoice, 'answerLines'> {
  return chooseFromAnswer(offeredByUs, answered);
}

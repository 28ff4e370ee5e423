import type { MediaDescription, SessionDescription } from 'sdp-transform';
import type { AudioCodec, Direction } from '../transport/types.js';

/**
 * Offer/answer rules shared by every transport kind (RFC 3264): which codecs two sides have in
 * common and in what order, which telephone-event goes with the send codec (RFC 4733 §7.1.1),
 * and how an answerer's direction follows the offer's (RFC 3264 §6.1). Pure functions over
 * `AudioCodec` lines; the transports own the SDP text around them.
 */

export const TELEPHONE_EVENT = 'telephone-event';

/** RFC 3551 static payload types we may meet without an rtpmap line. */
const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, Omit<AudioCodec, 'payloadType'>> = new Map([
  [0, { name: 'PCMU', clockRate: 8000, channels: 1 }],
  [8, { name: 'PCMA', clockRate: 8000, channels: 1 }],
  [9, { name: 'G722', clockRate: 8000, channels: 1 }],
  [13, { name: 'CN', clockRate: 8000, channels: 1 }],
  [18, { name: 'G729', clockRate: 8000, channels: 1 }],
]);

export class NegotiationError extends Error {
  constructor(
    readonly code: 'no-common-codec' | 'no-audio' | 'bad-sdp' | 'no-pending-offer' | 'unsupported',
    message: string,
  ) {
    super(message);
    this.name = 'NegotiationError';
  }
}

export function isTelephoneEvent(codec: Pick<AudioCodec, 'name'>): boolean {
  return codec.name.toLowerCase() === TELEPHONE_EVENT;
}

/** Same codec by name, clock rate and channel count (payload type numbers aside). */
export function sameCodec(a: AudioCodec, b: AudioCodec): boolean {
  return a.name.toLowerCase() === b.name.toLowerCase() && a.clockRate === b.clockRate && a.channels === b.channels;
}

/** Codec lines of one media section, in the section's format order. */
export function codecsOfMedia(media: MediaDescription): AudioCodec[] {
  const formats = String(media.payloads ?? '')
    .split(/\s+/)
    .filter((p) => p !== '')
    .map(Number);
  const codecs: AudioCodec[] = [];
  for (const pt of formats) {
    if (!Number.isInteger(pt)) continue;
    const rtpmap = media.rtp.find((r) => r.payload === pt);
    const fmtp = media.fmtp.find((f) => f.payload === pt)?.config;
    const known = STATIC_PAYLOAD_TYPES.get(pt);
    if (rtpmap) {
      codecs.push({ payloadType: pt, name: rtpmap.codec, clockRate: rtpmap.rate ?? 8000, channels: rtpmap.encoding ?? 1, ...(fmtp !== undefined ? { fmtp } : {}) });
    } else if (known) {
      codecs.push({ payloadType: pt, ...known, ...(fmtp !== undefined ? { fmtp } : {}) });
    }
  }
  return codecs;
}

/** The direction a media section declares: its own attribute, else the session's, else sendrecv (RFC 3264 §5.1). */
export function directionOfMedia(media: MediaDescription, session?: SessionDescription): Direction {
  return media.direction ?? session?.direction ?? 'sendrecv';
}

export function canSend(direction: Direction): boolean {
  return direction === 'sendrecv' || direction === 'sendonly';
}

export function canReceive(direction: Direction): boolean {
  return direction === 'sendrecv' || direction === 'recvonly';
}

export function directionFrom(send: boolean, receive: boolean): Direction {
  if (send && receive) return 'sendrecv';
  if (send) return 'sendonly';
  if (receive) return 'recvonly';
  return 'inactive';
}

/**
 * RFC 3264 §6.1: the answerer may send only if the offerer receives, and receive only if the
 * offerer sends; within that, `wanted` says what we would like (sendonly when we hold).
 */
export function answerDirection(offered: Direction, wanted: Direction = 'sendrecv'): Direction {
  return directionFrom(canSend(wanted) && canReceive(offered), canReceive(wanted) && canSend(offered));
}

export interface CodecChoice {
  /** Codecs both sides accept, the one we send first, without telephone-event. */
  codecs: AudioCodec[];
  /** telephone-event at the first codec's clock rate, or null. */
  telephoneEvent: AudioCodec | null;
  /** The lines our answer carries: the offer's payload types, our fmtp. */
  answerLines: AudioCodec[];
}

/**
 * Answerer's choice (RFC 3264 §6.1). `ours` are the codecs we can carry in our order of
 * preference (with our fmtp); `preferOfferOrder` keeps the offerer's order instead, which is
 * what a B2BUA wants when it has no reason to prefer: the caller's first choice wins.
 */
export function chooseForAnswer(offered: readonly AudioCodec[], ours: readonly AudioCodec[], preferOfferOrder = false): CodecChoice {
  const pairs: Array<{ offered: AudioCodec; ours: AudioCodec }> = [];
  if (preferOfferOrder) {
    for (const line of offered) {
      const mine = ours.find((c) => !isTelephoneEvent(c) && sameCodecLoose(line, c));
      if (mine) pairs.push({ offered: line, ours: mine });
    }
  } else {
    for (const mine of ours) {
      if (isTelephoneEvent(mine)) continue;
      const line = offered.find((c) => sameCodecLoose(c, mine));
      if (line) pairs.push({ offered: line, ours: mine });
    }
  }
  const first = pairs[0];
  if (!first) {
    const names = offered.filter((c) => !isTelephoneEvent(c)).map((c) => `${c.name}/${c.clockRate}`);
    throw new NegotiationError('no-common-codec', `no common audio codec: the peer offered ${names.join(', ') || 'none'}`);
  }
  const event = pickTelephoneEvent(offered, first.offered.clockRate);
  const ourEvent = event ? ours.find((c) => isTelephoneEvent(c) && c.clockRate === event.clockRate) : undefined;
  const answerLines = pairs.map(({ offered: o, ours: m }) => withFmtp({ ...m, payloadType: o.payloadType }, m.fmtp));
  if (event) answerLines.push(withFmtp({ ...event, channels: 1 }, ourEvent?.fmtp ?? event.fmtp));
  return { codecs: pairs.map((p) => ({ ...p.offered })), telephoneEvent: event ? { ...event, channels: 1 } : null, answerLines };
}

/**
 * Offerer's view of an answer (RFC 3264 §7): the answered lines that we offered, in the
 * answerer's order, so the first is the codec we send.
 */
export function chooseFromAnswer(offeredByUs: readonly AudioCodec[], answered: readonly AudioCodec[]): Omit<CodecChoice, 'answerLines'> {
  const codecs: AudioCodec[] = [];
  const events: AudioCodec[] = [];
  for (const line of answered) {
    // Answerers should reuse our payload types; some (old phones) renumber, so match by codec too.
    const ours = offeredByUs.find((c) => c.payloadType === line.payloadType && sameCodecLoose(c, line)) ?? offeredByUs.find((c) => sameCodecLoose(c, line));
    if (!ours) continue;
    if (isTelephoneEvent(line)) events.push({ ...line, channels: 1 });
    else codecs.push({ ...line });
  }
  const first = codecs[0];
  if (!first) throw new NegotiationError('no-common-codec', 'the answer accepts none of the audio codecs we offered');
  return { codecs, telephoneEvent: pickTelephoneEvent(events, first.clockRate) };
}

/**
 * telephone-event at the send codec's rate (RFC 4733 §2.1); failing that, at another rate both
 * sides have — phones such as baresip pair Opus/48000 with telephone-event/8000 only, and
 * digits must still work. 8000 is preferred among the others.
 */
export function pickTelephoneEvent(lines: readonly AudioCodec[], sendRate: number): AudioCodec | null {
  const events = lines.filter(isTelephoneEvent);
  return events.find((e) => e.clockRate === sendRate) ?? events.find((e) => e.clockRate === 8000) ?? events[0] ?? null;
}

/** Name and clock rate match; channel counts are compared only where they matter (not Opus, which is always "/2" in SDP). */
function sameCodecLoose(a: AudioCodec, b: AudioCodec): boolean {
  if (a.name.toLowerCase() !== b.name.toLowerCase() || a.clockRate !== b.clockRate) return false;
  return a.name.toLowerCase() === 'opus' || isTelephoneEvent(a) || (a.channels || 1) === (b.channels || 1);
}

function withFmtp(codec: AudioCodec, fmtp: string | undefined): AudioCodec {
  const { fmtp: _drop, ...rest } = codec;
  return fmtp === undefined ? rest : { ...rest, fmtp };
}

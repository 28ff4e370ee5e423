/**
 * Codec choice for the WebRTC leg (RFC 3264 §6.1 answerer rules, RFC 4733 telephone-event).
 *
 * werift matches codecs by mime type only, which answers telephone-event/48000 with a
 * telephone-event/8000 line. We never let it see codecs: this module matches name, clock rate
 * and channel count, and pairs telephone-event with the clock rate of the codec we send.
 */
import type { AudioCodec, Direction } from '../transport/types.js';
import { WebRtcNegotiationError } from './errors.js';

export const TELEPHONE_EVENT = 'telephone-event';

/** The codecs this leg can carry, with the payload types we use when we offer (Chrome's own numbers). */
const SUPPORTED: readonly AudioCodec[] = [
  // RFC 7587 §7: opus is always signalled as 48000/2, even when the stream is mono.
  { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' },
  { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 },
  { payloadType: 8, name: 'PCMA', clockRate: 8000, channels: 1 },
];

/** RFC 4733 events 0-15 are the DTMF digits, * , # and A-D. */
const TELEPHONE_EVENT_FMTP = '0-15';
const TELEPHONE_EVENT_PAYLOAD_TYPES: ReadonlyMap<number, number> = new Map([
  [48000, 110],
  [8000, 126],
]);

export const DEFAULT_CODEC_ORDER: readonly string[] = SUPPORTED.map((codec) => codec.name);

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function supportedCodec(name: string): AudioCodec | undefined {
  return SUPPORTED.find((codec) => sameName(codec.name, name));
}

/** True when an offered codec line really is the codec we know under that name. */
function isCompatible(offered: AudioCodec, known: AudioCodec): boolean {
  return sameName(offered.name, known.name) && offered.clockRate === known.clockRate && offered.channels === known.channels;
}

/** Names from the caller's preference that we can carry, in the caller's order; unknown names are ignored. */
function preferredCodecs(preference: readonly string[] | undefined): AudioCodec[] {
  const names = preference && preference.length > 0 ? preference : DEFAULT_CODEC_ORDER;
  const codecs: AudioCodec[] = [];
  for (const name of names) {
    const codec = supportedCodec(name);
    if (codec && !codecs.includes(codec)) codecs.push(codec);
  }
  if (codecs.length === 0) {
    throw new WebRtcNegotiationError('no-common-codec', `none of the codecs ${names.join(', ')} is supported on a WebRTC leg`);
  }
  return codecs;
}

/** The codec lines of an offer we make: audio codecs in preference order, then one telephone-event per clock rate. */
export function codecsToOffer(preference: readonly string[] | undefined): AudioCodec[] {
  const audio = preferredCodecs(preference);
  const events: AudioCodec[] = [];
  for (const clockRate of new Set(audio.map((codec) => codec.clockRate))) {
    const payloadType = TELEPHONE_EVENT_PAYLOAD_TYPES.get(clockRate);
    if (payloadType !== undefined) {
      events.push({ payloadType, name: TELEPHONE_EVENT, clockRate, channels: 1, fmtp: TELEPHONE_EVENT_FMTP });
    }
  }
  return [...audio.map((codec) => ({ ...codec })), ...events];
}

export interface CodecSelection {
  /** Codecs both sides accept, send codec first, without telephone-event. */
  codecs: AudioCodec[];
  /** telephone-event at the send codec's clock rate, or null when the peer lacks it. */
  telephoneEvent: AudioCodec | null;
  /** The codec lines of our answer (payload types of the offer, our fmtp). */
  answerLines: AudioCodec[];
}

/**
 * Answerer's choice (RFC 3264 §6.1): offered codecs we support, ordered by our preference,
 * with the offer's payload types. `codecs` carry the offerer's fmtp, which describes what it
 * is able to receive (e.g. Opus `useinbandfec=1`), i.e. what our encoder must respect.
 */
export function selectForAnswer(offered: readonly AudioCodec[], preference: readonly string[] | undefined): CodecSelection {
  const codecs: AudioCodec[] = [];
  const answerLines: AudioCodec[] = [];
  for (const known of preferredCodecs(preference)) {
    const match = offered.find((codec) => isCompatible(codec, known));
    if (!match) continue;
    codecs.push({ ...match });
    answerLines.push({ ...known, payloadType: match.payloadType });
  }
  const first = codecs[0];
  if (!first) {
    const names = offered.filter((codec) => !sameName(codec.name, TELEPHONE_EVENT)).map((codec) => `${codec.name}/${codec.clockRate}`);
    throw new WebRtcNegotiationError('no-common-codec', `no common audio codec: the peer offered ${names.join(', ') || 'none'}`);
  }
  const event = offered.find((codec) => sameName(codec.name, TELEPHONE_EVENT) && codec.clockRate === first.clockRate);
  if (event) answerLines.push({ ...event, channels: 1, fmtp: TELEPHONE_EVENT_FMTP });
  return { codecs, telephoneEvent: event ? { ...event, channels: 1 } : null, answerLines };
}

/**
 * Offerer's view of the answer: the answer's codecs that we offered (same payload type and
 * codec), in the answerer's order, so the first is the one we send (RFC 3264 §7).
 */
export function selectFromAnswer(offeredByUs: readonly AudioCodec[], answered: readonly AudioCodec[]): Omit<CodecSelection, 'answerLines'> {
  const codecs: AudioCodec[] = [];
  const events: AudioCodec[] = [];
  for (const line of answered) {
    const ours = offeredByUs.find((codec) => codec.payloadType === line.payloadType && sameName(codec.name, line.name) && codec.clockRate === line.clockRate);
    if (!ours) continue;
    if (sameName(line.name, TELEPHONE_EVENT)) events.push({ ...line, channels: 1 });
    else codecs.push({ ...line });
  }
  const first = codecs[0];
  if (!first) {
    throw new WebRtcNegotiationError('no-common-codec', 'the answer accepts none of the audio codecs we offered');
  }
  return { codecs, telephoneEvent: events.find((event) => event.clockRate === first.clockRate) ?? null };
}

/** RFC 3264 §6.1: the answer's direction given the offer's and what we want. */
export function answerDirection(offered: Direction, wanted: Direction): Direction {
  return toDirection(canSend(wanted) && canReceive(offered), canReceive(wanted) && canSend(offered));
}

export function canSend(direction: Direction): boolean {
  return direction === 'sendrecv' || direction === 'sendonly';
}

export function canReceive(direction: Direction): boolean {
  return direction === 'sendrecv' || direction === 'recvonly';
}

function toDirection(send: boolean, receive: boolean): Direction {
  if (send && receive) return 'sendrecv';
  if (send) return 'sendonly';
  if (receive) return 'recvonly';
  return 'inactive';
}

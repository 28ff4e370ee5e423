import { isIPv6 } from 'node:net';
import { parse, type MediaDescription, type SessionDescription } from 'sdp-transform';
import type { AudioCodec, Direction } from '../transport/types.js';
import { codecsOfMedia, directionOfMedia, NegotiationError } from './negotiate.js';

/**
 * SDP for plain RTP legs (RFC 4566, RFC 3264): what desk phones and trunks expect to read —
 * one audio section, static payload types for G.711, telephone-event/8000 on 101, a ptime,
 * RFC 3605 `a=rtcp` when RTCP has its own port, `a=rtcp-mux` offered (RFC 5761) and used
 * only when the peer accepts it.
 */

/** The codec lines a plain RTP leg can carry, with the payload types we use when we offer. */
export const PLAIN_RTP_CODECS: readonly AudioCodec[] = [
  { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 },
  { payloadType: 8, name: 'PCMA', clockRate: 8000, channels: 1 },
  // RFC 7587 §7: opus is always signalled as 48000/2, even for mono.
  { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1;minptime=10' },
  { payloadType: 101, name: 'telephone-event', clockRate: 8000, channels: 1, fmtp: '0-16' },
  { payloadType: 110, name: 'telephone-event', clockRate: 48000, channels: 1, fmtp: '0-16' },
];

/** What we offer when the caller names no codecs: G.711, which every phone and trunk has. */
export const DEFAULT_OFFER_CODECS: readonly string[] = ['PCMU', 'PCMA'];

/** Our codec lines for the given names in that order, each followed by the telephone-event of its rate. */
export function plainRtpCodecs(names: readonly string[] = ['PCMU', 'PCMA', 'opus']): AudioCodec[] {
  const audio: AudioCodec[] = [];
  for (const name of names) {
    const codec = PLAIN_RTP_CODECS.find((c) => c.name.toLowerCase() === name.toLowerCase() && c.name !== 'telephone-event');
    if (codec && !audio.includes(codec)) audio.push(codec);
  }
  if (audio.length === 0) throw new NegotiationError('no-common-codec', `none of ${names.join(', ')} can be carried on a plain RTP leg`);
  const rates = new Set(audio.map((c) => c.clockRate));
  const events = PLAIN_RTP_CODECS.filter((c) => c.name === 'telephone-event' && rates.has(c.clockRate));
  return [...audio, ...events].map((c) => ({ ...c }));
}

export interface SrtpCryptoLine {
  tag: number;
  suite: string;
  keyParams: string;
}

export interface LocalRtpDescription {
  sessionId: string;
  sessionVersion: number;
  address: string;
  port: number;
  /** Our RTCP port when it is not port + 1 or when we do not mux; null to leave a=rtcp out. */
  rtcpPort: number | null;
  /** Offer: we offer rtcp-mux. Answer: the offer had it and we accept. */
  rtcpMux: boolean;
  codecs: readonly AudioCodec[];
  direction: Direction;
  ptime: number;
  /** SDES-SRTP (RFC 4568): the section becomes RTP/SAVP with these a=crypto lines. */
  crypto?: readonly SrtpCryptoLine[];
  /** In an answer, the offer's other sections (video…), each rejected with port 0 in its place. */
  rejected?: ReadonlyArray<{ index: number; type: string; protocol: string; payloads: string }>;
  /** Index of our audio section in an answer (matches the offer's); 0 in an offer. */
  audioIndex?: number;
}

/**
 * Our SDP text, written directly (every leg writes one or two per negotiation, and a general SDP
 * writer cost a media thread about a sixth of its time per call): the lines and their order are
 * RFC 4566's, as a general writer would put them.
 */
export function writeRtpSdp(local: LocalRtpDescription): string {
  const inet = isIPv6(local.address) ? 'IP6' : 'IP4';
  const secure = local.crypto !== undefined && local.crypto.length > 0;
  let audio = `m=audio ${local.port} ${secure ? 'RTP/SAVP' : 'RTP/AVP'} ${local.codecs.map((c) => c.payloadType).join(' ')}\r\n`;
  for (const c of local.codecs) audio += `a=rtpmap:${c.payloadType} ${c.name}/${c.clockRate}${c.channels > 1 ? `/${c.channels}` : ''}\r\n`;
  for (const c of local.codecs) if (c.fmtp !== undefined) audio += `a=fmtp:${c.payloadType} ${c.fmtp}\r\n`;
  if (local.rtcpPort !== null) audio += `a=rtcp:${local.rtcpPort}\r\n`;
  if (secure) for (const c of local.crypto!) audio += `a=crypto:${c.tag} ${c.suite} ${c.keyParams}\r\n`;
  audio += `a=ptime:${local.ptime}\r\na=${local.direction}\r\n`;
  if (local.rtcpMux) audio += 'a=rtcp-mux\r\n';

  let text = `v=0\r\no=- ${local.sessionId} ${local.sessionVersion} IN ${inet} ${local.address}\r\ns=-\r\nc=IN ${inet} ${local.address}\r\nt=0 0\r\n`;
  const rejected = local.rejected ?? [];
  const audioIndex = local.audioIndex ?? 0;
  for (let i = 0; i < rejected.length + 1; i++) {
    if (i === audioIndex) {
      text += audio;
      continue;
    }
    const r = rejected.find((x) => x.index === i);
    if (r) text += `m=${r.type} 0 ${r.protocol} ${r.payloads}\r\n`;
  }
  return text;
}

export interface RemoteRtpDescription {
  /** Where to send RTP; null when the peer gave 0.0.0.0 (RFC 2543 hold) or no address. */
  address: string | null;
  port: number;
  rtcpAddress: string | null;
  rtcpPort: number;
  rtcpMux: boolean;
  codecs: AudioCodec[];
  /** The direction written, adjusted for c=0.0.0.0 (the peer does not want our media). */
  direction: Direction;
  ptime: number | null;
  crypto: SrtpCryptoLine[];
  secure: boolean;
  sessionId: string;
  sessionVersion: number;
  audioIndex: number;
  others: Array<{ index: number; type: string; protocol: string; payloads: string }>;
}

/** Reads the first usable audio section of a peer's SDP; throws NegotiationError when there is none. */
export function readRtpSdp(text: string): RemoteRtpDescription {
  let session: SessionDescription;
  try {
    session = parse(text);
  } catch (error) {
    throw new NegotiationError('bad-sdp', `unreadable SDP: ${String(error)}`);
  }
  if (!Array.isArray(session.media)) throw new NegotiationError('bad-sdp', 'SDP has no media sections');
  // Prefer a plain RTP/AVP section; an RTP/SAVP one is read (and refused by the transport) only when alone.
  const usable = (m: MediaDescription, secure: boolean): boolean => m.type === 'audio' && m.port > 0 && (secure ? /^RTP\/SAVPF?$/i : /^RTP\/AVPF?$/i).test(m.protocol);
  let audioIndex = session.media.findIndex((m) => usable(m, false));
  if (audioIndex < 0) audioIndex = session.media.findIndex((m) => usable(m, true));
  const media = session.media[audioIndex];
  if (!media) throw new NegotiationError('no-audio', 'the SDP has no active RTP audio section');
  const connection = media.connection?.ip ?? session.connection?.ip ?? null;
  const held = connection === null || connection === '0.0.0.0' || connection === '::';
  const address = held ? null : connection;
  let direction = directionOfMedia(media, session);
  // RFC 3264 §8.4: c=0.0.0.0 is the old way to put a stream on hold: do not send to it.
  if (held && direction === 'sendrecv') direction = 'sendonly';
  if (held && direction === 'recvonly') direction = 'inactive';
  const rtcpMux = media.rtcpMux === 'rtcp-mux';
  const rtcpPort = media.rtcp?.port ?? media.port + 1;
  const rtcpAddress = media.rtcp?.address && media.rtcp.address !== '0.0.0.0' ? media.rtcp.address : address;
  const crypto = (media.crypto ?? []).map((c) => ({ tag: c.id, suite: c.suite, keyParams: c.config }));
  const others = session.media
    .map((m, index) => ({ index, type: m.type, protocol: m.protocol, payloads: String(m.payloads ?? '') }))
    .filter((m) => m.index !== audioIndex);
  return {
    address,
    port: media.port,
    rtcpAddress,
    rtcpPort,
    rtcpMux,
    codecs: codecsOfMedia(media),
    direction,
    ptime: media.ptime ?? null,
    crypto,
    secure: /SAVP/i.test(media.protocol),
    sessionId: String(session.origin?.sessionId ?? ''),
    sessionVersion: Number(session.origin?.sessionVersion ?? 0),
    audioIndex,
    others,
  };
}

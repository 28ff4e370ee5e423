/**
 * The SDP of the WebRTC leg: reading the browser's description and writing ours.
 *
 * We write our SDP ourselves rather than through werift's RTCPeerConnection so that every
 * line is ours: host candidates for the configured addresses only (no trickle: JsSIP waits
 * for complete SDP, RFC 8839 §4.1), `a=ice-lite` (RFC 8445 §2.5), one audio m-section with
 * rtcp-mux (RFC 8035) and BUNDLE (RFC 9143), and codec lines chosen by codec-negotiation.ts.
 */
import { isIPv6 } from 'node:net';
import { parse } from 'sdp-transform';
import type { SessionDescription } from 'sdp-transform';
import type { AudioCodec, Direction } from '../transport/types.js';
import { codecsOfMedia, directionOfMedia, NegotiationError } from '../sdp/negotiate.js';

export type DtlsSetup = 'actpass' | 'active' | 'passive';

export interface IceCredentials {
  ufrag: string;
  pwd: string;
}

export interface Fingerprint {
  algorithm: string;
  value: string;
}

/** One m-section of a description, as much as an answer needs to echo it (RFC 3264 §6). */
export interface MediaSectionSummary {
  type: string;
  protocol: string;
  payloads: string;
  mid: string | undefined;
}

export interface RemoteAudioDescription {
  sections: MediaSectionSummary[];
  /** Index of the audio m-section we use in `sections`. */
  audioIndex: number;
  mid: string | undefined;
  codecs: AudioCodec[];
  direction: Direction;
  ice: IceCredentials & { lite: boolean };
  fingerprints: Fingerprint[];
  setup: DtlsSetup | undefined;
  /** The peer offered or accepted a BUNDLE group (RFC 9143). */
  bundle: boolean;
}

function isSetup(value: string | undefined): value is DtlsSetup {
  return value === 'actpass' || value === 'active' || value === 'passive';
}

function parseSdp(text: string): SessionDescription {
  let session: SessionDescription;
  try {
    session = parse(text);
  } catch (error) {
    throw new NegotiationError('bad-sdp', `unreadable SDP: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!Array.isArray(session.media) || session.media.length === 0) throw new NegotiationError('no-audio', 'the SDP has no media section');
  return session;
}

/** Reads the audio stream of a browser's offer or answer; throws NegotiationError when it is not usable. */
export function parseRemoteDescription(text: string): RemoteAudioDescription {
  const session = parseSdp(text);
  const sections = session.media.map((media) => ({ type: media.type, protocol: media.protocol, payloads: String(media.payloads ?? ''), mid: media.mid === undefined ? undefined : String(media.mid) }));
  const audioIndex = session.media.findIndex((media) => media.type === 'audio' && media.port !== 0);
  const audio = session.media[audioIndex];
  if (!audio) throw new NegotiationError('no-audio', 'the SDP has no active audio m-section');
  if (!/^UDP\/TLS\/RTP\/SAVPF?$/i.test(audio.protocol)) {
    // RFC 8827 §6.5: WebRTC media is DTLS-SRTP only.
    throw new NegotiationError('bad-sdp', `the audio m-section uses ${audio.protocol}; a WebRTC leg needs UDP/TLS/RTP/SAVPF (DTLS-SRTP)`);
  }
  const ufrag = audio.iceUfrag ?? session.iceUfrag;
  const pwd = audio.icePwd ?? session.icePwd;
  if (!ufrag || !pwd) throw new NegotiationError('bad-sdp', 'the SDP has no ICE credentials (a=ice-ufrag / a=ice-pwd)');
  const fingerprint = audio.fingerprint ?? session.fingerprint;
  if (!fingerprint) throw new NegotiationError('bad-sdp', 'the SDP has no DTLS fingerprint (a=fingerprint)');
  const setup = audio.setup ?? session.setup;
  const mid = audio.mid === undefined ? undefined : String(audio.mid);
  const bundle = (session.groups ?? []).some((group) => group.type === 'BUNDLE' && mid !== undefined && String(group.mids).split(' ').includes(mid));
  return {
    sections,
    audioIndex,
    mid,
    codecs: codecsOfMedia(audio),
    direction: directionOfMedia(audio, session),
    ice: { ufrag, pwd, lite: session.icelite === 'ice-lite' },
    fingerprints: [{ algorithm: fingerprint.type, value: fingerprint.hash }],
    setup: isSetup(setup) ? setup : undefined,
    bundle,
  };
}

export interface LocalDescription {
  /** o= session id and version (RFC 4566 §5.2): the version goes up with every new description. */
  sessionId: string;
  sessionVersion: number;
  ice: IceCredentials;
  fingerprint: Fingerprint;
  setup: DtlsSetup;
  /** Addresses written as host candidates, all reaching the one UDP port. */
  addresses: readonly string[];
  port: number;
  mid: string;
  codecs: readonly AudioCodec[];
  direction: Direction;
  /** a=msid (RFC 8830) so the browser's remote track belongs to a stream. */
  msid: { stream: string; track: string };
  bundle: boolean;
  /** In an answer: the offer's m-sections, all rejected (port 0) except the audio one at audioIndex. */
  offerSections?: { sections: readonly MediaSectionSummary[]; audioIndex: number };
}

function addressLine(address: string): string {
  return `IN ${isIPv6(address) ? 'IP6' : 'IP4'} ${address}`;
}

/** RFC 8445 §5.1.2.1 priority of a UDP host candidate; earlier addresses are preferred. */
function hostPriority(index: number): number {
  const typePreference = 126;
  const localPreference = 65535 - index;
  return typePreference * 2 ** 24 + localPreference * 2 ** 8 + (256 - 1);
}

function audioSectionLines(local: LocalDescription): string[] {
  const [first] = local.addresses;
  if (first === undefined) throw new Error('a WebRTC leg needs at least one address to announce');
  const lines = [`m=audio ${local.port} UDP/TLS/RTP/SAVPF ${local.codecs.map((codec) => codec.payloadType).join(' ')}`, `c=${addressLine(first)}`];
  local.addresses.forEach((address, index) => {
    lines.push(`a=candidate:${index + 1} 1 udp ${hostPriority(index)} ${address} ${local.port} typ host`);
  });
  lines.push(
    'a=end-of-candidates',
    `a=ice-ufrag:${local.ice.ufrag}`,
    `a=ice-pwd:${local.ice.pwd}`,
    `a=fingerprint:${local.fingerprint.algorithm} ${local.fingerprint.value}`,
    `a=setup:${local.setup}`,
    `a=mid:${local.mid}`,
    `a=${local.direction}`,
    `a=msid:${local.msid.stream} ${local.msid.track}`,
    'a=rtcp-mux',
  );
  for (const codec of local.codecs) {
    const channels = codec.channels > 1 ? `/${codec.channels}` : '';
    lines.push(`a=rtpmap:${codec.payloadType} ${codec.name}/${codec.clockRate}${channels}`);
    if (codec.fmtp) lines.push(`a=fmtp:${codec.payloadType} ${codec.fmtp}`);
  }
  lines.push('a=ptime:20');
  return lines;
}

/** Writes our description (offer or answer) as SDP text with CRLF line ends (RFC 4566 §5). */
export function writeLocalDescription(local: LocalDescription): string {
  const [first] = local.addresses;
  if (first === undefined) throw new Error('a WebRTC leg needs at least one address to announce');
  const lines = ['v=0', `o=- ${local.sessionId} ${local.sessionVersion} ${addressLine(first)}`, 's=-', 't=0 0'];
  if (local.bundle) lines.push(`a=group:BUNDLE ${local.mid}`);
  lines.push('a=ice-lite');
  const offered = local.offerSections;
  if (!offered) {
    lines.push(...audioSectionLines(local));
  } else {
    offered.sections.forEach((section, index) => {
      if (index === offered.audioIndex) {
        lines.push(...audioSectionLines(local));
        return;
      }
      // RFC 3264 §6: a rejected stream keeps its m-line with port zero.
      lines.push(`m=${section.type} 0 ${section.protocol} ${section.payloads}`.trimEnd(), `c=${addressLine(first)}`);
      if (section.mid !== undefined) lines.push(`a=mid:${section.mid}`);
      lines.push('a=inactive');
    });
  }
  return lines.join('\r\n') + '\r\n';
}

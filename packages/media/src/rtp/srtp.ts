import { createCipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { RTP_HEADER_SIZE } from './rtp-packet.js';

/**
 * SRTP and SRTCP with AES_CM_128_HMAC_SHA1_80 (RFC 3711), keyed by SDES (RFC 4568
 * `a=crypto` lines), using node:crypto's AES-128-CTR and HMAC-SHA1. One `SrtpSession` is one
 * direction's master key: ours protects what we send, the peer's unprotects what we receive.
 */

export const SRTP_SUITE = 'AES_CM_128_HMAC_SHA1_80';
const KEY_LENGTH = 16;
const SALT_LENGTH = 14;
const AUTH_KEY_LENGTH = 20;
const TAG_LENGTH = 10;
const SRTCP_INDEX_LENGTH = 4;

export interface SrtpKeys {
  masterKey: Buffer;
  masterSalt: Buffer;
}

/** RFC 3711 §4.3.1 key derivation (key derivation rate 0): AES-CM of the salted label. */
export function deriveKey(keys: SrtpKeys, label: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  keys.masterSalt.copy(iv, 0);
  iv[7]! ^= label;
  const cipher = createCipheriv('aes-128-ctr', keys.masterKey, iv);
  return cipher.update(Buffer.alloc(length));
}

/** `inline:<base64 key||salt>[|lifetime][|MKI:length]` (RFC 4568 §6.1); MKIs are not supported. */
export function parseKeyParams(params: string): SrtpKeys | null {
  const m = /^inline:([A-Za-z0-9+/=]+)(\|[^|]*)?(\|.*)?$/.exec(params.trim());
  if (!m || m[3]) return null;
  const raw = Buffer.from(m[1]!, 'base64');
  if (raw.length !== KEY_LENGTH + SALT_LENGTH) return null;
  return { masterKey: raw.subarray(0, KEY_LENGTH), masterSalt: raw.subarray(KEY_LENGTH) };
}

export function newKeyParams(): { keys: SrtpKeys; params: string } {
  const raw = randomBytes(KEY_LENGTH + SALT_LENGTH);
  return { keys: { masterKey: raw.subarray(0, KEY_LENGTH), masterSalt: raw.subarray(KEY_LENGTH) }, params: `inline:${raw.toString('base64')}` };
}

interface StreamState {
  /** Highest sequence number seen (s_l) and rollover counter. */
  seq: number;
  roc: number;
}

export class SrtpSession {
  private readonly rtpKey: Buffer;
  private readonly rtpSalt: Buffer;
  private readonly rtpAuth: Buffer;
  private readonly rtcpKey: Buffer;
  private readonly rtcpSalt: Buffer;
  private readonly rtcpAuth: Buffer;
  private readonly streams = new Map<number, StreamState>();
  private rtcpIndex = 0;

  constructor(keys: SrtpKeys) {
    this.rtpKey = deriveKey(keys, 0, KEY_LENGTH);
    this.rtpAuth = deriveKey(keys, 1, AUTH_KEY_LENGTH);
    this.rtpSalt = deriveKey(keys, 2, SALT_LENGTH);
    this.rtcpKey = deriveKey(keys, 3, KEY_LENGTH);
    this.rtcpAuth = deriveKey(keys, 4, AUTH_KEY_LENGTH);
    this.rtcpSalt = deriveKey(keys, 5, SALT_LENGTH);
  }

  /** RFC 3711 §4.1.1: IV = (salt·2^16) ⊕ (SSRC·2^64) ⊕ (index·2^16). */
  private static iv(salt: Buffer, ssrc: number, index: number): Buffer {
    const iv = Buffer.alloc(16);
    salt.copy(iv, 0);
    iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
    const high = Math.floor(index / 0x100000000);
    const low = index >>> 0;
    iv.writeUInt16BE(iv.readUInt16BE(8) ^ (high & 0xffff), 8);
    iv.writeUInt32BE((iv.readUInt32BE(10) ^ low) >>> 0, 10);
    return iv;
  }

  private static headerLength(packet: Buffer): number {
    let length = RTP_HEADER_SIZE + (packet[0]! & 0x0f) * 4;
    if (packet[0]! & 0x10) length += 4 + packet.readUInt16BE(length + 2) * 4;
    return length;
  }

  private tag(key: Buffer, data: Buffer, roc?: number): Buffer {
    const hmac = createHmac('sha1', key).update(data);
    if (roc !== undefined) {
      const r = Buffer.alloc(4);
      r.writeUInt32BE(roc >>> 0);
      hmac.update(r);
    }
    return hmac.digest().subarray(0, TAG_LENGTH);
  }

  /** Encrypts and authenticates one RTP packet we send. */
  protectRtp(packet: Buffer): Buffer {
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    let state = this.streams.get(ssrc);
    if (!state) {
      state = { seq, roc: 0 };
      this.streams.set(ssrc, state);
    } else if (seq < state.seq && state.seq - seq > 0x8000) {
      state.roc = (state.roc + 1) >>> 0;
      state.seq = seq;
    } else if (seq > state.seq) {
      state.seq = seq;
    }
    const index = state.roc * 0x10000 + seq;
    const header = SrtpSession.headerLength(packet);
    const cipher = createCipheriv('aes-128-ctr', this.rtpKey, SrtpSession.iv(this.rtpSalt, ssrc, index));
    const body = Buffer.concat([packet.subarray(0, header), cipher.update(packet.subarray(header))]);
    return Buffer.concat([body, this.tag(this.rtpAuth, body, state.roc)]);
  }

  /** Checks and decrypts one SRTP packet; null when it fails authentication (RFC 3711 §3.3). */
  unprotectRtp(packet: Buffer): Buffer | null {
    if (packet.length < RTP_HEADER_SIZE + TAG_LENGTH) return null;
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const state = this.streams.get(ssrc);
    // §3.3.1: guess the rollover counter from the highest sequence number seen.
    let roc = state?.roc ?? 0;
    if (state) {
      if (state.seq < 0x8000) {
        if (seq - state.seq > 0x8000) roc = (roc - 1) >>> 0;
      } else if (state.seq - 0x8000 > seq) {
        roc = (roc + 1) >>> 0;
      }
    }
    const body = packet.subarray(0, packet.length - TAG_LENGTH);
    const expected = this.tag(this.rtpAuth, body, roc);
    if (!timingSafeEqual(expected, packet.subarray(packet.length - TAG_LENGTH))) return null;
    const header = SrtpSession.headerLength(body);
    if (header > body.length) return null;
    const index = roc * 0x10000 + seq;
    const cipher = createCipheriv('aes-128-ctr', this.rtpKey, SrtpSession.iv(this.rtpSalt, ssrc, index));
    const clear = Buffer.concat([body.subarray(0, header), cipher.update(body.subarray(header))]);
    // Only an authenticated packet moves the counters.
    if (!state) this.streams.set(ssrc, { seq, roc });
    else if (roc > state.roc || (roc === state.roc && seq > state.seq)) {
      state.roc = roc;
      state.seq = seq;
    }
    return clear;
  }

  /** SRTCP (RFC 3711 §3.4): everything after the first 8 bytes encrypted, E flag and index appended, then the tag. */
  protectRtcp(packet: Buffer): Buffer {
    const ssrc = packet.readUInt32BE(4);
    const index = this.rtcpIndex;
    this.rtcpIndex = (this.rtcpIndex + 1) & 0x7fffffff;
    const cipher = createCipheriv('aes-128-ctr', this.rtcpKey, SrtpSession.iv(this.rtcpSalt, ssrc, index));
    const e = Buffer.alloc(SRTCP_INDEX_LENGTH);
    e.writeUInt32BE((0x80000000 | index) >>> 0);
    const body = Buffer.concat([packet.subarray(0, 8), cipher.update(packet.subarray(8)), e]);
    return Buffer.concat([body, this.tag(this.rtcpAuth, body)]);
  }

  unprotectRtcp(packet: Buffer): Buffer | null {
    if (packet.length < 8 + SRTCP_INDEX_LENGTH + TAG_LENGTH) return null;
    const body = packet.subarray(0, packet.length - TAG_LENGTH);
    if (!timingSafeEqual(this.tag(this.rtcpAuth, body), packet.subarray(packet.length - TAG_LENGTH))) return null;
    const word = body.readUInt32BE(body.length - SRTCP_INDEX_LENGTH);
    const encrypted = (word & 0x80000000) !== 0;
    const rest = body.subarray(8, body.length - SRTCP_INDEX_LENGTH);
    if (!encrypted) return Buffer.concat([body.subarray(0, 8), rest]);
    const cipher = createCipheriv('aes-128-ctr', this.rtcpKey, SrtpSession.iv(this.rtcpSalt, body.readUInt32BE(4), word & 0x7fffffff));
    return Buffer.concat([body.subarray(0, 8), cipher.update(rest)]);
  }
}

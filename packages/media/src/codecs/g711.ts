/**
 * G.711 μ-law and A-law (ITU-T G.711), as lookup tables built once at load from the
 * segment rules: 256 entries to decode, one entry per 16-bit sample to encode, so both
 * directions are a single indexed read per sample.
 */

const MULAW_BIAS = 33; // 0x84 >> 2: μ-law works on 14-bit magnitudes
const MULAW_CLIP = 8159;

function muLawEncodeSlow(sample: number): number {
  let value = sample >> 2;
  let mask = 0xff;
  if (value < 0) {
    value = -value;
    mask = 0x7f;
  }
  value = Math.min(value, MULAW_CLIP) + MULAW_BIAS;
  let segment = 0;
  while (segment < 8 && value >= 0x40 << segment) segment++;
  if (segment >= 8) return 0x7f ^ mask;
  const byte = (segment << 4) | ((value >> (segment + 1)) & 0x0f);
  return byte ^ mask;
}

function muLawDecodeSlow(byte: number): number {
  const u = ~byte & 0xff;
  const segment = (u & 0x70) >> 4;
  const magnitude = ((((u & 0x0f) << 3) + 0x84) << segment) - 0x84;
  return u & 0x80 ? -magnitude : magnitude;
}

function aLawEncodeSlow(sample: number): number {
  let value = sample >> 3; // A-law works on 13-bit values
  let mask = 0xd5;
  if (value < 0) {
    mask = 0x55;
    value = -value - 1;
  }
  let segment = 0;
  while (segment < 8 && value >= 0x20 << segment) segment++;
  if (segment >= 8) return 0x7f ^ mask;
  const mantissa = segment < 2 ? (value >> 1) & 0x0f : (value >> segment) & 0x0f;
  return ((segment << 4) | mantissa) ^ mask;
}

function aLawDecodeSlow(byte: number): number {
  const a = byte ^ 0x55;
  const segment = (a & 0x70) >> 4;
  let magnitude = (a & 0x0f) << 4;
  if (segment === 0) magnitude += 8;
  else magnitude = (magnitude + 0x108) << (segment - 1);
  return a & 0x80 ? magnitude : -magnitude;
}

function buildEncodeTable(encode: (sample: number) => number): Uint8Array {
  const table = new Uint8Array(65536);
  for (let s = -32768; s < 32768; s++) table[s + 32768] = encode(s);
  return table;
}

function buildDecodeTable(decode: (byte: number) => number): Int16Array {
  const table = new Int16Array(256);
  for (let b = 0; b < 256; b++) table[b] = decode(b);
  return table;
}

export const MULAW_DECODE: Readonly<Int16Array> = buildDecodeTable(muLawDecodeSlow);
export const ALAW_DECODE: Readonly<Int16Array> = buildDecodeTable(aLawDecodeSlow);
const MULAW_ENCODE = buildEncodeTable(muLawEncodeSlow);
const ALAW_ENCODE = buildEncodeTable(aLawEncodeSlow);

export type G711Law = 'mulaw' | 'alaw';

export function encodeG711(law: G711Law, pcm: Int16Array, out: Buffer = Buffer.allocUnsafe(pcm.length)): Buffer {
  const table = law === 'mulaw' ? MULAW_ENCODE : ALAW_ENCODE;
  for (let i = 0; i < pcm.length; i++) out[i] = table[pcm[i]! + 32768]!;
  return out;
}

export function decodeG711(law: G711Law, payload: Uint8Array, out: Int16Array = new Int16Array(payload.length)): Int16Array {
  const table = law === 'mulaw' ? MULAW_DECODE : ALAW_DECODE;
  for (let i = 0; i < payload.length; i++) out[i] = table[payload[i]!]!;
  return out;
}

export function muLawEncodeSample(sample: number): number {
  return MULAW_ENCODE[clamp16(sample) + 32768]!;
}
export function aLawEncodeSample(sample: number): number {
  return ALAW_ENCODE[clamp16(sample) + 32768]!;
}

function clamp16(x: number): number {
  return Math.max(-32768, Math.min(32767, Math.round(x)));
}

/** The byte a silent frame is made of: μ-law 0xff, A-law 0xd5. */
export function g711Silence(law: G711Law): number {
  return law === 'mulaw' ? 0xff : 0xd5;
}

import { hash } from 'node:crypto';

/** Digest algorithms (RFC 3261 §22.4, RFC 8760 for SHA-256 and SHA-512-256). */
export type DigestAlgorithm = 'MD5' | 'SHA-256' | 'SHA-512-256';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'SHA-256', 'SHA-512-256'];

const NODE_HASH: Readonly<Record<DigestAlgorithm, string>> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

/** Reads an `algorithm=` value ("md5", "SHA-256", "MD5-sess"...); undefined for ones we do not do. */
export function parseAlgorithm(value: string | undefined): { algorithm: DigestAlgorithm; session: boolean } | undefined {
  const text = (value ?? 'MD5').toUpperCase();
  const session = text.endsWith('-SESS');
  const base = session ? text.slice(0, -5) : text;
  const algorithm = DIGEST_ALGORITHMS.find((a) => a === base);
  return algorithm ? { algorithm, session } : undefined;
}

export function digestHash(algorithm: DigestAlgorithm, text: string): string {
  // One-shot hashing: no Hash object per call (a REGISTER computes three or four of these).
  return hash(NODE_HASH[algorithm], text, 'hex');
}

/** HA1 = H(username ":" realm ":" password): what a user store keeps instead of the password. */
export function computeHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return digestHash(algorithm, `${username}:${realm}:${password}`);
}

export interface DigestResponseInput {
  algorithm: DigestAlgorithm;
  /** HA1 of the user; for "-sess" algorithms pass `session: true` and the plain HA1. */
  ha1: string;
  session?: boolean;
  nonce: string;
  method: string;
  /** The digest-uri as sent in the credentials. */
  uri: string;
  /** "auth", or undefined for RFC 2069 style responses. */
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
}

/** request-digest (RFC 7616 §3.4.1): H(HA1:nonce:nc:cnonce:qop:HA2), or H(HA1:nonce:HA2) without qop. */
export function computeDigestResponse(input: DigestResponseInput): string {
  const { algorithm } = input;
  const ha1 = input.session ? digestHash(algorithm, `${input.ha1}:${input.nonce}:${input.cnonce ?? ''}`) : input.ha1;
  const ha2 = digestHash(algorithm, `${input.method}:${input.uri}`);
  return input.qop ? digestHash(algorithm, `${ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:${input.qop}:${ha2}`) : digestHash(algorithm, `${ha1}:${input.nonce}:${ha2}`);
}

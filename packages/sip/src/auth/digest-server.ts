import { createHmac, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createResponse } from '../message/builders.js';
import { randomPoolBytes } from '../message/ids.js';
import type { AuthValue } from '../message/headers/auth.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { quote } from '../message/syntax.js';
import { systemClock, type Clock } from '../transaction/clock.js';
import { computeDigestResponse, computeHa1, parseAlgorithm, type DigestAlgorithm } from './digest.js';

export interface DigestAuthenticatorOptions {
  realm: string;
  /** Key for the nonce HMAC; nonces verify without server state, across restarts with the same key. */
  secret: Buffer | string;
  clock?: Clock;
  /** How long a nonce is fresh; a correct answer with an older one gets `stale=true` (default 300 s). */
  nonceTtlMs?: number;
  /**
   * Challenges to issue, in order (default MD5, then SHA-256). RFC 8760 §2.4 asks for the most
   * preferred first, but JsSIP and many desk phones answer only the first challenge and know only
   * MD5; clients that choose (this package's DigestClient, baresip) still pick SHA-256.
   */
  algorithms?: readonly DigestAlgorithm[];
  /** Nonces whose highest nonce-count is remembered (replay protection); older ones go stale. */
  maxTrackedNonces?: number;
}

/** The credentials of one Authorization / Proxy-Authorization header. */
export interface DigestCredentials {
  readonly username: string;
  readonly realm: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  readonly algorithm: DigestAlgorithm;
  readonly session: boolean;
  readonly qop?: string;
  readonly nc?: string;
  readonly cnonce?: string;
  readonly opaque?: string;
}

export type DigestFailure =
  /** No Digest credentials for our realm: challenge. */
  | 'missing'
  /** Credentials we cannot use (fields missing, unknown algorithm, bad nc). */
  | 'malformed'
  /** A nonce we never issued (or issued with another secret). */
  | 'unknown-nonce'
  /** Wrong password, or no such user: the two are indistinguishable on purpose. */
  | 'invalid'
  /** Right answer, expired nonce: challenge again with stale=true. */
  | 'stale'
  /** A nonce-count already used with this nonce. */
  | 'replay';

export type DigestResult = { readonly ok: true; readonly username: string; readonly algorithm: DigestAlgorithm } | { readonly ok: false; readonly reason: DigestFailure; readonly stale: boolean };

const NONCE_BYTES = 8 + 8 + 16;
const NONCE_CHARS = Math.ceil((NONCE_BYTES * 4) / 3);
const MAC_KEY_BYTES = 64;

/**
 * Server side of SIP digest authentication (RFC 3261 §22.4, RFC 7616, RFC 8760): issues
 * challenges and verifies credentials.
 *
 * Timing: `verify` does the same work whether the user exists or not. The caller looks the user
 * up and passes `undefined` for an unknown one; the check then runs against a dummy HA1 and fails
 * exactly like a wrong password.
 */
export class DigestAuthenticator {
  readonly realm: string;
  private readonly secret: Buffer;
  private readonly clock: Clock;
  private readonly ttl: number;
  private readonly algorithms: readonly DigestAlgorithm[];
  private readonly maxTracked: number;
  readonly opaque: string;
  /** Highest nc seen per nonce, oldest first (a Map keeps insertion order). */
  private readonly counts = new Map<string, { nc: number; issued: number }>();
  /** Nonces issued at or before this time may have lost their count: they are treated as stale. */
  private forgottenUpTo = -Infinity;
  private readonly dummyHa1: Readonly<Record<DigestAlgorithm, string>>;
  /** The nonce MAC's input: a key block, then room for a nonce's 16-byte head. */
  private readonly macInput: Buffer;

  constructor(options: DigestAuthenticatorOptions) {
    this.realm = options.realm;
    this.secret = Buffer.isBuffer(options.secret) ? options.secret : Buffer.from(options.secret, 'utf8');
    if (this.secret.length < 16) throw new Error('DigestAuthenticator: the secret must be at least 16 bytes');
    this.clock = options.clock ?? systemClock;
    this.ttl = options.nonceTtlMs ?? 300_000;
    this.algorithms = options.algorithms ?? ['MD5', 'SHA-256'];
    this.maxTracked = options.maxTrackedNonces ?? 100_000;
    this.opaque = createHmac('sha256', this.secret).update(`opaque:${this.realm}`).digest('base64url').slice(0, 22);
    this.macInput = Buffer.alloc(MAC_KEY_BYTES + 16);
    createHmac('sha512', this.secret).update(`nonce:${this.realm}`).digest().copy(this.macInput, 0);
    const dummy = randomBytes(16).toString('hex');
    this.dummyHa1 = { MD5: computeHa1('MD5', dummy, this.realm, dummy), 'SHA-256': computeHa1('SHA-256', dummy, this.realm, dummy), 'SHA-512-256': computeHa1('SHA-512-256', dummy, this.realm, dummy) };
  }

  /**
   * The nonce's tag: SHA-256 over a 64-byte key block (derived from the secret and the realm)
   * followed by the 16-byte head, truncated to 16 bytes. The input has a fixed length and the
   * output is truncated, so this keyed hash is a sound MAC (no length extension), at a third of
   * the cost of an HMAC object per nonce. `macInput` is reused: the key block, then the head.
   */
  private mac(head: Buffer): Buffer {
    head.copy(this.macInput, MAC_KEY_BYTES, 0, 16);
    return hash('sha256', this.macInput, 'buffer').subarray(0, 16);
  }

  /** A fresh nonce: issue time, 64 random bits, and a MAC over both (keyed by the secret and the realm). */
  createNonce(): string {
    const nonce = Buffer.allocUnsafe(NONCE_BYTES);
    nonce.writeDoubleBE(this.clock.now(), 0);
    randomPoolBytes(8).copy(nonce, 8);
    this.mac(nonce).copy(nonce, 16);
    return nonce.toString('base64url');
  }

  /** Issue time of a nonce we minted; undefined for anything else. */
  private nonceTime(nonce: string): number | undefined {
    if (nonce.length !== NONCE_CHARS) return undefined;
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== NONCE_BYTES || raw.toString('base64url') !== nonce) return undefined;
    if (!timingSafeEqual(raw.subarray(16), this.mac(raw))) return undefined;
    return raw.readDoubleBE(0);
  }

  /**
   * WWW-Authenticate (or Proxy-Authenticate) values: one per algorithm, sharing one nonce.
   * `algorithms` narrows the set for one peer (e.g. MD5 only for a client known to give up on
   * any challenge it cannot answer).
   */
  challenges(options: { stale?: boolean; algorithms?: readonly DigestAlgorithm[] } = {}): string[] {
    const nonce = this.createNonce();
    const algorithms = options.algorithms ? this.algorithms.filter((a) => options.algorithms!.includes(a)) : this.algorithms;
    return algorithms.map((algorithm) => `Digest realm=${quote(this.realm)}, nonce="${nonce}", opaque="${this.opaque}", algorithm=${algorithm}, qop="auth"${options.stale ? ', stale=true' : ''}`);
  }

  /** A 401 (or 407 with `proxy`) for `request` carrying every challenge. */
  challenge(request: SipRequest, options: { stale?: boolean; proxy?: boolean; toTag?: string; algorithms?: readonly DigestAlgorithm[] } = {}): SipResponse {
    const header = options.proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
    const response = createResponse(request, options.proxy ? 407 : 401, undefined, { toTag: options.toTag ?? true });
    for (const value of this.challenges(options)) response.add(header, value);
    return response;
  }

  /** The Digest credentials for our realm in a request, if any (Authorization, or Proxy-Authorization with `proxy`). */
  credentials(request: SipRequest, options: { proxy?: boolean } = {}): DigestCredentials | 'malformed' | undefined {
    const values = options.proxy ? request.proxyAuthorizations : request.authorizations;
    const mine = values.find((v) => v.scheme.toLowerCase() === 'digest' && v.params.get('realm') === this.realm);
    return mine ? readCredentials(mine) : undefined;
  }

  /**
   * Checks credentials against the user's HA1 for `credentials.algorithm` (undefined for an
   * unknown user: same work, same answer as a wrong password).
   */
  verify(request: SipRequest, credentials: DigestCredentials | 'malformed' | undefined, ha1: string | undefined): DigestResult {
    if (credentials === undefined) return { ok: false, reason: 'missing', stale: false };
    if (credentials === 'malformed') return { ok: false, reason: 'malformed', stale: false };
    const c = credentials;
    if (!this.algorithms.includes(c.algorithm) || c.qop !== 'auth' || !c.nc || !c.cnonce || !/^[0-9a-fA-F]{8}$/.test(c.nc)) return { ok: false, reason: 'malformed', stale: false };
    const issued = this.nonceTime(c.nonce);
    const expected = computeDigestResponse({
      algorithm: c.algorithm,
      ha1: ha1 ?? this.dummyHa1[c.algorithm],
      session: c.session,
      nonce: c.nonce,
      method: request.method,
      uri: c.uri,
      qop: 'auth',
      nc: c.nc,
      cnonce: c.cnonce,
    });
    const given = Buffer.from(c.response.toLowerCase(), 'utf8');
    const match = given.length === expected.length && timingSafeEqual(given, Buffer.from(expected, 'utf8'));
    if (issued === undefined) return { ok: false, reason: 'unknown-nonce', stale: false };
    if (!match || ha1 === undefined) return { ok: false, reason: 'invalid', stale: false };
    if (c.opaque !== undefined && c.opaque !== this.opaque) return { ok: false, reason: 'invalid', stale: false };
    const now = this.clock.now();
    if (now - issued > this.ttl || issued > now) return { ok: false, reason: 'stale', stale: true };
    const nc = parseInt(c.nc, 16);
    const seen = this.counts.get(c.nonce);
    if (seen) {
      if (nc <= seen.nc) return { ok: false, reason: 'replay', stale: true };
      seen.nc = nc;
    } else {
      // A nonce whose count we may have forgotten (evicted under load) cannot be checked: stale.
      if (issued <= this.forgottenUpTo) return { ok: false, reason: 'stale', stale: true };
      this.track(c.nonce, nc, issued, now);
    }
    return { ok: true, username: c.username, algorithm: c.algorithm };
  }

  private track(nonce: string, nc: number, issued: number, now: number): void {
    // Drop expired entries from the old end, then evict if still full (bounded memory).
    for (const [key, entry] of this.counts) {
      if (now - entry.issued <= this.ttl && this.counts.size < this.maxTracked) break;
      this.counts.delete(key);
      if (now - entry.issued <= this.ttl) this.forgottenUpTo = Math.max(this.forgottenUpTo, entry.issued);
    }
    this.counts.set(nonce, { nc, issued });
  }

  /** Nonces currently tracked for replay protection. */
  get trackedNonces(): number {
    return this.counts.size;
  }
}

function readCredentials(v: AuthValue): DigestCredentials | 'malformed' {
  const p = v.params;
  const username = p.get('username');
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  const uri = p.get('uri');
  const response = p.get('response');
  const algo = parseAlgorithm(p.get('algorithm'));
  if (username === undefined || realm === undefined || nonce === undefined || uri === undefined || response === undefined || !algo) return 'malformed';
  const out: { -readonly [K in keyof DigestCredentials]: DigestCredentials[K] } = { username, realm, nonce, uri, response, algorithm: algo.algorithm, session: algo.session };
  const qop = p.get('qop');
  if (qop !== undefined) out.qop = qop.toLowerCase();
  const nc = p.get('nc');
  if (nc !== undefined) out.nc = nc;
  const cnonce = p.get('cnonce');
  if (cnonce !== undefined) out.cnonce = cnonce;
  const opaque = p.get('opaque');
  if (opaque !== undefined) out.opaque = opaque;
  return out;
}

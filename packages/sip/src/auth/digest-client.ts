import { randomBytes } from 'node:crypto';
import type { AuthValue } from '../message/headers/auth.js';
import type { SipRequest, SipResponse } from '../message/message.js';
import { quote } from '../message/syntax.js';
import { uriToString } from '../message/uri.js';
import { computeDigestResponse, computeHa1, parseAlgorithm, type DigestAlgorithm } from './digest.js';

export interface ClientCredentials {
  username: string;
  password: string;
  /** Only answer challenges from this realm (any realm when absent). */
  realm?: string;
}

const PREFERENCE: Readonly<Record<DigestAlgorithm, number>> = { 'SHA-512-256': 3, 'SHA-256': 2, MD5: 1 };

interface Usable {
  readonly header: 'Authorization' | 'Proxy-Authorization';
  readonly challenge: AuthValue;
  readonly algorithm: DigestAlgorithm;
  readonly session: boolean;
  readonly qop: 'auth' | undefined;
}

/**
 * Client side of digest authentication: answers a 401/407 (to SIP trunks, SIPp, any server).
 * Keeps the nonce-count per nonce so reused nonces count up (RFC 7616 §3.4).
 */
export class DigestClient {
  private readonly counts = new Map<string, number>();

  constructor(private readonly credentials: ClientCredentials) {}

  /** The best challenge we can answer: strongest algorithm, qop=auth (or none). */
  private pick(response: SipResponse): Usable | undefined {
    const proxy = response.status === 407;
    const values = proxy ? response.proxyAuthenticates : response.wwwAuthenticates;
    let best: Usable | undefined;
    for (const challenge of values) {
      if (challenge.scheme.toLowerCase() !== 'digest') continue;
      const realm = challenge.params.get('realm');
      if (realm === undefined || challenge.params.get('nonce') === undefined) continue;
      if (this.credentials.realm !== undefined && realm !== this.credentials.realm) continue;
      const algo = parseAlgorithm(challenge.params.get('algorithm'));
      if (!algo) continue;
      const qops = challenge.params.get('qop')?.split(',').map((q) => q.trim().toLowerCase());
      if (qops && !qops.includes('auth')) continue;
      const usable: Usable = { header: proxy ? 'Proxy-Authorization' : 'Authorization', challenge, algorithm: algo.algorithm, session: algo.session, qop: qops ? 'auth' : undefined };
      if (!best || PREFERENCE[usable.algorithm] > PREFERENCE[best.algorithm]) best = usable;
    }
    return best;
  }

  /** The header to add for `request` answering `response`'s challenge; undefined when none fits. */
  authorization(request: SipRequest, response: SipResponse): { name: 'Authorization' | 'Proxy-Authorization'; value: string } | undefined {
    const use = this.pick(response);
    if (!use) return undefined;
    const p = use.challenge.params;
    const realm = p.get('realm')!;
    const nonce = p.get('nonce')!;
    const uri = uriToString(request.uri);
    const nc = use.qop ? ((this.counts.get(nonce) ?? 0) + 1) : 0;
    if (use.qop) {
      if (this.counts.size > 1000) this.counts.clear();
      this.counts.set(nonce, nc);
    }
    const ncText = nc.toString(16).padStart(8, '0');
    const cnonce = randomBytes(12).toString('hex');
    const ha1 = computeHa1(use.algorithm, this.credentials.username, realm, this.credentials.password);
    const digest = computeDigestResponse({
      algorithm: use.algorithm,
      ha1,
      session: use.session,
      nonce,
      method: request.method,
      uri,
      ...(use.qop ? { qop: use.qop, nc: ncText, cnonce } : {}),
    });
    const parts = [`username=${quote(this.credentials.username)}`, `realm=${quote(realm)}`, `nonce=${quote(nonce)}`, `uri=${quote(uri)}`, `response="${digest}"`, `algorithm=${p.get('algorithm') ?? 'MD5'}`];
    if (use.qop) parts.push(`qop=auth`, `nc=${ncText}`, `cnonce="${cnonce}"`);
    const opaque = p.get('opaque');
    if (opaque !== undefined) parts.push(`opaque=${quote(opaque)}`);
    return { name: use.header, value: `Digest ${parts.join(', ')}` };
  }

  /**
   * The request to send again with credentials (§22.2): a copy with the stack's Via removed, the
   * CSeq number increased and the Authorization (or Proxy-Authorization) set. Undefined when the
   * challenge cannot be answered.
   */
  authorize(request: SipRequest, response: SipResponse): SipRequest | undefined {
    const retry = request.clone();
    retry.remove('Via');
    retry.set('CSeq', { seq: request.cseq.seq + 1, method: request.method });
    const header = this.authorization(retry, response);
    if (!header) return undefined;
    retry.remove(header.name);
    retry.add(header.name, header.value);
    return retry;
  }
}

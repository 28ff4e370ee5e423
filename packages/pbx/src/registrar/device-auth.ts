import { computeHa1, createResponse, DigestAuthenticator, type DigestAlgorithm, type SipRequest, type SipResponse } from '@switchboard/sip';
import type { Repositories } from '../store/store.js';
import type { DeviceAccount } from '../store/records.js';
import type { AuthGuard } from './auth-guard.js';

export type DeviceAuthResult =
  | { ok: true; account: DeviceAccount }
  /** The answer to send: a challenge, or the one refusal used for every bad credential. */
  | { ok: false; response: SipResponse; failed: boolean };

export interface DeviceAuthOptions {
  realm: string;
  /** Nonce HMAC key; keep it across restarts so outstanding nonces stay valid. */
  secret: Buffer | string;
  store: Repositories;
  guard: AuthGuard;
  /**
   * Algorithms to challenge with, in order (default MD5 only). Older SIP stacks (baresip 1.0's
   * libre, for one) reject a 401 as a whole when any challenge names an algorithm they lack, so
   * SHA-256 (RFC 8760) is opt-in: list it first for fleets of phones that support it.
   */
  algorithms?: readonly DigestAlgorithm[];
}

/**
 * Digest authentication of our own devices (phones, softphones, browsers) for REGISTER, INVITE,
 * SUBSCRIBE and the rest. A device is found by its digest username alone (usernames are unique
 * across the server, docs/decisions/0002). An unknown username and a wrong password get the
 * same 403 after the same work, so the answer does not tell which accounts exist.
 *
 * JsSIP (the portal's softphone) and many desk phones only do MD5, so MD5 is the default
 * challenge; SHA-256 (RFC 8760) is verified whenever it is configured (see `algorithms`).
 */
export class DeviceAuthenticator {
  readonly digest: DigestAuthenticator;

  constructor(private readonly options: DeviceAuthOptions) {
    this.digest = new DigestAuthenticator({ realm: options.realm, secret: options.secret, algorithms: options.algorithms ?? ['MD5'] });
  }

  get realm(): string {
    return this.digest.realm;
  }

  /**
   * `proxy` selects 407/Proxy-Authorization (requests a proxy would challenge: INVITE,
   * SUBSCRIBE, REFER...) instead of 401/Authorization (REGISTER).
   */
  async authenticate(request: SipRequest, source: string, options: { proxy: boolean; toTag?: string }): Promise<DeviceAuthResult> {
    const credentials = this.digest.credentials(request, { proxy: options.proxy });
    if (credentials === undefined) {
      return { ok: false, failed: false, response: this.digest.challenge(request, { proxy: options.proxy, ...(options.toTag ? { toTag: options.toTag } : {}) }) };
    }
    const account = credentials === 'malformed' ? null : await this.options.store.devices.findBySipUsername(credentials.username);
    // The HA1 is computed for an unknown user too (from a decoy), then not used: the same work either way.
    const computed = credentials === 'malformed' ? undefined : computeHa1(credentials.algorithm, credentials.username, this.digest.realm, account?.device.sipPassword ?? DECOY_PASSWORD);
    const ha1 = account ? computed : undefined;
    const result = this.digest.verify(request, credentials, ha1);
    if (result.ok && account) {
      this.options.guard.succeed(source);
      return { ok: true, account };
    }
    if (!result.ok && (result.stale || result.reason === 'unknown-nonce')) {
      // A nonce from before a restart, or simply old: a fresh challenge, not a failure.
      return { ok: false, failed: false, response: this.digest.challenge(request, { proxy: options.proxy, stale: result.stale, ...(options.toTag ? { toTag: options.toTag } : {}) }) };
    }
    const username = credentials === 'malformed' ? undefined : credentials.username;
    this.options.guard.fail(source, { method: request.method, username });
    return { ok: false, failed: true, response: forbidden(request, options.toTag) };
  }
}

const DECOY_PASSWORD = 'decoy-password-never-accepted';

/** Built the same way for an unknown user and a wrong password. */
function forbidden(request: SipRequest, toTag: string | undefined): SipResponse {
  return createResponse(request, 403, 'Forbidden', { toTag: toTag ?? true });
}

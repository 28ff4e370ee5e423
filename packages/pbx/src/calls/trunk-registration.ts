import {
  address,
  contactExpires,
  createRequest,
  createResponse,
  DigestClient,
  newCallId,
  sipUri,
  uriEquals,
  type SipRequest,
  type SipResponse,
  type SipStack,
  type SipUri,
  type TimerHandle,
} from '@switchboard/sip';
import type { Trunk } from '../store/records.js';
import { trunkSignalling, type TrunkSignalling } from './trunk-signalling.js';
import type { PbxLogger } from '../util/logger.js';

/**
 * ```
 *   start ─► registering ──2xx──► registered ──(refresh timer)──► registering …
 *                 │                                                   │
 *                 └──failure──► failed ──(retry timer)──► registering ◄┘
 *   stop (any state) ─► stopped   (a REGISTER with Expires: 0 first, when registered)
 * ```
 */
export type TrunkRegistrationState = 'registering' | 'registered' | 'failed' | 'stopped';

export interface TrunkRegistrationOptions {
  stack: SipStack;
  trunk: Trunk;
  logger: PbxLogger;
  /** Expiry we ask for (default 600 s); the carrier may grant less or ask for more (423). */
  expiresSeconds?: number;
  /** First wait after a failure (default 30 s), doubled per failure up to 5 minutes. */
  retrySeconds?: number;
}

/** When to refresh a binding granted for `seconds`: comfortably before it lapses. */
export function refreshDelaySeconds(seconds: number): number {
  if (seconds <= 10) return Math.max(seconds / 2, 0.5);
  return Math.min(seconds * 0.9, seconds - 5);
}

const MAX_RETRY_SECONDS = 300;

/**
 * Keeps a trunk registered with the carrier (RFC 3261 §10.2): REGISTER with digest credentials,
 * refreshed before the granted expiry with the same Call-ID and a rising CSeq, retried with
 * back-off after a failure, removed with Expires: 0 when stopped. Outcomes are logged and kept in
 * `state` / `detail`; nothing here throws on a network failure.
 */
export class TrunkRegistration {
  state: TrunkRegistrationState = 'registering';
  /** Why it failed, or the expiry granted: for logs, tests and the portal. */
  detail = '';
  /** Successful REGISTER exchanges so far (the first registration and each refresh). */
  registrations = 0;
  private readonly callId = newCallId();
  private readonly credentials: DigestClient;
  private cseq = 0;
  private timer: TimerHandle | null = null;
  private retrySeconds: number;
  private expiresSeconds: number;
  /** The carrier holds a binding of ours (a 2xx came, and no removal since). */
  private bound = false;
  /** How the last REGISTER went out (the removal goes the same way). */
  private line: TrunkSignalling | null = null;

  constructor(private readonly o: TrunkRegistrationOptions) {
    if (o.trunk.username === null || o.trunk.password === null) throw new Error('a trunk registration needs a username and a password');
    this.credentials = new DigestClient({ username: o.trunk.username, password: o.trunk.password });
    this.retrySeconds = o.retrySeconds ?? 30;
    this.expiresSeconds = o.expiresSeconds ?? 600;
  }

  get trunk(): Trunk {
    return this.o.trunk;
  }

  /** True when `trunk` would register the same way (so a settings change needs a new registration). */
  matches(trunk: Trunk): boolean {
    const t = this.o.trunk;
    return t.host === trunk.host && t.port === trunk.port && t.transport === trunk.transport && t.username === trunk.username && t.password === trunk.password && trunk.register;
  }

  start(): void {
    this.state = 'registering';
    this.register(this.expiresSeconds).catch((error: unknown) => {
      this.state = 'failed';
      this.detail = String(error);
      this.o.logger('error', 'trunk registration failed', { tenant: this.o.trunk.tenantId, error: String(error) });
    });
  }

  /**
   * Stops refreshing and, when the carrier holds our binding, removes it (waiting at most `waitMs`
   * for the carrier). A REGISTER still in flight ends by itself; its answer is ignored.
   */
  async stop(waitMs = 2000): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    this.clearTimer();
    if (!this.bound || !this.line) return;
    this.bound = false;
    const unregister = this.exchange(0, this.line);
    let timeout: NodeJS.Timeout | undefined;
    await Promise.race([unregister, new Promise<void>((resolve) => (timeout = setTimeout(resolve, waitMs)))]);
    clearTimeout(timeout);
  }

  private async register(expires: number): Promise<void> {
    const line = trunkSignalling(this.o.stack, this.o.trunk, this.o.trunk.username!);
    if (typeof line === 'string') {
      // Not a network failure: retrying cannot help until the server is set up differently.
      this.state = 'failed';
      this.detail = line;
      this.o.logger('error', 'trunk registration failed', { tenant: this.o.trunk.tenantId, host: this.o.trunk.host, error: line });
      return;
    }
    this.line = line;
    const response = await this.exchange(expires, line);
    if (this.state === 'stopped') return;
    if (response.status >= 200 && response.status < 300) {
      const granted = this.grantedSeconds(response, line.contact) ?? expires;
      this.bound = true;
      this.registrations++;
      this.retrySeconds = this.o.retrySeconds ?? 30;
      this.state = 'registered';
      this.detail = `registered for ${granted} s`;
      this.o.logger('info', 'trunk registered', { tenant: this.o.trunk.tenantId, host: this.o.trunk.host, expires: granted });
      this.schedule(refreshDelaySeconds(granted), () => this.start());
      return;
    }
    if (response.status === 423 && response.minExpires !== undefined && response.minExpires > expires) {
      // §10.2.8: the carrier wants a longer interval; ask again at once with its minimum.
      this.expiresSeconds = response.minExpires;
      return this.register(response.minExpires);
    }
    this.state = 'failed';
    this.detail = response.status === 401 || response.status === 407 || response.status === 403 ? `the carrier refused the credentials (${response.status})` : `${response.status} ${response.reason}`;
    this.o.logger('warn', 'trunk registration failed', { tenant: this.o.trunk.tenantId, host: this.o.trunk.host, status: response.status, reason: response.reason, retryInSeconds: this.retrySeconds });
    const wait = this.retrySeconds;
    this.retrySeconds = Math.min(this.retrySeconds * 2, MAX_RETRY_SECONDS);
    this.schedule(wait, () => this.start());
  }

  /** One REGISTER, answering at most two challenges (a second only when the first nonce went stale). */
  private async exchange(expires: number, line: TrunkSignalling): Promise<SipResponse> {
    let request = this.request(expires, line);
    let response = await this.send(request);
    for (let challenges = 0; (response.status === 401 || response.status === 407) && challenges < 2; challenges++) {
      const offered = response.status === 401 ? response.wwwAuthenticates : response.proxyAuthenticates;
      if (challenges === 1 && !offered.some((c) => c.params.get('stale')?.toLowerCase() === 'true')) break;
      const retry = this.credentials.authorize(request, response);
      if (!retry) break;
      this.cseq = retry.cseq.seq;
      request = retry;
      response = await this.send(request);
    }
    return response;
  }

  private async send(request: SipRequest): Promise<SipResponse> {
    try {
      return await this.o.stack.sendRequest(request, {}).final;
    } catch (error) {
      // Misuse or a stack that is shutting down: report it as the network outcome it amounts to.
      this.o.logger('warn', 'could not send a trunk REGISTER', { host: this.o.trunk.host, error: String(error) });
      return createResponse(request, 503, 'Service Unavailable');
    }
  }

  private request(expires: number, line: TrunkSignalling): SipRequest {
    const t = this.o.trunk;
    const aor = address(sipUri({ user: t.username!, host: t.host }));
    return createRequest({
      method: 'REGISTER',
      uri: sipUri({ host: t.host, port: t.port, params: line.uriParams }),
      from: aor,
      to: aor,
      callId: this.callId,
      cseq: ++this.cseq,
      contact: address(line.contact),
      headers: { Expires: expires },
    });
  }

  /** The expiry granted to our contact: its `expires` parameter in the 2xx, else the Expires header. */
  private grantedSeconds(response: SipResponse, ours: SipUri): number | undefined {
    const mine = response.contacts.find((c) => uriEquals(c.uri, ours)) ?? (response.contacts.length === 1 ? response.contacts[0] : undefined);
    return (mine ? contactExpires(mine) : undefined) ?? response.expires;
  }

  private schedule(seconds: number, run: () => void): void {
    this.clearTimer();
    if (this.state === 'stopped') return;
    this.timer = this.o.stack.clock.setTimeout(() => {
      this.timer = null;
      if (this.state !== 'stopped') run();
    }, seconds * 1000);
  }

  private clearTimer(): void {
    if (this.timer) this.o.stack.clock.clearTimeout(this.timer);
    this.timer = null;
  }
}

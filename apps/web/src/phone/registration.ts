import type { Me } from '@switchboard/api';
import { ApiFailure } from '../lib/api.js';
import { Backoff } from '../lib/backoff.js';
import type { SipSession, SipStackLoader, SipUserAgent } from './sip-stack.js';
import type { ConnectionState } from './status.js';

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface RegistrationDependencies {
  loadSipStack: SipStackLoader;
  fetchMe: () => Promise<Me>;
  now: () => number;
  timers: Timers;
  /** Full WebSocket URL for a path on the portal's own origin. */
  wsUrl: (path: string) => string;
}

export interface RegistrationListener {
  /** Where the connection stands now; `current` is the state before this one. */
  state(state: ConnectionState, current: ConnectionState): void;
  incoming(session: SipSession): void;
  /** /api/me says the session is gone: the user must sign in again. */
  signedOut(): void;
}

/** Fetch fresh credentials this long before the old ones expire. */
const credentialMarginMs = 60_000;

/**
 * Keeps this browser registered: creates the user agent with the `/api/me` credentials,
 * follows its connection, retries refused registrations with backoff, and renews the
 * short-lived credentials before they expire or when the registrar refuses them.
 *
 *   idle ─connect()─▶ connecting ─registered─▶ registered
 *                        ▲   │                     │
 *                        │   └──lost / refused──▶ disconnected ──(stack reconnects, retry)──┘
 *   any ─/api/me has no extension─▶ no-extension
 */
export class Registration {
  private agent: SipUserAgent | null = null;
  private current: Me | null = null;
  private state: ConnectionState = 'idle';
  private active = false;
  private readonly retry = new Backoff(2_000, 30_000);
  private registerTimer: unknown = null;
  private credentialTimer: unknown = null;

  constructor(
    private readonly deps: RegistrationDependencies,
    private readonly listener: RegistrationListener,
  ) {}

  /** The user agent, once created (calls are placed with it). */
  get userAgent(): SipUserAgent | null {
    return this.agent;
  }

  /** The latest /api/me (its tenant domain names call targets). */
  get me(): Me | null {
    return this.current;
  }

  get connection(): ConnectionState {
    return this.state;
  }

  /** Starts registering `me.sip.uri`; does nothing when already started. */
  async connect(me: Me): Promise<void> {
    if (this.active) return;
    this.active = true;
    this.current = me;
    if (!me.sip) {
      this.setState('no-extension');
      return;
    }
    await this.createAgent();
  }

  stop(): void {
    this.active = false;
    this.agent?.stop();
    this.agent = null;
    this.deps.timers.clearTimeout(this.registerTimer);
    this.deps.timers.clearTimeout(this.credentialTimer);
    this.state = 'idle';
  }

  private async createAgent(): Promise<void> {
    const sip = this.current?.sip;
    if (!sip) return;
    this.setState('connecting');
    let ua: SipUserAgent;
    try {
      ua = await this.deps.loadSipStack({
        uri: sip.uri,
        authorizationUser: sip.authorizationUser,
        password: sip.password,
        displayName: sip.displayName,
        wsUrl: this.deps.wsUrl(sip.wsPath),
      });
    } catch {
      // The SIP library could not be loaded (network gone while it downloaded): try again later.
      this.setState('disconnected');
      this.deps.timers.setTimeout(() => {
        if (this.active && !this.agent) void this.createAgent();
      }, this.retry.next());
      return;
    }
    if (!this.active) return;
    this.agent = ua;
    // While the stack retries a lost connection, the state stays disconnected (the status text
    // says it keeps trying) rather than flickering with every attempt.
    ua.on('connecting', () => {
      if (this.state !== 'disconnected') this.setState('connecting');
    });
    ua.on('connected', () => this.setState('connecting'));
    ua.on('disconnected', () => this.setState('disconnected'));
    ua.on('registered', () => {
      this.retry.reset();
      this.deps.timers.clearTimeout(this.registerTimer);
      this.setState('registered');
    });
    ua.on('unregistered', () => {
      if (this.state === 'registered') {
        this.setState('connecting');
        this.scheduleRegister();
      }
    });
    ua.on('registrationFailed', (failure) => {
      // A transport failure is recovered by the stack itself, which registers again on reconnect.
      if (failure.cause === 'Connection Error') return;
      this.setState('disconnected');
      const rejected = failure.statusCode === 401 || failure.statusCode === 403 || failure.statusCode === 407 || failure.cause === 'Authentication Error';
      if (rejected) void this.refreshCredentials().then(() => this.scheduleRegister());
      else this.scheduleRegister();
    });
    ua.on('registrationExpiring', () => {
      const expiresAt = Date.parse(this.current?.sip?.expiresAt ?? '');
      if (Number.isFinite(expiresAt) && expiresAt - this.deps.now() < 2 * credentialMarginMs) {
        void this.refreshCredentials().then(() => this.agent?.register());
      } else {
        ua.register();
      }
    });
    ua.on('incoming', (session) => this.listener.incoming(session));
    this.scheduleCredentialRefresh(sip.expiresAt);
    ua.start();
  }

  private setState(state: ConnectionState): void {
    const before = this.state;
    this.state = state;
    this.listener.state(state, before);
  }

  private scheduleRegister(): void {
    this.deps.timers.clearTimeout(this.registerTimer);
    this.registerTimer = this.deps.timers.setTimeout(() => {
      if (!this.agent || !this.active) return;
      this.setState('connecting');
      this.agent.register();
    }, this.retry.next());
  }

  private scheduleCredentialRefresh(expiresAt: string): void {
    this.deps.timers.clearTimeout(this.credentialTimer);
    const at = Date.parse(expiresAt);
    if (!Number.isFinite(at)) return;
    const delay = Math.min(24 * 3600_000, Math.max(10_000, at - this.deps.now() - credentialMarginMs));
    this.credentialTimer = this.deps.timers.setTimeout(() => {
      void this.refreshCredentials().then((ok) => {
        if (!ok && this.active) this.credentialTimer = this.deps.timers.setTimeout(() => this.scheduleCredentialRefresh(expiresAt), 30_000);
      });
    }, delay);
  }

  /** Re-fetches /api/me for fresh SIP credentials; false when none could be had. */
  private async refreshCredentials(): Promise<boolean> {
    let me: Me;
    try {
      me = await this.deps.fetchMe();
    } catch (error) {
      if (error instanceof ApiFailure && error.code === 'unauthorized') {
        this.stop();
        this.listener.signedOut();
      }
      return false;
    }
    if (!this.active) return false;
    this.current = me;
    if (!me.sip) {
      this.agent?.stop();
      this.agent = null;
      this.setState('no-extension');
      return false;
    }
    this.agent?.setCredentials(me.sip.authorizationUser, me.sip.password);
    this.scheduleCredentialRefresh(me.sip.expiresAt);
    return true;
  }
}

import type { Dialog, SendOptions, SipRequest, SipStack } from '@switchboard/sip';
import type { PbxLogger } from '../util/logger.js';
import type { EventPackage, SubscriptionView, WatchedResource } from './event-package.js';

/**
 * ```
 *   SUBSCRIBE accepted         expiry / Expires: 0 / shutdown / NOTIFY refused
 *  -------------------> Active -----------------------------------------------> Terminated
 * ```
 * Every state change of the watched resource sends a NOTIFY with the full state; the last
 * NOTIFY carries `Subscription-State: terminated` (RFC 6665 §4.2.2).
 */
export type SubscriptionPhase = 'active' | 'terminated';

export interface SubscriptionInit {
  stack: SipStack;
  logger: PbxLogger;
  pkg: EventPackage;
  resource: WatchedResource;
  dialog: Dialog;
  /** The Event header's `id` parameter, echoed in every NOTIFY. */
  eventId: string | undefined;
  tenantId: string;
  domain: string;
  /** Called once, after the terminating NOTIFY went out. */
  onTerminated: (subscription: Subscription) => void;
}

/** Why a subscription ended, as the terminating NOTIFY's `reason` says (RFC 6665 §4.1.3). */
export type TerminationReason = 'timeout' | 'noresource' | 'deactivated' | 'rejected' | 'probation';

/** One subscription dialog on our side (the notifier, RFC 6665 §4.2). */
export class Subscription {
  phase: SubscriptionPhase = 'active';
  private version = 0;
  private expiresAt = 0;
  private timer: NodeJS.Timeout | null = null;
  /** NOTIFYs leave one at a time, in order, so versions only go up at the subscriber. */
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly o: SubscriptionInit) {}

  get key(): string {
    return subscriptionKey(this.o.dialog.key, this.o.pkg.event, this.o.eventId);
  }

  get dialog(): Dialog {
    return this.o.dialog;
  }

  get resourceKey(): string {
    return this.o.resource.key;
  }

  get event(): string {
    return this.o.pkg.event;
  }

  /** (Re)starts the lifetime: the subscription ends by itself after `seconds` (§4.2.1.2). */
  refresh(seconds: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.expiresAt = Date.now() + seconds * 1000;
    this.timer = setTimeout(() => void this.terminate('timeout'), seconds * 1000);
    this.timer.unref();
  }

  /** Sends the current state (after a SUBSCRIBE, a refresh, or a change of the resource). */
  notify(): Promise<void> {
    if (this.phase === 'terminated') return this.queue;
    const body = this.snapshot();
    return this.enqueue(() => this.send(body, null));
  }

  /** Ends the subscription with a last NOTIFY (RFC 6665 §4.2.2); resolves once it was answered or gave up. */
  terminate(reason: TerminationReason, options: { retryAfter?: number } = {}): Promise<void> {
    if (this.phase === 'terminated') return this.queue;
    this.phase = 'terminated';
    if (this.timer) clearTimeout(this.timer);
    const body = this.snapshot();
    return this.enqueue(async () => {
      await this.send(body, { reason, ...options });
      this.o.dialog.terminate();
      this.o.onTerminated(this);
    });
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(work).catch((error: unknown) => this.o.logger('warn', 'NOTIFY failed', { event: this.o.pkg.event, error: String(error) }));
    return this.queue;
  }

  /** The state as it is now (a quick succession of changes is reported in order, none skipped). */
  private snapshot(): Promise<string> {
    const view: SubscriptionView = { version: this.version++, tenantId: this.o.tenantId, domain: this.o.domain };
    // Rendered now, sent in turn; a failed render is reported by the queue when its turn comes.
    let rendered: Promise<string>;
    try {
      rendered = Promise.resolve(this.o.resource.body(view));
    } catch (error) {
      rendered = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    rendered.catch(() => undefined);
    return rendered;
  }

  private async send(rendered: Promise<string>, ending: { reason: TerminationReason; retryAfter?: number } | null): Promise<void> {
    const body = await rendered;
    const remaining = Math.max(0, Math.round((this.expiresAt - Date.now()) / 1000));
    const state = ending
      ? `terminated;reason=${ending.reason}${ending.retryAfter !== undefined ? `;retry-after=${ending.retryAfter}` : ''}`
      : `active;expires=${remaining}`;
    const notify: SipRequest = this.o.dialog.createRequest('NOTIFY', {
      headers: {
        Event: this.o.eventId === undefined ? this.o.pkg.event : `${this.o.pkg.event};id=${this.o.eventId}`,
        'Subscription-State': state,
      },
      body,
      contentType: this.o.pkg.contentType,
    });
    const options: SendOptions = this.o.dialog.sendOptions();
    const response = await this.o.stack.sendRequest(notify, options).final;
    if (response.status >= 300 && !ending) {
      // §4.2.2: a 481 (or any failure: the subscriber is gone) ends the subscription.
      this.phase = 'terminated';
      if (this.timer) clearTimeout(this.timer);
      this.o.dialog.terminate();
      this.o.onTerminated(this);
    }
  }
}

export function subscriptionKey(dialogKey: string, event: string, id: string | undefined): string {
  return `${dialogKey}|${event}|${id ?? ''}`;
}

import { Dialog, type AnyServerTransaction, type SipRequest, type SipStack } from '@switchboard/sip';
import type { DeviceAuthenticator } from '../registrar/device-auth.js';
import { ourContact } from '../util/contact.js';
import type { PbxLogger } from '../util/logger.js';
import { isRefusal, type EventPackage } from './event-package.js';
import { Subscription, subscriptionKey, type TerminationReason } from './subscription.js';

export interface SubscriptionServerOptions {
  stack: SipStack;
  auth: DeviceAuthenticator;
  logger: PbxLogger;
  /** Shortest lifetime accepted (RFC 6665 §4.2.1.1: 423 with Min-Expires below it). Default 60 s. */
  minExpires?: number;
  /** Longest lifetime granted; longer requests are shortened. Default 3600 s. */
  maxExpires?: number;
}

/**
 * The notifier side of SIP events (RFC 6665): SUBSCRIBE creates a subscription dialog
 * (authenticated by digest like INVITE), the current state goes out at once in a NOTIFY, every
 * change of the watched resource sends another, and the subscription ends on expiry, on
 * `Expires: 0` (a fetch: one NOTIFY with the state, terminated) or when the server shuts down.
 * What can be watched comes from the registered event packages.
 */
export class SubscriptionServer {
  private readonly packages = new Map<string, EventPackage>();
  private readonly subscriptions = new Map<string, Subscription>();
  /** Dialog key to the subscriptions in that dialog (usually one). */
  private readonly byDialog = new Map<string, Set<Subscription>>();
  private readonly minExpires: number;
  private readonly maxExpires: number;
  private closed = false;

  constructor(private readonly o: SubscriptionServerOptions) {
    this.minExpires = o.minExpires ?? 60;
    this.maxExpires = o.maxExpires ?? 3600;
  }

  addPackage(pkg: EventPackage): void {
    this.packages.set(pkg.event, pkg);
  }

  /** Event types served, for Allow-Events. */
  get events(): string[] {
    return [...this.packages.keys()];
  }

  get size(): number {
    return this.subscriptions.size;
  }

  /** The state of `resourceKey` changed: every subscription watching it gets a NOTIFY. */
  changed(resourceKey: string): void {
    for (const subscription of this.subscriptions.values()) {
      if (subscription.resourceKey === resourceKey) void subscription.notify();
    }
  }

  /** A SUBSCRIBE outside any dialog: a new subscription. */
  async handleSubscribe(request: SipRequest, tx: AnyServerTransaction): Promise<void> {
    if (this.closed) {
      tx.respond(503, 'Shutting down', { headers: { 'Retry-After': '10' } });
      return;
    }
    const pkg = this.packageOf(request);
    if (!pkg) {
      tx.respond(489, 'Bad Event', { headers: { 'Allow-Events': this.events.join(', ') } });
      return;
    }
    const accept = request.accept;
    if (accept && accept.length > 0 && !accept.some((t) => `${t.type}/${t.subtype}`.toLowerCase() === pkg.contentType || (t.type === '*' && t.subtype === '*'))) {
      tx.respond(406, 'Not Acceptable', { headers: { Accept: pkg.contentType } });
      return;
    }
    const expires = this.grantedExpires(request, pkg);
    if (expires === 'too-brief') {
      tx.respond(423, 'Interval Too Brief', { headers: { 'Min-Expires': String(this.minExpires) } });
      return;
    }
    const auth = await this.o.auth.authenticate(request, tx.flow.remote.address, { proxy: true, toTag: tx.localTag });
    if (!auth.ok) {
      tx.send(auth.response);
      return;
    }
    const user = request.uri.kind === 'sip' ? (request.uri.user ?? '') : request.uri.kind === 'tel' ? request.uri.number : '';
    const resource = await pkg.resolve(user, auth.account);
    if (resource === null) {
      tx.respond(404, `Nothing to watch at ${user || 'that address'}`);
      return;
    }
    if (isRefusal(resource)) {
      tx.respond(resource.refused, resource.reason);
      return;
    }
    if (request.contacts.length === 0) {
      tx.respond(400, 'A SUBSCRIBE needs a Contact');
      return;
    }
    const dialog = Dialog.asUas(request, { localTag: tx.localTag, localContact: ourContact(this.o.stack, tx.flow.protocol, request), flow: tx.flow, confirmed: true });
    const subscription = new Subscription({
      stack: this.o.stack,
      logger: this.o.logger,
      pkg,
      resource,
      dialog,
      eventId: request.event?.id,
      tenantId: auth.account.tenant.id,
      domain: auth.account.tenant.sipDomain,
      onTerminated: (s) => this.forget(s),
    });
    subscription.refresh(Math.max(expires, 1));
    this.remember(subscription);
    // §4.2.1.1: 200 with the granted Expires, then a NOTIFY with the state at once.
    tx.respond(200, undefined, { headers: { Expires: String(expires), Contact: dialog.localContact } });
    this.o.logger('info', 'subscription', { event: pkg.event, resource: resource.key, expires, subscriber: auth.account.device.sipUsername });
    if (expires === 0) await subscription.terminate('timeout');
    else await subscription.notify();
  }

  /**
   * A request inside a subscription dialog (a refreshing SUBSCRIBE); false when the dialog is not
   * one of ours.
   */
  handleInDialog(request: SipRequest, tx: AnyServerTransaction): boolean {
    const dialogKey = `${request.callId}|${request.toTag ?? ''}|${request.fromTag ?? ''}`;
    const inDialog = this.byDialog.get(dialogKey);
    if (!inDialog) return false;
    if (request.method !== 'SUBSCRIBE') {
      tx.respond(request.method === 'OPTIONS' ? 200 : 405, undefined, { headers: { Allow: 'SUBSCRIBE, NOTIFY, OPTIONS' } });
      return true;
    }
    const subscription = this.subscriptions.get(subscriptionKey(dialogKey, request.event?.type.toLowerCase() ?? '', request.event?.id));
    if (!subscription || subscription.phase === 'terminated') {
      tx.respond(481, 'Subscription Does Not Exist');
      return true;
    }
    const check = subscription.dialog.receiveRequest(request);
    if (!check.ok) {
      tx.respond(check.status, check.reason);
      return true;
    }
    const pkg = this.packages.get(subscription.event)!;
    const expires = this.grantedExpires(request, pkg);
    if (expires === 'too-brief') {
      tx.respond(423, 'Interval Too Brief', { headers: { 'Min-Expires': String(this.minExpires) } });
      return true;
    }
    tx.respond(200, undefined, { headers: { Expires: String(expires), Contact: subscription.dialog.localContact } });
    if (expires === 0) {
      void subscription.terminate('timeout');
    } else {
      subscription.refresh(expires);
      void subscription.notify();
    }
    return true;
  }

  /** Ends every subscription with a terminating NOTIFY (waits at most `waitMs` for their answers). */
  async close(reason: TerminationReason = 'deactivated', waitMs = 1500): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const ending = [...this.subscriptions.values()].map((s) => s.terminate(reason, reason === 'probation' ? { retryAfter: 30 } : {}));
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(ending), new Promise((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    if (timer) clearTimeout(timer);
  }

  private packageOf(request: SipRequest): EventPackage | undefined {
    const type = request.event?.type.toLowerCase();
    return type === undefined ? undefined : this.packages.get(type);
  }

  /** §4.2.1.1: absent Expires takes the package default; the notifier may shorten, never lengthen below the minimum. */
  private grantedExpires(request: SipRequest, pkg: EventPackage): number | 'too-brief' {
    const asked = request.expires ?? pkg.defaultExpires;
    if (asked === 0) return 0;
    if (asked < this.minExpires) return 'too-brief';
    return Math.min(asked, this.maxExpires);
  }

  private remember(subscription: Subscription): void {
    this.subscriptions.set(subscription.key, subscription);
    let set = this.byDialog.get(subscription.dialog.key);
    if (!set) this.byDialog.set(subscription.dialog.key, (set = new Set()));
    set.add(subscription);
  }

  private forget(subscription: Subscription): void {
    this.subscriptions.delete(subscription.key);
    const set = this.byDialog.get(subscription.dialog.key);
    set?.delete(subscription);
    if (set && set.size === 0) this.byDialog.delete(subscription.dialog.key);
  }
}

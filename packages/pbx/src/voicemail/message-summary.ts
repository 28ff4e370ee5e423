import type { Repositories } from '../store/store.js';
import type { DeviceAccount } from '../store/records.js';
import type { EventPackage, Refusal, SubscriptionView, WatchedResource } from '../subscriptions/event-package.js';

/** The voicemail number phones call for their mailbox (the Message-Account). */
export const MAILBOX_NUMBER = '*97';

/** RFC 3842 §5.2 body: the lamp (Messages-Waiting) and the new/old counts. */
export function messageSummaryBody(counts: { unread: number; heard: number }, account: string): string {
  return [`Messages-Waiting: ${counts.unread > 0 ? 'yes' : 'no'}`, `Message-Account: ${account}`, `Voice-Message: ${counts.unread}/${counts.heard} (0/0)`, ''].join('\r\n');
}

/** The change key of a user's mailbox. */
export function mailboxKeyOf(tenantId: string, userId: string): string {
  return `mwi:${tenantId}|${userId}`;
}

/**
 * The message-summary event package (RFC 3842): a phone watches its own user's mailbox (the
 * subscriber's extension, its device username, or the mailbox number `*97`), nobody else's.
 */
export class MessageSummaryPackage implements EventPackage {
  readonly event = 'message-summary';
  readonly contentType = 'application/simple-message-summary';
  readonly defaultExpires = 3600;

  constructor(private readonly store: Repositories) {}

  resolve(user: string, subscriber: DeviceAccount): Promise<WatchedResource | Refusal | null> {
    const own = user === '' || user === subscriber.extension || user === subscriber.device.sipUsername || user === MAILBOX_NUMBER;
    if (!own) return Promise.resolve({ refused: 403, reason: 'A phone may only watch its own mailbox' });
    const { tenant, user: owner } = subscriber;
    return Promise.resolve({
      key: mailboxKeyOf(tenant.id, owner.id),
      body: async (view: SubscriptionView) => messageSummaryBody(await this.store.voicemail.counts(tenant.id, owner.id), `sip:${MAILBOX_NUMBER}@${view.domain}`),
    });
  }
}

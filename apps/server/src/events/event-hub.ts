import type { PortalEvent } from '@switchboard/api';
import type { Logger } from '../logging.js';

/** Who receives an event: a user id of the tenant, or `'all'` for all of its signed-in users. */
export type Audience = string;

/** What the PBX calls to push an event to portal pages (presence, DND, voicemail, history). */
export interface PortalEventPublisher {
  /** Sends `event` to the audience's open event sockets; returns how many received it. */
  publish(tenantId: string, audience: Audience, event: PortalEvent): number;
}

export interface EventSubscriber {
  tenantId: string;
  userId: string;
  sessionId: string;
  deliver(event: PortalEvent): void;
  close(reason: string): void;
}

/**
 * The in-process event hub behind `/api/events`. A subscriber that throws cannot stop delivery to
 * the others.
 */
export class EventHub implements PortalEventPublisher {
  private readonly byTenant = new Map<string, Set<EventSubscriber>>();

  constructor(private readonly logger: Logger) {}

  subscribe(subscriber: EventSubscriber): () => void {
    let set = this.byTenant.get(subscriber.tenantId);
    if (!set) this.byTenant.set(subscriber.tenantId, (set = new Set()));
    set.add(subscriber);
    return () => {
      set.delete(subscriber);
      if (set.size === 0 && this.byTenant.get(subscriber.tenantId) === set) this.byTenant.delete(subscriber.tenantId);
    };
  }

  publish(tenantId: string, audience: Audience, event: PortalEvent): number {
    let delivered = 0;
    for (const subscriber of [...(this.byTenant.get(tenantId) ?? [])]) {
      if (audience !== 'all' && subscriber.userId !== audience) continue;
      try {
        subscriber.deliver(event);
        delivered++;
      } catch (error) {
        this.logger.warn({ err: error, tenantId, userId: subscriber.userId }, 'event delivery failed');
      }
    }
    return delivered;
  }

  /** Closes the sockets of a session that signed out. */
  closeSession(sessionId: string): void {
    for (const set of this.byTenant.values()) {
      for (const subscriber of [...set]) if (subscriber.sessionId === sessionId) subscriber.close('signed out');
    }
  }

  /** Number of open subscriptions (for tests and health). */
  get size(): number {
    let n = 0;
    for (const set of this.byTenant.values()) n += set.size;
    return n;
  }

  closeAll(reason: string): void {
    for (const set of this.byTenant.values()) for (const subscriber of [...set]) subscriber.close(reason);
    this.byTenant.clear();
  }
}

import type { CallBeforeRinging, CallHandoff } from './call-handoff.js';
import type { Repositories } from '../store/store.js';
import type { PresenceService } from '../presence/presence-service.js';
import type { PbxLogger } from '../util/logger.js';
import type { FeatureNotifier } from './feature-notifier.js';

/**
 * Do Not Disturb per user: stored (survives restarts) and mirrored in memory, so presence and
 * the call engine read it without a database round trip. Toggled by the portal and by `*78`/`*79`.
 */
export class DndService {
  private readonly enabled = new Set<string>();

  constructor(
    private readonly o: { store: Repositories; logger: PbxLogger; presence?: PresenceService; notifier?: FeatureNotifier | undefined },
  ) {}

  /** Loads who has DND on (start-up). */
  async load(): Promise<void> {
    this.enabled.clear();
    for (const { tenantId, userId } of await this.o.store.dnd.listEnabled()) this.enabled.add(keyOf(tenantId, userId));
  }

  isOn(tenantId: string, userId: string): boolean {
    return this.enabled.has(keyOf(tenantId, userId));
  }

  /** Turns DND on or off; resolves after the change is committed and announced. */
  async set(tenantId: string, userId: string, on: boolean): Promise<void> {
    await this.o.store.dnd.set(tenantId, userId, on);
    const was = this.isOn(tenantId, userId);
    if (on) this.enabled.add(keyOf(tenantId, userId));
    else this.enabled.delete(keyOf(tenantId, userId));
    this.o.logger('info', 'do not disturb', { tenantId, userId, on });
    if (was === on) return;
    const extension = await this.o.store.extensions.forUser(tenantId, userId);
    if (extension !== null) this.o.presence?.dndChanged(tenantId, extension, userId);
    this.o.notifier?.dndChanged?.(tenantId, userId, on);
  }
}

function keyOf(tenantId: string, userId: string): string {
  return `${tenantId}|${userId}`;
}

export const DND_REFUSAL = 'The person you called does not want to be disturbed';

/** Without voicemail, a call to a user with DND on is refused busy (486) with the reason said. */
export class DndRefusal implements CallHandoff {
  constructor(private readonly dnd: DndService) {}

  beforeRinging(call: CallBeforeRinging): Promise<'ring' | 'taken' | 'refused'> {
    if (call.callee.userId === null || !this.dnd.isOn(call.callee.tenantId, call.callee.userId)) return Promise.resolve('ring');
    call.tx.respond(486, DND_REFUSAL);
    return Promise.resolve('refused');
  }

  wants(): Promise<boolean> {
    return Promise.resolve(false);
  }

  take(): void {
    // Never asked: wants() is false.
  }
}

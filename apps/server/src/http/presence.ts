import type { PresenceState } from '@switchboard/api';
import type { PresenceService, Store } from '@switchboard/pbx';

/** Where the directory and GET /api/presence learn each user's presence. */
export interface PresenceSource {
  presenceOf(tenantId: string, userIds: readonly string[]): Promise<Map<string, PresenceState>>;
}

/** Presence from registrations alone: 'idle' when a device is registered, else 'offline' (no SIP service). */
export class RegistrationPresence implements PresenceSource {
  constructor(private readonly store: Store) {}

  async presenceOf(tenantId: string, userIds: readonly string[]): Promise<Map<string, PresenceState>> {
    const registered = await this.store.registrations.registeredUserIds(tenantId);
    return new Map(userIds.map((id) => [id, registered.has(id) ? 'idle' : 'offline']));
  }
}

/** Live presence from the PBX: calls (ringing, busy), Do Not Disturb and registrations. */
export class LivePresence implements PresenceSource {
  constructor(
    private readonly store: Store,
    private readonly presence: PresenceService,
  ) {}

  async presenceOf(tenantId: string, userIds: readonly string[]): Promise<Map<string, PresenceState>> {
    const wanted = new Set(userIds);
    const listings = await this.store.extensions.directory(tenantId);
    const states = new Map<string, PresenceState>(userIds.map((id) => [id, 'offline']));
    for (const listing of listings) {
      if (wanted.has(listing.userId)) states.set(listing.userId, this.presence.stateOf(tenantId, listing.extension, listing.userId));
    }
    return states;
  }
}

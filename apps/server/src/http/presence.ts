import type { PresenceState } from '@switchboard/api';
import type { Store } from '@switchboard/pbx';

/** Where the directory learns each user's presence. The call engine supplies a live one later. */
export interface PresenceSource {
  presenceOf(tenantId: string, userIds: readonly string[]): Promise<Map<string, PresenceState>>;
}

/** Presence from registrations alone: 'idle' when a device is registered, else 'offline'. */
export class RegistrationPresence implements PresenceSource {
  constructor(private readonly store: Store) {}

  async presenceOf(tenantId: string, userIds: readonly string[]): Promise<Map<string, PresenceState>> {
    const registered = await this.store.registrations.registeredUserIds(tenantId);
    return new Map(userIds.map((id) => [id, registered.has(id) ? 'idle' : 'offline']));
  }
}

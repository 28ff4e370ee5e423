import type { DialogPackage, DialogStateSource } from '../subscriptions/dialog-package.js';
import type { ConferenceService } from './conference-service.js';

/** The feature code a Conference key subscribes to and dials. */
export const CONFERENCE_KEY = '*38';

function keyOf(tenantId: string, userId: string): string {
  return `conference-key|${tenantId}|${userId}`;
}

/**
 * The desk phone's Conference key: a BLF subscription (RFC 4235, Event: dialog) to `*38` watches
 * the subscriber's own room. Its one dialog is `confirmed` (lit) while the room is live and
 * `terminated` (dark) otherwise; pressing the key dials `*38`, which joins the room.
 * Returns a function that unplugs it.
 */
export function attachConferenceKey(conferences: ConferenceService, dialogs: DialogPackage, changed: (key: string) => void): () => void {
  conferences.observe({
    roomChanged: () => undefined,
    ownerRoomChanged: (tenantId, ownerUserId) => changed(keyOf(tenantId, ownerUserId)),
  });
  return dialogs.registerDialogResource((userPart, subscriber): DialogStateSource | null => {
    if (userPart !== CONFERENCE_KEY) return null;
    const tenantId = subscriber.tenant.id;
    const userId = subscriber.user.id;
    return {
      key: keyOf(tenantId, userId),
      entity: (domain) => `sip:${CONFERENCE_KEY}@${domain}`,
      info: (domain) => {
        const room = conferences.ownedBy(tenantId, userId);
        if (!room) return { dialogs: [{ id: 'conference', state: 'terminated' }] };
        return { dialogs: [{ id: 'conference', state: 'confirmed', remote: { uri: `sip:${room.number}@${domain}`, display: `Room ${room.number}` } }] };
      },
    };
  });
}

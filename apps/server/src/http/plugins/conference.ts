import type { ConferenceResponse, ConferenceRoom } from '@switchboard/api';
import type { ConferenceService, RoomView } from '@switchboard/pbx';
import type { FastifyPluginAsync } from 'fastify';
import type { ListenerDeps } from '../deps.js';
import { PortalAuth } from '../portal-auth.js';
import { errorResponses } from '../schemas.js';

/** The live rooms, when calls are enabled: composition passes `sip.pbx.calls?.conferences` as `conferences`. */
export interface ConferenceDeps {
  conferences?: ConferenceService | null | undefined;
}

const participantSchema = {
  type: 'object',
  required: ['id', 'name', 'number', 'speaking', 'muted', 'you'],
  properties: {
    id: { type: 'string' },
    name: { type: ['string', 'null'] },
    number: { type: 'string' },
    speaking: { type: 'boolean' },
    muted: { type: 'boolean' },
    you: { type: 'boolean' },
  },
} as const;

const conferenceSchema = {
  type: 'object',
  required: ['room'],
  properties: {
    room: {
      anyOf: [
        { type: 'null' },
        {
          type: 'object',
          required: ['number', 'capacity', 'participants'],
          properties: { number: { type: 'string' }, capacity: { type: 'integer' }, participants: { type: 'array', items: participantSchema } },
        },
      ],
    },
  },
} as const;

/** A room as one user sees it (`you` marks their own participant rows). */
export function roomFor(view: RoomView | null, userId: string): ConferenceRoom | null {
  if (!view) return null;
  return {
    number: view.number,
    capacity: view.capacity,
    participants: view.participants.map((p) => ({ id: p.id, name: p.name, number: p.number, speaking: p.speaking, muted: p.muted, you: p.userId === userId })),
  };
}

/** Services whose room changes are already pushed (the plugin is registered on the HTTP and the HTTPS app). */
const publishing = new WeakSet<ConferenceService>();

/**
 * GET /api/conference: the room the signed-in user is in, else the one they own, else null. Room
 * changes (joins, leaves, speaking, mute, end) are pushed on /api/events as `{ type: 'conference' }`
 * to every participant and the owner; speaking changes are debounced by the conference service.
 */
export const conferencePlugin: FastifyPluginAsync<ListenerDeps & ConferenceDeps> = async (app, deps) => {
  const auth = new PortalAuth(deps.store, deps.secure);
  const conferences = deps.conferences ?? null;
  if (conferences && !publishing.has(conferences)) {
    publishing.add(conferences);
    conferences.observe({
      roomChanged: (tenantId, userIds, view) => {
        for (const userId of userIds) deps.events.publish(tenantId, userId, { type: 'conference', room: roomFor(view, userId) });
      },
    });
  }

  app.get('/api/conference', { schema: { response: { 200: conferenceSchema, ...errorResponses } } }, async (request): Promise<ConferenceResponse> => {
    const { tenant, user } = await auth.require(request);
    const room = conferences?.roomFor(tenant.id, user.id) ?? null;
    return { room: roomFor(room ? room.view() : null, user.id) };
  });
  await Promise.resolve();
};

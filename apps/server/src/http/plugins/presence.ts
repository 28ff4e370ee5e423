import type { PresenceResponse } from '@switchboard/api';
import type { FastifyPluginAsync } from 'fastify';
import type { ListenerDeps } from '../deps.js';
import { PortalAuth } from '../portal-auth.js';
import { errorResponses } from '../schemas.js';

const presenceSchema = {
  type: 'object',
  required: ['entries'],
  properties: {
    entries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['extension', 'state'],
        properties: { extension: { type: 'string' }, state: { type: 'string', enum: ['idle', 'ringing', 'busy', 'dnd', 'offline'] } },
      },
    },
  },
} as const;

/** GET /api/presence: every extension of the tenant with its state; changes come as `presence` events. */
export const presencePlugin: FastifyPluginAsync<ListenerDeps> = async (app, deps) => {
  const auth = new PortalAuth(deps.store, deps.secure);
  app.get('/api/presence', { schema: { response: { 200: presenceSchema, ...errorResponses } } }, async (request): Promise<PresenceResponse> => {
    const { tenant } = await auth.require(request);
    const listings = await deps.store.extensions.directory(tenant.id);
    const states = await deps.presence.presenceOf(
      tenant.id,
      listings.map((l) => l.userId),
    );
    return { entries: listings.map((l) => ({ extension: l.extension, state: states.get(l.userId) ?? 'offline' })) };
  });
  await Promise.resolve();
};

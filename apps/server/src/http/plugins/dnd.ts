import type { DndState } from '@switchboard/api';
import { DndService } from '@switchboard/pbx';
import type { FastifyPluginAsync } from 'fastify';
import type { ListenerDeps } from '../deps.js';
import { PortalAuth } from '../portal-auth.js';
import { errorResponses } from '../schemas.js';
import type { FeatureDeps } from './feature-deps.js';

const dndSchema = {
  type: 'object',
  required: ['enabled'],
  additionalProperties: false,
  properties: { enabled: { type: 'boolean' } },
} as const;

/**
 * GET/PUT /api/me/dnd: the user's Do Not Disturb (also toggled by *78/*79 from phones). A change
 * is pushed as `{ type: 'dnd' }` to the user's pages by the DND service's notifier.
 */
export const dndPlugin: FastifyPluginAsync<ListenerDeps & FeatureDeps> = async (app, deps) => {
  const auth = new PortalAuth(deps.store, deps.secure);
  // Without the PBX (tests, no SIP): the store alone, and the event published from here.
  const dnd =
    deps.dnd ??
    new DndService({
      store: deps.store,
      logger: (level, message, fields) => deps.logger[level]({ component: 'dnd', ...fields }, message),
      notifier: { dndChanged: (tenantId, userId, enabled) => deps.events.publish(tenantId, userId, { type: 'dnd', enabled }) },
    });
  const own = !deps.dnd;

  app.get('/api/me/dnd', { schema: { response: { 200: dndSchema, ...errorResponses } } }, async (request): Promise<DndState> => {
    const { tenant, user } = await auth.require(request);
    return { enabled: await deps.store.dnd.get(tenant.id, user.id) };
  });

  app.put<{ Body: DndState }>('/api/me/dnd', { schema: { body: dndSchema, response: { 200: dndSchema, ...errorResponses } } }, async (request): Promise<DndState> => {
    const { tenant, user } = await auth.require(request);
    // The store-only service starts from what is stored (another process may have changed it).
    if (own) await dnd.load();
    await dnd.set(tenant.id, user.id, request.body.enabled);
    return { enabled: request.body.enabled };
  });
  await Promise.resolve();
};

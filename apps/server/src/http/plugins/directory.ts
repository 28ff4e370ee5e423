import type { DirectoryResponse } from '@switchboard/api';
import type { FastifyPluginAsync } from 'fastify';
import type { ListenerDeps } from '../deps.js';
import { PortalAuth } from '../portal-auth.js';
import { directorySchema, errorResponses } from '../schemas.js';

/** GET /api/directory: every extension of the user's tenant with its presence. */
export const directoryPlugin: FastifyPluginAsync<ListenerDeps> = async (app, deps) => {
  const auth = new PortalAuth(deps.store, deps.secure);
  app.get('/api/directory', { schema: { response: { 200: directorySchema, ...errorResponses } } }, async (request): Promise<DirectoryResponse> => {
    const { tenant } = await auth.require(request);
    const listings = await deps.store.extensions.directory(tenant.id);
    const presence = await deps.presence.presenceOf(
      tenant.id,
      listings.map((listing) => listing.userId),
    );
    return {
      entries: listings.map((listing) => ({
        userId: listing.userId,
        name: listing.name,
        extension: listing.extension,
        presence: presence.get(listing.userId) ?? 'offline',
      })),
    };
  });
  await Promise.resolve();
};

import type { Me } from '@switchboard/api';
import type { Store } from '@switchboard/pbx';
import type { FastifyPluginAsync } from 'fastify';
import type { ListenerDeps } from '../deps.js';
import { PortalAuth } from '../portal-auth.js';
import type { PortalIdentity } from '../portal-auth.js';
import { errorResponses, meSchema } from '../schemas.js';

/** Path of the SIP WebSocket on the portal's own origin. */
export const sipWebSocketPath = '/sip';

/** The signed-in user's Me, with browser SIP credentials when the user has an extension. */
export async function buildMe(store: Store, identity: PortalIdentity, now = new Date()): Promise<Me> {
  const { user, tenant } = identity;
  const extension = await store.extensions.forUser(tenant.id, user.id);
  let sip: Me['sip'] = null;
  if (extension !== null) {
    const device = await store.devices.issueBrowserCredentials(tenant.id, user.id, now);
    sip = {
      uri: `sip:${extension}@${tenant.sipDomain}`,
      authorizationUser: device.sipUsername,
      password: device.sipPassword,
      displayName: user.name,
      wsPath: sipWebSocketPath,
      expiresAt: (device.expiresAt ?? now).toISOString(),
    };
  }
  return {
    user: { id: user.id, name: user.name, email: user.email, role: user.role, canDialExternal: user.canDialExternal },
    tenant: { id: tenant.id, name: tenant.name, sipDomain: tenant.sipDomain },
    extension,
    sip,
  };
}

/** GET /api/me */
export const mePlugin: FastifyPluginAsync<ListenerDeps> = async (app, deps) => {
  const auth = new PortalAuth(deps.store, deps.secure);
  app.get('/api/me', { schema: { response: { 200: meSchema, ...errorResponses } } }, async (request): Promise<Me> => {
    return buildMe(deps.store, await auth.require(request));
  });
  await Promise.resolve();
};

import type { PortalEvent } from '@switchboard/api';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ListenerDeps } from '../deps.js';
import { problems } from '../errors.js';
import { PortalAuth } from '../portal-auth.js';
import type { PortalIdentity } from '../portal-auth.js';

const pingEveryMs = 25_000;

/**
 * A page of another site must not open a socket with the user's cookie: when the browser names
 * an Origin, its host must be the one the page was served from.
 */
export function checkSameOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw problems.forbidden('This connection must come from the portal itself.');
  }
  if (host !== request.headers.host) throw problems.forbidden('This connection must come from the portal itself.');
}

/** GET /api/events (WebSocket): PortalEvent JSON objects, one per message, for the signed-in user. */
export const eventsPlugin: FastifyPluginAsync<ListenerDeps> = async (app, deps) => {
  const auth = new PortalAuth(deps.store, deps.secure);
  const identities = new WeakMap<FastifyRequest, PortalIdentity>();

  app.get(
    '/api/events',
    {
      websocket: true,
      // Runs before the upgrade: a refused request gets an ordinary HTTP error answer.
      preValidation: async (request) => {
        checkSameOrigin(request);
        identities.set(request, await auth.require(request));
      },
    },
    (socket, request) => {
      const identity = identities.get(request);
      if (!identity) {
        socket.close(1008, 'not signed in');
        return;
      }
      const unsubscribe = deps.events.subscribe({
        tenantId: identity.tenant.id,
        userId: identity.user.id,
        sessionId: identity.session.id,
        deliver: (event: PortalEvent) => socket.send(JSON.stringify(event)),
        close: (reason) => socket.close(1000, reason),
      });
      const ping = setInterval(() => socket.ping(), pingEveryMs);
      ping.unref();
      socket.on('close', () => {
        clearInterval(ping);
        unsubscribe();
      });
      // The stream is one-way; anything the page sends is ignored.
      socket.on('message', () => undefined);
    },
  );
  await Promise.resolve();
};

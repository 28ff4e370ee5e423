import fastifyCookie from '@fastify/cookie';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController } from 'fastify';
import type { FastifyInstance } from 'fastify';
import type { ListenerDeps } from './deps.js';
import { installErrorHandler } from './errors.js';
import { authPlugin } from './plugins/auth.js';
import { callsPlugin } from './plugins/calls.js';
import { conferencePlugin } from './plugins/conference.js';
import { directoryPlugin } from './plugins/directory.js';
import { blfKeysPlugin } from './plugins/blf-keys.js';
import { dndPlugin } from './plugins/dnd.js';
import { presencePlugin } from './plugins/presence.js';
import { voicemailPlugin } from './plugins/voicemail.js';
import { eventsPlugin } from './plugins/events.js';
import { healthPlugin } from './plugins/health.js';
import { mePlugin } from './plugins/me.js';
import { portalStaticPlugin } from './plugins/portal-static.js';
import { sipWebSocketPlugin } from './plugins/sip-websocket.js';
import { installRequestGuards } from './request-guards.js';

export interface AppOptions {
  /** PEM certificate and key: the app serves HTTPS (and WSS). */
  tls?: { cert: string; key: string } | undefined;
}

/**
 * The portal's HTTP app: one plugin per feature, every answer under /api typed by
 * `@switchboard/api`. Tests call `app.inject()`; start-up calls `listen()`.
 */
export async function buildApp(deps: ListenerDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const tls = options.tls;
  const app = Fastify({
    loggerInstance: deps.logger.child({ listener: deps.secure ? 'https' : 'http' }),
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    forceCloseConnections: true,
    ...(tls ? { https: { cert: tls.cert, key: tls.key } } : {}),
  }) as unknown as FastifyInstance;

  installErrorHandler(app, deps.logger);
  installRequestGuards(app);

  // One line per request, with its outcome.
  app.addHook('onResponse', async (request, reply) => {
    const quiet = request.url === '/api/health' || !request.url.startsWith('/api/');
    const line = { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) };
    if (quiet) deps.logger.debug(line, 'request');
    else deps.logger.info(line, 'request');
    await Promise.resolve();
  });

  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, {
    options: {
      maxPayload: 256 * 1024,
      // Answer `Sec-WebSocket-Protocol: sip` on /sip (RFC 7118); no subprotocol elsewhere.
      handleProtocols: (protocols: Set<string>, request: { url?: string }) =>
        request.url?.split('?')[0] === '/sip' && protocols.has('sip') ? 'sip' : false,
    },
  });

  await app.register(healthPlugin, deps);
  await app.register(authPlugin, deps);
  await app.register(mePlugin, deps);
  await app.register(directoryPlugin, deps);
  await app.register(callsPlugin, deps);
  await app.register(presencePlugin, deps);
  await app.register(blfKeysPlugin, deps);
  await app.register(dndPlugin, deps);
  await app.register(voicemailPlugin, deps);
  await app.register(conferencePlugin, deps);
  await app.register(eventsPlugin, deps);
  await app.register(sipWebSocketPlugin, deps);
  await app.register(portalStaticPlugin, deps);
  return app;
}

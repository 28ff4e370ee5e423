import type { LoginRequest, Me } from '@switchboard/api';
import type { FastifyPluginAsync } from 'fastify';
import type { ListenerDeps } from '../deps.js';
import { problems } from '../errors.js';
import { PortalAuth } from '../portal-auth.js';
import { errorResponses, loginRequestSchema, meSchema } from '../schemas.js';
import { buildMe } from './me.js';

/**
 * POST /api/auth/login and /api/auth/logout. A wrong password and an unknown email give the same
 * 401 and cost the same scrypt work; 5 failures in 5 minutes per address or per account give 429.
 */
export const authPlugin: FastifyPluginAsync<ListenerDeps> = async (app, deps) => {
  const { store, throttle, logger, events } = deps;
  const auth = new PortalAuth(store, deps.secure);
  await store.users.prepareSignIn();

  app.post<{ Body: LoginRequest }>(
    '/api/auth/login',
    { schema: { body: loginRequestSchema, response: { 200: meSchema, ...errorResponses } } },
    async (request, reply): Promise<Me> => {
      const { email, password } = request.body;
      const address = request.ip;
      const wait = throttle.retryAfter(address, email);
      if (wait > 0) {
        logger.warn({ security: true, event: 'login.throttled', address, email }, 'sign-in refused: too many failed attempts');
        throw problems.rateLimited(wait);
      }
      const user = await store.users.signIn(email, password);
      if (!user) {
        const limitReached = throttle.recordFailure(address, email);
        logger.info({ security: true, event: 'login.failed', address, email }, 'sign-in failed');
        if (limitReached) {
          logger.warn({ security: true, event: 'login.rate_limited', address, email }, 'sign-in rate limit reached; further attempts refused for 5 minutes');
        }
        throw problems.invalidCredentials();
      }
      throttle.recordSuccess(email);
      const tenant = await store.tenants.get(user.tenantId);
      if (!tenant) throw problems.invalidCredentials();
      const { session, token } = await store.sessions.create(tenant.id, user.id, {
        remoteAddress: address,
        userAgent: request.headers['user-agent'] ?? null,
      });
      auth.setCookie(reply, token);
      logger.info({ security: true, event: 'login.succeeded', address, tenantId: tenant.id, userId: user.id }, 'signed in');
      return buildMe(store, { session, user, tenant });
    },
  );

  app.post('/api/auth/logout', { schema: { response: { ...errorResponses } } }, async (request, reply) => {
    const identity = await auth.identify(request);
    if (identity) {
      await store.sessions.remove(identity.tenant.id, identity.session.id);
      events.closeSession(identity.session.id);
      logger.info({ security: true, event: 'logout', tenantId: identity.tenant.id, userId: identity.user.id }, 'signed out');
    }
    auth.clearCookie(reply);
    return reply.code(204).send();
  });
};

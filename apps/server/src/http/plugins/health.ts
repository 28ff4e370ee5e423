import type { Health } from '@switchboard/api';
import type { FastifyPluginAsync } from 'fastify';
import type { ListenerDeps } from '../deps.js';
import { healthSchema } from '../schemas.js';

/** GET /api/health: answers without a session, for load balancers and tests. */
export const healthPlugin: FastifyPluginAsync<ListenerDeps> = async (app, deps) => {
  app.get('/api/health', { schema: { response: { 200: healthSchema } } }, (): Health => ({ status: 'ok', version: deps.version }));
  await Promise.resolve();
};

import type { CallHistoryPage, CallRecord, RecentCallsResponse } from '@switchboard/api';
import type { UserCallView } from '@switchboard/pbx';
import type { FastifyPluginAsync } from 'fastify';
import type { ListenerDeps } from '../deps.js';
import { PortalAuth } from '../portal-auth.js';
import { callHistoryPageSchema, callHistoryQuerySchema, errorResponses, recentCallsSchema } from '../schemas.js';

function toCallRecord(view: UserCallView): CallRecord {
  const { record } = view;
  return {
    id: record.id,
    direction: view.direction,
    from: { number: record.from.number, name: record.from.name },
    to: { number: record.to.number, name: record.to.name },
    startedAt: record.startedAt.toISOString(),
    answeredAt: record.answeredAt?.toISOString() ?? null,
    endedAt: record.endedAt?.toISOString() ?? null,
    durationSeconds: view.durationSeconds,
    outcome: view.outcome,
    room: record.room,
  };
}

/** GET /api/calls/recent and GET /api/calls (the signed-in user's history, paged). */
export const callsPlugin: FastifyPluginAsync<ListenerDeps> = async (app, deps) => {
  const auth = new PortalAuth(deps.store, deps.secure);

  app.get('/api/calls/recent', { schema: { response: { 200: recentCallsSchema, ...errorResponses } } }, async (request): Promise<RecentCallsResponse> => {
    const { tenant, user } = await auth.require(request);
    const views = await deps.store.callHistory.recent(tenant.id, user.id, 20);
    return {
      calls: views.map((view) => ({
        number: view.other.number,
        name: view.other.name,
        direction: view.direction,
        outcome: view.outcome,
        at: view.record.startedAt.toISOString(),
        durationSeconds: view.durationSeconds,
        room: view.record.room,
      })),
    };
  });

  app.get<{ Querystring: { cursor?: string; limit?: number } }>(
    '/api/calls',
    { schema: { querystring: callHistoryQuerySchema, response: { 200: callHistoryPageSchema, ...errorResponses } } },
    async (request): Promise<CallHistoryPage> => {
      const { tenant, user } = await auth.require(request);
      const page = await deps.store.callHistory.page(tenant.id, user.id, { cursor: request.query.cursor ?? null, limit: request.query.limit ?? 50 });
      return { items: page.items.map(toCallRecord), nextCursor: page.nextCursor };
    },
  );
  await Promise.resolve();
};

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { VoicemailListResponse, VoicemailMessage, VoicemailSettings, VoicemailSettingsUpdate, VoicemailUpdate } from '@switchboard/api';
import { GreetingError, MAX_GREETING_BYTES, type Mailbox, type VoicemailRecord } from '@switchboard/pbx';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ListenerDeps } from '../deps.js';
import { problems } from '../errors.js';
import { PortalAuth } from '../portal-auth.js';
import { errorResponses } from '../schemas.js';
import type { FeatureDeps } from './feature-deps.js';

const messageSchema = {
  type: 'object',
  required: ['id', 'from', 'receivedAt', 'durationSeconds', 'heard'],
  properties: {
    id: { type: 'string' },
    from: { type: 'object', required: ['number', 'name'], properties: { number: { type: 'string' }, name: { type: ['string', 'null'] } } },
    receivedAt: { type: 'string' },
    durationSeconds: { type: 'integer' },
    heard: { type: 'boolean' },
  },
} as const;

const listSchema = {
  type: 'object',
  required: ['messages', 'unread'],
  properties: { messages: { type: 'array', items: messageSchema }, unread: { type: 'integer' } },
} as const;

const updateSchema = {
  type: 'object',
  required: ['heard'],
  additionalProperties: false,
  properties: { heard: { type: 'boolean' } },
} as const;

const settingsSchema = {
  type: 'object',
  required: ['whenBusy', 'ownGreeting'],
  properties: { whenBusy: { type: 'boolean' }, ownGreeting: { type: 'boolean' } },
} as const;

const settingsUpdateSchema = {
  type: 'object',
  required: ['whenBusy'],
  additionalProperties: false,
  properties: { whenBusy: { type: 'boolean' } },
} as const;

const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', pattern: '^[0-9a-f-]{36}$' } },
} as const;

const audioQuery = {
  type: 'object',
  properties: { download: { type: 'string', enum: ['0', '1', 'true', 'false'] } },
} as const;

const WAV_TYPES = ['audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave'];

function toMessage(record: VoicemailRecord): VoicemailMessage {
  return {
    id: record.id,
    from: { number: record.from.number, name: record.from.name },
    receivedAt: record.receivedAt.toISOString(),
    durationSeconds: Math.round(record.durationMs / 1000),
    heard: record.heard,
  };
}

/** A file name a person recognises: when and from whom. */
function downloadName(record: VoicemailRecord): string {
  const when = record.receivedAt.toISOString().slice(0, 16).replace(/[:T]/g, '-');
  return `voicemail-${when}-${record.from.number.replace(/[^0-9A-Za-z+*#]/g, '')}.wav`;
}

/**
 * The Voicemail tab: list (newest first, with the unread count), play or download a message,
 * mark it heard or new, delete it, upload or remove the greeting. Changes of the unread count are
 * pushed as `{ type: 'voicemail' }` by the mailbox's notifier, and desk phones' message-waiting
 * lamps follow.
 */
export const voicemailPlugin: FastifyPluginAsync<ListenerDeps & FeatureDeps> = async (app, deps) => {
  const auth = new PortalAuth(deps.store, deps.secure);
  const mailbox = (): Mailbox => {
    if (!deps.mailbox) throw problems.unavailable('Voicemail is not available on this server.');
    return deps.mailbox;
  };

  app.get('/api/voicemail', { schema: { response: { 200: listSchema, ...errorResponses } } }, async (request): Promise<VoicemailListResponse> => {
    const { tenant, user } = await auth.require(request);
    const messages = await deps.store.voicemail.list(tenant.id, user.id);
    return { messages: messages.map(toMessage), unread: messages.filter((m) => !m.heard).length };
  });

  app.get<{ Params: { id: string }; Querystring: { download?: string } }>(
    '/api/voicemail/:id/audio',
    { schema: { params: idParams, querystring: audioQuery, response: errorResponses } },
    async (request, reply): Promise<FastifyReply> => {
      const { tenant, user } = await auth.require(request);
      const box = mailbox();
      const record = await deps.store.voicemail.get(tenant.id, user.id, request.params.id);
      if (!record) throw problems.notFound('That message');
      const path = box.pathOf(record);
      const size = await stat(path).then((s) => s.size).catch(() => null);
      if (size === null) throw problems.notFound('The audio of that message');
      const download = request.query.download === '1' || request.query.download === 'true';
      reply.type('audio/wav').header('content-length', size);
      if (download) reply.header('content-disposition', `attachment; filename="${downloadName(record)}"`);
      return reply.send(createReadStream(path));
    },
  );

  app.patch<{ Params: { id: string }; Body: VoicemailUpdate }>(
    '/api/voicemail/:id',
    { schema: { params: idParams, body: updateSchema, response: { 200: messageSchema, ...errorResponses } } },
    async (request): Promise<VoicemailMessage> => {
      const { tenant, user } = await auth.require(request);
      const updated = await mailbox().setHeard(tenant.id, user.id, request.params.id, request.body.heard);
      if (!updated) throw problems.notFound('That message');
      return toMessage(updated);
    },
  );

  app.delete<{ Params: { id: string } }>('/api/voicemail/:id', { schema: { params: idParams, response: errorResponses } }, async (request, reply) => {
    const { tenant, user } = await auth.require(request);
    if (!(await mailbox().remove(tenant.id, user.id, request.params.id))) throw problems.notFound('That message');
    return reply.code(204).send();
  });

  // The greeting arrives as the WAV file itself (not JSON): its own parser and size limit here.
  app.addContentTypeParser(WAV_TYPES, { parseAs: 'buffer', bodyLimit: MAX_GREETING_BYTES + 1024 }, (_request, body, done) => done(null, body));

  app.put<{ Body: Buffer }>('/api/voicemail/greeting', { bodyLimit: MAX_GREETING_BYTES + 1024, schema: { response: errorResponses } }, async (request, reply) => {
    const { tenant, user } = await auth.require(request);
    const box = mailbox();
    if (!Buffer.isBuffer(request.body)) throw problems.invalid('Send the greeting as a WAV file (Content-Type: audio/wav).');
    try {
      await box.setGreeting(tenant.id, user.id, request.body);
    } catch (error) {
      if (error instanceof GreetingError) throw problems.invalid(error.message);
      throw error;
    }
    return reply.code(204).send();
  });

  app.delete('/api/voicemail/greeting', { schema: { response: errorResponses } }, async (request, reply) => {
    const { tenant, user } = await auth.require(request);
    await mailbox().removeGreeting(tenant.id, user.id);
    return reply.code(204).send();
  });

  const settingsOf = async (tenantId: string, userId: string): Promise<VoicemailSettings> => ({
    whenBusy: (await deps.store.voicemail.box(tenantId, userId)).whenBusy,
    ownGreeting: (await mailbox().greetingPath(tenantId, userId)) !== null,
  });

  app.get('/api/voicemail/settings', { schema: { response: { 200: settingsSchema, ...errorResponses } } }, async (request): Promise<VoicemailSettings> => {
    const { tenant, user } = await auth.require(request);
    return settingsOf(tenant.id, user.id);
  });

  app.patch<{ Body: VoicemailSettingsUpdate }>(
    '/api/voicemail/settings',
    { schema: { body: settingsUpdateSchema, response: { 200: settingsSchema, ...errorResponses } } },
    async (request): Promise<VoicemailSettings> => {
      const { tenant, user } = await auth.require(request);
      await deps.store.voicemail.updateBox(tenant.id, user.id, { whenBusy: request.body.whenBusy });
      return settingsOf(tenant.id, user.id);
    },
  );
  await Promise.resolve();
};

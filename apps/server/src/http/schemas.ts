/**
 * JSON schemas of the portal API, mirroring the types of `@switchboard/api`. Requests are
 * validated against them and responses serialised through them (unknown fields are dropped).
 */

const nullable = (type: string) => ({ type: [type, 'null'] });

export const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: { type: 'object', required: ['code', 'message'], properties: { code: { type: 'string' }, message: { type: 'string' } } },
  },
} as const;

export const healthSchema = {
  type: 'object',
  required: ['status', 'version'],
  properties: { status: { type: 'string' }, version: { type: 'string' } },
} as const;

export const loginRequestSchema = {
  type: 'object',
  required: ['email', 'password'],
  additionalProperties: false,
  properties: {
    email: { type: 'string', minLength: 1, maxLength: 320 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
  },
} as const;

const userSummary = {
  type: 'object',
  required: ['id', 'name', 'email', 'role', 'canDialExternal'],
  properties: {
    id: { type: 'string' },
    name: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'user'] },
    canDialExternal: { type: 'boolean' },
  },
} as const;

const tenantSummary = {
  type: 'object',
  required: ['id', 'name', 'sipDomain'],
  properties: { id: { type: 'string' }, name: { type: 'string' }, sipDomain: { type: 'string' } },
} as const;

const browserSip = {
  type: ['object', 'null'],
  required: ['uri', 'authorizationUser', 'password', 'displayName', 'wsPath', 'expiresAt'],
  properties: {
    uri: { type: 'string' },
    authorizationUser: { type: 'string' },
    password: { type: 'string' },
    displayName: { type: 'string' },
    wsPath: { type: 'string' },
    expiresAt: { type: 'string' },
  },
} as const;

export const meSchema = {
  type: 'object',
  required: ['user', 'tenant', 'extension', 'sip'],
  properties: { user: userSummary, tenant: tenantSummary, extension: nullable('string'), sip: browserSip },
} as const;

const presence = { type: 'string', enum: ['idle', 'ringing', 'busy', 'dnd', 'offline'] } as const;
const direction = { type: 'string', enum: ['inbound', 'outbound', 'internal'] } as const;
const outcome = { type: 'string', enum: ['answered', 'missed', 'busy', 'declined', 'failed', 'cancelled'] } as const;

export const directorySchema = {
  type: 'object',
  required: ['entries'],
  properties: {
    entries: {
      type: 'array',
      items: {
        type: 'object',
        required: ['userId', 'name', 'extension', 'presence'],
        properties: { userId: { type: 'string' }, name: { type: 'string' }, extension: { type: 'string' }, presence },
      },
    },
  },
} as const;

export const recentCallsSchema = {
  type: 'object',
  required: ['calls'],
  properties: {
    calls: {
      type: 'array',
      items: {
        type: 'object',
        required: ['number', 'name', 'direction', 'outcome', 'at', 'durationSeconds', 'room'],
        properties: {
          number: { type: 'string' },
          name: nullable('string'),
          direction,
          outcome,
          at: { type: 'string' },
          durationSeconds: { type: 'integer' },
          room: nullable('string'),
        },
      },
    },
  },
} as const;

const party = {
  type: 'object',
  required: ['number', 'name'],
  properties: { number: { type: 'string' }, name: nullable('string') },
} as const;

export const callHistoryPageSchema = {
  type: 'object',
  required: ['items', 'nextCursor'],
  properties: {
    items: {
      type: 'array',
      items: {
        type: 'object',
        required: ['id', 'direction', 'from', 'to', 'startedAt', 'answeredAt', 'endedAt', 'durationSeconds', 'outcome', 'room'],
        properties: {
          id: { type: 'string' },
          direction,
          from: party,
          to: party,
          startedAt: { type: 'string' },
          answeredAt: nullable('string'),
          endedAt: nullable('string'),
          durationSeconds: { type: 'integer' },
          outcome,
          room: nullable('string'),
        },
      },
    },
    nextCursor: nullable('string'),
  },
} as const;

export const callHistoryQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    cursor: { type: 'string', maxLength: 512 },
    limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  },
} as const;

/** Standard error responses, so they are documented and serialised like the rest. */
export const errorResponses = { '4xx': errorSchema, '5xx': errorSchema } as const;

import type { BlfKey, BlfKeysResponse } from '@switchboard/api';
import type { DirectoryListing } from '@switchboard/pbx';
import type { FastifyPluginAsync } from 'fastify';
import type { ListenerDeps } from '../deps.js';
import { problems } from '../errors.js';
import { PortalAuth } from '../portal-auth.js';
import { errorResponses } from '../schemas.js';

/** Keys in the default layout (the other extensions of the tenant, in number order). */
export const DEFAULT_BLF_KEYS = 12;
/** Keys a saved layout may hold. */
export const MAX_BLF_KEYS = 60;
const MAX_LABEL = 40;

const keySchema = {
  type: 'object',
  required: ['extension', 'label'],
  additionalProperties: false,
  properties: { extension: { type: 'string', minLength: 1, maxLength: 16 }, label: { type: 'string', maxLength: 200 } },
} as const;

const keysSchema = {
  type: 'object',
  required: ['keys'],
  additionalProperties: false,
  properties: { keys: { type: 'array', maxItems: MAX_BLF_KEYS, items: keySchema } },
} as const;

/** The layout a user gets before saving one: everyone else, labelled with their names. */
export function defaultLayout(listings: readonly DirectoryListing[], userId: string): BlfKey[] {
  return listings
    .filter((l) => l.userId !== userId)
    .slice(0, DEFAULT_BLF_KEYS)
    .map((l) => ({ extension: l.extension, label: l.name }));
}

/**
 * GET/PUT /api/me/blf-keys: the user's BLF key layout (ordered monitored extensions with their
 * labels). Saved whole; every extension must exist in the tenant, each at most once; an empty
 * label takes the holder's name.
 */
export const blfKeysPlugin: FastifyPluginAsync<ListenerDeps> = async (app, deps) => {
  const auth = new PortalAuth(deps.store, deps.secure);

  app.get('/api/me/blf-keys', { schema: { response: { 200: keysSchema, ...errorResponses } } }, async (request): Promise<BlfKeysResponse> => {
    const { tenant, user } = await auth.require(request);
    const saved = await deps.store.blfLayouts.get(tenant.id, user.id);
    if (saved) return { keys: saved };
    return { keys: defaultLayout(await deps.store.extensions.directory(tenant.id), user.id) };
  });

  app.put<{ Body: BlfKeysResponse }>('/api/me/blf-keys', { schema: { body: keysSchema, response: { 200: keysSchema, ...errorResponses } } }, async (request): Promise<BlfKeysResponse> => {
    const { tenant, user } = await auth.require(request);
    const listings = new Map((await deps.store.extensions.directory(tenant.id)).map((l) => [l.extension, l]));
    const seen = new Set<string>();
    const keys: BlfKey[] = [];
    for (const key of request.body.keys) {
      const extension = key.extension.trim();
      const listing = listings.get(extension);
      if (!listing) throw problems.invalid(`Extension ${extension} does not exist; a BLF key can only watch an extension of your organisation.`);
      if (seen.has(extension)) throw problems.invalid(`Extension ${extension} is on more than one key; each extension can have one key.`);
      seen.add(extension);
      const label = key.label.trim();
      if (label.length > MAX_LABEL) throw problems.invalid(`The label for ${extension} is longer than ${MAX_LABEL} characters.`);
      keys.push({ extension, label: label === '' ? listing.name : label });
    }
    await deps.store.blfLayouts.set(tenant.id, user.id, keys);
    return { keys };
  });
  await Promise.resolve();
};

import type { FastifyInstance } from 'fastify';
import { problems } from './errors.js';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);
/** Types another site's page cannot send without a CORS preflight: JSON, and WAV (a voicemail greeting upload). */
const acceptedTypes = new Set(['application/json', 'audio/wav', 'audio/x-wav', 'audio/wave', 'audio/vnd.wave']);

/**
 * Cross-site request forgery: a state-changing API request must be JSON. A page of another site
 * cannot send `Content-Type: application/json` without a CORS preflight, which this server never
 * approves. Empty JSON bodies are accepted (e.g. logout).
 */
export function installRequestGuards(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(problems.invalid('The request body is not valid JSON.'), undefined);
    }
  });

  app.addHook('onRequest', async (request) => {
    if (safeMethods.has(request.method) || !request.url.startsWith('/api/')) return;
    const type = (request.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (type === undefined || !acceptedTypes.has(type)) throw problems.jsonRequired();
    await Promise.resolve();
  });

  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'same-origin');
    reply.header('x-frame-options', 'DENY');
    // API answers carry SIP passwords and history: never store them in a cache.
    if (request.url.startsWith('/api/')) reply.header('cache-control', 'no-store');
    return Promise.resolve(payload);
  });
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';
import type { ListenerDeps } from '../deps.js';
import { problems, sendProblem } from '../errors.js';

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Switchboard</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 4rem auto; line-height: 1.5">
<h1>Switchboard is running</h1>
<p>The web portal has not been built, so there is nothing to show here yet.
Build it with <code>npm run build</code> (or <code>npm run build -w apps/web</code>) and reload this page.</p>
<p>The API answers under <code>/api</code>; see <code>/api/health</code>.</p>
</body></html>
`;

/** Vite puts content-hashed files under assets/: they never change, so they may be cached for a year. */
function cacheControlFor(path: string): string {
  return /[\\/]assets[\\/]/.test(path) ? 'public, max-age=31536000, immutable' : 'no-cache';
}

/**
 * The portal's static files with SPA fallback: any GET outside /api and /sip that is not a file
 * answers index.html, so client-side routes survive a reload. Unknown /api paths answer a JSON 404.
 */
export const portalStaticPlugin: FastifyPluginAsync<ListenerDeps> = async (app, deps) => {
  const built = existsSync(join(deps.webRoot, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: deps.webRoot,
      cacheControl: false,
      setHeaders: (reply, path) => {
        reply.header('cache-control', cacheControlFor(path));
      },
    });
  }

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const isPage = (request.method === 'GET' || request.method === 'HEAD') && !/^\/(api|sip)(\/|$)/.test(path);
    if (!isPage) return sendProblem(reply, problems.notFound(`${request.method} ${path}`));
    if (!built) return reply.code(200).type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(notBuiltPage);
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
};

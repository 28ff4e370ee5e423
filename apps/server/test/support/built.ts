import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const serverRoot = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = join(serverRoot, '../..');

function newest(dir: string, pattern: RegExp): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) latest = Math.max(latest, newest(path, pattern));
    else if (pattern.test(entry.name)) latest = Math.max(latest, statSync(path).mtimeMs);
  }
  return latest;
}

/**
 * The tests that run `node apps/server/dist/*.js` need a build that matches the sources (`npm
 * test` builds first). Fails with what to do instead of testing stale code.
 */
export function requireFreshBuild(): void {
  for (const [src, dist] of [
    [join(serverRoot, 'src'), join(serverRoot, 'dist')],
    [join(repoRoot, 'packages/pbx/src/store'), join(repoRoot, 'packages/pbx/dist/store')],
  ] as const) {
    if (!existsSync(dist) || newest(src, /\.ts$/) > newest(dist, /\.js$/)) {
      throw new Error(`${dist} is missing or older than ${src}: run "npx tsc -b apps/server" (or npm run build) first`);
    }
  }
}

export const mainScript = join(serverRoot, 'dist/main.js');
export const cliScript = join(serverRoot, 'dist/cli.js');

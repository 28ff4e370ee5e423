import { readFileSync } from 'node:fs';

/** The server's version, from apps/server/package.json (read once). */
export const serverVersion: string = (() => {
  const text = readFileSync(new URL('../package.json', import.meta.url), 'utf8');
  const parsed = JSON.parse(text) as { version?: unknown };
  return typeof parsed.version === 'string' ? parsed.version : '0.0.0';
})();

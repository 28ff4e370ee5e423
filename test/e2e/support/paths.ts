import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const serverMain = join(repoRoot, 'apps', 'server', 'dist', 'main.js');
export const cliMain = join(repoRoot, 'apps', 'server', 'dist', 'cli.js');
export const webIndex = join(repoRoot, 'apps', 'web', 'dist', 'index.html');

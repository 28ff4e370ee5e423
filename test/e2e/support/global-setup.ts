import { existsSync } from 'node:fs';
import { serverMain, webIndex } from './paths.js';
import { chromiumMissing } from './browser.js';

/** Fails early, with one line, when what the tests drive has not been built. */
export default function globalSetup(): void {
  if (chromiumMissing) {
    console.warn(`\n[e2e] ${chromiumMissing}\n`);
    return;
  }
  const missing = [serverMain, webIndex].filter((path) => !existsSync(path));
  if (missing.length > 0) throw new Error(`e2e: not built (${missing.join(', ')} missing); run "npm run build" first`);
}

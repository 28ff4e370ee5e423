import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One vitest run covers every package; each package is a project so a helper can run
// `npx vitest run --project sip` alone. The web app's tests run in jsdom (apps/web/vitest.config.ts).
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'sip', include: ['packages/sip/test/**/*.test.ts'], globals: true, testTimeout: 20_000 } },
      { test: { name: 'media', include: ['packages/media/test/**/*.test.ts'], globals: true, testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: 'pbx', include: ['packages/pbx/test/**/*.test.ts'], globals: true, testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: 'server', include: ['apps/server/test/**/*.test.ts'], globals: true, testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: 'testkit', include: ['test/support/test/**/*.test.ts'], globals: true, testTimeout: 60_000 } },
      ...(existsSync('apps/web/vitest.config.ts') ? ['apps/web/vitest.config.ts'] : []),
    ],
  },
});

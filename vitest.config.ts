import { existsSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

// One vitest run covers every package; each package is a project so a helper can run
// `npx vitest run --project sip` alone. The web app's tests run in jsdom (apps/web/vitest.config.ts).
// Projects that drive real endpoints (Chromium, baresip, SIPp over loopback) get one retry under CI:
// a real regression fails both attempts, a scheduling hiccup on a loaded 2-core runner does not sink
// the whole run (docs/decisions/0005-one-retry-for-real-endpoint-tests.md). Retried tests are listed.
const realEndpointRetry = process.env.CI ? 1 : 0;
export default defineConfig({
  test: {
    projects: [
      { test: { name: 'sip', include: ['packages/sip/test/**/*.test.ts'], globals: true, testTimeout: 20_000 } },
      { test: { name: 'media', retry: realEndpointRetry, include: ['packages/media/test/**/*.test.ts'], globals: true, testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: 'pbx', retry: realEndpointRetry, include: ['packages/pbx/test/**/*.test.ts'], globals: true, testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: 'server', retry: realEndpointRetry, include: ['apps/server/test/**/*.test.ts'], globals: true, testTimeout: 60_000, hookTimeout: 60_000 } },
      { test: { name: 'testkit', include: ['test/support/test/**/*.test.ts'], globals: true, testTimeout: 60_000 } },
      ...(existsSync('apps/web/vitest.config.ts') ? ['apps/web/vitest.config.ts'] : []),
    ],
  },
});

import { defineConfig } from '@playwright/test';

/**
 * Whole-system tests: the real server (apps/server/dist) serving the built portal, driven by
 * Debian's Chromium (never a downloaded browser). Each user gets a browser of its own, because
 * the fake microphone file is a browser-wide flag (support/portal.ts). Run with `npm run test:e2e`
 * after `npm run build`.
 */
export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  globalSetup: './support/global-setup.ts',
  timeout: 30_000,
  expect: { timeout: 7_000 },
  fullyParallel: false,
  // Two workers: two test files at once, each with its own server and browsers (2-core machines).
  workers: 2,
  // One retry under CI, as for the vitest projects with real endpoints (docs/decisions/0005).
  retries: process.env.CI ? 1 : 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
});

import { startSwitchboard } from '../support/server.js';
import { chromiumMissing } from '../support/browser.js';
import { expect, test } from '../support/fixtures.js';

/**
 * Failures a user must be told about in words. These tests run their own server: one counts
 * failed sign-ins from 127.0.0.1 (which would lock the shared server out), one stops it.
 */
test.describe('failures said in words', () => {
  test.skip(chromiumMissing !== null, chromiumMissing ?? '');
  // Each test starts a server of its own, and sign-in deliberately costs CPU (scrypt).
  test.describe.configure({ timeout: 60_000 });

  test('too many wrong passwords: "Too many failed sign-in attempts", with how long to wait', async ({ browsers }) => {
    const server = await startSwitchboard();
    const context = await (await browsers.get({})).newContext({ baseURL: server.url });
    try {
      const page = await context.newPage();
      await page.goto('/');
      await page.getByLabel('Email').fill(server.user('104').email);
      for (let attempt = 1; attempt <= 5; attempt++) {
        await page.getByLabel('Password').fill(`wrong-${attempt}`);
        await page.getByRole('button', { name: 'Sign in' }).click();
        await expect(page.getByRole('alert')).toHaveText('Wrong email or password. Check them and try again.');
      }
      await page.getByLabel('Password').fill(server.user('104').password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      // The server says how long to wait.
      await expect(page.getByRole('alert')).toHaveText(/^Too many failed sign-in attempts\. Try again in \d+ minute/);
    } finally {
      await context.close();
      await server.stop();
    }
  });

  test('the server cannot be reached: the sign-in page says so', async ({ browsers }) => {
    const server = await startSwitchboard();
    const context = await (await browsers.get({})).newContext({ baseURL: server.url });
    try {
      const page = await context.newPage();
      await page.goto('/');
      await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
      await server.stop();
      await page.getByLabel('Email').fill(server.user('101').email);
      await page.getByLabel('Password').fill(server.user('101').password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.getByRole('alert')).toHaveText('Cannot reach the Switchboard server. Check your network connection and try again.');
    } finally {
      await context.close();
      await server.stop();
    }
  });
});

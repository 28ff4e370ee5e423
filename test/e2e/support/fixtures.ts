import { expect, test as base } from '@playwright/test';
import type { Browser, Page } from '@playwright/test';
import { chromiumMissing, launchBrowser } from './browser.js';
import type { BrowserOptions } from './browser.js';
import { startSwitchboard } from './server.js';
import type { DemoSignIn, SwitchboardServer } from './server.js';

export interface PortalUser {
  page: Page;
  browser: Browser;
  signIn: DemoSignIn;
}

export interface OpenPortal {
  /** A fresh browser on the portal's sign-in page. */
  (options?: BrowserOptions): Promise<Page>;
  /** A fresh browser, signed in as the demo user with this extension (101–105). */
  as(extension: string, options?: BrowserOptions): Promise<PortalUser>;
}

/** Signs in through the form, as a person would. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Portal' })).toBeVisible();
}

export const test = base.extend<{ portal: OpenPortal }, { server: SwitchboardServer }>({
  server: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const server = await startSwitchboard();
      await use(server);
      await server.stop();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  portal: async ({ server }, use, testInfo) => {
    testInfo.skip(chromiumMissing !== null, chromiumMissing ?? '');
    const browsers: Browser[] = [];
    const open = async (options: BrowserOptions = {}) => {
      const browser = await launchBrowser(options);
      browsers.push(browser);
      const page = await browser.newPage({ baseURL: server.url });
      await page.goto('/');
      return page;
    };
    const portal: OpenPortal = Object.assign(open, {
      as: async (extension: string, options: BrowserOptions = {}) => {
        const page = await open(options);
        const user = server.user(extension);
        await signIn(page, user.email, user.password);
        return { page, browser: page.context().browser()!, signIn: user };
      },
    });
    await use(portal);
    await Promise.all(browsers.map((b) => b.close()));
  },
});

export { expect };

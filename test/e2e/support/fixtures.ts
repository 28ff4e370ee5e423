import { expect, test as base } from '@playwright/test';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import type { Baresip } from '@switchboard/testkit';
import { chromiumMissing, launchBrowser } from './browser.js';
import { baresipMissing, startDeskPhone } from './desk-phone.js';
import type { DeskPhoneOptions } from './desk-phone.js';
import type { BrowserOptions } from './browser.js';
import { startSwitchboard } from './server.js';
import type { DemoSignIn, SwitchboardServer } from './server.js';

export interface PortalUser {
  page: Page;
  browser: Browser;
  signIn: DemoSignIn;
}

export interface OpenPortal {
  /** A fresh browser context on the portal's sign-in page. */
  (options?: BrowserOptions): Promise<Page>;
  /** A fresh browser context, signed in as the demo user with this extension (101–105). */
  as(extension: string, options?: BrowserOptions): Promise<PortalUser>;
}

/** Signs in through the form, as a person would. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('navigation', { name: 'Portal' })).toBeVisible();
}

/**
 * Browsers of one worker, one per kind of microphone (tone and permission), since the fake
 * microphone file is a browser-wide flag. Users with the same kind share a browser, each in a
 * context of its own (separate cookies, storage and permissions).
 */
export class BrowserPool {
  private readonly browsers = new Map<string, Promise<Browser>>();

  get(options: BrowserOptions): Promise<Browser> {
    const key = `${options.toneHz ?? 440}/${options.microphone ?? 'allow'}`;
    let browser = this.browsers.get(key);
    if (!browser) {
      browser = launchBrowser(options);
      this.browsers.set(key, browser);
    }
    return browser;
  }

  async close(): Promise<void> {
    const all = [...this.browsers.values()];
    this.browsers.clear();
    await Promise.all(all.map(async (b) => (await b).close()));
  }
}

/** Starts a registered baresip desk phone for a demo extension; stopped after the test. */
export type OpenDeskPhone = (extension: string, options?: DeskPhoneOptions) => Promise<Baresip>;

export const test = base.extend<{ portal: OpenPortal; deskPhone: OpenDeskPhone }, { server: SwitchboardServer; browsers: BrowserPool }>({
  server: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const server = await startSwitchboard();
      await use(server);
      await server.stop();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  browsers: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const pool = new BrowserPool();
      await use(pool);
      await pool.close();
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  portal: async ({ server, browsers }, use, testInfo) => {
    testInfo.skip(chromiumMissing !== null, chromiumMissing ?? '');
    const contexts: BrowserContext[] = [];
    const open = async (options: BrowserOptions = {}) => {
      const browser = await browsers.get(options);
      const context = await browser.newContext({ baseURL: server.url });
      contexts.push(context);
      const page = await context.newPage();
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
    const outputBefore = server.output().length;
    await use(portal);
    if (testInfo.status !== testInfo.expectedStatus) {
      // What the server said during this test, next to the failure.
      await testInfo.attach('server-output.txt', { body: server.output().slice(outputBefore), contentType: 'text/plain' });
    }
    await Promise.all(contexts.map((c) => c.close()));
  },
  deskPhone: async ({ server }, use, testInfo) => {
    testInfo.skip(baresipMissing !== null, baresipMissing ?? '');
    const phones: Baresip[] = [];
    await use(async (extension, options) => {
      const phone = await startDeskPhone(server, extension, options);
      phones.push(phone);
      return phone;
    });
    if (testInfo.status !== testInfo.expectedStatus) {
      for (const phone of phones) {
        const events = phone.events.map((e) => `${e.type} ${e.param ?? ''}`).join('\n');
        await testInfo.attach(`desk-phone-${phone.account.user}.txt`, { body: `events:\n${events}\n\nlog:\n${phone.logText()}`, contentType: 'text/plain' });
      }
    }
    await Promise.all(phones.map((p) => p.stop()));
  },
});

export { expect };

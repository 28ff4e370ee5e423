import { expect } from '@playwright/test';
import type { Locator, Page } from '@playwright/test';
import type { PortalUser } from './fixtures.js';

/** Steps on the Phone tab, as a person does them: by the controls' accessible names. */

export async function ready(user: PortalUser): Promise<void> {
  await expect(user.page.getByTestId('phone-status')).toHaveText('Status: Ready', { timeout: 20_000 });
}

export async function dial(user: PortalUser, number: string): Promise<void> {
  await user.page.getByLabel('Number or extension').fill(number);
  await user.page.getByRole('button', { name: 'Call', exact: true }).click();
}

export function incomingOverlay(page: Page): Locator {
  return page.getByRole('alertdialog', { name: 'Incoming call' });
}

/** Waits until this side sees the call answered (its timer runs). */
export async function connected(user: PortalUser): Promise<void> {
  await expect(user.page.getByRole('timer')).toBeVisible({ timeout: 15_000 });
}

/** Waits until the phone is back to dialling (the call ended). */
export async function idle(user: PortalUser): Promise<void> {
  await expect(user.page.getByRole('button', { name: 'Call', exact: true })).toBeVisible({ timeout: 15_000 });
}

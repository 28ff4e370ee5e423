import type { Page } from '@playwright/test';
import { expect } from './fixtures.js';
import type { OpenPortal, PortalUser } from './fixtures.js';

/**
 * What a person does on the Phone tab, by the names on screen, for the transfer, conference,
 * side-panel and voicemail specs.
 */

/**
 * Signs people in one after the other (each in a browser with its own microphone tone), then
 * waits until every phone is Ready: on a loaded 2-core machine, parallel sign-ins time out.
 */
export async function signInAll(portal: OpenPortal, people: { extension: string; toneHz: number }[]): Promise<PortalUser[]> {
  const users: PortalUser[] = [];
  for (const { extension, toneHz } of people) users.push(await portal.as(extension, { toneHz }));
  await Promise.all(users.map(ready));
  return users;
}

export async function ready(user: PortalUser): Promise<void> {
  await expect(user.page.getByTestId('phone-status')).toHaveText('Status: Ready', { timeout: 20_000 });
}

export async function dial(user: PortalUser, number: string): Promise<void> {
  await user.page.getByLabel('Number or extension').fill(number);
  await user.page.getByRole('button', { name: 'Call', exact: true }).click();
}

export async function answer(user: PortalUser): Promise<void> {
  const overlay = user.page.getByRole('alertdialog', { name: 'Incoming call' });
  await expect(overlay).toBeVisible({ timeout: 30_000 });
  await overlay.getByRole('button', { name: 'Answer' }).click();
  await connected(user);
}

/** This side sees the call answered (its timer runs). */
export async function connected(user: PortalUser): Promise<void> {
  await expect(user.page.getByRole('timer')).toBeVisible({ timeout: 15_000 });
}

/** Back on the dialer: no call on screen. */
export async function idle(user: PortalUser, timeout = 15_000): Promise<void> {
  await expect(user.page.getByRole('button', { name: 'Call', exact: true })).toBeVisible({ timeout });
}

/** Opens Transfer (or Add Participant), types the destination and picks a mode. */
export async function transfer(user: PortalUser, destination: string, mode: 'Blind Transfer' | 'Attended Transfer', opener = 'Transfer'): Promise<void> {
  await user.page.getByRole('button', { name: opener, exact: true }).click();
  const dialog = user.page.getByRole('dialog');
  await dialog.getByLabel('Destination extension or number').fill(destination);
  await dialog.getByRole('button', { name: mode }).click();
}

/** The attended-transfer bar on the call screen. */
export function consultationBar(page: Page) {
  return page.getByRole('region', { name: 'Attended transfer' });
}

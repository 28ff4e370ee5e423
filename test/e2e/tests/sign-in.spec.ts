import { expect, signIn, test } from '../support/fixtures.js';

test.describe('sign-in', () => {
  test('a demo user signs in and lands on the Phone tab', async ({ portal, server }) => {
    const page = await portal();
    const alice = server.user('101');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await signIn(page, alice.email, alice.password);
    await expect(page.getByRole('link', { name: 'Phone' })).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('banner')).toContainText(alice.name);
    await expect(page.getByRole('button', { name: 'Call', exact: true })).toBeVisible();
  });

  test('a wrong password says so and stays on the sign-in page', async ({ portal, server }) => {
    const page = await portal();
    await page.getByLabel('Email').fill(server.user('102').email);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toHaveText('Wrong email or password. Check them and try again.');
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  });

  test('the session survives a reload, and Sign out ends it', async ({ portal }) => {
    const { page } = await portal.as('103');
    await page.reload();
    await expect(page.getByRole('navigation', { name: 'Portal' })).toBeVisible();
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await page.reload();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  });

  test('signing out in one tab sends the other tab back to sign-in when it next asks the server', async ({ portal }) => {
    const { page } = await portal.as('105');
    const other = await page.context().newPage();
    await other.goto('/');
    await expect(other.getByRole('navigation', { name: 'Portal' })).toBeVisible();
    await page.getByRole('banner').getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    // Open Contacts (it asks the server for the directory), unless the tab already found out.
    await other.evaluate(() => (location.hash = '#/contacts'));
    await expect(other.getByRole('heading', { name: 'Sign in' })).toBeVisible();
    await expect(other.getByText('Your session has ended. Please sign in again.')).toBeVisible();
  });
});

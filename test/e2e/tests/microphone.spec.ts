import { expect, test } from '../support/fixtures.js';

test.describe('microphone permission', () => {
  test('a blocked microphone shows the three steps and never Ready', async ({ portal, server }) => {
    const page = await portal({ microphone: 'deny' });
    const bob = server.user('102');
    await page.getByLabel('Email').fill(bob.email);
    await page.getByLabel('Password').fill(bob.password);
    await page.getByRole('button', { name: 'Sign in' }).click();

    await expect(page.getByTestId('phone-status')).toHaveText('Status: Microphone blocked');
    const steps = page.getByRole('region', { name: 'How to allow the microphone' }).getByRole('listitem');
    await expect(steps).toHaveText([
      "Click the lock/site-info icon in your browser's address bar",
      'Find the microphone permission and change it to Allow',
      'Refresh the page',
    ]);
    await expect(page.getByTestId('phone-status')).not.toHaveText(/Ready/);
    // Calling says why it cannot.
    await page.keyboard.type('103');
    await page.getByRole('button', { name: 'Call', exact: true }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Microphone blocked' })).toBeVisible();
  });
});

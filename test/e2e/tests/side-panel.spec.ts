import { expect, test } from '../support/fixtures.js';
import type { PortalUser } from '../support/fixtures.js';
import { answer, connected, dial, idle, signInAll } from '../support/phone-steps.js';

/**
 * The side panel's BLF keys against the real server's presence: Alice watches Bob's key while
 * Carol calls Bob, and while Bob turns Do Not Disturb on.
 */

function keyFor(user: PortalUser, extension: string) {
  return user.page.getByRole('list', { name: 'BLF keys' }).getByRole('button', { name: new RegExp(`, ${extension}: `) });
}

test.describe('side panel', () => {
  test.describe.configure({ timeout: 120_000 });

  test('a BLF key goes ringing → busy → idle while another browser calls that extension, and shows DND', async ({ portal }) => {
    const [alice, bob, carol] = await signInAll(portal, [
      { extension: '101', toneHz: 440 },
      { extension: '102', toneHz: 1000 },
      { extension: '103', toneHz: 1600 },
    ]);
    const bobsKey = keyFor(alice!, '102');
    await expect(bobsKey).toHaveAttribute('data-presence', 'idle', { timeout: 15_000 });

    await dial(carol!, '102');
    await expect(bob!.page.getByRole('alertdialog', { name: 'Incoming call' })).toBeVisible({ timeout: 30_000 });
    await expect(bobsKey).toHaveAttribute('data-presence', 'ringing');
    await expect(bobsKey).toHaveAccessibleName(/: Ringing$/);
    await answer(bob!);
    await connected(carol!);
    await expect(bobsKey).toHaveAttribute('data-presence', 'busy');
    await carol!.page.getByRole('button', { name: 'Hang Up' }).click();
    await idle(bob!);
    await expect(bobsKey).toHaveAttribute('data-presence', 'idle');

    // Bob turns Do Not Disturb on in his side panel: his indicator, and Alice's key, show it.
    const bobsPanel = bob!.page.getByRole('complementary', { name: 'Side panel' });
    await bobsPanel.getByRole('switch', { name: 'Do Not Disturb' }).click();
    await expect(bobsPanel.getByTestId('dnd-indicator')).toBeVisible();
    await expect(bobsKey).toHaveAttribute('data-presence', 'dnd');
    await bobsPanel.getByRole('switch', { name: 'Do Not Disturb' }).click();
    await expect(bobsPanel.getByTestId('dnd-indicator')).toBeHidden();
    await expect(bobsKey).toHaveAttribute('data-presence', 'idle');
  });
});

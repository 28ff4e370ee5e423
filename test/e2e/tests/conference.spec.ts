import { expect, test } from '../support/fixtures.js';
import { answer, connected, consultationBar, dial, signInAll, transfer } from '../support/phone-steps.js';
import { hearsMix } from '../support/tone-mix.js';

/**
 * Conference rooms from the portal, through the real server's mixer: Bob merges his caller and a
 * consultation into a room. Each person's microphone is a tone of their own (Alice 440 Hz, Bob
 * 1000 Hz, Carol 1600 Hz); in the room everyone must hear the two others and not themselves.
 */

test.describe('conference', () => {
  test.describe.configure({ timeout: 150_000 });

  test('Merge to Conference: the header shows the room, the roster lists three, and each hears the other two', async ({ portal }) => {
    const [alice, bob, carol] = await signInAll(portal, [
      { extension: '101', toneHz: 440 },
      { extension: '102', toneHz: 1000 },
      { extension: '103', toneHz: 1600 },
    ]);
    await dial(alice!, '102');
    await answer(bob!);
    await connected(alice!);
    await transfer(bob!, '103', 'Attended Transfer');
    await answer(carol!);
    await consultationBar(bob!.page).getByRole('button', { name: 'Merge to Conference' }).click();

    await expect(bob!.page.getByTestId('call-party')).toHaveText(/^In Conference — Room 999\d\d$/, { timeout: 20_000 });
    await expect(bob!.page.getByRole('button', { name: 'Add Participant' })).toBeVisible();
    await expect(bob!.page.getByRole('list', { name: 'Participants' }).getByRole('listitem')).toHaveCount(3, { timeout: 15_000 });

    await expect.poll(() => hearsMix(alice!.page, [1000, 1600], [440]), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => hearsMix(bob!.page, [440, 1600], [1000]), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => hearsMix(carol!.page, [440, 1000], [1600]), { timeout: 20_000 }).toBe(true);
  });
});

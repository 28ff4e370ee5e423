import type { Page } from '@playwright/test';
import { remoteTone } from '../support/audio.js';
import { expect, test } from '../support/fixtures.js';
import { answer, connected, dial, idle, signInAll } from '../support/phone-steps.js';
import { toneMix } from '../support/tone-mix.js';

/**
 * Voicemail end to end with real audio: Bob turns Do Not Disturb on, so Alice's call goes to his
 * voicemail; she leaves her tone (440 Hz) after the beep. Bob's badge goes up without a reload,
 * and the message plays in his browser with Alice's tone measured in the page.
 */

/** Waits for the greeting and the beep to end: sound heard, then two silent readings in a row. */
async function untilRecording(page: Page): Promise<void> {
  let heardSound = false;
  let silent = 0;
  await expect
    .poll(async () => {
      const { frequency } = await remoteTone(page, 700);
      if (frequency !== null) {
        heardSound = true;
        silent = 0;
      } else if (heardSound) {
        silent += 1;
      }
      return silent >= 2;
    }, { timeout: 40_000, intervals: [100] })
    .toBe(true);
}

test.describe('voicemail', () => {
  test.describe.configure({ timeout: 150_000 });

  test('with DND on, a call goes to voicemail; the badge goes up live and the message plays with the caller’s tone', async ({ portal }) => {
    const [alice, bob] = await signInAll(portal, [
      { extension: '101', toneHz: 440 },
      { extension: '102', toneHz: 1000 },
    ]);
    const bobsPanel = bob!.page.getByRole('complementary', { name: 'Side panel' });
    await bobsPanel.getByRole('switch', { name: 'Do Not Disturb' }).click();
    await expect(bobsPanel.getByTestId('dnd-indicator')).toBeVisible();
    // Other tests on this worker's server may have left Bob messages: count from what is there.
    await expect(bobsPanel.getByText(/No new messages\.|\d+ new messages?\./)).toBeVisible();
    const badge = bobsPanel.getByTestId('voicemail-badge');
    const shownOnBadge = async () => ((await badge.count()) === 0 ? 0 : Number(await badge.textContent()));
    const before = await shownOnBadge();

    await dial(alice!, '102');
    await connected(alice!); // answered by voicemail, not by Bob
    await expect(bob!.page.getByRole('alertdialog', { name: 'Incoming call' })).toBeHidden();
    await untilRecording(alice!.page);
    await alice!.page.waitForTimeout(4_000); // Alice's tone goes into the message
    await alice!.page.getByRole('button', { name: 'Hang Up' }).click();
    await idle(alice!);

    await expect.poll(shownOnBadge, { timeout: 20_000 }).toBeGreaterThan(before);
    await bobsPanel.getByRole('link', { name: 'Open Voicemail' }).click();
    const message = bob!.page.getByRole('list', { name: 'Voicemail messages' }).getByRole('listitem').first();
    await expect(message).toHaveAccessibleName(new RegExp(`^New message from ${alice!.signIn.name}`));
    await message.getByRole('button', { name: 'Play' }).click();
    await expect
      .poll(async () => {
        const { dominant } = await toneMix(bob!.page, [440], 'voicemail-audio');
        return dominant !== null && Math.abs(dominant - 440) <= 20;
      }, { timeout: 20_000, intervals: [200] })
      .toBe(true);
    // Played means heard: the message says so, and the badge counts the new messages left. (A call
    // an earlier test on this server left in voicemail may still arrive now: compare with the list.)
    const list = bob!.page.getByRole('list', { name: 'Voicemail messages' });
    await expect(list.getByRole('listitem', { name: new RegExp(`^Heard message from ${alice!.signIn.name}`) }).first()).toBeVisible({ timeout: 15_000 });
    await expect.poll(async () => (await shownOnBadge()) === (await list.getByRole('listitem', { name: /^New message from/ }).count()), { timeout: 15_000 }).toBe(true);
    await bobsPanel.getByRole('switch', { name: 'Do Not Disturb' }).click();
    await expect(bobsPanel.getByTestId('dnd-indicator')).toBeHidden();
  });

  test('with "voicemail when busy" turned off in Settings, a caller who finds the user on a call hears busy, not voicemail', async ({ portal }) => {
    const [alice, bob, carol] = await signInAll(portal, [
      { extension: '103', toneHz: 440 },
      { extension: '104', toneHz: 1000 },
      { extension: '105', toneHz: 660 },
    ]);
    await bob!.page.getByRole('link', { name: 'Settings' }).click();
    const whenBusy = bob!.page.getByRole('checkbox', { name: 'When I am busy, callers can leave a message' });
    await expect(whenBusy).toBeChecked(); // the default
    await whenBusy.uncheck();
    await expect(bob!.page.getByText('Callers who find you busy now hear a busy tone.')).toBeVisible();

    // Bob is on a call with Carol...
    await bob!.page.getByRole('link', { name: 'Phone' }).click();
    await dial(carol!, '104');
    await answer(bob!);
    await connected(carol!);
    // ...so his browser answers Alice's call busy, and she is told so instead of reaching voicemail.
    await dial(alice!, '104');
    await expect(alice!.page.getByRole('alert').getByText(/^Extension 104 is busy\./)).toBeVisible({ timeout: 20_000 });
    await idle(alice!);
    await carol!.page.getByRole('button', { name: 'Hang Up' }).click();
    await idle(carol!);

    // The choice is stored: after a reload it is still off; turned back on for the other tests.
    await bob!.page.getByRole('link', { name: 'Settings' }).click();
    await bob!.page.reload();
    await expect(whenBusy).not.toBeChecked();
    await whenBusy.check();
    await expect(bob!.page.getByText('Callers who find you busy can now leave a message.')).toBeVisible();
  });
});

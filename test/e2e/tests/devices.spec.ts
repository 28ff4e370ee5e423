import { hears } from '../support/audio.js';
import { expect, test } from '../support/fixtures.js';

test.describe('audio devices', () => {
  test.describe.configure({ timeout: 90_000 });

  test('microphone and speaker change during a call at once, and the choices survive a reload', async ({ portal }) => {
    const alice = await portal.as('101', { toneHz: 440 });
    const bob = await portal.as('102', { toneHz: 1000 });
    for (const user of [alice, bob]) await expect(user.page.getByTestId('phone-status')).toHaveText('Status: Ready', { timeout: 15_000 });
    await alice.page.getByLabel('Number or extension').fill('102');
    await alice.page.keyboard.press('Enter');
    const overlay = bob.page.getByRole('alertdialog', { name: 'Incoming call' });
    await expect(overlay).toBeVisible({ timeout: 15_000 });
    await overlay.getByRole('button', { name: 'Answer' }).click();
    await expect(alice.page.getByRole('timer')).toBeVisible({ timeout: 10_000 });
    await expect.poll(() => hears(bob.page, 440), { timeout: 10_000 }).toBe(true);

    // Record which microphone the page opens from now on.
    await alice.page.evaluate(() => {
      const devices = navigator.mediaDevices;
      const open = devices.getUserMedia.bind(devices);
      const w = window as unknown as { openedMicrophones: string[] };
      w.openedMicrophones = [];
      devices.getUserMedia = async (constraints) => {
        const stream = await open(constraints);
        w.openedMicrophones.push(stream.getAudioTracks()[0]?.label ?? '');
        return stream;
      };
    });
    // Chromium's fake devices: "Fake Audio Input 1/2" and "Fake Audio Output 1/2".
    await alice.page.getByRole('button', { name: 'Audio devices' }).click();
    await alice.page.getByLabel('Microphone').selectOption({ label: 'Fake Audio Input 2' });
    await expect
      .poll(() => alice.page.evaluate(() => (window as unknown as { openedMicrophones: string[] }).openedMicrophones))
      .toEqual(['Fake Audio Input 2']);
    await alice.page.getByLabel('Speaker').selectOption({ label: 'Fake Audio Output 1' });
    await alice.page.getByLabel('Ringer').selectOption({ label: 'Fake Audio Output 2' });

    // The far side's voice now plays on the chosen output…
    const speakerId = await alice.page.getByLabel('Speaker').inputValue();
    await expect
      .poll(() => alice.page.evaluate(() => (document.querySelector('audio[data-role="remote-audio"]') as HTMLAudioElement & { sinkId: string }).sinkId))
      .toBe(speakerId);
    // …and Bob still hears Alice through the new microphone (the track was replaced, not renegotiated).
    await expect.poll(() => hears(bob.page, 440), { timeout: 10_000 }).toBe(true);
    await expect(alice.page.getByRole('button', { name: 'Hang Up' })).toBeVisible();

    await alice.page.keyboard.press('Escape');
    await alice.page.reload();
    await alice.page.getByRole('button', { name: 'Audio devices' }).click();
    await expect(alice.page.getByLabel('Microphone').locator('option:checked')).toHaveText('Fake Audio Input 2');
    await expect(alice.page.getByLabel('Speaker').locator('option:checked')).toHaveText('Fake Audio Output 1');
    await expect(alice.page.getByLabel('Ringer').locator('option:checked')).toHaveText('Fake Audio Output 2');
  });
});

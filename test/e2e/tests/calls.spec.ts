import { hears, remoteTone, ringtoneTone } from '../support/audio.js';
import { expect, test } from '../support/fixtures.js';
import type { PortalUser } from '../support/fixtures.js';

/**
 * Calls between real browsers through the real server (registrar, B2BUA call engine, WebRTC
 * legs). Audio is proven by the tone each side hears. Transfers have their own spec
 * (transfer.spec.ts).
 */

async function ready(user: PortalUser): Promise<void> {
  await expect(user.page.getByTestId('phone-status')).toHaveText('Status: Ready', { timeout: 15_000 });
}

async function dial(user: PortalUser, number: string): Promise<void> {
  await user.page.getByLabel('Number or extension').fill(number);
  await user.page.getByRole('button', { name: 'Call', exact: true }).click();
}

async function answer(user: PortalUser): Promise<void> {
  const overlay = user.page.getByRole('alertdialog', { name: 'Incoming call' });
  await expect(overlay).toBeVisible({ timeout: 15_000 });
  await overlay.getByRole('button', { name: 'Answer' }).click();
  await expect(user.page.getByRole('timer')).toBeVisible({ timeout: 10_000 });
}

/** Waits until this side sees the call answered (its timer runs). */
async function connected(user: PortalUser): Promise<void> {
  await expect(user.page.getByRole('timer')).toBeVisible({ timeout: 10_000 });
}

test.describe('calls', () => {
  // Two or three browsers with live media on a small shared machine: allow more than the default.
  test.describe.configure({ mode: 'parallel', timeout: 90_000 });

  // Every call test starts with the phone Ready (registered); this one also takes the server away.
  test('after a server restart the phone is Ready again by itself', async ({ portal, server }) => {
    const alice = await portal.as('101');
    await ready(alice);
    await server.restart(1_000);
    await expect(alice.page.getByTestId('phone-status')).toHaveText(/Disconnected|Connecting/);
    await expect(alice.page.getByTestId('phone-status')).toHaveText('Status: Ready', { timeout: 40_000 });
  });

  test('browser to browser: each side hears the other one’s tone', async ({ portal }) => {
    const alice = await portal.as('101', { toneHz: 440 });
    const bob = await portal.as('102', { toneHz: 1000 });
    await Promise.all([ready(alice), ready(bob)]);
    await dial(alice, '102');
    const overlay = bob.page.getByRole('alertdialog', { name: 'Incoming call' });
    // The callee's browser rings within a second or two; a loaded 2-core runner has taken 3.4 s.
    await expect(overlay).toBeVisible({ timeout: 15_000 });
    await expect(overlay.getByTestId('incoming-name')).toHaveText(alice.signIn.name);
    await expect(overlay).toContainText('101');
    await answer(bob);
    await expect(alice.page.getByTestId('phone-status')).toHaveText('Status: In Call');
    await expect(bob.page.getByTestId('phone-status')).toHaveText('Status: In Call');
    await expect(alice.page.getByRole('timer')).toBeVisible();
    await expect.poll(() => hears(alice.page, 1000), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => hears(bob.page, 440), { timeout: 15_000 }).toBe(true);
    await alice.page.keyboard.press('Escape');
    await expect(bob.page.getByRole('button', { name: 'Call', exact: true })).toBeVisible();
  });

  test('a ringing call: ringtone, a notification while the tab is hidden, Escape declines, the caller is told', async ({ portal }) => {
    const alice = await portal.as('101');
    const bob = await portal.as('102');
    await Promise.all([ready(alice), ready(bob)]);
    // Bob's tab is in the background, with notifications allowed; record what the page shows.
    await bob.page.context().grantPermissions(['notifications']);
    await bob.page.evaluate(() => {
      const shown: string[] = [];
      (window as unknown as { shownNotifications: string[] }).shownNotifications = shown;
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      const Real = window.Notification;
      class Recording extends Real {
        constructor(title: string, options?: NotificationOptions) {
          super(title, options);
          shown.push(`${title}: ${options?.body ?? ''}`);
        }
      }
      window.Notification = Recording;
    });
    await dial(alice, '102');
    await expect(bob.page.getByRole('alertdialog', { name: 'Incoming call' })).toBeVisible({ timeout: 15_000 });
    await expect
      .poll(() => bob.page.evaluate(() => (window as unknown as { shownNotifications: string[] }).shownNotifications))
      .toEqual([`Incoming call: ${alice.signIn.name} (101) is calling. Open Switchboard to answer.`]);
    // The ringtone's two tones (400 + 450 Hz) in a double-ring cadence: listen until a burst is heard.
    await expect
      .poll(async () => {
        const heard = await ringtoneTone(bob.page);
        return heard.frequency !== null && heard.frequency >= 390 && heard.frequency <= 460;
      }, { timeout: 10_000, intervals: [100] })
      .toBe(true);
    await bob.page.keyboard.press('Escape');
    await expect(bob.page.getByRole('alertdialog', { name: 'Incoming call' })).toBeHidden();
    await expect(alice.page.getByRole('alert')).toContainText(/declined|busy/);
  });

  test('Mute silences me toward the far side; Hold gives them hold music; both undo', async ({ portal }) => {
    const alice = await portal.as('101', { toneHz: 440 });
    const bob = await portal.as('102', { toneHz: 1000 });
    await Promise.all([ready(alice), ready(bob)]);
    await dial(alice, '102');
    await answer(bob);
    await connected(alice);
    await expect.poll(() => hears(bob.page, 440), { timeout: 10_000 }).toBe(true);

    await alice.page.keyboard.press('m');
    await expect(alice.page.getByRole('button', { name: 'Unmute' })).toBeVisible();
    await expect.poll(async () => (await remoteTone(bob.page)).frequency, { timeout: 10_000 }).toBeNull();
    await alice.page.getByRole('button', { name: 'Unmute' }).click();
    await expect.poll(() => hears(bob.page, 440), { timeout: 10_000 }).toBe(true);

    await alice.page.keyboard.press('h');
    await expect(alice.page.getByRole('button', { name: 'Resume' })).toBeVisible();
    await expect(alice.page.getByText('On hold')).toBeVisible();
    // Bob hears hold music: sound, and not Alice's tone.
    await expect
      .poll(async () => {
        const heard = await remoteTone(bob.page);
        return heard.rms > 0.01 && heard.frequency !== null && Math.abs(heard.frequency - 440) > 20;
      }, { timeout: 10_000 })
      .toBe(true);
    await alice.page.keyboard.press('h');
    await expect(alice.page.getByRole('button', { name: 'Hold' })).toBeVisible();
    await expect.poll(() => hears(bob.page, 440), { timeout: 10_000 }).toBe(true);
  });

  test('the *43 echo test sends my tone back; Keypad and typed digits go out as RFC 4733 tones', async ({ portal }) => {
    const alice = await portal.as('101', { toneHz: 440 });
    await ready(alice);
    // Count what reaches the browser's RTP DTMF sender (RFC 4733), not SIP INFO.
    await alice.page.evaluate(() => {
      const sender = RTCDTMFSender.prototype;
      const insert = sender.insertDTMF;
      const w = window as unknown as { rtpTones: string };
      w.rtpTones = '';
      sender.insertDTMF = function (this: RTCDTMFSender, tones: string, ...rest: [number?, number?]) {
        w.rtpTones += tones;
        return insert.call(this, tones, ...rest);
      };
    });
    await dial(alice, '*43');
    await connected(alice);
    await expect.poll(() => hears(alice.page, 440), { timeout: 10_000 }).toBe(true);
    await alice.page.getByRole('button', { name: 'Keypad' }).click();
    await alice.page.getByRole('group', { name: 'Keypad' }).getByRole('button', { name: '5' }).click();
    await alice.page.keyboard.press('#');
    await expect(alice.page.getByLabel('Tones sent')).toHaveText('5#');
    await expect.poll(() => alice.page.evaluate(() => (window as unknown as { rtpTones: string }).rtpTones)).toBe('5#');
  });

  test('a number that does not exist says "Number not found"', async ({ portal }) => {
    const alice = await portal.as('101');
    await ready(alice);
    await dial(alice, '789');
    await expect(alice.page.getByRole('alert')).toContainText('Number not found');
  });

  test('Recent Calls shows the call after it ends, and a click dials it again', async ({ portal, server }) => {
    const alice = await portal.as('101');
    const bob = await portal.as('102');
    await Promise.all([ready(alice), ready(bob)]);
    await dial(alice, '102');
    await answer(bob);
    await connected(alice);
    await alice.page.getByRole('button', { name: 'Hang Up' }).click();
    const recent = alice.page.getByRole('list', { name: 'Recent calls' });
    await expect(recent.getByRole('button').first()).toContainText(server.user('102').name);
    await recent.getByRole('button').first().click();
    await expect(bob.page.getByRole('alertdialog', { name: 'Incoming call' })).toBeVisible({ timeout: 15_000 });
  });
});


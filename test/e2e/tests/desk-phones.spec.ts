import { describeTimeline, endsHearing, toneTimeline } from '@switchboard/testkit';
import { hears, remoteTone } from '../support/audio.js';
import { expect, test } from '../support/fixtures.js';
import { connected, dial, idle, incomingOverlay, ready } from '../support/phone.js';

/**
 * The softphone in Chromium and a real desk phone (baresip, registered with its demo SIP
 * account) calling each other through the server. Each side sends its own tone; what each side
 * heard is measured: in the page (AnalyserNode) and in what baresip decoded (its recording).
 */

const browserTone = 440;
const phoneTone = 1000;
/** For a browser heard by a caller: not a frequency of the ringback (440 + 480 Hz) the caller hears first. */
const calleeBrowserTone = 1200;

test.describe('browser and desk phone', () => {
  test.describe.configure({ mode: 'parallel', timeout: 120_000 });

  test('browser calls a desk phone: tones both ways, Hold plays hold music to the phone, keypad and typed digits arrive as DTMF', async ({ portal, deskPhone }) => {
    const [alice, bob] = await Promise.all([portal.as('101', { toneHz: browserTone }), deskPhone('102', { toneHz: phoneTone, sipTrace: true })]);
    await ready(alice);
    const mark = bob.events.length;
    await dial(alice, '102');
    await bob.waitFor('CALL_INCOMING', { since: mark, timeoutMs: 20_000 });
    // The phone shows who calls: the directory's name and the extension.
    const invite = bob.sipMessages().find((m) => m.startsWith('INVITE '));
    expect(invite).toMatch(/^From: "Alice Adams" <sip:101@/m);
    await bob.accept();
    await connected(alice);
    await expect.poll(() => hears(alice.page, phoneTone), { timeout: 15_000 }).toBe(true);

    // Keypad button and a digit typed on the keyboard: both reach the phone as DTMF.
    await alice.page.getByRole('button', { name: 'Keypad' }).click();
    await alice.page.getByRole('group', { name: 'Keypad' }).getByRole('button', { name: '5' }).click();
    await alice.page.keyboard.press('#');
    await expect(alice.page.getByLabel('Tones sent')).toHaveText('5#');
    await expect.poll(() => bob.receivedDtmf(), { timeout: 10_000 }).toBe('5#');

    // Hold: the phone hears hold music for a while, then Alice again after Resume.
    await alice.page.keyboard.press('h');
    await expect(alice.page.getByRole('button', { name: 'Resume' })).toBeVisible();
    await alice.page.waitForTimeout(3_000);
    await alice.page.keyboard.press('h');
    await expect(alice.page.getByRole('button', { name: 'Hold' })).toBeVisible();
    await expect.poll(() => hears(alice.page, phoneTone), { timeout: 10_000 }).toBe(true);
    // The phone hears Alice again for a second after the hold music (polled: a loaded machine
    // may take a moment to carry the resume through).
    await expect.poll(() => endsHearing(bob.heardAudio(), browserTone, 4), { timeout: 15_000 }).toBe(true);

    await alice.page.keyboard.press('Escape');
    await bob.waitFor('CALL_CLOSED', { since: mark });
    await idle(alice);
    await new Promise((r) => setTimeout(r, 300));
    // What the phone decoded, in quarter seconds: Alice's tone, hold music (sound that is not
    // her tone), then her tone again.
    const story = describeTimeline(toneTimeline(bob.heardAudio()), browserTone);
    expect(story).toMatch(/T{4,}.*o{6,}.*T{4,}/);
  });

  test('a desk phone calls the browser: the overlay shows the caller’s name and number, Enter answers, tones both ways', async ({ portal, deskPhone }) => {
    const [carol, dan] = await Promise.all([portal.as('103', { toneHz: calleeBrowserTone }), deskPhone('104', { toneHz: phoneTone })]);
    await ready(carol);
    const mark = dan.events.length;
    await dan.dial(`sip:103@${dan.account.domain}`);
    const overlay = incomingOverlay(carol.page);
    await expect(overlay).toBeVisible({ timeout: 20_000 });
    await expect(overlay.getByTestId('incoming-name')).toHaveText('Dan Diaz');
    await expect(overlay).toContainText('104');
    await carol.page.keyboard.press('Enter');
    await connected(carol);
    await dan.waitFor('CALL_ESTABLISHED', { since: mark });
    await expect.poll(() => hears(carol.page, phoneTone), { timeout: 15_000 }).toBe(true);
    await carol.page.waitForTimeout(1_500);
    await dan.hangup();
    await idle(carol);
    await dan.waitFor('CALL_CLOSED', { since: mark });
    await new Promise((r) => setTimeout(r, 300));
    expect(describeTimeline(toneTimeline(dan.heardAudio()), calleeBrowserTone)).toMatch(/T{4,}/);
    // After the call nothing is heard any more in the page.
    expect((await remoteTone(carol.page, 300)).frequency).toBeNull();
  });
});

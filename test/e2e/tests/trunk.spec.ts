import { describeTimeline, toneTimeline } from '@switchboard/testkit';
import { hears } from '../support/audio.js';
import { carrierAnswering, carrierCalling, sippMissing } from '../support/carrier.js';
import { expect, test } from '../support/fixtures.js';
import { connected, dial, idle, incomingOverlay, ready } from '../support/phone.js';

/**
 * The softphone and the outside world: a SIPp carrier on the tenant's trunk (set with the CLI,
 * as an administrator would), with a Node RTP peer as its media. Tones are measured on both
 * sides: in the page, and in what the carrier's RTP peer decoded.
 */

const browserTone = 440;
/** For a browser heard by a caller: not a frequency of the ringback (440 + 480 Hz) the caller hears first. */
const calleeBrowserTone = 1200;

test.describe('outside calls through the trunk', () => {
  test.describe.configure({ mode: 'parallel', timeout: 120_000 });
  test.skip(sippMissing !== null, sippMissing ?? '');

  test('the browser dials an outside number: tones both ways, keypad and typed digits reach the carrier as RFC 4733', async ({ portal, server }) => {
    const [alice, carrier] = await Promise.all([portal.as('101', { toneHz: browserTone }), carrierAnswering(server, 1000)]);
    try {
      await ready(alice);
      await dial(alice, '5551234');
      await connected(alice);
      await expect.poll(() => hears(alice.page, 1000), { timeout: 15_000 }).toBe(true);
      await alice.page.getByRole('button', { name: 'Keypad' }).click();
      await alice.page.getByRole('group', { name: 'Keypad' }).getByRole('button', { name: '1' }).click();
      await alice.page.keyboard.press('9');
      await expect.poll(() => carrier.peer.receivedDtmf(), { timeout: 10_000 }).toBe('19');
      await alice.page.getByRole('button', { name: 'Hang Up' }).click();
      const result = await carrier.done;
      expect(result.code, result.output).toBe(0);
      await idle(alice);
      expect(describeTimeline(toneTimeline(carrier.peer.heardAudio()), browserTone)).toMatch(/T{4,}/);
    } finally {
      await carrier.close();
    }
  });

  test('a call from outside to a DID rings the browser with the caller’s number; answered, tones both ways', async ({ portal, server }) => {
    const bob = await portal.as('102', { toneHz: calleeBrowserTone });
    await ready(bob);
    const carrier = await carrierCalling(server, { did: '+15550100200', extension: '102', caller: '15550001', toneHz: 1600, holdMs: 8_000 });
    try {
      const overlay = incomingOverlay(bob.page);
      await expect(overlay).toBeVisible({ timeout: 20_000 });
      await expect(overlay).toContainText('15550001');
      await overlay.getByRole('button', { name: 'Answer' }).click();
      await connected(bob);
      await expect.poll(() => hears(bob.page, 1600), { timeout: 15_000 }).toBe(true);
      // The carrier hangs up after its 8 s.
      const result = await carrier.done;
      expect(result.code, result.output).toBe(0);
      await idle(bob);
      expect(describeTimeline(toneTimeline(carrier.peer.heardAudio()), calleeBrowserTone)).toMatch(/T{4,}/);
    } finally {
      await carrier.close();
    }
  });
});

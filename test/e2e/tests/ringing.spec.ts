import { describeTimeline, toneTimeline } from '@switchboard/testkit';
import { hears } from '../support/audio.js';
import type { Page } from '@playwright/test';
import { expect, test } from '../support/fixtures.js';
import { connected, idle, incomingOverlay, ready } from '../support/phone.js';

/**
 * A call taken on another of the user's devices is no failure: the page may say where it went
 * (the server's "Call completed elsewhere"), never that it was missed, cancelled or failed.
 */
async function expectNoFailureSaid(page: Page): Promise<void> {
  const alerts = page.getByRole('alert');
  for (const text of await alerts.allTextContents()) expect(text).toMatch(/^\s*(Call completed elsewhere\.?)?\s*(Dismiss message)?\s*$/);
  await expect(alerts.filter({ hasText: /miss|cancel|fail|declin|busy|not available|error/i })).toHaveCount(0);
}

/**
 * Parallel ringing: Carol is signed in in the browser and has her desk phone (baresip) on her
 * desk. A call to her extension rings both; the first to answer takes it and the other stops
 * ringing. Dan calls from his desk phone.
 */
test('a call to an extension rings its browser and its desk phone; answering on one stops the other', async ({ portal, deskPhone }) => {
  test.setTimeout(120_000);
  const [carol, carolsPhone, dan] = await Promise.all([
    portal.as('103', { toneHz: 440 }),
    deskPhone('103', { toneHz: 1600, sipTrace: true }),
    deskPhone('104', { toneHz: 1000 }),
  ]);
  await ready(carol);
  const overlay = incomingOverlay(carol.page);
  const recent = carol.page.getByRole('list', { name: 'Recent calls' });

  // 1. Answered in the browser: the desk phone's ringing is cancelled, "completed elsewhere".
  let phoneMark = carolsPhone.events.length;
  let danMark = dan.events.length;
  await dan.dial(`sip:103@${dan.account.domain}`);
  await expect(overlay).toBeVisible({ timeout: 20_000 });
  await carolsPhone.waitFor('CALL_INCOMING', { since: phoneMark });
  await carol.page.keyboard.press('Enter');
  await connected(carol);
  await carolsPhone.waitFor('CALL_CLOSED', { since: phoneMark });
  const cancel = carolsPhone.sipMessages().find((m) => m.startsWith('CANCEL '));
  expect(cancel).toMatch(/^Reason: SIP;cause=200;text="Call completed elsewhere"$/m);
  expect(carolsPhone.events.slice(phoneMark).map((e) => e.type)).not.toContain('CALL_ESTABLISHED');
  await expect.poll(() => hears(carol.page, 1000), { timeout: 15_000 }).toBe(true);
  await dan.hangup();
  await idle(carol);
  await dan.waitFor('CALL_CLOSED', { since: danMark });

  // 2. Answered on the desk phone: the browser's overlay goes away without a word of failure,
  // and Recent Calls does not list the call as Missed: Carol did take it, on her desk phone.
  phoneMark = carolsPhone.events.length;
  danMark = dan.events.length;
  const secondCallAt = Date.now() - 1_000;
  await dan.dial(`sip:103@${dan.account.domain}`);
  await expect(overlay).toBeVisible({ timeout: 20_000 });
  await carolsPhone.waitFor('CALL_INCOMING', { since: phoneMark });
  await carolsPhone.accept();
  await expect(overlay).toBeHidden({ timeout: 10_000 });
  await expect(carol.page.getByRole('button', { name: 'Call', exact: true })).toBeVisible();
  await expect(carol.page.getByTestId('phone-status')).toHaveText('Status: Ready');
  await expectNoFailureSaid(carol.page);
  await dan.waitFor('CALL_ESTABLISHED', { since: danMark });
  await carol.page.waitForTimeout(1_500);
  await dan.hangup();
  await carolsPhone.waitFor('CALL_CLOSED', { since: phoneMark });
  await new Promise((r) => setTimeout(r, 300));
  // The desk phone had the conversation: it heard Dan.
  expect(describeTimeline(toneTimeline(carolsPhone.heardAudio()), 1000)).toMatch(/T{4,}/);
  // Her recent calls (the API the list reads) hold this second call as answered.
  const latestFromDan = () =>
    carol.page.evaluate(async () => {
      const response = await fetch('/api/calls/recent');
      const body = (await response.json()) as { calls: Array<{ number: string; outcome: string; at: string }> };
      return body.calls.find((c) => c.number === '104') ?? null;
    });
  await expect.poll(async () => Date.parse((await latestFromDan())?.at ?? '') >= secondCallAt, { timeout: 10_000 }).toBe(true);
  expect((await latestFromDan())?.outcome).toBe('answered');
  const latest = recent.getByRole('button').first();
  await expect(latest).toContainText('Dan Diaz');
  // Not "Incoming" either, for now: the API gives internal calls the direction "internal" for
  // both parties, and the list shows those as "Outgoing" (reported, not this test's to fix).
  await expect(latest.getByRole('img')).toHaveAccessibleName(/^(Incoming|Outgoing)$/);
  await expectNoFailureSaid(carol.page);
});

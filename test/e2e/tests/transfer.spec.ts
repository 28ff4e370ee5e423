import { hears, remoteTone } from '../support/audio.js';
import { expect, test } from '../support/fixtures.js';
import type { OpenPortal, PortalUser } from '../support/fixtures.js';
import { answer, connected, consultationBar, dial, idle, signInAll, transfer } from '../support/phone-steps.js';

/**
 * Transfers between three real browsers through the real server (REFER, RFC 3515; Replaces,
 * RFC 3891). Each person's microphone is a tone of their own, so who hears whom afterwards is
 * measured in the page: Alice 440 Hz, Bob 1000 Hz, Carol 1600 Hz. Bob is the transferor.
 */

const alicesTone = 440;
const bobsTone = 1000;
const carolsTone = 1600;

async function threePeople(portal: OpenPortal): Promise<[PortalUser, PortalUser, PortalUser]> {
  const [alice, bob, carol] = await signInAll(portal, [
    { extension: '101', toneHz: alicesTone },
    { extension: '102', toneHz: bobsTone },
    { extension: '103', toneHz: carolsTone },
  ]);
  return [alice!, bob!, carol!];
}

test.describe('transfers', () => {
  // Three browsers with live media each: one test at a time per worker (in parallel, on a loaded
  // 2-core machine, calls took longer to ring than any sensible timeout).
  // One retry: in about half of the runs on this loaded machine, one call in this file did not
  // ring the callee's browser within 30 s (the first call to Bob, or the transferred call to
  // Carol) although the caller heard ringing; runs of a single test mostly passed. One cause
  // found and fixed: Bob's REFER, sent right after he answered, reached the server before it had
  // connected Alice and was refused (403); it now waits for that. A second: Bob's Cancel of a
  // consultation crossed our 200 for it, JsSIP then dropped that 200 without ACK or BYE, and
  // Carol stayed in the call; the server now ends a call whose 200 a CANCEL crossed.
  test.describe.configure({ timeout: 120_000, retries: 1 });

  test('Blind Transfer: the caller ends up with the target, and the transferor’s call is gone', async ({ portal }) => {
    const [alice, bob, carol] = await threePeople(portal);
    await dial(alice, '102');
    await answer(bob);
    await transfer(bob, '103', 'Blind Transfer');
    await answer(carol);
    await idle(bob);
    await expect.poll(() => hears(carol.page, alicesTone), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => hears(alice.page, carolsTone), { timeout: 15_000 }).toBe(true);
  });

  test('Attended Transfer: the caller hears hold music while Bob consults Carol; Complete Transfer bridges them', async ({ portal }) => {
    const [alice, bob, carol] = await threePeople(portal);
    await dial(alice, '102');
    await answer(bob);
    await connected(alice);
    await transfer(bob, '103', 'Attended Transfer');
    await expect(consultationBar(bob.page)).toContainText('On hold');
    // Alice hears hold music: sound, and not Bob.
    await expect
      .poll(async () => {
        const heard = await remoteTone(alice.page);
        return heard.rms > 0.01 && heard.frequency !== null && Math.abs(heard.frequency - bobsTone) > 20;
      }, { timeout: 15_000 })
      .toBe(true);
    await answer(carol);
    await expect.poll(() => hears(bob.page, carolsTone), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => hears(carol.page, bobsTone), { timeout: 15_000 }).toBe(true);
    await consultationBar(bob.page).getByRole('button', { name: 'Complete Transfer' }).click();
    await idle(bob);
    await expect(bob.page.getByRole('main').getByText(/Transfer complete/)).toBeVisible();
    await expect.poll(() => hears(alice.page, carolsTone), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => hears(carol.page, alicesTone), { timeout: 15_000 }).toBe(true);
  });

  test('Attended Transfer: a declined consultation returns to the caller by itself; Cancel does too', async ({ portal }) => {
    const [alice, bob, carol] = await threePeople(portal);
    await dial(alice, '102');
    await answer(bob);
    await connected(alice);

    // Carol declines: Bob is back with Alice without doing anything, and is told why.
    await transfer(bob, '103', 'Attended Transfer');
    await expect(carol.page.getByRole('alertdialog', { name: 'Incoming call' })).toBeVisible({ timeout: 30_000 });
    await carol.page.getByRole('button', { name: 'Decline' }).click();
    await expect(bob.page.getByRole('alert')).toContainText('You are back with');
    await expect(consultationBar(bob.page)).toBeHidden();
    await expect.poll(() => hears(alice.page, bobsTone), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => hears(bob.page, alicesTone), { timeout: 15_000 }).toBe(true);

    // Carol answers this time, and Bob cancels: Carol's call ends, Alice and Bob talk again.
    await transfer(bob, '103', 'Attended Transfer');
    await answer(carol);
    await consultationBar(bob.page).getByRole('button', { name: 'Cancel' }).click();
    await idle(carol);
    await expect(consultationBar(bob.page)).toBeHidden();
    await expect(bob.page.getByTestId('call-party')).toHaveText(alice.signIn.name);
    await expect.poll(() => hears(alice.page, bobsTone), { timeout: 15_000 }).toBe(true);
    await expect.poll(() => hears(bob.page, alicesTone), { timeout: 15_000 }).toBe(true);
  });
});

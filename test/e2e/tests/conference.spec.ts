import type { Page } from '@playwright/test';
import { goertzelPower, type Pcm } from '@switchboard/testkit';
import { expect, test } from '../support/fixtures.js';
import { answer, connected, consultationBar, dial, signInAll, transfer } from '../support/phone-steps.js';
import { hearsMix, toneMix } from '../support/tone-mix.js';

/**
 * Per quarter second of a desk phone's recording: 'ok' when every tone of `others` is there (at
 * least 1/300 of the strongest's power: browsers' microphones arrive quieter than phones' files)
 * and `own` is not (under 1/3000), 'own' when the phone clearly hears itself, '-' otherwise.
 */
function blocks(pcm: Pcm, others: number[], own: number): string[] {
  const size = Math.round(pcm.sampleRate / 4);
  const result: string[] = [];
  for (let at = 0; at + size <= pcm.samples.length; at += size) {
    const block = pcm.samples.subarray(at, at + size);
    const powers = others.map((hz) => goertzelPower(block, pcm.sampleRate, hz));
    const ownPower = goertzelPower(block, pcm.sampleRate, own);
    const strongest = Math.max(...powers, ownPower);
    if (strongest < 1e-4) result.push('-');
    else if (ownPower >= strongest / 5) result.push('own');
    else result.push(powers.every((p) => p >= strongest / 300) && ownPower < strongest / 3000 ? 'ok' : '-');
  }
  return result;
}

function longestRun(sets: string[], wanted: string): number {
  let best = 0;
  let run = 0;
  for (const set of sets) {
    run = set === wanted ? run + 1 : 0;
    best = Math.max(best, run);
  }
  return best;
}

/** The page hears each of `others` (at least 1/300 of the strongest) and not `own` (under 1/3000). */
async function hearsOthers(page: Page, others: number[], own: number): Promise<boolean> {
  const { rms, share } = await toneMix(page, [...others, own]);
  return rms >= 0.005 && others.every((hz) => (share[hz] ?? 0) >= 1 / 300) && (share[own] ?? 0) < 1 / 3000;
}

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

  test('a room of two browsers and two desk phones: every participant hears the three others and not themselves', async ({ portal, deskPhone, server }) => {
    const tones = [500, 900, 1300, 1700];
    const [alice, bob] = await signInAll(portal, [
      { extension: '101', toneHz: 500 },
      { extension: '102', toneHz: 900 },
    ]);
    const [carol, dan] = await Promise.all([deskPhone('103', { toneHz: 1300 }), deskPhone('104', { toneHz: 1700 })]);

    // Alice opens her room with *38; the others dial its number.
    await dial(alice!, '*38');
    const header = alice!.page.getByTestId('call-party');
    await expect(header).toHaveText(/^In Conference — Room 999\d\d$/, { timeout: 20_000 });
    const room = /999\d\d/.exec((await header.textContent()) ?? '')![0];
    await dial(bob!, room);
    await expect(bob!.page.getByTestId('call-party')).toHaveText(`In Conference — Room ${room}`, { timeout: 20_000 });
    await carol.dial(`sip:${room}@127.0.0.1:${server.sipPort}`);
    await dan.dial(`sip:${room}@127.0.0.1:${server.sipPort}`);
    await Promise.all([carol.waitFor('CALL_ESTABLISHED', { since: 0, timeoutMs: 20_000 }), dan.waitFor('CALL_ESTABLISHED', { since: 0, timeoutMs: 20_000 })]);
    await expect(alice!.page.getByRole('list', { name: 'Participants' }).getByRole('listitem')).toHaveCount(4, { timeout: 15_000 });

    await expect.poll(() => hearsOthers(alice!.page, [900, 1300, 1700], 500), { timeout: 20_000 }).toBe(true);
    await expect.poll(() => hearsOthers(bob!.page, [500, 1300, 1700], 900), { timeout: 20_000 }).toBe(true);

    // The phones' recordings grow as they hear: each must hold a second of the three others
    // together before the phones hang up (on a busy machine the browsers' checks can pass within
    // a second or two of the phones joining, too soon for that).
    const phones = [[carol, 1300], [dan, 1700]] as const;
    const heardRun = (phone: typeof carol, own: number) => {
      try {
        return longestRun(blocks(phone.heardAudio(), tones.filter((hz) => hz !== own), own), 'ok');
      } catch {
        return 0; // no recording yet
      }
    };
    for (const [phone, own] of phones) await expect.poll(() => heardRun(phone, own), { timeout: 20_000 }).toBeGreaterThanOrEqual(4);
    // The finished recordings: that stretch, and their own tone never back.
    const carolMark = carol.events.length;
    const danMark = dan.events.length;
    await Promise.all([carol.hangup(), dan.hangup()]);
    await Promise.all([carol.waitFor('CALL_CLOSED', { since: carolMark }), dan.waitFor('CALL_CLOSED', { since: danMark })]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const [phone, own] of phones) {
      const heard = blocks(phone.heardAudio(), tones.filter((hz) => hz !== own), own);
      expect(longestRun(heard, 'ok'), `${own} Hz phone heard: ${heard.join(' ')}`).toBeGreaterThanOrEqual(4);
      expect(heard.filter((b) => b === 'own').length, `${own} Hz phone heard itself: ${heard.join(' ')}`).toBe(0);
    }
    // With the phones gone the browsers go on hearing each other in the room.
    await expect(alice!.page.getByRole('list', { name: 'Participants' }).getByRole('listitem')).toHaveCount(2, { timeout: 15_000 });
    await expect.poll(() => hearsMix(alice!.page, [900], [500, 1300, 1700]), { timeout: 20_000 }).toBe(true);
  });
});

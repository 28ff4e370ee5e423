import { randomUUID } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { VoicemailRecord } from '../store/voicemail.js';
import type { AnsweredCall } from '../features/answered-call.js';
import { GreetingError, type Mailbox } from './mailbox.js';
import type { SpokenPrompts } from './spoken-prompts.js';

const WAIT_FOR_CHOICE_MS = 6000;
/** The key that records a greeting, at any prompt of the menu. */
const GREETING_KEY = '9';
/** Longest greeting recorded by phone. */
const MAX_GREETING_SECONDS = 60;
/** Shorter recordings are a slip of the finger, not a greeting. */
const MIN_GREETING_MS = 700;

/** "You have" + count + "new messages", from the committed prompts (spoken when above ten). */
async function countPrompt(prompts: SpokenPrompts, unread: number): Promise<{ files: string[] } | { file: string }> {
  const noun = unread === 1 ? 'prompts/new-message.wav' : 'prompts/new-messages.wav';
  if (unread <= 10) return { files: ['prompts/you-have.wav', `prompts/digits/${unread}.wav`, noun] };
  const spoken = await prompts.say(`You have ${unread} new messages.`);
  return spoken ? { file: spoken } : { files: ['prompts/you-have.wav', noun] };
}

/**
 * `*97`: the caller's own mailbox by phone. New messages first (oldest first), then heard ones;
 * each is played and marked heard, then the menu: 1 replay, 2 or # next, 7 delete. 9, at any
 * prompt, records the caller's greeting. After the last message the menu offers 9 once more,
 * then says goodbye. Hanging up leaves. Kept small on purpose, and every choice is said.
 */
export async function runMailboxMenu(call: AnsweredCall, voicemail: Mailbox, prompts: SpokenPrompts, tenantId: string, userId: string): Promise<void> {
  const all = await voicemail.list(tenantId, userId);
  const byAge = (a: VoicemailRecord, b: VoicemailRecord) => a.receivedAt.getTime() - b.receivedAt.getTime();
  const queue = [...all.filter((m) => !m.heard).sort(byAge), ...all.filter((m) => m.heard).sort(byAge)];
  const unread = all.filter((m) => !m.heard).length;
  if ((await call.playForDigit(await countPrompt(prompts, unread))) === GREETING_KEY) await recordGreeting(call, voicemail, tenantId, userId);

  for (let i = 0; i < queue.length && !call.isEnded; ) {
    const message = queue[i]!;
    let choice = await call.playForDigit({ file: voicemail.pathOf(message) });
    if (call.isEnded) return;
    if (!message.heard) {
      await voicemail.setHeard(tenantId, userId, message.id, true);
      message.heard = true;
    }
    choice ??= await call.playForDigit({ file: 'prompts/voicemail-menu.wav' }, WAIT_FOR_CHOICE_MS);
    if (call.isEnded) return;
    if (choice === '1') continue;
    if (choice === GREETING_KEY) {
      await recordGreeting(call, voicemail, tenantId, userId);
      continue;
    }
    if (choice === '7') {
      await voicemail.remove(tenantId, userId, message.id);
      await call.play({ file: 'prompts/message-deleted.wav' });
    }
    i++;
  }
  if (call.isEnded) return;
  const last = await call.playForDigit({ files: ['prompts/no-more-messages.wav', 'prompts/greeting-offer.wav'] }, WAIT_FOR_CHOICE_MS);
  if (last === GREETING_KEY) await recordGreeting(call, voicemail, tenantId, userId);
  if (call.isEnded) return;
  await call.play({ file: 'prompts/goodbye.wav' });
  await call.hangUp('mailbox menu done');
}

/**
 * Records the caller's greeting: a prompt, the beep, the recording until `#`, hang-up or a
 * minute; then it is played back with a choice: 1 keep it, 2 record it again, 3 back to the
 * standard (spoken) greeting. No choice, or hanging up after the recording, keeps it. It is
 * stored as an uploaded greeting is (checked, written durably, the old one removed).
 */
async function recordGreeting(call: AnsweredCall, voicemail: Mailbox, tenantId: string, userId: string): Promise<void> {
  for (;;) {
    await call.play({ files: ['prompts/greeting-record.wav', 'tones/beep.wav'] });
    if (call.isEnded) return;
    const path = join(voicemail.dir, 'greetings', `.recording-${randomUUID()}.wav`);
    try {
      const recording = await call.media.record(path, { maxSeconds: MAX_GREETING_SECONDS, stopDigits: '#' }).catch(() => null);
      if (!recording || recording.durationMs < MIN_GREETING_MS) {
        await call.play({ file: 'prompts/nothing-recorded.wav' });
        return;
      }
      let choice: string | null = null;
      if (!call.isEnded) choice = await call.playForDigit({ files: ['prompts/greeting-playback.wav', path, 'prompts/greeting-menu.wav'] }, WAIT_FOR_CHOICE_MS);
      if (choice === '2' && !call.isEnded) continue;
      if (choice === '3') {
        await voicemail.removeGreeting(tenantId, userId);
        await call.play({ file: 'prompts/greeting-standard.wav' });
        return;
      }
      try {
        await voicemail.setGreeting(tenantId, userId, await readFile(path));
      } catch (error) {
        if (!(error instanceof GreetingError)) throw error;
        await call.play({ file: 'prompts/nothing-recorded.wav' });
        return;
      }
      await call.play({ file: 'prompts/greeting-saved.wav' });
      return;
    } finally {
      await rm(path, { force: true });
    }
  }
}

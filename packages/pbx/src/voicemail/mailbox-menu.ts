import type { VoicemailRecord } from '../store/voicemail.js';
import type { AnsweredCall } from '../features/answered-call.js';
import type { Mailbox } from './mailbox.js';
import type { SpokenPrompts } from './spoken-prompts.js';

const MENU_TEXT = 'Press 1 to replay, 2 or the pound key for the next message, 7 to delete. Hang up when you are done.';
const WAIT_FOR_CHOICE_MS = 6000;

/** "You have" + count + "new messages", from the committed prompts (spoken when above ten). */
async function countPrompt(prompts: SpokenPrompts, unread: number): Promise<{ files: string[] } | { file: string }> {
  const noun = unread === 1 ? 'prompts/new-message.wav' : 'prompts/new-messages.wav';
  if (unread <= 10) return { files: ['prompts/you-have.wav', `prompts/digits/${unread}.wav`, noun] };
  const spoken = await prompts.say(`You have ${unread} new messages.`);
  return spoken ? { file: spoken } : { files: ['prompts/you-have.wav', noun] };
}

/**
 * `*97`: the caller's own mailbox by phone. New messages first (oldest first), then heard ones;
 * each is played and marked heard, then the menu: 1 replay, 2 or # next, 7 delete. Hanging up
 * leaves. Kept small on purpose, and every choice is said.
 */
export async function runMailboxMenu(call: AnsweredCall, voicemail: Mailbox, prompts: SpokenPrompts, tenantId: string, userId: string): Promise<void> {
  const all = await voicemail.list(tenantId, userId);
  const byAge = (a: VoicemailRecord, b: VoicemailRecord) => a.receivedAt.getTime() - b.receivedAt.getTime();
  const queue = [...all.filter((m) => !m.heard).sort(byAge), ...all.filter((m) => m.heard).sort(byAge)];
  const unread = all.filter((m) => !m.heard).length;
  await call.play(await countPrompt(prompts, unread));
  const menu = (await prompts.say(MENU_TEXT)) ?? 'prompts/voicemail-menu.wav';
  const deleted = await prompts.say('Message deleted.');

  for (let i = 0; i < queue.length && !call.isEnded; ) {
    const message = queue[i]!;
    let choice = await call.playForDigit({ file: voicemail.pathOf(message) });
    if (call.isEnded) return;
    if (!message.heard) {
      await voicemail.setHeard(tenantId, userId, message.id, true);
      message.heard = true;
    }
    choice ??= await call.playForDigit({ file: menu }, WAIT_FOR_CHOICE_MS);
    if (call.isEnded) return;
    if (choice === '1') continue;
    if (choice === '7') {
      await voicemail.remove(tenantId, userId, message.id);
      if (deleted) await call.play({ file: deleted });
    }
    i++;
  }
  if (call.isEnded) return;
  await call.play({ files: ['prompts/no-more-messages.wav', 'prompts/goodbye.wav'] });
  await call.hangUp('mailbox menu done');
}

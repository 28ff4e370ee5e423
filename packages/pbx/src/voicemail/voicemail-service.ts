import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { MediaEngine } from '@switchboard/media';
import type { InviteServerTransaction, SipRequest, SipStack } from '@switchboard/sip';
import type { Party } from '../calls/call-leg.js';
import { AnsweredCall, type AnsweredCalls } from '../features/answered-call.js';
import type { CallAfterRinging, CallBeforeRinging, CallHandoff } from '../features/call-handoff.js';
import type { DndService } from '../features/dnd-service.js';
import type { CallObserver } from '../presence/call-observer.js';
import type { Repositories } from '../store/store.js';
import type { PbxLogger } from '../util/logger.js';
import type { Mailbox } from './mailbox.js';
import { SpokenPrompts } from './spoken-prompts.js';

export interface VoicemailServiceOptions {
  stack: SipStack;
  store: Repositories;
  media: MediaEngine;
  logger: PbxLogger;
  mailbox: Mailbox;
  calls: AnsweredCalls;
  dnd: DndService;
  observer?: CallObserver | undefined;
  /** Longest message (default 120 s). */
  maxMessageSeconds?: number;
}

/** Shorter recordings are a caller who hung up at the beep, not a message. */
const MIN_MESSAGE_MS = 700;

/**
 * Voicemail: takes calls the callee cannot (DND, nobody registered, no answer, busy when the
 * user wants it), plays the greeting and a beep, records until hang-up, `#` or the maximum
 * length, and stores the message — file fsync'd, then the row committed — before anything tells
 * the caller it is saved.
 */
export class VoicemailService implements CallHandoff {
  readonly prompts: SpokenPrompts;
  readonly mailbox: Mailbox;
  private readonly deposits = new Set<Promise<void>>();

  constructor(private readonly o: VoicemailServiceOptions) {
    this.mailbox = o.mailbox;
    this.prompts = new SpokenPrompts(join(o.mailbox.dir, 'prompts'), o.logger);
  }

  // ── the call engine's hand-off ─────────────────────────────────────────────────────

  beforeRinging(call: CallBeforeRinging): Promise<'ring' | 'taken' | 'refused'> {
    const userId = call.callee.userId;
    if (userId === null) return Promise.resolve('ring');
    const dnd = this.o.dnd.isOn(call.callee.tenantId, userId);
    if (!dnd && call.reachable) return Promise.resolve('ring');
    this.track(this.deposit({ request: call.request, tx: call.tx, caller: call.origin.from, callee: call.callee }, dnd ? 'dnd' : 'unavailable'));
    return Promise.resolve('taken');
  }

  async wants(callee: Party, reason: 'no-answer' | 'busy'): Promise<boolean> {
    if (callee.userId === null) return false;
    if (reason === 'no-answer') return true;
    return (await this.o.store.voicemail.box(callee.tenantId, callee.userId)).whenBusy;
  }

  take(call: CallAfterRinging): void {
    this.track(this.deposit({ request: call.request, tx: call.tx, caller: call.caller, callee: call.callee, handedOver: { media: call.media, answer: call.answer } }, call.reason));
  }

  /** Waits for messages being recorded to finish (shutdown, tests). */
  async settle(): Promise<void> {
    await Promise.all([...this.deposits]);
  }

  // ── leaving a message ──────────────────────────────────────────────────────────────

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: unknown) => this.o.logger('error', 'voicemail failed', { error: String(error) })).finally(() => this.deposits.delete(tracked));
    this.deposits.add(tracked);
  }

  private async deposit(
    init: { request: SipRequest; tx: InviteServerTransaction; caller: Party; callee: Party; handedOver?: AnsweredCallInit['handedOver'] },
    reason: string,
  ): Promise<void> {
    const owner = init.callee;
    const userId = owner.userId!;
    const call = await AnsweredCall.answer(this.ctx(), this.o.calls, {
      request: init.request,
      tx: init.tx,
      caller: init.caller,
      service: { tenantId: owner.tenantId, userId: null, number: 'voicemail', name: 'Voicemail' },
      ...(init.handedOver ? { handedOver: init.handedOver } : {}),
    });
    if (!call) return;
    this.o.logger('info', 'voicemail answers', { call: call.id, mailbox: owner.number, from: init.caller.number, reason });
    await call.play(await this.greetingFor(owner));
    if (call.isEnded) return;
    await call.play({ file: 'tones/beep.wav' });
    if (call.isEnded) return;

    const id = randomUUID();
    const file = join('messages', owner.tenantId, userId, `${id}.wav`);
    const path = join(this.o.mailbox.dir, file);
    mkdirSync(dirname(path), { recursive: true });
    const recording = await call.media.record(path, { maxSeconds: this.o.maxMessageSeconds ?? 120, stopDigits: '#' }).catch((error: unknown) => {
      this.o.logger('warn', 'voicemail recording failed', { call: call.id, error: String(error) });
      return null;
    });
    if (!recording || recording.durationMs < MIN_MESSAGE_MS) {
      rmSync(path, { force: true });
      await call.hangUp('nothing recorded');
      return;
    }
    // The file is complete and fsync'd (the recorder's promise); now the row, then the caller is told.
    await this.o.store.voicemail.add(owner.tenantId, { id, userId, from: { number: init.caller.number, name: init.caller.name }, durationMs: recording.durationMs, file });
    this.o.logger('info', 'voicemail saved', { call: call.id, mailbox: owner.number, durationMs: recording.durationMs, ended: recording.reason });
    await this.o.mailbox.mailboxChanged(owner.tenantId, userId);
    if (!call.isEnded) {
      await call.play({ files: ['prompts/message-saved.wav', 'prompts/goodbye.wav'] });
      await call.hangUp('message saved');
    }
  }

  /** The user's own greeting, else a spoken one naming them, else the generic prompts. */
  private async greetingFor(owner: Party): Promise<{ file: string } | { files: string[] }> {
    const own = await this.o.mailbox.greetingPath(owner.tenantId, owner.userId!);
    if (own) return { file: own };
    const who = owner.name ? `${owner.name}, at extension ${owner.number.split('').join(' ')},` : `The person at extension ${owner.number.split('').join(' ')}`;
    const spoken = await this.prompts.say(`${who} is not available. Please leave a message after the tone. Press the pound key when you are done.`);
    return spoken ? { file: spoken } : { files: ['prompts/not-available.wav', 'prompts/leave-message.wav'] };
  }

  private ctx(): { stack: SipStack; media: MediaEngine; logger: PbxLogger; observer?: CallObserver | undefined } {
    return { stack: this.o.stack, media: this.o.media, logger: this.o.logger, observer: this.o.observer };
  }
}

type AnsweredCallInit = Parameters<typeof AnsweredCall.answer>[2];


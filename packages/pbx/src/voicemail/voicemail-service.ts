import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync, existsSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseWav, type MediaEngine } from '@switchboard/media';
import type { InviteServerTransaction, SipRequest, SipStack } from '@switchboard/sip';
import type { Party } from '../calls/call-leg.js';
import { AnsweredCall, type AnsweredCalls } from '../features/answered-call.js';
import type { CallAfterRinging, CallBeforeRinging, CallHandoff } from '../features/call-handoff.js';
import type { DndService } from '../features/dnd-service.js';
import type { FeatureNotifier } from '../features/feature-notifier.js';
import type { CallObserver } from '../presence/call-observer.js';
import type { Repositories } from '../store/store.js';
import type { VoicemailRecord } from '../store/voicemail.js';
import type { PbxLogger } from '../util/logger.js';
import { mailboxKeyOf } from './message-summary.js';
import { SpokenPrompts } from './spoken-prompts.js';

export interface VoicemailServiceOptions {
  stack: SipStack;
  store: Repositories;
  media: MediaEngine;
  logger: PbxLogger;
  /** Messages, greetings and spoken prompts live under this folder (the data folder's `voicemail/`). */
  dir: string;
  calls: AnsweredCalls;
  dnd: DndService;
  observer?: CallObserver | undefined;
  notifier?: FeatureNotifier | undefined;
  /** A mailbox changed: message-summary NOTIFYs go out. */
  mailboxChanged?: (key: string) => void;
  /** Longest message (default 120 s). */
  maxMessageSeconds?: number;
}

/** Shorter recordings are a caller who hung up at the beep, not a message. */
const MIN_MESSAGE_MS = 700;
/** Uploaded greetings: at most this many bytes (the API says 2 MB). */
export const MAX_GREETING_BYTES = 2 * 1024 * 1024;

/** A greeting upload that is not usable audio. */
export class GreetingError extends Error {
  override readonly name = 'GreetingError';
}

/**
 * Voicemail: takes calls the callee cannot (DND, nobody registered, no answer, busy when the
 * user wants it), plays the greeting and a beep, records until hang-up, `#` or the maximum
 * length, and stores the message — file fsync'd, then the row committed — before anything tells
 * the caller it is saved. Also the mailbox operations of the portal and the `*97` menu.
 */
export class VoicemailService implements CallHandoff {
  readonly prompts: SpokenPrompts;
  private readonly deposits = new Set<Promise<void>>();

  constructor(private readonly o: VoicemailServiceOptions) {
    this.prompts = new SpokenPrompts(join(o.dir, 'prompts'), o.logger);
    mkdirSync(join(o.dir, 'messages'), { recursive: true });
    mkdirSync(join(o.dir, 'greetings'), { recursive: true });
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
    const path = join(this.o.dir, file);
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
    await this.mailboxChanged(owner.tenantId, userId);
    if (!call.isEnded) {
      await call.play({ files: ['prompts/message-saved.wav', 'prompts/goodbye.wav'] });
      await call.hangUp('message saved');
    }
  }

  /** The user's own greeting, else a spoken one naming them, else the generic prompts. */
  private async greetingFor(owner: Party): Promise<{ file: string } | { files: string[] }> {
    const box = await this.o.store.voicemail.box(owner.tenantId, owner.userId!);
    if (box.greetingFile !== null && existsSync(join(this.o.dir, box.greetingFile))) return { file: join(this.o.dir, box.greetingFile) };
    const who = owner.name ? `${owner.name}, at extension ${owner.number.split('').join(' ')},` : `The person at extension ${owner.number.split('').join(' ')}`;
    const spoken = await this.prompts.say(`${who} is not available. Please leave a message after the tone. Press the pound key when you are done.`);
    return spoken ? { file: spoken } : { files: ['prompts/not-available.wav', 'prompts/leave-message.wav'] };
  }

  private ctx(): { stack: SipStack; media: MediaEngine; logger: PbxLogger; observer?: CallObserver | undefined } {
    return { stack: this.o.stack, media: this.o.media, logger: this.o.logger, observer: this.o.observer };
  }

  // ── the mailbox (portal, *97) ──────────────────────────────────────────────────────

  list(tenantId: string, userId: string): Promise<VoicemailRecord[]> {
    return this.o.store.voicemail.list(tenantId, userId);
  }

  async unread(tenantId: string, userId: string): Promise<number> {
    return (await this.o.store.voicemail.counts(tenantId, userId)).unread;
  }

  /** The absolute path of a message's audio, or null when there is no such message. */
  async audioPath(tenantId: string, userId: string, id: string): Promise<string | null> {
    const message = await this.o.store.voicemail.get(tenantId, userId, id);
    return message ? join(this.o.dir, message.file) : null;
  }

  pathOf(message: VoicemailRecord): string {
    return join(this.o.dir, message.file);
  }

  async setHeard(tenantId: string, userId: string, id: string, heard: boolean): Promise<VoicemailRecord | null> {
    const before = await this.o.store.voicemail.get(tenantId, userId, id);
    if (!before) return null;
    const after = await this.o.store.voicemail.setHeard(tenantId, userId, id, heard);
    if (before.heard !== heard) await this.mailboxChanged(tenantId, userId);
    return after;
  }

  /** Deletes a message: the row first (committed), then its file. False when there is none. */
  async remove(tenantId: string, userId: string, id: string): Promise<boolean> {
    const removed = await this.o.store.voicemail.remove(tenantId, userId, id);
    if (!removed) return false;
    rmSync(join(this.o.dir, removed.file), { force: true });
    await this.mailboxChanged(tenantId, userId);
    return true;
  }

  /** Stores an uploaded greeting (a PCM WAV, mono; checked here), replacing the previous one. */
  async setGreeting(tenantId: string, userId: string, wav: Buffer): Promise<void> {
    if (wav.length > MAX_GREETING_BYTES) throw new GreetingError('The greeting is larger than 2 MB.');
    let audio;
    try {
      audio = parseWav(wav);
    } catch (error) {
      throw new GreetingError(`The greeting is not a WAV file this server can play (${error instanceof Error ? error.message : 'unreadable'}).`);
    }
    if (![8000, 16000, 48000].includes(audio.sampleRate)) throw new GreetingError('The greeting must be recorded at 8, 16 or 48 kHz.');
    if (audio.samples.length < audio.sampleRate / 2) throw new GreetingError('The greeting is shorter than half a second.');
    const file = join('greetings', tenantId, `${userId}-${randomUUID()}.wav`);
    const path = join(this.o.dir, file);
    mkdirSync(dirname(path), { recursive: true });
    await writeDurably(path, wav);
    const previous = (await this.o.store.voicemail.box(tenantId, userId)).greetingFile;
    await this.o.store.voicemail.updateBox(tenantId, userId, { greetingFile: file });
    if (previous) rmSync(join(this.o.dir, previous), { force: true });
  }

  /** Back to the spoken default greeting. */
  async removeGreeting(tenantId: string, userId: string): Promise<void> {
    const previous = (await this.o.store.voicemail.box(tenantId, userId)).greetingFile;
    await this.o.store.voicemail.updateBox(tenantId, userId, { greetingFile: null });
    if (previous) rmSync(join(this.o.dir, previous), { force: true });
  }

  /** Message-waiting lamps and the portal badge follow the mailbox. */
  async mailboxChanged(tenantId: string, userId: string): Promise<void> {
    this.o.mailboxChanged?.(mailboxKeyOf(tenantId, userId));
    if (this.o.notifier?.voicemailChanged) this.o.notifier.voicemailChanged(tenantId, userId, await this.unread(tenantId, userId));
  }
}

type AnsweredCallInit = Parameters<typeof AnsweredCall.answer>[2];

/** Writes a file so that it survives a crash once this resolves: temp name, fsync, rename, directory fsync. */
export async function writeDurably(path: string, data: Buffer): Promise<void> {
  const temp = join(dirname(path), `.${randomUUID()}.part`);
  const file = await open(temp, 'w');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(temp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { open, rename } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parseWav } from '@switchboard/media';
import type { FeatureNotifier } from '../features/feature-notifier.js';
import type { Repositories } from '../store/store.js';
import type { VoicemailRecord } from '../store/voicemail.js';
import { mailboxKeyOf } from './message-summary.js';

/** Uploaded greetings: at most this many bytes (the API says 2 MB). */
export const MAX_GREETING_BYTES = 2 * 1024 * 1024;

/** A greeting upload that is not usable audio. */
export class GreetingError extends Error {
  override readonly name = 'GreetingError';
}

export interface MailboxOptions {
  store: Repositories;
  /** Messages and greetings live under this folder (the data folder's `voicemail/`). */
  dir: string;
  notifier?: FeatureNotifier | undefined;
  /** A mailbox changed: message-summary NOTIFYs go out. */
  mailboxChanged?: ((key: string) => void) | undefined;
}

/**
 * Every user's mailbox: messages (rows in the store, audio files under `dir`), greetings, and
 * the announcements that follow a change (the message-waiting lamp, the portal badge). Used by
 * the portal API, the `*97` menu and the deposit.
 */
export class Mailbox {
  constructor(private readonly o: MailboxOptions) {
    mkdirSync(join(o.dir, 'messages'), { recursive: true });
    mkdirSync(join(o.dir, 'greetings'), { recursive: true });
  }

  get dir(): string {
    return this.o.dir;
  }

  /** The absolute path of the user's own greeting, or null (the spoken default). */
  async greetingPath(tenantId: string, userId: string): Promise<string | null> {
    const box = await this.o.store.voicemail.box(tenantId, userId);
    if (box.greetingFile === null) return null;
    const path = join(this.o.dir, box.greetingFile);
    return existsSync(path) ? path : null;
  }

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

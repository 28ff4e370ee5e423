import { open, rename, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { Resampler } from '../codecs/resampler.js';
import { pcmToBytes, wavHeader } from '../audio/wav.js';
import type { ClockTask, MediaClock } from './media-clock.js';
import { JitterBuffer } from './jitter-buffer.js';
import type { MediaLeg, SourcePacket } from './media-leg.js';

export type RecordingEnd = 'max-length' | 'digit' | 'hangup' | 'stopped' | 'silence';

export interface RecordingOptions {
  /** Stop after this much audio; default 120 s. */
  maxSeconds?: number;
  /** DTMF digits that end the recording (the digit is not part of it), e.g. '#'. */
  stopDigits?: string;
  /** File sample rate; default 8000 for G.711 callers, 16000 for wideband ones. */
  sampleRate?: number;
}

export interface RecordingResult {
  path: string;
  durationMs: number;
  reason: RecordingEnd;
  digit?: string;
}

const FLUSH_FRAMES = 50; // write to disk about once a second

/**
 * Records what a leg receives to a mono 16-bit WAV file (voicemail). The file is written to a
 * temporary name as the call goes, then its header completed, flushed to the disk (fsync),
 * renamed into place and the directory synced — only then is the recording reported done, so
 * a message the caller was told is saved survives a crash.
 */
export class Recorder {
  private readonly jitter = new JitterBuffer();
  private readonly task: ClockTask;
  private readonly tap: (sp: SourcePacket) => void;
  private readonly onDigit: (digit: string) => void;
  private readonly onClosed: () => void;
  private readonly rate: number;
  private readonly maxFrames: number;
  private resampler: Resampler | null = null;
  private chunks: Buffer[] = [];
  private frames = 0;
  private bytesWritten = 0;
  private file: FileHandle | null = null;
  private writing: Promise<void> = Promise.resolve();
  private opening: Promise<void> = Promise.resolve();
  private finished = false;
  private readonly tmpPath: string;
  readonly done: Promise<RecordingResult>;
  private resolve!: (r: RecordingResult) => void;
  private reject!: (e: unknown) => void;

  constructor(
    private readonly leg: MediaLeg,
    readonly path: string,
    options: RecordingOptions,
    private readonly clock: MediaClock,
  ) {
    const send = leg.sendCodec;
    this.rate = options.sampleRate ?? (send && send.clockRate > 8000 ? 16000 : 8000);
    this.maxFrames = Math.round((options.maxSeconds ?? 120) * 50);
    this.tmpPath = join(dirname(path), `.${basename(path)}.part`);
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const stopDigits = (options.stopDigits ?? '').toUpperCase();
    this.tap = (sp) => {
      if (sp.codec) this.jitter.push(sp.packet, sp.codec, performance.now());
    };
    this.onDigit = (digit) => {
      if (stopDigits.includes(digit)) this.finish('digit', digit);
    };
    this.onClosed = () => this.finish('hangup');
    this.task = { tick: (now) => this.tick(now), failed: (error) => this.fail(error) };
  }

  async start(): Promise<void> {
    this.opening = (async () => {
      this.file = await open(this.tmpPath, 'w');
      // Room for the header, completed when the recording ends.
      await this.file.write(Buffer.alloc(44), 0, 44, 0);
    })();
    this.bytesWritten = 44;
    await this.opening;
    if (this.finished) return;
    this.leg.addTap(this.tap);
    this.leg.events.on('dtmf', this.onDigit);
    this.leg.events.on('closed', this.onClosed);
    this.clock.add(this.task);
  }

  /** Ends the recording now: 'stopped' on request, 'hangup' when the leg went away. */
  stop(reason: 'stopped' | 'hangup' = 'stopped'): void {
    this.finish(reason);
  }

  private tick(now: number): void {
    const frame = this.jitter.pull(now);
    let pcm: Int16Array;
    if (frame) {
      if (frame.sampleRate !== this.rate) {
        if (!this.resampler || this.resampler.inRate !== frame.sampleRate) this.resampler = new Resampler(frame.sampleRate, this.rate);
        pcm = this.resampler.process(frame.pcm);
      } else {
        pcm = frame.pcm;
      }
    } else {
      // Nothing arrived (silence suppression, a gap): time still passes in the message.
      pcm = new Int16Array(this.rate / 50);
    }
    this.chunks.push(pcmToBytes(pcm));
    this.frames++;
    if (this.frames % FLUSH_FRAMES === 0) this.flush();
    if (this.frames >= this.maxFrames) this.finish('max-length');
  }

  private flush(): void {
    const data = Buffer.concat(this.chunks);
    this.chunks = [];
    if (data.length === 0 || !this.file) return;
    const file = this.file;
    const at = this.bytesWritten;
    this.bytesWritten += data.length;
    this.writing = this.writing.then(async () => {
      await file.write(data, 0, data.length, at);
    });
  }

  private finish(reason: RecordingEnd, digit?: string): void {
    if (this.finished) return;
    this.finished = true;
    this.clock.delete(this.task);
    this.leg.removeTap(this.tap);
    this.leg.events.off('dtmf', this.onDigit);
    this.leg.events.off('closed', this.onClosed);
    this.jitter.close();
    this.flush();
    const durationMs = this.frames * 20;
    const finalize = async (): Promise<void> => {
      await this.opening;
      await this.writing;
      const file = this.file;
      if (!file) throw new Error('recording file was never opened');
      await file.write(wavHeader(this.rate, this.bytesWritten - 44), 0, 44, 0);
      await file.sync();
      await file.close();
      await rename(this.tmpPath, this.path);
      // The rename itself must reach the disk too.
      const dir = await open(dirname(this.path), 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    };
    finalize().then(
      () => this.resolve({ path: this.path, durationMs, reason, ...(digit !== undefined ? { digit } : {}) }),
      (error: unknown) => this.reject(error),
    );
  }

  private fail(error: unknown): void {
    this.finished = true;
    this.clock.delete(this.task);
    this.leg.removeTap(this.tap);
    void this.file?.close().catch(() => undefined);
    this.reject(error);
  }
}

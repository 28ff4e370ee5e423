import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { PbxLogger } from '../util/logger.js';

const run = promisify(execFile);

/**
 * Prompts whose words are only known at run time (a default greeting naming the user, the
 * mailbox menu): spoken once with espeak-ng, the same voice and format as the committed prompts
 * (16 kHz mono, see packages/media/assets/make-assets.sh), and kept in a cache folder.
 */
export class SpokenPrompts {
  private readonly pending = new Map<string, Promise<string | null>>();

  constructor(
    private readonly dir: string,
    private readonly logger: PbxLogger,
  ) {}

  /** The absolute path of a WAV saying `text`, or null when it cannot be made (espeak-ng or sox missing). */
  say(text: string): Promise<string | null> {
    const name = `${createHash('sha256').update(text).digest('hex').slice(0, 24)}.wav`;
    const path = join(this.dir, name);
    if (existsSync(path)) return Promise.resolve(path);
    let making = this.pending.get(name);
    if (!making) {
      making = this.make(text, path).finally(() => this.pending.delete(name));
      this.pending.set(name, making);
    }
    return making;
  }

  private async make(text: string, path: string): Promise<string | null> {
    mkdirSync(this.dir, { recursive: true });
    const raw = `${path}.${process.pid}.raw.wav`;
    const part = `${path}.${process.pid}.part.wav`;
    try {
      await run('espeak-ng', ['-v', 'en-us+f3', '-s', '145', '-p', '42', '-a', '110', '-w', raw, text], { timeout: 20_000 });
      await run('sox', [raw, '-r', '16000', '-c', '1', '-b', '16', part, 'pad', '0', '0.15', 'vol', '0.9'], { timeout: 20_000 });
      renameSync(part, path);
      return path;
    } catch (error) {
      this.logger('warn', 'could not speak a prompt', { text, error: String(error) });
      return null;
    } finally {
      rmSync(raw, { force: true });
      rmSync(part, { force: true });
    }
  }
}

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Baresip, writeToneWav } from '@switchboard/testkit';
import type { SwitchboardServer } from './server.js';

export const baresipMissing = Baresip.isAvailable() ? null : 'baresip is not installed (apt-get install baresip-core): the desk-phone tests are skipped';

export interface DeskPhoneOptions {
  /** The sine this phone sends as its voice (Hz); default 1000. */
  toneHz?: number;
  /** Keep every SIP message in the phone's log (Baresip.sipMessages()). */
  sipTrace?: boolean;
}

let toneDir: string | null = null;

/** An 8 kHz WAV of a steady sine for baresip's microphone (aufile). */
function phoneToneFile(frequency: number): string {
  if (!toneDir) {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-phone-tones-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    toneDir = dir;
  }
  const path = join(toneDir, `phone-${frequency}.wav`);
  if (!existsSync(path)) writeToneWav(path, frequency, 60);
  return path;
}

/**
 * A baresip desk phone registered to the server with the demo desk-phone account of
 * `extension`, as a person would set one up from the start-up banner (README: Adding a desk phone).
 * Resolves once the server has accepted its registration.
 */
export async function startDeskPhone(server: SwitchboardServer, extension: string, options: DeskPhoneOptions = {}): Promise<Baresip> {
  const account = server.deskPhone(extension);
  return Baresip.startRegistered({
    account: { user: account.sipUsername, domain: `127.0.0.1:${server.sipPort}`, password: account.sipPassword, displayName: account.name },
    audioSource: phoneToneFile(options.toneHz ?? 1000),
    ...(options.sipTrace ? { sipTrace: true } : {}),
  });
}

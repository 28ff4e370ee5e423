import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';
import type { Browser } from '@playwright/test';

export const chromiumPath = '/usr/bin/chromium';
export const chromiumMissing = existsSync(chromiumPath)
  ? null
  : `${chromiumPath} is not installed (apt-get install chromium): the browser tests are skipped`;

/** Flags that make loopback WebRTC work headless (shared notes: webrtc-on-this-machine.md). */
const baseArgs = [
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--use-fake-device-for-media-stream',
  '--allow-loopback-in-peer-connection',
  '--autoplay-policy=no-user-gesture-required',
];

export interface BrowserOptions {
  /** Frequency of the sine this user's microphone sends (Hz); default 440. */
  toneHz?: number;
  /** 'allow' answers the microphone prompt with yes; 'deny' refuses it, as a user who clicked Block. */
  microphone?: 'allow' | 'deny';
}

let toneDir: string | null = null;

/** A WAV of a steady sine made with sox, so the far side can tell who is speaking. */
export function toneFile(frequency: number): string {
  if (!toneDir) {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-e2e-tones-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
    toneDir = dir;
  }
  const path = join(toneDir, `tone-${frequency}.wav`);
  if (!existsSync(path)) {
    try {
      execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', path, 'synth', '30', 'sine', String(frequency), 'vol', '0.5']);
    } catch (error) {
      throw new Error(`could not make the fake microphone tone with sox (apt-get install sox): ${String(error)}`);
    }
  }
  return path;
}

/**
 * A headless Chromium for one user. Each user needs a browser of its own: the fake microphone
 * file (--use-file-for-fake-audio-capture) applies to the whole browser.
 */
export async function launchBrowser(options: BrowserOptions = {}): Promise<Browser> {
  const { toneHz = 440, microphone = 'allow' } = options;
  const args = [...baseArgs, `--use-file-for-fake-audio-capture=${toneFile(toneHz)}`];
  args.push(microphone === 'allow' ? '--use-fake-ui-for-media-stream' : '--deny-permission-prompts');
  return chromium.launch({ executablePath: chromiumPath, headless: true, args });
}

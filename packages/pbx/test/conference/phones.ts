import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Baresip, writeToneWav } from '@switchboard/testkit';
export { endsHearing, story, until } from '@switchboard/testkit';
import type { PbxFixture } from '../support/pbx-fixture.js';

/** Tone files the phones of the transfer and conference tests send as their microphone. */
const toneDir = mkdtempSync(join(tmpdir(), 'sb-transfer-tones-'));
for (const hz of [440, 1000, 1600]) writeToneWav(join(toneDir, `${hz}.wav`), hz, 60);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A registered baresip desk phone for `extension` whose microphone is a `hz` tone (440, 1000 or 1600). */
export async function deskPhone(pbx: PbxFixture, extension: string, name: string, hz: 440 | 1000 | 1600): Promise<Baresip> {
  const creds = await pbx.addPhone(extension, name);
  const phone = await Baresip.start({
    account: { user: creds.username, domain: `127.0.0.1:${pbx.port}`, password: creds.password, displayName: name },
    audioSource: join(toneDir, `${hz}.wav`),
  });
  await phone.waitRegistered();
  return phone;
}



import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Baresip, SIPP_SCENARIOS, farEndMedia, describeTimeline, runSipp, sippAvailable, toneTimeline, writeToneWav, type Pcm } from '@switchboard/testkit';
import { PbxFixture } from '../support/pbx-fixture.js';

const tones = mkdtempSync(join(tmpdir(), 'sb-transfer-trunk-tones-'));
for (const hz of [1000, 1600]) writeToneWav(join(tones, `${hz}.wav`), hz, 60);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function deskPhone(pbx: PbxFixture, extension: string, name: string, hz: number): Promise<{ phone: Baresip; tenantId: string }> {
  const creds = await pbx.addPhone(extension, name);
  const phone = await Baresip.startRegistered({
    account: { user: creds.username, domain: `127.0.0.1:${pbx.port}`, password: creds.password, displayName: name },
    audioSource: join(tones, `${hz}.wav`),
  });
  return { phone, tenantId: creds.tenantId };
}

function story(pcm: Pcm, hz: number): string {
  return describeTimeline(toneTimeline(pcm), hz);
}

// A caller from the trunk (SIPp as the carrier) is blind-transferred by the desk phone that took
// the call: the carrier's media ends up with the target's tone, and the target hears the carrier.
describe.skipIf(!(Baresip.isAvailable() && sippAvailable()))('transfer of a trunk caller', () => {
  let pbx: PbxFixture;
  const cleanup: Array<() => Promise<void> | void> = [];
  beforeEach(async () => {
    pbx = await PbxFixture.start({ media: true, ringTimeoutMs: 8000 });
  });
  afterEach(async () => {
    for (const undo of cleanup.splice(0).reverse()) await undo();
    await pbx.close();
  });

  it('Bob takes a DID call and transfers it to Carol: the carrier hears Carol, Carol hears the carrier', async () => {
    const { phone: bob, tenantId } = await deskPhone(pbx, '302', 'Bob Baker', 1000);
    const { phone: carol } = await deskPhone(pbx, '303', 'Carol Cole', 1600);
    cleanup.push(() => bob.stop(), () => carol.stop());
    await pbx.store.trunks.set(tenantId, { host: '127.0.0.1', port: 5060 });
    await pbx.store.dids.add(tenantId, '+15550100300', { extension: '302' });
    const media = await farEndMedia(440);
    cleanup.push(() => media.close());

    const carrier = await runSipp({
      scenario: join(SIPP_SCENARIOS, 'trunk-uac.xml'),
      target: `127.0.0.1:${pbx.port}`,
      service: '+15550100300',
      keys: { peer_media_port: media.peer.port, caller: '15550003' },
      durationMs: 9000,
      timeoutSeconds: 60,
    });
    cleanup.push(() => carrier.kill());
    await bob.waitFor('CALL_INCOMING', { since: 0 });
    await bob.accept();
    await bob.waitFor('CALL_ESTABLISHED', { since: 0 });
    await sleep(1500);
    await bob.transfer(`sip:303@127.0.0.1:${pbx.port}`);
    const incoming = await carol.waitFor('CALL_INCOMING', { since: 0 });
    expect(incoming.peeruri).toContain('sip:15550003@');
    await carol.accept();
    await bob.waitFor('CALL_CLOSED', { since: 0, timeoutMs: 10_000 });
    const result = await carrier.done;
    expect(result.code, result.output).toBe(0);
    await carol.waitFor('CALL_CLOSED', { since: 0 });
    await sleep(300);

    const carrierHeard = media.peer.heardAudio();
    expect(story(carrierHeard, 1000)).toMatch(/T{3,}/); // Bob first
    expect(story(carrierHeard, 1600)).toMatch(/T{6,}[.o]{0,3}$/); // then Carol
    expect(story(carol.heardAudio(), 440)).toMatch(/T{6,}[.o]{0,3}$/);
    const calls = await pbx.store.callHistory.page(tenantId, (await pbx.store.users.findByExtension(tenantId, '303'))!.id, { limit: 3 });
    expect(calls.items[0]).toMatchObject({ direction: 'inbound', outcome: 'answered', other: { number: '15550003' } });
  });
});

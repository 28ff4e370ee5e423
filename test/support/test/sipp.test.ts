import { join } from 'node:path';
import { RtpPeer, SIPP_SCENARIOS, analyseTone, freePortBlock, runSipp, sippAvailable } from '../src/index.js';

// The trunk scenarios themselves, proven by running the trunk UAC straight into the trunk UAS:
// the call completes and the two RTP peers named in the SDPs hear each other.
describe.skipIf(!sippAvailable())('SIPp trunk scenarios', () => {
  it('trunk-uac calls trunk-uas and media flows between the RTP peers', async () => {
    const callerMedia = await RtpPeer.open({ toneHz: 440 });
    const carrierMedia = await RtpPeer.open({ toneHz: 1000 });
    const port = await freePortBlock(1);
    try {
      const uas = await runSipp({ scenario: join(SIPP_SCENARIOS, 'trunk-uas.xml'), localPort: port, keys: { peer_media_port: carrierMedia.port }, timeoutSeconds: 20 });
      await new Promise((r) => setTimeout(r, 300));
      callerMedia.sendTo('127.0.0.1', carrierMedia.port);
      carrierMedia.sendTo('127.0.0.1', callerMedia.port);
      const uac = await runSipp({
        scenario: join(SIPP_SCENARIOS, 'trunk-uac.xml'),
        target: `127.0.0.1:${port}`,
        service: '5551234',
        keys: { peer_media_port: callerMedia.port, caller: '15550001' },
        durationMs: 800,
        timeoutSeconds: 20,
      });
      const [a, b] = await Promise.all([uac.done, uas.done]);
      expect(a.code, a.output).toBe(0);
      expect(b.code, b.output).toBe(0);
      expect(analyseTone(carrierMedia.heardAudio()).dominant).toBe(440);
      expect(analyseTone(callerMedia.heardAudio()).dominant).toBe(1000);
    } finally {
      callerMedia.close();
      carrierMedia.close();
    }
  });
});

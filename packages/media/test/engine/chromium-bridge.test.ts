/**
 * The whole media path of a browser-to-desk-phone call, without SIP: headless Chromium ↔ the
 * engine's WebRTC leg ↔ bridge (Opus ↔ PCMU) ↔ plain RTP leg ↔ a Node RTP peer standing in for
 * the phone. A distinct tone each way is measured on each far side; while the browser's side is
 * on hold the phone hears the hold music, and the conversation comes back after resume.
 */
import { analyseTone } from '@switchboard/testkit';
import { MediaEngine } from '../../src/engine/media-engine.js';
import { ChromiumHarness, chromiumMissing } from '../webrtc/chromium-peer.js';
import { TestPeer } from '../support/test-peer.js';

const BROWSER_TONE_HZ = 1000;
const PHONE_TONE_HZ = 440;

if (chromiumMissing !== null) it.skip(chromiumMissing, () => undefined);

describe.skipIf(chromiumMissing !== null)('Chromium ↔ WebRTC leg ↔ bridge ↔ RTP leg ↔ phone', () => {
  let engine: MediaEngine;
  let browser: ChromiumHarness;

  beforeAll(async () => {
    engine = await MediaEngine.start({ workers: 1, rtpPortRange: 'ephemeral', bindAddress: '127.0.0.1', announcedAddress: '127.0.0.1' });
    browser = await ChromiumHarness.launch(BROWSER_TONE_HZ);
  });
  afterAll(async () => {
    await browser?.close();
    await engine?.stop();
  });

  it('carries a tone each way, transcoding Opus ↔ PCMU, and the phone hears hold music while the browser side is held', async () => {
    const peer = await browser.newPeer();
    const phone = await TestPeer.open('PCMU', PHONE_TONE_HZ);
    const webLeg = engine.createLeg({ kind: 'webrtc', group: 'call' });
    const rtpLeg = engine.createLeg({ kind: 'rtp', group: 'call' });
    try {
      phone.start((await rtpLeg.answerOffer(phone.sdp())).answer);
      const { answer, negotiated } = await webLeg.answerOffer(await peer.makeOffer());
      expect(negotiated.codecs[0]!.name).toBe('opus');
      await peer.acceptAnswer(answer);
      await peer.waitFor(() => peer.connectionState(), 'connected');
      await engine.bridge(webLeg, rtpLeg);

      // The phone decodes the browser's microphone; the page measures what it plays.
      expect(analyseTone(await phone.hear(1.5), { skipSeconds: 0.4 }).dominant, 'phone hears the browser').toBe(BROWSER_TONE_HZ);
      const inPage = await peer.dominantFrequency(800);
      expect(inPage.frequency, 'browser hears the phone').not.toBeNull();
      expect(Math.abs(inPage.frequency! - PHONE_TONE_HZ)).toBeLessThanOrEqual(15);

      // Hold, as the call engine does it: unbridge, and the held party's far side gets music.
      await engine.unbridge(webLeg);
      const playing = rtpLeg.play({ file: 'music/hold.wav' }, { loop: true });
      const music = analyseTone(await phone.hear(1.5), { skipSeconds: 0.3 });
      expect(music.rms, 'hold music is not silence').toBeGreaterThan(0.02);
      expect(music.dominant, 'hold music is not the browser').not.toBe(BROWSER_TONE_HZ);

      // Resume: the conversation comes back on the same DTLS session.
      await rtpLeg.stopPlayback();
      expect(await playing).toBe('stopped');
      await engine.bridge(webLeg, rtpLeg);
      expect(analyseTone(await phone.hear(1.2), { skipSeconds: 0.3 }).dominant, 'browser heard again after resume').toBe(BROWSER_TONE_HZ);
      expect(await peer.dtlsState()).toBe('connected');
    } finally {
      await peer.close();
      phone.close();
      await webLeg.close();
      await rtpLeg.close();
    }
  });
});

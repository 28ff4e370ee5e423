import { analyseTone } from '@switchboard/testkit';
import { MediaEngine } from '../../src/engine/media-engine.js';
import { TestPeer } from '../support/test-peer.js';
import { WebRtcPeer } from '../support/webrtc-peer.js';

// A WebRTC leg (driven by a werift peer standing in for a browser) bridged to a plain RTP
// leg: Opus over DTLS-SRTP on one side, PCMU on the other, a tone each way.
describe('WebRTC leg <-> bridge <-> plain RTP leg', () => {
  let engine: MediaEngine;
  beforeAll(async () => {
    engine = await MediaEngine.start({ workers: 1, rtpPortRange: 'ephemeral', bindAddress: '127.0.0.1', announcedAddress: '127.0.0.1' });
  });
  afterAll(async () => {
    await engine.stop();
  });

  it('carries a tone each way, transcoding Opus <-> PCMU', async () => {
    const browser = new WebRtcPeer(1000);
    const phone = await TestPeer.open('PCMU', 440);
    const webLeg = engine.createLeg({ kind: 'webrtc', group: 'call' });
    const rtpLeg = engine.createLeg({ kind: 'rtp', group: 'call' });
    try {
      phone.start((await rtpLeg.answerOffer(phone.sdp())).answer);
      const { answer, negotiated } = await webLeg.answerOffer(await browser.offer());
      expect(negotiated.codecs[0]!.name).toBe('opus');
      // Bridged once the peer is connected: werift as a DTLS client fails the connection when
      // SRTP arrives before it has read the server's Finished (browsers do not).
      await browser.accept(answer);
      await engine.bridge(webLeg, rtpLeg);
      expect(analyseTone(await phone.hear(1.2), { skipSeconds: 0.3 }).dominant).toBe(1000);
      expect(analyseTone(await browser.hear(1.2), { skipSeconds: 0.3 }).dominant).toBe(440);
    } finally {
      await browser.close();
      phone.close();
      await webLeg.close();
      await rtpLeg.close();
    }
  });
});

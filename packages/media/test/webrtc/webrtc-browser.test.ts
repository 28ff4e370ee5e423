/**
 * The WebRTC leg against a real headless Chromium: both offer/answer directions, audio proven
 * by the tone heard on each side, hold/resume on the same DTLS session, and DTMF from the page.
 */
import { analyseTone } from '@switchboard/testkit';
import { createWebRtcTransport } from '../../src/webrtc/index.js';
import type { WebRtcTransport } from '../../src/webrtc/index.js';
import type { TransportState } from '../../src/transport/types.js';
import { ChromiumHarness, chromiumMissing } from './chromium-peer.js';
import type { BrowserPeer } from './chromium-peer.js';
import { RtpRecorder, ToneSender } from './tone-audio.js';

const BROWSER_TONE_HZ = 1000;
const OUR_TONE_HZ = 440;

function waitForState(transport: WebRtcTransport, wanted: TransportState, timeoutMs = 10_000): Promise<void> {
  if (transport.state === wanted) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`leg stayed ${transport.state}, expected ${wanted}`)), timeoutMs);
    transport.on('state', (state) => {
      if (state !== wanted) return;
      clearTimeout(timer);
      resolve();
    });
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe.skipIf(chromiumMissing !== null)('WebRTC leg with headless Chromium', () => {
  let browser: ChromiumHarness;
  const open: Array<{ leg: WebRtcTransport; peer: BrowserPeer }> = [];

  beforeAll(async () => {
    browser = await ChromiumHarness.launch(BROWSER_TONE_HZ);
  });

  afterEach(async () => {
    for (const { leg, peer } of open.splice(0)) {
      leg.close();
      await peer.close();
    }
  });

  afterAll(async () => {
    await browser?.close();
  });

  async function call(): Promise<{ leg: WebRtcTransport; peer: BrowserPeer }> {
    const leg = createWebRtcTransport({ id: `leg-${open.length}`, announcedAddresses: ['127.0.0.1'] });
    const peer = await browser.newPeer();
    open.push({ leg, peer });
    return { leg, peer };
  }

  it('answers a browser offer, and Opus tones flow both ways', async () => {
    const { leg, peer } = await call();
    const offer = await peer.makeOffer();
    const { answer, negotiated } = await leg.answerOffer(offer);
    expect(negotiated.codecs[0]).toMatchObject({ name: 'opus', clockRate: 48000, channels: 2 });
    expect(negotiated.telephoneEvent).toMatchObject({ name: 'telephone-event', clockRate: 48000 });
    expect(answer).toContain('a=ice-lite');
    expect(answer.match(/a=candidate:/g)).toHaveLength(1);
    expect(answer).toMatch(/a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 \d+ typ host/);

    const recorder = new RtpRecorder(leg);
    await peer.acceptAnswer(answer);
    await waitForState(leg, 'connected');
    const opus = negotiated.codecs[0]!.payloadType;
    const sender = new ToneSender(leg, 'opus', opus, OUR_TONE_HZ);
    sender.start(4);
    await sleep(1500);
    const heard = await peer.dominantFrequency(1000);
    sender.stop();
    recorder.stop();

    expect(heard.frequency).not.toBeNull();
    expect(Math.abs(heard.frequency! - OUR_TONE_HZ)).toBeLessThanOrEqual(15);
    const received = recorder.decode('opus', opus);
    expect(recorder.ofType(opus).length).toBeGreaterThan(50);
    const tone = analyseTone(received, { skipSeconds: 0.5, maxSeconds: 1.5 });
    expect(tone.dominant).toBe(BROWSER_TONE_HZ);
  });
});

/**
 * The WebRTC leg against a real headless Chromium: both offer/answer directions, audio proven
 * by the tone heard on each side, hold/resume on the same DTLS session, and DTMF from the page.
 */
import { analyseTone, until } from '@switchboard/testkit';
import { createWebRtcTransport } from '../../src/webrtc/index.js';
import type { WebRtcTransport } from '../../src/webrtc/index.js';
import type { NegotiatedAudio, TransportState } from '../../src/transport/types.js';
import { ChromiumHarness, chromiumMissing } from './chromium-peer.js';
import type { BrowserPeer } from './chromium-peer.js';
import { RtpRecorder, ToneSender } from './tone-audio.js';
import type { ToneCodec } from './tone-audio.js';

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

// The reason shows in the report as the skipped test's name.
if (chromiumMissing !== null) it.skip(chromiumMissing, () => undefined);

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
    const leg = createWebRtcTransport({ id: `leg-${open.length}`, announcedAddresses: ['127.0.0.1'], rtcpIntervalMs: 400 });
    const peer = await browser.newPeer();
    open.push({ leg, peer });
    return { leg, peer };
  }

  /** Our 440 Hz tone must be dominant in the page, and the browser's 1 kHz tone in what we decode. */
  async function expectTwoWayAudio(leg: WebRtcTransport, peer: BrowserPeer, codec: ToneCodec, payloadType: number): Promise<void> {
    const recorder = new RtpRecorder(leg);
    const sender = new ToneSender(leg, codec, payloadType, OUR_TONE_HZ);
    sender.start(3);
    await sleep(1000);
    const heard = await peer.dominantFrequency(800);
    sender.stop();
    recorder.stop();
    // The browser saw our header as we built it: SSRC and payload type are not rewritten.
    const inbound = await peer.inboundStats();
    expect(inbound.ssrc).toBe(sender.ssrc);
    expect(inbound.codec).toBe(codec === 'opus' ? 'audio/opus/48000' : 'audio/PCMU/8000');
    expect(heard.frequency, 'tone heard in the browser').not.toBeNull();
    expect(Math.abs(heard.frequency! - OUR_TONE_HZ), `browser heard ${heard.frequency} Hz`).toBeLessThanOrEqual(15);
    expect(recorder.ofType(payloadType).length, 'RTP packets from the browser').toBeGreaterThan(40);
    const tone = analyseTone(recorder.decode(codec, payloadType), { skipSeconds: 0.2, maxSeconds: 1.5 });
    expect(tone.dominant, 'tone decoded from the browser').toBe(BROWSER_TONE_HZ);
  }

  /** Browser offers (an outgoing call from the portal), we answer. */
  async function browserCallsUs(): Promise<{ leg: WebRtcTransport; peer: BrowserPeer; negotiated: NegotiatedAudio }> {
    const { leg, peer } = await call();
    const { answer, negotiated } = await leg.answerOffer(await peer.makeOffer());
    await peer.acceptAnswer(answer);
    await waitForState(leg, 'connected');
    // Our side reaches 'connected' when its DTLS handshake ends; the browser may need a moment longer.
    await peer.waitFor(() => peer.connectionState(), 'connected');
    return { leg, peer, negotiated };
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
    expect(answer).toContain('a=setup:passive');

    await peer.acceptAnswer(answer);
    await waitForState(leg, 'connected');
    await peer.waitFor(() => peer.connectionState(), 'connected');
    await expectTwoWayAudio(leg, peer, 'opus', negotiated.codecs[0]!.payloadType);
    // RTCP both ways: Chromium read our SR (remote-outbound-rtp) and our report on its stream (remote-inbound-rtp).
    // Chromium sends its first audio RTCP report at a randomised moment within seconds, so wait for it.
    await until('Chromium to read our RTCP', async () => {
      const seen = await peer.rtcpSeen();
      return seen.remoteOutbound && seen.remoteInbound;
    });
    await until('an RTCP report from Chromium', () => leg.counters.rtcpReceived > 0);
  });

  it('offers to the browser with PCMU first, and PCMU tones flow both ways', async () => {
    const { leg, peer } = await call();
    const offer = await leg.createOffer({ codecs: ['PCMU', 'opus'] });
    expect(offer).toContain('a=setup:actpass');
    const answer = await peer.answerOffer(offer);
    const negotiated = await leg.applyAnswer(answer);
    expect(negotiated.codecs[0]).toMatchObject({ name: 'PCMU', payloadType: 0, clockRate: 8000 });
    expect(negotiated.telephoneEvent).toMatchObject({ clockRate: 8000 });
    await waitForState(leg, 'connected');
    await expectTwoWayAudio(leg, peer, 'PCMU', 0);
  });

  it('holds and resumes by re-offers from either side on the same ICE and DTLS session', async () => {
    const { leg, peer, negotiated } = await browserCallsUs();
    const opus = negotiated.codecs[0]!.payloadType;
    const browserSecurity = await peer.localSecurity();
    expect(browserSecurity.ufrag).toMatch(/^\S{4,}$/);
    const connectedAt = leg.timings.connectedAt;
    const stateChanges: TransportState[] = [];
    leg.on('state', (state) => stateChanges.push(state));

    // We hold the browser: our re-offer is sendonly (hold music still flows to it).
    const holdOffer = await leg.createOffer({ direction: 'sendonly' });
    expect(holdOffer).toContain('a=sendonly');
    expect(holdOffer).toContain('a=setup:passive');
    const onHold = await leg.applyAnswer(await peer.answerOffer(holdOffer));
    expect(onHold).toMatchObject({ localDirection: 'sendonly', remoteDirection: 'recvonly' });
    const recorder = new RtpRecorder(leg);
    const music = new ToneSender(leg, 'opus', opus, OUR_TONE_HZ);
    music.start(12);
    await sleep(400);
    const before = recorder.ofType(opus).length;
    const heardOnHold = await peer.dominantFrequency(800);
    expect(recorder.ofType(opus).length - before, 'browser audio while we hold it').toBe(0);
    expect(Math.abs(heardOnHold.frequency! - OUR_TONE_HZ)).toBeLessThanOrEqual(15);

    // We resume.
    const resumed = await leg.applyAnswer(await peer.answerOffer(await leg.createOffer({ direction: 'sendrecv' })));
    expect(resumed).toMatchObject({ localDirection: 'sendrecv', remoteDirection: 'sendrecv' });
    const resumedFrom = recorder.packets.length;
    await sleep(1200);
    expect(recorder.ofType(opus, resumedFrom).length, 'browser audio after we resume').toBeGreaterThan(30);
    expect(analyseTone(recorder.decode('opus', opus, resumedFrom), { skipSeconds: 0.2 }).dominant).toBe(BROWSER_TONE_HZ);

    // The browser holds us: its re-offer is sendonly, so we answer recvonly and stop sending.
    await peer.setDirection('sendonly');
    const { answer: holdAnswer, negotiated: held } = await leg.answerOffer(await peer.makeOffer());
    expect(held).toMatchObject({ localDirection: 'recvonly', remoteDirection: 'sendonly' });
    expect(holdAnswer).toContain('a=recvonly');
    await peer.acceptAnswer(holdAnswer);
    await sleep(300);
    const sentBefore = leg.counters.rtpSent;
    const silent = await peer.dominantFrequency(600);
    expect(leg.counters.rtpSent - sentBefore, 'RTP we sent while the browser holds').toBe(0);
    expect(silent.level, 'browser hears nothing while it holds').toBeLessThan(heardOnHold.level - 30);

    // The browser resumes.
    await peer.setDirection('sendrecv');
    const { answer: resumeAnswer, negotiated: back } = await leg.answerOffer(await peer.makeOffer());
    expect(back).toMatchObject({ localDirection: 'sendrecv', remoteDirection: 'sendrecv' });
    await peer.acceptAnswer(resumeAnswer);
    await sleep(800);
    const heardAgain = await peer.dominantFrequency(600);
    music.stop();
    recorder.stop();
    expect(Math.abs(heardAgain.frequency! - OUR_TONE_HZ)).toBeLessThanOrEqual(15);

    // One DTLS session throughout: no state change on our side, same ICE ufrag and DTLS role in the browser.
    expect(stateChanges).toEqual([]);
    expect(leg.timings.connectedAt).toBe(connectedAt);
    const finalSecurity = await peer.localSecurity();
    expect(finalSecurity).toEqual(browserSecurity);
    expect(await peer.dtlsState()).toBe('connected');
  });

  it('receives the browser\'s DTMF (RTCDTMFSender) as telephone-event packets', async () => {
    const { leg, peer, negotiated } = await browserCallsUs();
    const event = negotiated.telephoneEvent!;
    expect(event.clockRate).toBe(48000);
    const recorder = new RtpRecorder(leg);
    await peer.insertDtmf('123');
    await sleep(1000);
    recorder.stop();
    const packets = recorder.ofType(event.payloadType);
    // RFC 4733 §2.3: byte 0 is the event code, bit 7 of byte 1 marks the end of the event.
    const events = packets.map((packet) => ({ code: packet.payload[0]!, end: (packet.payload[1]! & 0x80) !== 0, timestamp: packet.timestamp }));
    const codes = [...new Set(events.map((e) => `${e.code}@${e.timestamp}`))].map((key) => Number(key.split('@')[0]));
    expect(codes).toEqual([1, 2, 3]);
    for (const code of [1, 2, 3]) expect(events.some((e) => e.code === code && e.end), `end of event ${code}`).toBe(true);

    // Hanging up in the browser ends DTLS with an alert: the leg fails at once, not after the silence timeout.
    const hungUpAt = performance.now();
    await peer.close();
    await waitForState(leg, 'failed', 5_000);
    expect(performance.now() - hungUpAt).toBeLessThan(2_000);
  });
});

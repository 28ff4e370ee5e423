/**
 * The WebRTC leg without a browser: what it writes and accepts in SDP (against descriptions
 * Chromium 156 really produced, in fixtures/), its state machine and usage errors, and its
 * failure detection against a full-ICE peer in this process.
 */
import { readFileSync } from 'node:fs';
import { freePortBlock } from '@switchboard/testkit';
import { parse } from 'sdp-transform';
import { NegotiationError } from '../../src/sdp/negotiate.js';
import type { TransportState } from '../../src/transport/types.js';
import { createWebRtcTransport, prepareWebRtc, WebRtcUsageError } from '../../src/webrtc/index.js';
import type { WebRtcLogger, WebRtcTransport, WebRtcTransportOptions } from '../../src/webrtc/index.js';
import { WeriftPeer } from './werift-peer.js';

const chromiumOffer = readFileSync(new URL('./fixtures/chromium-offer.sdp', import.meta.url), 'utf8');
const chromiumAnswer = readFileSync(new URL('./fixtures/chromium-answer.sdp', import.meta.url), 'utf8');

const legs: WebRtcTransport[] = [];
/** What the legs logged as warnings (why they failed), instead of process warnings. */
const warnings: string[] = [];
const logger: WebRtcLogger = {
  warn: (details, message) => warnings.push(`${message} ${JSON.stringify(details)}`),
  debug: () => undefined,
};

function leg(options: Partial<WebRtcTransportOptions> = {}): WebRtcTransport {
  const transport = createWebRtcTransport({ id: `unit-${legs.length}`, announcedAddresses: ['127.0.0.1'], logger, ...options });
  legs.push(transport);
  return transport;
}

function states(transport: WebRtcTransport): TransportState[] {
  const seen: TransportState[] = [];
  transport.on('state', (state) => seen.push(state));
  return seen;
}

function waitForState(transport: WebRtcTransport, wanted: TransportState, timeoutMs = 5_000): Promise<number> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`leg stayed ${transport.state}, expected ${wanted}`)), timeoutMs);
    transport.on('state', (state) => {
      if (state !== wanted) return;
      clearTimeout(timer);
      resolve(performance.now() - start);
    });
  });
}

/** The same offer with other values for some attributes (an ICE restart, another certificate...). */
function withAttribute(sdp: string, name: string, value: string): string {
  return sdp.replace(new RegExp(`a=${name}:[^\\r\\n]*`), `a=${name}:${value}`);
}

beforeAll(async () => {
  // What the server does at startup, so no call pays for the certificate.
  await prepareWebRtc();
});

afterEach(() => {
  for (const transport of legs.splice(0)) transport.close();
  warnings.length = 0;
});

describe('answering a Chromium offer', () => {
  it('writes an ICE-lite answer with one host candidate, our DTLS role, Opus first and telephone-event/48000 only', async () => {
    const { answer, negotiated } = await leg().answerOffer(chromiumOffer);
    const session = parse(answer);
    expect(session.icelite).toBe('ice-lite');
    // (sdp-transform reads "0" as a number)
    expect(session.groups).toEqual([{ type: 'BUNDLE', mids: 0 }]);
    expect(session.media).toHaveLength(1);
    const audio = session.media[0]!;
    expect(audio).toMatchObject({ type: 'audio', protocol: 'UDP/TLS/RTP/SAVPF', payloads: '111 0 8 110', mid: 0, direction: 'sendrecv', setup: 'passive', rtcpMux: 'rtcp-mux' });
    expect(audio.candidates).toEqual([
      expect.objectContaining({ component: 1, transport: 'udp', ip: '127.0.0.1', port: audio.port, type: 'host' }),
    ]);
    expect(audio.endOfCandidates).toBe('end-of-candidates');
    expect(audio.fingerprint?.type).toBe('sha-256');
    expect(audio.rtp).toEqual([
      { payload: 111, codec: 'opus', rate: 48000, encoding: 2 },
      { payload: 0, codec: 'PCMU', rate: 8000 },
      { payload: 8, codec: 'PCMA', rate: 8000 },
      { payload: 110, codec: 'telephone-event', rate: 48000 },
    ]);
    expect(audio.ext).toBeUndefined();
    // What we send with: Opus on Chromium's payload type and with Chromium's receive parameters.
    expect(negotiated).toEqual({
      codecs: [
        { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' },
        { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 },
        { payloadType: 8, name: 'PCMA', clockRate: 8000, channels: 1 },
      ],
      telephoneEvent: { payloadType: 110, name: 'telephone-event', clockRate: 48000, channels: 1 },
      localDirection: 'sendrecv',
      remoteDirection: 'sendrecv',
    });
  });

  it('pairs PCMU with telephone-event/8000 when the caller prefers PCMU', async () => {
    const { answer, negotiated } = await leg().answerOffer(chromiumOffer, { codecs: ['PCMU'] });
    const audio = parse(answer).media[0]!;
    expect(audio.payloads).toBe('0 126');
    expect(audio.rtp.map((line) => `${line.codec}/${line.rate}`)).toEqual(['PCMU/8000', 'telephone-event/8000']);
    expect(negotiated.telephoneEvent).toMatchObject({ payloadType: 126, clockRate: 8000 });
  });

  it('announces every configured address on the one port, and binds where told', async () => {
    const { answer } = await leg({ announcedAddresses: ['203.0.113.7', '127.0.0.1'], bindAddress: '127.0.0.1' }).answerOffer(chromiumOffer);
    const audio = parse(answer).media[0]!;
    expect(audio.candidates!.map((c) => `${c.ip}:${c.port}`)).toEqual([`203.0.113.7:${audio.port}`, `127.0.0.1:${audio.port}`]);
    expect(audio.candidates![0]!.priority).toBeGreaterThan(audio.candidates![1]!.priority);
    expect(parse(answer).origin.address).toBe('203.0.113.7');
  });

  it('takes its port from the configured range', async () => {
    const base = await freePortBlock(4);
    const { answer } = await leg({ portRange: { min: base, max: base + 3 } }).answerOffer(chromiumOffer);
    const { port } = parse(answer).media[0]!;
    expect(port).toBeGreaterThanOrEqual(base);
    expect(port).toBeLessThanOrEqual(base + 3);
  });

  it('rejects the sections it does not carry with port 0, keeping the offer order', async () => {
    const withVideo = chromiumOffer.replace(/\r\n$/, '') + '\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=rtpmap:96 VP8/90000\r\n';
    const { answer } = await leg().answerOffer(withVideo.replace('a=group:BUNDLE 0', 'a=group:BUNDLE 0 1'));
    const session = parse(answer);
    expect(session.media.map((m) => `${m.type} ${m.port === 0 ? 0 : 'open'} ${m.mid}`)).toEqual(['audio open 0', 'video 0 1']);
    expect(session.groups).toEqual([{ type: 'BUNDLE', mids: 0 }]);
  });

  it('answers a hold re-offer (sendonly) with recvonly on the same ICE credentials and DTLS role', async () => {
    const transport = leg();
    const first = parse((await transport.answerOffer(chromiumOffer)).answer).media[0]!;
    const { answer, negotiated } = await transport.answerOffer(chromiumOffer.replace('a=sendrecv', 'a=sendonly'));
    const again = parse(answer).media[0]!;
    expect(negotiated).toMatchObject({ localDirection: 'recvonly', remoteDirection: 'sendonly' });
    expect(again).toMatchObject({ direction: 'recvonly', iceUfrag: first.iceUfrag, icePwd: first.icePwd, setup: 'passive', port: first.port });
    expect(parse(answer).origin.sessionVersion).toBe(parse((await transport.answerOffer(chromiumOffer)).answer).origin.sessionVersion - 1);
  });

  it('refuses what a WebRTC leg cannot do, with a NegotiationError', async () => {
    const refusals: Array<[string, string]> = [
      [chromiumOffer.replace('UDP/TLS/RTP/SAVPF', 'RTP/AVP'), 'bad-sdp'],
      [chromiumOffer.replace(/^m=audio .*$/m, 'm=audio 45472 UDP/TLS/RTP/SAVPF 9 13').replace(/a=rtpmap:(111|0|8) .*\r\n/g, ''), 'no-common-codec'],
      [chromiumOffer.replace(/a=fingerprint:.*\r\n/, ''), 'bad-sdp'],
      [chromiumOffer.replace(/^m=audio/m, 'm=video'), 'no-audio'],
      ['this is not SDP', 'no-audio'],
      [chromiumOffer.replace('t=0 0', 't=0 0\r\na=ice-lite'), 'bad-sdp'],
    ];
    for (const [offer, code] of refusals) {
      await expect(leg().answerOffer(offer), code).rejects.toSatisfy((error) => error instanceof NegotiationError && error.code === code);
    }
  });

  it('refuses an ICE restart or a new certificate in a re-offer, and keeps the session', async () => {
    const transport = leg();
    await transport.answerOffer(chromiumOffer);
    await expect(transport.answerOffer(withAttribute(chromiumOffer, 'ice-ufrag', 'Zz9z'))).rejects.toThrow(/ICE restart/);
    await expect(transport.answerOffer(withAttribute(chromiumOffer, 'fingerprint', 'sha-256 00:11'))).rejects.toThrow(/certificate/);
    expect(transport.state).toBe('connecting');
    await expect(transport.answerOffer(chromiumOffer)).resolves.toMatchObject({ negotiated: { localDirection: 'sendrecv' } });
  });
});

describe('offering to a browser', () => {
  it('offers Opus first with both telephone-event rates, actpass, and reads Chromium\'s answer', async () => {
    const transport = leg();
    const offer = parse(await transport.createOffer());
    const audio = offer.media[0]!;
    expect(audio).toMatchObject({ payloads: '111 0 8 110 126', setup: 'actpass', mid: 0, direction: 'sendrecv' });
    expect(offer.icelite).toBe('ice-lite');

    await transport.createOffer({ codecs: ['PCMU', 'opus'] });
    const negotiated = await transport.applyAnswer(chromiumAnswer);
    expect(negotiated.codecs.map((c) => `${c.payloadType} ${c.name}`)).toEqual(['0 PCMU', '111 opus']);
    expect(negotiated.telephoneEvent).toMatchObject({ payloadType: 126, clockRate: 8000 });
    expect(transport.state).toBe('connecting');
    // The browser answered active: from now on our re-offers say passive (we are the DTLS server).
    expect(parse(await transport.createOffer({ direction: 'sendonly' })).media[0]).toMatchObject({ setup: 'passive', direction: 'sendonly' });
  });

  it('signals misuse: an answer without an offer, an offer while ours is pending', async () => {
    const transport = leg();
    await expect(transport.applyAnswer(chromiumAnswer)).rejects.toSatisfy((error) => error instanceof NegotiationError && error.code === 'no-pending-offer');
    await transport.createOffer();
    await expect(transport.answerOffer(chromiumOffer)).rejects.toSatisfy((error) => error instanceof WebRtcUsageError && error.code === 'offer-pending');
  });
});

describe('life of a leg', () => {
  it('wants IP addresses to announce', () => {
    expect(() => createWebRtcTransport({ id: 'x', announcedAddresses: [] })).toThrow(RangeError);
    expect(() => createWebRtcTransport({ id: 'x', announcedAddresses: ['pbx.example.org'] })).toThrow(/resolve "pbx.example.org" first/);
  });

  it('binds nothing before the first description, closes twice safely, refuses use after close', async () => {
    const transport = leg();
    const seen = states(transport);
    expect(transport.state).toBe('new');
    expect(transport.negotiated).toBeNull();
    transport.close();
    transport.close();
    expect(seen).toEqual(['closed']);
    await expect(transport.createOffer()).rejects.toSatisfy((error) => error instanceof WebRtcUsageError && error.code === 'closed');
  });

  it('fails when ICE and DTLS do not complete in time, and frees its socket', async () => {
    const transport = leg({ connectTimeoutMs: 200 });
    const seen = states(transport);
    await transport.answerOffer(chromiumOffer);
    // Nobody runs ICE towards us (the offer's candidates lead nowhere), and a lite agent waits.
    await waitForState(transport, 'failed');
    expect(seen).toEqual(['connecting', 'failed']);
    expect(warnings.join()).toMatch(/did not complete within 200 ms/);
    await expect(transport.createOffer()).rejects.toSatisfy((error) => error instanceof WebRtcUsageError && error.code === 'failed');
    transport.close();
    expect(seen).toEqual(['connecting', 'failed', 'closed']);
  });

  it('does not send before it is connected or when the negotiated direction forbids it', async () => {
    const transport = leg();
    await transport.answerOffer(chromiumOffer);
    transport.sendRtp({ payloadType: 111, sequenceNumber: 1, timestamp: 1, ssrc: 1, marker: false, payload: Buffer.alloc(10) });
    expect(transport.counters.rtpSent).toBe(0);
  });

  it('fails when the peer\'s DTLS certificate does not match its SDP fingerprint', async () => {
    const peer = new WeriftPeer();
    const transport = leg();
    const seen = states(transport);
    const offer = (await peer.offer()).replace(/(a=fingerprint:sha-256 )([0-9A-F]{2})/, (_all, prefix: string, byte: string) => prefix + (byte === '00' ? '01' : '00'));
    const { answer } = await transport.answerOffer(offer);
    await peer.accept(answer);
    await waitForState(transport, 'failed');
    expect(seen).toEqual(['connecting', 'failed']);
    expect(warnings.join()).toMatch(/fingerprint mismatch/);
    expect(transport.counters.rtpReceived).toBe(0);
    await peer.close();
  });

  it('connects to a full-ICE peer, carries RTP both ways, and fails when the peer goes silent', async () => {
    const peer = new WeriftPeer();
    const transport = leg({ silenceTimeoutMs: 400, rtcpIntervalMs: 100 });
    const seen = states(transport);
    const received: number[] = [];
    transport.on('rtp', (packet) => received.push(packet.sequenceNumber));
    const { answer } = await transport.answerOffer(await peer.offer());
    await peer.accept(answer);
    await Promise.all([waitForState(transport, 'connected'), peer.connected()]);

    for (let i = 0; i < 5; i++) {
      transport.sendRtp({ payloadType: 110, sequenceNumber: 7000 + i, timestamp: 424242, ssrc: 0xfeedbeef, marker: i === 0, payload: Buffer.from([1, 0x0a, 0, 160]) });
      peer.send(100 + i);
    }
    await vi.waitFor(() => expect(received).toHaveLength(5));
    await vi.waitFor(() => expect(peer.received).toHaveLength(5));
    // Exactly the header we built: payload type, SSRC, sequence, timestamp, marker.
    expect(peer.received.map((p) => [p.header.payloadType, p.header.ssrc, p.header.sequenceNumber, p.header.timestamp, p.header.marker])).toEqual(
      [0, 1, 2, 3, 4].map((i) => [110, 0xfeedbeef, 7000 + i, 424242, i === 0]),
    );
    expect(received).toEqual([100, 101, 102, 103, 104]);
    // RTCP: an SR under the SSRC we sent with, which werift decrypts and reads.
    await vi.waitFor(() => expect(peer.receivedRtcp.some((p) => p.type === 200 && 'ssrc' in p && p.ssrc === 0xfeedbeef)).toBe(true));
    expect(transport.counters).toMatchObject({ rtpSent: 5, rtpReceived: 5 });
    expect(transport.counters.rtcpSent).toBeGreaterThan(0);

    // werift closes without a DTLS alert: only the silence watchdog can notice.
    await peer.close();
    await waitForState(transport, 'failed');
    expect(seen).toEqual(['connecting', 'connected', 'failed']);
    expect(warnings.join()).toMatch(/nothing received from the browser/);
  });
});

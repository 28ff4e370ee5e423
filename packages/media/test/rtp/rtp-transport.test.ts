import { createSocket } from 'node:dgram';
import { RtpPeer, analyseTone, until } from '@switchboard/testkit';
import { encodeG711 } from '../../src/codecs/g711.js';
import { RtpPortPool } from '../../src/rtp/port-pool.js';
import { parseRtp, serializeRtp } from '../../src/rtp/rtp-packet.js';
import { createRtpTransport, type RtpTransport } from '../../src/rtp/rtp-transport.js';
import type { RtpPacket } from '../../src/transport/types.js';

const pool = new RtpPortPool(null);
const open: RtpTransport[] = [];
function transport(id: string, relatchAfterMs?: number): RtpTransport {
  const t = createRtpTransport({ id, bindAddress: '127.0.0.1', announcedAddress: '127.0.0.1', ports: pool, rtcpIntervalMs: 200, ...(relatchAfterMs ? { relatchAfterMs } : {}) });
  open.push(t);
  return t;
}
afterEach(() => {
  for (const t of open.splice(0)) t.close();
});

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function tonePacket(ssrc: number, n: number, hz: number): RtpPacket {
  const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(12000 * Math.sin((2 * Math.PI * hz * (n * 160 + i)) / 8000)));
  return { payloadType: 0, sequenceNumber: n, timestamp: n * 160, ssrc, marker: n === 0, payload: encodeG711('mulaw', pcm) };
}

describe('plain RTP transport', () => {
  it('two legs negotiate, exchange RTP both ways, and mux RTCP', async () => {
    const a = transport('a');
    const b = transport('b');
    const offer = await a.createOffer({ codecs: ['PCMA', 'PCMU'] });
    expect(offer).toMatch(/m=audio \d+ RTP\/AVP 8 0 101/);
    const { answer, negotiated } = await b.answerOffer(offer);
    expect(negotiated.codecs[0]!.name).toBe('PCMA');
    expect(negotiated.telephoneEvent?.payloadType).toBe(101);
    const settled = await a.applyAnswer(answer);
    expect(settled).toMatchObject({ localDirection: 'sendrecv', remoteDirection: 'sendrecv' });
    expect(a.state).toBe('connected');
    const atA: RtpPacket[] = [];
    const atB: RtpPacket[] = [];
    a.on('rtp', (p) => atA.push(p));
    b.on('rtp', (p) => atB.push(p));
    for (let n = 0; n < 5; n++) {
      a.sendRtp(tonePacket(111, n, 440));
      b.sendRtp(tonePacket(222, n, 1000));
    }
    await until('five packets each way', () => atA.length === 5 && atB.length === 5, 5_000);
    expect(atB.map((p) => p.sequenceNumber)).toEqual([0, 1, 2, 3, 4]);
    expect(atA.map((p) => p.ssrc)).toEqual([222, 222, 222, 222, 222]);
    // RTCP is muxed on the RTP port (both sides offered/accepted rtcp-mux) and sent every ~200 ms.
    await until('RTCP at both ends', () => a.stats().rtcpReceived > 0 && b.stats().rtcpReceived > 0, 5_000);
  });

  it('talks to a peer without rtcp-mux on even/odd ports, and a re-offer to hold bumps the o= version', async () => {
    const peer = await RtpPeer.open({ toneHz: 1000 });
    const a = transport('a');
    try {
      const offer = await a.createOffer();
      const port = Number(/m=audio (\d+)/.exec(offer)![1]);
      expect(port % 2).toBe(0);
      expect(offer).toContain(`a=rtcp:${port + 1}`);
      await a.applyAnswer(peer.sdp());
      peer.sendTo('127.0.0.1', port);
      const heard: RtpPacket[] = [];
      a.on('rtp', (p) => heard.push(p));
      for (let n = 0; n < 15; n++) {
        a.sendRtp(tonePacket(7, n, 440));
        await wait(20);
      }
      await until('the peer\'s tone', () => heard.length > 5, 5_000);
      expect(analyseTone(peer.heardAudio()).dominant).toBe(440);
      const version = (sdp: string) => Number(/^o=\S+ \S+ (\d+)/m.exec(sdp)![1]);
      const hold = await a.createOffer({ direction: 'sendonly' });
      expect(hold).toContain('a=sendonly');
      expect(version(hold)).toBe(version(offer) + 1);
      const same = await a.createOffer({ direction: 'sendonly' });
      expect(version(same)).toBe(version(hold));
      const resume = await a.createOffer({ direction: 'sendrecv' });
      expect(version(resume)).toBe(version(hold) + 1);
    } finally {
      peer.close();
    }
  });

  it('does not send while the negotiated direction forbids it', async () => {
    const a = transport('a');
    const b = transport('b');
    const { answer } = await b.answerOffer(await a.createOffer({ direction: 'recvonly' }));
    expect(answer).toContain('a=sendonly');
    await a.applyAnswer(answer);
    const atB: RtpPacket[] = [];
    b.on('rtp', (p) => atB.push(p));
    a.sendRtp(tonePacket(1, 0, 440));
    await wait(100);
    expect(atB).toHaveLength(0);
    expect(a.stats().packetsSent).toBe(0);
  });

  it('latches onto the address media really comes from (symmetric RTP, NAT), and follows a new one only after the first went quiet', async () => {
    const a = transport('a', 600);
    const offer = await a.createOffer();
    const port = Number(/m=audio (\d+)/.exec(offer)![1]);
    // The SDP names a port nobody listens on, as a phone behind NAT would (its private address).
    await a.applyAnswer('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\na=sendrecv\r\n');
    const nat = createSocket('udp4');
    const stranger = createSocket('udp4');
    await new Promise<void>((r) => nat.bind(0, '127.0.0.1', r));
    await new Promise<void>((r) => stranger.bind(0, '127.0.0.1', r));
    const natPort = nat.address().port;
    const strangerPort = stranger.address().port;
    try {
      const atNat: RtpPacket[] = [];
      const atStranger: RtpPacket[] = [];
      nat.on('message', (m) => atNat.push(parseRtp(m)!));
      stranger.on('message', (m) => atStranger.push(parseRtp(m)!));
      nat.send(serializeRtp(tonePacket(9, 0, 440)), port, '127.0.0.1');
      await until('latched onto the NAT address', () => a.stats().remote?.port === natPort, 5_000);
      a.sendRtp(tonePacket(5, 0, 1000));
      await until('the answer at the latched address', () => atNat.length === 1, 5_000);
      // A different source while the latched one is alive is dropped, not followed.
      for (let n = 1; n <= 3; n++) {
        nat.send(serializeRtp(tonePacket(9, n, 440)), port, '127.0.0.1');
        stranger.send(serializeRtp(tonePacket(13, n, 440)), port, '127.0.0.1');
        a.sendRtp(tonePacket(5, n, 1000));
        await until(`packet ${n} at the latched address`, () => atNat.length === n + 1, 5_000);
      }
      expect(a.stats().remote).toEqual({ address: '127.0.0.1', port: natPort });
      expect(a.stats().packetsReceived).toBe(4);
      expect(atStranger).toHaveLength(0);
      // Pinned to the latched source, the socket never even saw the stranger's packets.
      expect(a.stats().packetsFromStrangers).toBe(0);
      // The NAT mapping changes: the old source falls silent, the new one is followed.
      await until('the new source followed', async () => {
        stranger.send(serializeRtp(tonePacket(13, 9, 440)), port, '127.0.0.1');
        await wait(100);
        return a.stats().remote?.port === strangerPort;
      }, 10_000);
      a.sendRtp(tonePacket(5, 9, 1000));
      await until('our packet at the new address', () => atStranger.length === 1, 5_000);
      expect(atNat).toHaveLength(4);
    } finally {
      nat.close();
      stranger.close();
    }
  });

  it('gives its ports back when closed, and close() is safe twice', async () => {
    const a = transport('a');
    await a.createOffer();
    expect(pool.inUse).toBeGreaterThan(0);
    const before = pool.inUse;
    a.close();
    a.close();
    expect(pool.inUse).toBe(before - 1);
    expect(a.state).toBe('closed');
    await expect(a.createOffer()).rejects.toThrow(/closed/);
  });
});

describe('plain RTP transport with SDES-SRTP', () => {
  it('negotiates RTP/SAVP with a=crypto, carries encrypted media both ways, and drops forgeries', async () => {
    const a = createRtpTransport({ id: 'a', bindAddress: '127.0.0.1', announcedAddress: '127.0.0.1', ports: pool, srtp: true, rtcpIntervalMs: 100 });
    const b = transport('b');
    open.push(a);
    const offer = await a.createOffer();
    expect(offer).toMatch(/m=audio \d+ RTP\/SAVP 0 8 101/);
    expect(offer).toMatch(/a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:[A-Za-z0-9+/]{40}/);
    const { answer } = await b.answerOffer(offer);
    expect(answer).toMatch(/RTP\/SAVP/);
    expect(answer).toMatch(/a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:/);
    await a.applyAnswer(answer);
    const atA: RtpPacket[] = [];
    const atB: RtpPacket[] = [];
    a.on('rtp', (p) => atA.push(p));
    b.on('rtp', (p) => atB.push(p));
    // A clear RTP packet sent to the secured port fails authentication. (It is sent before media
    // flows: once B has latched onto A, its socket is pinned and a stranger's packet never arrives.)
    const port = Number(/m=audio (\d+)/.exec(answer)![1]);
    const forger = createSocket('udp4');
    await new Promise<void>((r) => forger.bind(0, '127.0.0.1', r));
    forger.send(serializeRtp(tonePacket(1, 9, 440)), port, '127.0.0.1');
    await until('the forged packet refused', () => b.stats().authFailures === 1, 5_000);
    forger.close();
    // A raw listener on B's port sees only ciphertext.
    for (let n = 0; n < 5; n++) {
      a.sendRtp(tonePacket(1, n, 440));
      b.sendRtp(tonePacket(2, n, 1000));
    }
    await until('five packets each way', () => atA.length === 5 && atB.length === 5, 5_000);
    expect(atB.map((p) => p.sequenceNumber)).toEqual([0, 1, 2, 3, 4]);
    expect(atB[0]!.payload.equals(tonePacket(1, 0, 440).payload)).toBe(true);
    expect(atA).toHaveLength(5);
    await until('an RTCP report', () => a.stats().rtcpReceived + b.stats().rtcpReceived > 0, 5_000);
    expect(atB).toHaveLength(5);
  });

  it('refuses an SRTP offer without a suite it supports', async () => {
    const b = transport('b');
    const offer = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBRPS1uQCVeeCFCanVmcjkpPywjNWhcYD0m\r\n';
    await expect(b.answerOffer(offer)).rejects.toThrow(/AES_256_CM_HMAC_SHA1_80/);
  });
});

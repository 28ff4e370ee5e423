import { write, type MediaDescription } from 'sdp-transform';
import { plainRtpCodecs, readRtpSdp, writeRtpSdp, type LocalRtpDescription } from '../../src/sdp/rtp-sdp.js';

describe('plain RTP SDP', () => {
  it('writes a desk-phone friendly offer', () => {
    const text = writeRtpSdp({ sessionId: '42', sessionVersion: 7, address: '192.0.2.10', port: 20000, rtcpPort: 20001, rtcpMux: true, codecs: plainRtpCodecs(['PCMU', 'PCMA']), direction: 'sendrecv', ptime: 20 });
    expect(text.split('\r\n')).toEqual([
      'v=0',
      'o=- 42 7 IN IP4 192.0.2.10',
      's=-',
      'c=IN IP4 192.0.2.10',
      't=0 0',
      'm=audio 20000 RTP/AVP 0 8 101',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
      'a=rtcp:20001',
      'a=ptime:20',
      'a=sendrecv',
      'a=rtcp-mux',
      '',
    ]);
  });

  it('reads a Yealink-style offer with a rejected video section, and answers it with the video refused', () => {
    const offer = [
      'v=0',
      'o=- 20001 20001 IN IP4 10.0.0.5',
      's=SDP data',
      'c=IN IP4 10.0.0.5',
      't=0 0',
      'm=audio 11796 RTP/AVP 0 8 18 9 101',
      'a=rtpmap:0 PCMU/8000',
      'a=rtpmap:8 PCMA/8000',
      'a=rtpmap:18 G729/8000',
      'a=fmtp:18 annexb=no',
      'a=rtpmap:9 G722/8000',
      'a=fmtp:101 0-15',
      'a=rtpmap:101 telephone-event/8000',
      'a=ptime:20',
      'a=sendrecv',
      'm=video 0 RTP/AVP 99',
      '',
    ].join('\r\n');
    const remote = readRtpSdp(offer);
    expect(remote).toMatchObject({ address: '10.0.0.5', port: 11796, rtcpPort: 11797, rtcpMux: false, direction: 'sendrecv', ptime: 20, audioIndex: 0 });
    expect(remote.codecs.map((c) => c.name)).toEqual(['PCMU', 'PCMA', 'G729', 'G722', 'telephone-event']);
    const answer = writeRtpSdp({ sessionId: '1', sessionVersion: 1, address: '192.0.2.10', port: 20002, rtcpPort: 20003, rtcpMux: false, codecs: plainRtpCodecs(['PCMU']), direction: 'sendrecv', ptime: 20, rejected: remote.others, audioIndex: remote.audioIndex });
    expect(answer).toContain('m=audio 20002 RTP/AVP 0 101\r\n');
    expect(answer).toMatch(/m=video 0 RTP\/AVP 99\r\n$/);
  });

  it('reads c=0.0.0.0 as the old way of holding (RFC 3264 §8.4)', () => {
    const held = readRtpSdp('v=0\r\no=- 1 2 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n');
    expect(held.address).toBeNull();
    expect(held.direction).toBe('sendonly');
  });

  it('reads rtcp-mux, a=rtcp with its own address, IPv6 and session-level direction', () => {
    const remote = readRtpSdp('v=0\r\no=- 1 2 IN IP6 ::1\r\ns=-\r\nc=IN IP6 ::1\r\nt=0 0\r\na=recvonly\r\nm=audio 4000 RTP/AVP 0\r\na=rtcp:4005 IN IP6 ::1\r\na=rtcp-mux\r\n');
    expect(remote).toMatchObject({ address: '::1', rtcpPort: 4005, rtcpAddress: '::1', rtcpMux: true, direction: 'recvonly' });
  });

  it('prefers an RTP/AVP section to an RTP/SAVP one, and marks SAVP-only offers as secure', () => {
    const both = readRtpSdp('v=0\r\no=- 1 2 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\nm=audio 4002 RTP/AVP 0\r\n');
    expect(both).toMatchObject({ port: 4002, secure: false, audioIndex: 1 });
    const only = readRtpSdp('v=0\r\no=- 1 2 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\na=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\r\n');
    expect(only.secure).toBe(true);
    expect(only.crypto[0]).toMatchObject({ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80' });
  });

  it('refuses SDP without RTP audio', () => {
    expect(() => readRtpSdp('v=0\r\no=- 1 2 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=video 4000 RTP/AVP 96\r\n')).toThrow(/no active RTP audio/);
    expect(() => readRtpSdp('v=0\r\no=- 1 2 IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 0 RTP/AVP 0\r\n')).toThrow(/no active RTP audio/);
  });
});

describe('writeRtpSdp', () => {
  // The same description through the general SDP writer (sdp-transform): our direct writer must
  // produce exactly its text, for every shape of description a leg writes.
  const viaGeneralWriter = (local: LocalRtpDescription): string => {
    const secure = local.crypto !== undefined && local.crypto.length > 0;
    const ipVer = local.address.includes(':') ? 6 : 4;
    const audio: MediaDescription = {
      type: 'audio',
      port: local.port,
      protocol: secure ? 'RTP/SAVP' : 'RTP/AVP',
      payloads: local.codecs.map((c) => c.payloadType).join(' '),
      rtp: local.codecs.map((c) => ({ payload: c.payloadType, codec: c.name, rate: c.clockRate, ...(c.channels > 1 ? { encoding: c.channels } : {}) })),
      fmtp: local.codecs.filter((c) => c.fmtp !== undefined).map((c) => ({ payload: c.payloadType, config: c.fmtp! })),
      ptime: local.ptime,
      direction: local.direction,
      ...(local.rtcpPort !== null ? { rtcp: { port: local.rtcpPort } } : {}),
      ...(local.rtcpMux ? { rtcpMux: 'rtcp-mux' } : {}),
      ...(secure ? { crypto: local.crypto!.map((c) => ({ id: c.tag, suite: c.suite, config: c.keyParams })) } : {}),
    };
    const media: MediaDescription[] = [];
    const rejected = local.rejected ?? [];
    for (let i = 0; i < rejected.length + 1; i++) {
      const r = rejected.find((x) => x.index === i);
      if (i === (local.audioIndex ?? 0)) media.push(audio);
      else if (r) media.push({ type: r.type, port: 0, protocol: r.protocol, payloads: r.payloads, rtp: [], fmtp: [] });
    }
    return write({
      version: 0,
      origin: { username: '-', sessionId: local.sessionId, sessionVersion: local.sessionVersion, netType: 'IN', ipVer, address: local.address },
      name: '-',
      connection: { version: ipVer, ip: local.address },
      timing: { start: 0, stop: 0 },
      media,
    });
  };

  const base: LocalRtpDescription = { sessionId: '4711', sessionVersion: 3, address: '192.0.2.10', port: 20000, rtcpPort: 20001, rtcpMux: true, codecs: plainRtpCodecs(['PCMU', 'PCMA', 'opus']), direction: 'sendrecv', ptime: 20 };
  const cases: Array<[string, LocalRtpDescription]> = [
    ['an offer with every codec', base],
    ['an answer without rtcp-mux or a=rtcp', { ...base, rtcpPort: null, rtcpMux: false, codecs: plainRtpCodecs(['PCMA']), direction: 'recvonly' }],
    ['IPv6, SRTP and rejected sections around the audio', {
      ...base,
      address: '2001:db8::7',
      direction: 'inactive',
      crypto: [{ tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams: 'inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVzcyAoZ' }, { tag: 2, suite: 'AES_CM_128_HMAC_SHA1_32', keyParams: 'inline:ZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY3' }],
      rejected: [{ index: 0, type: 'video', protocol: 'RTP/AVP', payloads: '96 97' }, { index: 2, type: 'text', protocol: 'RTP/AVP', payloads: '98' }],
      audioIndex: 1,
    }],
    ['opus alone, sendonly, 10 ms', { ...base, codecs: plainRtpCodecs(['opus']), direction: 'sendonly', ptime: 10 }],
  ];
  it.each(cases)('writes %s exactly as a general SDP writer does', (_name, local) => {
    expect(writeRtpSdp(local)).toBe(viaGeneralWriter(local));
  });
});

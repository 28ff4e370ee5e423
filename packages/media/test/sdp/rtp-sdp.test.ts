import { plainRtpCodecs, readRtpSdp, writeRtpSdp } from '../../src/sdp/rtp-sdp.js';

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

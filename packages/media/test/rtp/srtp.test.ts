import { createCipheriv } from 'node:crypto';
import { parseRtp, serializeRtp } from '../../src/rtp/rtp-packet.js';
import { deriveKey, newKeyParams, parseKeyParams, SrtpSession } from '../../src/rtp/srtp.js';
import { capturedPacket } from '../fixtures/index.js';

describe('SRTP AES_CM_128_HMAC_SHA1_80 (RFC 3711)', () => {
  it('derives session keys as RFC 3711 B.3 lists them', () => {
    const keys = { masterKey: Buffer.from('E1F97A0D3E018BE0D64FA32C06DE4139', 'hex'), masterSalt: Buffer.from('0EC675AD498AFEEBB6960B3AABE6', 'hex') };
    expect(deriveKey(keys, 0, 16).toString('hex').toUpperCase()).toBe('C61E7A93744F39EE10734AFE3FF7A087');
    expect(deriveKey(keys, 1, 20).toString('hex').toUpperCase()).toBe('CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
    expect(deriveKey(keys, 2, 14).toString('hex').toUpperCase()).toBe('30CBBC08863D8C85D49DB34A9AE1');
  });

  it('uses AES-CM as RFC 3711 B.2 shows (first keystream block)', () => {
    const cipher = createCipheriv('aes-128-ctr', Buffer.from('2B7E151628AED2A6ABF7158809CF4F3C', 'hex'), Buffer.from('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000', 'hex'));
    expect(cipher.update(Buffer.alloc(16)).toString('hex').toUpperCase()).toBe('E03EAD0935C95E80E166B16DD92B4EB4');
  });

  it('protects and unprotects RTP and RTCP; a tampered packet fails authentication', () => {
    const { keys, params } = newKeyParams();
    expect(parseKeyParams(params)).toEqual(keys);
    const sender = new SrtpSession(keys);
    const receiver = new SrtpSession(keys);
    const clear = capturedPacket('rtpPcmu');
    const secret = sender.protectRtp(clear);
    expect(secret.length).toBe(clear.length + 10);
    expect(secret.subarray(12, 172).equals(clear.subarray(12))).toBe(false);
    expect(receiver.unprotectRtp(secret)?.equals(clear)).toBe(true);
    const tampered = Buffer.from(secret);
    tampered[40]! ^= 1;
    expect(receiver.unprotectRtp(tampered)).toBeNull();
    const rtcp = capturedPacket('rtcpSrSdes');
    expect(receiver.unprotectRtcp(sender.protectRtcp(rtcp))?.equals(rtcp)).toBe(true);
  });

  it('follows the rollover counter across a sequence number wrap', () => {
    const { keys } = newKeyParams();
    const sender = new SrtpSession(keys);
    const receiver = new SrtpSession(keys);
    const base = parseRtp(capturedPacket('rtpPcmu'))!;
    for (let i = 0; i < 8; i++) {
      const clear = serializeRtp({ ...base, sequenceNumber: (65532 + i) & 0xffff });
      const out = receiver.unprotectRtp(sender.protectRtp(clear));
      expect(out?.equals(clear)).toBe(true);
    }
  });

  it('reads inline key parameters with a lifetime and refuses MKIs and bad lengths', () => {
    expect(parseKeyParams('inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20')).not.toBeNull();
    expect(parseKeyParams('inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32')).toBeNull();
    expect(parseKeyParams('inline:AAAA')).toBeNull();
  });
});

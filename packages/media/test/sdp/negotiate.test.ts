import { answerDirection, chooseForAnswer, chooseFromAnswer, NegotiationError } from '../../src/sdp/negotiate.js';
import { plainRtpCodecs } from '../../src/sdp/rtp-sdp.js';
import type { AudioCodec } from '../../src/transport/types.js';

const pcmu: AudioCodec = { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 };
const pcma: AudioCodec = { payloadType: 8, name: 'PCMA', clockRate: 8000, channels: 1 };
const opus: AudioCodec = { payloadType: 96, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' };
const te8: AudioCodec = { payloadType: 101, name: 'telephone-event', clockRate: 8000, channels: 1, fmtp: '0-15' };
const te48: AudioCodec = { payloadType: 97, name: 'telephone-event', clockRate: 48000, channels: 1, fmtp: '0-15' };

describe('RFC 3264 §6.1 answer direction', () => {
  it.each([
    ['sendrecv', 'sendrecv', 'sendrecv'],
    ['sendonly', 'sendrecv', 'recvonly'],
    ['recvonly', 'sendrecv', 'sendonly'],
    ['inactive', 'sendrecv', 'inactive'],
    ['sendrecv', 'sendonly', 'sendonly'],
    ['sendonly', 'sendonly', 'inactive'],
    ['recvonly', 'recvonly', 'inactive'],
    ['sendrecv', 'inactive', 'inactive'],
  ] as const)('offer %s, we want %s: answer %s', (offered, wanted, answered) => {
    expect(answerDirection(offered, wanted)).toBe(answered);
  });
});

describe('codec matching', () => {
  it('answers in our preference order with the offer payload types, telephone-event at the send rate', () => {
    const choice = chooseForAnswer([opus, pcma, pcmu, te48, te8], plainRtpCodecs(['PCMU', 'opus']));
    expect(choice.codecs.map((c) => c.name)).toEqual(['PCMU', 'opus']);
    expect(choice.telephoneEvent).toEqual(te8);
    expect(choice.answerLines.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}`)).toEqual(['0 PCMU/8000', '96 opus/48000', '101 telephone-event/8000']);
  });

  it('keeps the offerer order when asked to (a B2BUA with no preference)', () => {
    const choice = chooseForAnswer([opus, pcma, pcmu, te48, te8], plainRtpCodecs(), true);
    expect(choice.codecs.map((c) => c.name)).toEqual(['opus', 'PCMA', 'PCMU']);
    expect(choice.telephoneEvent).toEqual(te48);
  });

  it('falls back to telephone-event at another rate when the offer has none at the send rate (baresip: Opus + te/8000)', () => {
    const choice = chooseForAnswer([opus, te8], plainRtpCodecs());
    expect(choice.telephoneEvent).toEqual(te8);
    expect(choice.answerLines.map((c) => `${c.payloadType} ${c.name}/${c.clockRate}`)).toEqual(['96 opus/48000', '101 telephone-event/8000']);
    expect(chooseForAnswer([pcmu], plainRtpCodecs()).telephoneEvent).toBeNull();
  });

  it('fails clearly when nothing is common', () => {
    const g729: AudioCodec = { payloadType: 18, name: 'G729', clockRate: 8000, channels: 1 };
    expect(() => chooseForAnswer([g729, te8], plainRtpCodecs())).toThrow(NegotiationError);
    expect(() => chooseForAnswer([g729, te8], plainRtpCodecs())).toThrow(/G729\/8000/);
  });

  it('reads an answer in the answerer order, even when it renumbers a dynamic payload type', () => {
    const ours = plainRtpCodecs(['PCMU', 'PCMA', 'opus']);
    const answer = chooseFromAnswer(ours, [{ ...opus, payloadType: 98 }, pcmu, { ...te48, payloadType: 99 }]);
    expect(answer.codecs.map((c) => `${c.payloadType} ${c.name}`)).toEqual(['98 opus', '0 PCMU']);
    expect(answer.telephoneEvent?.payloadType).toBe(99);
    expect(() => chooseFromAnswer(ours, [{ payloadType: 9, name: 'G722', clockRate: 8000, channels: 1 }])).toThrow(NegotiationError);
  });
});

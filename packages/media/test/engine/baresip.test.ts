import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { Baresip, analyseTone, writeToneWav } from '@switchboard/testkit';
import { MediaEngine } from '../../src/engine/media-engine.js';
import { SipAnswerer } from '../support/sip-answerer.js';
import { TestPeer } from '../support/test-peer.js';

// A real desk phone (baresip, Opus) ↔ leg ↔ transcoding bridge ↔ leg ↔ a Node PCMU peer.
describe.skipIf(!Baresip.isAvailable())('with a real phone (baresip)', () => {
  let engine: MediaEngine;
  const dir = mkdtempSync(join(tmpdir(), 'sb-media-baresip-'));

  beforeAll(async () => {
    engine = await MediaEngine.start({ workers: 1, rtpPortRange: 'ephemeral', bindAddress: '127.0.0.1', announcedAddress: '127.0.0.1' });
  });
  afterAll(async () => {
    await engine.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('baresip on Opus and a PCMU peer hear each other through a transcoding bridge; DTMF crosses 48 kHz -> 8 kHz', async () => {
    // baresip's Opus runs in stereo and its file source must match: 48 kHz, 2 channels.
    execFileSync('sox', ['-n', '-r', '48000', '-c', '2', '-b', '16', join(dir, '1000.wav'), 'synth', '30', 'sine', '1000', 'vol', '0.5']);
    const peer = await TestPeer.open('PCMU', 440);
    const phoneLeg = engine.createLeg({ kind: 'rtp', group: 'call' });
    const peerLeg = engine.createLeg({ kind: 'rtp', group: 'call' });
    peer.start((await peerLeg.answerOffer(peer.sdp())).answer);
    let phoneCodec = '';
    const sip = await SipAnswerer.open(async (offer) => {
      const { answer, negotiated } = await phoneLeg.answerOffer(offer);
      phoneCodec = negotiated.codecs[0]!.name;
      return answer;
    });
    const phone = await Baresip.start({ account: { user: 'desk', domain: '127.0.0.1' }, audioSource: join(dir, '1000.wav'), codecs: ['opus'] });
    try {
      await engine.bridge(phoneLeg, peerLeg);
      await phone.dial(`sip:media@127.0.0.1:${sip.port}`);
      await phone.waitFor('CALL_ESTABLISHED', { since: 0 });
      expect(phoneCodec).toBe('opus');
      expect(analyseTone(await peer.hear(1.5), { skipSeconds: 0.3 }).dominant).toBe(1000);
      await phone.sendDtmf('7');
      await peer.waitForDigits(1);
      expect(peer.digits[0]?.digit).toBe('7');
      expect(peer.digits[0]?.rate).toBe(8000);
      await phone.hangup();
      await phone.waitFor('CALL_CLOSED', { since: 0 });
      await new Promise((r) => setTimeout(r, 300));
      const heard = phone.heardAudio();
      expect(analyseTone(heard, { skipSeconds: 0.5 }).dominant).toBe(440);
    } finally {
      await phone.stop();
      sip.close();
      peer.close();
      await phoneLeg.close();
      await peerLeg.close();
    }
  });

  it('baresip with mandatory SDES-SRTP and a PCMU peer hear each other through a passthrough bridge', async () => {
    writeToneWav(join(dir, '700.wav'), 700, 30);
    const peer = await TestPeer.open('PCMU', 440);
    const phoneLeg = engine.createLeg({ kind: 'rtp', group: 'srtp-call' });
    const peerLeg = engine.createLeg({ kind: 'rtp', group: 'srtp-call' });
    peer.start((await peerLeg.answerOffer(peer.sdp())).answer);
    let offered = '';
    let answered = '';
    const sip = await SipAnswerer.open(async (offer) => {
      offered = offer;
      answered = (await phoneLeg.answerOffer(offer, { codecs: ['PCMU'] })).answer;
      return answered;
    });
    const phone = await Baresip.start({ account: { user: 'desk', domain: '127.0.0.1' }, audioSource: join(dir, '700.wav'), extraConfig: ['module srtp.so'] });
    try {
      // A second account on the phone that insists on SRTP; dial from it.
      await phone.command('uanew', '<sip:secure@127.0.0.1>;mediaenc=srtp-mand;regint=0');
      await phone.command('uafind', 'sip:secure@127.0.0.1');
      await engine.bridge(phoneLeg, peerLeg);
      await phone.dial(`sip:media@127.0.0.1:${sip.port}`);
      await phone.waitFor('CALL_ESTABLISHED', { since: 0 });
      expect(offered).toMatch(/RTP\/SAVP/);
      expect(answered).toMatch(/m=audio \d+ RTP\/SAVP 0 101/);
      expect(answered).toMatch(/a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:/);
      expect(analyseTone(await peer.hear(1.5), { skipSeconds: 0.3 }).dominant).toBe(700);
      await new Promise((r) => setTimeout(r, 500));
      await phone.hangup();
      await phone.waitFor('CALL_CLOSED', { since: 0 });
      await new Promise((r) => setTimeout(r, 300));
      expect(analyseTone(phone.heardAudio(), { skipSeconds: 0.5 }).dominant).toBe(440);
    } finally {
      await phone.stop();
      sip.close();
      peer.close();
      await phoneLeg.close();
      await peerLeg.close();
    }
  });
});

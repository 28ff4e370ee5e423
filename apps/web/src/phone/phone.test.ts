import { describe, expect, it } from 'vitest';
import { ApiFailure } from '../lib/api.js';
import { flush, meFixture, phoneHarness } from '../test-support/fake-phone.js';

async function readyPhone() {
  const h = phoneHarness();
  await h.phone.start(meFixture());
  h.ua().comeUp();
  return h;
}

describe('Phone: connection status', () => {
  it('connects to the portal origin with /api/me credentials and shows Ready once registered', async () => {
    const h = phoneHarness();
    expect(h.phone.getSnapshot().status).toBe('connecting');
    await h.phone.start(meFixture());
    const ua = h.ua();
    expect(ua.config).toEqual({
      uri: 'sip:101@demo.switchboard.test',
      authorizationUser: '101',
      password: 'secret-1',
      displayName: 'Ada Lovelace',
      wsUrl: 'ws://portal.test/sip',
    });
    expect(ua.started).toBe(true);
    expect(h.phone.getSnapshot().status).toBe('connecting');
    ua.comeUp();
    expect(h.phone.getSnapshot().status).toBe('ready');
    expect(h.phone.getSnapshot().announcement?.text).toBe('Phone status: Ready');
  });

  it('shows Disconnected when the connection drops, and Ready again when the stack reconnects', async () => {
    const h = await readyPhone();
    h.ua().emit('disconnected');
    h.ua().emit('unregistered');
    expect(h.phone.getSnapshot().status).toBe('disconnected');
    h.ua().emit('connecting');
    expect(h.phone.getSnapshot().status).toBe('disconnected'); // retrying, not flickering
    h.ua().emit('connected');
    expect(h.phone.getSnapshot().status).toBe('connecting');
    h.ua().emit('registered');
    expect(h.phone.getSnapshot().status).toBe('ready');
  });

  it('a rejected registration re-fetches /api/me, takes the new credentials, and registers again after a backoff', async () => {
    const h = await readyPhone();
    h.fetchMe.next = () => Promise.resolve(meFixture({ sip: { ...meFixture().sip!, password: 'secret-2', expiresAt: '2026-01-05T11:00:00Z' } }));
    h.ua().emit('registrationFailed', { statusCode: 401, cause: 'Authentication Error' });
    expect(h.phone.getSnapshot().status).toBe('disconnected');
    await flush();
    expect(h.fetchMe.calls).toBe(1);
    expect(h.ua().credentials).toEqual({ user: '101', password: 'secret-2' });
    expect(h.ua().registerCalls).toBe(0);
    await h.timers.advance(2_000);
    expect(h.ua().registerCalls).toBe(1);
    expect(h.phone.getSnapshot().status).toBe('connecting');
  });

  it('backs off further after each failed registration, and resets once registered', async () => {
    const h = await readyPhone();
    const registersAfter = async (ms: number) => {
      await h.timers.advance(ms);
      return h.ua().registerCalls;
    };
    h.ua().emit('registrationFailed', { statusCode: 503, cause: 'SIP Failure Code' });
    expect(await registersAfter(1_300)).toBe(0);
    expect(await registersAfter(700)).toBe(1);
    h.ua().emit('registrationFailed', { statusCode: 503, cause: 'SIP Failure Code' });
    expect(await registersAfter(2_700)).toBe(1);
    expect(await registersAfter(1_300)).toBe(2);
  });

  it('leaves transport failures to the stack, which registers again on reconnect', async () => {
    const h = await readyPhone();
    h.ua().emit('registrationFailed', { statusCode: null, cause: 'Connection Error' });
    await h.timers.advance(60_000);
    expect(h.ua().registerCalls).toBe(0);
  });

  it('refreshes credentials a minute before they expire', async () => {
    const h = await readyPhone();
    h.fetchMe.next = () => Promise.resolve(meFixture({ sip: { ...meFixture().sip!, password: 'secret-3', expiresAt: '2026-01-05T12:00:00Z' } }));
    await h.timers.advance(58 * 60_000);
    expect(h.fetchMe.calls).toBe(0);
    await h.timers.advance(60_000);
    expect(h.fetchMe.calls).toBe(1);
    expect(h.ua().credentials.password).toBe('secret-3');
  });

  it('signs out when /api/me says the session is gone', async () => {
    const h = await readyPhone();
    let signedOut = false;
    h.phone.onSignedOut(() => (signedOut = true));
    h.fetchMe.next = () => Promise.reject(new ApiFailure('unauthorized', 401, 'Your session has ended.'));
    h.ua().emit('registrationFailed', { statusCode: 403, cause: 'Authentication Error' });
    await flush();
    expect(signedOut).toBe(true);
    expect(h.ua().stopped).toBe(true);
  });

  it('with the microphone denied: the three-steps status, never Ready, and no registration', async () => {
    const h = phoneHarness();
    h.microphone.problem = 'denied';
    await h.phone.start(meFixture());
    expect(h.phone.getSnapshot().status).toBe('mic-denied');
    expect(h.uas).toHaveLength(0);
    // The user allows it in the site settings: the phone carries on by itself.
    h.microphone.problem = null;
    h.microphone.setPermission('granted');
    await flush();
    h.ua().comeUp();
    expect(h.phone.getSnapshot().status).toBe('ready');
  });

  it('says so when there is no microphone at all', async () => {
    const h = phoneHarness();
    h.microphone.problem = 'missing';
    await h.phone.start(meFixture());
    expect(h.phone.getSnapshot().status).toBe('mic-missing');
  });

  it('cannot register a user without an extension', async () => {
    const h = phoneHarness();
    await h.phone.start(meFixture({ extension: null, sip: null }));
    expect(h.phone.getSnapshot().status).toBe('no-extension');
    expect(h.uas).toHaveLength(0);
  });

  it('reports blocked sound at start so the page can offer "Enable sound"', async () => {
    const h = phoneHarness();
    h.ringtone.blocked = true;
    await h.phone.start(meFixture());
    expect(h.phone.getSnapshot().soundBlocked).toBe(true);
    await h.phone.enableSound();
    expect(h.phone.getSnapshot().soundBlocked).toBe(false);
  });
});

describe('Phone: dialling', () => {
  it('typed digits build the number; Backspace deletes; pasted formatting is dropped', async () => {
    const h = await readyPhone();
    for (const d of '10x2') h.phone.typeDigit(d);
    expect(h.phone.getSnapshot().dial).toBe('102');
    h.phone.deleteDigit();
    expect(h.phone.getSnapshot().dial).toBe('10');
    h.phone.setDial('+1 (555) 010-2000');
    expect(h.phone.getSnapshot().dial).toBe('+15550102000');
  });

  it('Call dials sip:<number>@<tenant domain> with the microphone and clears the field', async () => {
    const h = await readyPhone();
    h.phone.setDial('102');
    await h.phone.placeCall();
    const session = h.ua().calls[0]!;
    expect(session.target).toBe('sip:102@demo.switchboard.test');
    expect(h.phone.getSnapshot()).toMatchObject({ dial: '', lastDialled: '102', status: 'in-call', call: { state: 'calling', remote: { number: '102' } } });
    expect(h.storage.getItem('switchboard.last-dialled')).toBe('102');
  });

  it('names a dialled number from the directory lookup', async () => {
    const h = await readyPhone();
    h.phone.setNameLookup((n) => (n === '102' ? 'Grace Hopper' : null));
    h.phone.setDial('102');
    await h.phone.placeCall();
    expect(h.phone.getSnapshot().call?.remote).toEqual({ name: 'Grace Hopper', number: '102' });
  });

  it('external numbers go to the same domain', async () => {
    const h = await readyPhone();
    await h.phone.call('+44 20 7946 0000');
    expect(h.ua().calls[0]!.target).toBe('sip:+442079460000@demo.switchboard.test');
  });

  it('quick redial: Call on an empty field fills in the last number, a second press dials it', async () => {
    const h = await readyPhone();
    await h.phone.call('102');
    h.ua().calls[0]!.end({ statusCode: 486, cause: 'Busy' }, false);
    expect(h.phone.getSnapshot().notice?.text).toBe('102 is busy. Try again later.');
    await h.phone.placeCall();
    expect(h.phone.getSnapshot().dial).toBe('102');
    expect(h.ua().calls).toHaveLength(1);
    await h.phone.placeCall();
    expect(h.ua().calls).toHaveLength(2);
  });

  it('does not call before Ready, and says why', async () => {
    const h = phoneHarness();
    await h.phone.start(meFixture());
    h.phone.setDial('102');
    await h.phone.placeCall();
    expect(h.ua().calls).toHaveLength(0);
    expect(h.phone.getSnapshot().notice?.text).toMatch(/still connecting/);
  });

  it('maps call failures to words: 404 number not found, 480 no answer', async () => {
    const h = await readyPhone();
    await h.phone.call('555');
    h.ua().calls[0]!.end({ statusCode: 404, cause: 'Not Found' }, false);
    expect(h.phone.getSnapshot().notice?.text).toMatch(/^Number not found/);
    expect(h.phone.getSnapshot().status).toBe('ready');
    await h.phone.call('103');
    h.ua().calls[1]!.end({ statusCode: 480, cause: 'Unavailable' }, false);
    expect(h.phone.getSnapshot().notice?.text).toBe('No answer: 103 is not available right now.');
  });

  it('plays the far side on the speaker and tells listeners when a call ends', async () => {
    const h = await readyPhone();
    let ended = 0;
    h.phone.onCallEnded(() => (ended += 1));
    await h.phone.call('102', 'Grace Hopper');
    const session = h.ua().calls[0]!;
    const remote = { id: 'remote' } as unknown as MediaStream;
    session.emit('accepted');
    session.emit('remoteStream', remote);
    await flush();
    expect(h.speaker.playing).toBe(remote);
    expect(h.phone.getSnapshot().call).toMatchObject({ state: 'active', remote: { name: 'Grace Hopper' } });
    session.end();
    expect(h.phone.getSnapshot().call).toBeNull();
    expect(h.phone.getSnapshot().notice).toBeNull();
    expect(h.speaker.playing).toBeNull();
    expect(ended).toBe(1);
    expect(h.microphone.opened.at(-1)!.track.stopped).toBe(true);
  });
});

describe('Phone: incoming calls', () => {
  it('rings with the caller, notifies, answers with the microphone on Enter', async () => {
    const h = await readyPhone();
    const session = h.ua().ring('Grace Hopper', '102');
    await flush();
    expect(h.phone.context()).toBe('incoming');
    expect(h.phone.getSnapshot().call).toMatchObject({ state: 'incoming', remote: { name: 'Grace Hopper', number: '102' } });
    expect(h.phone.getSnapshot().status).toBe('ready');
    expect(h.phone.getSnapshot().announcement?.text).toBe('Incoming call from Grace Hopper (102)');
    expect(h.ringtone.ringing).toBe(true);
    expect(h.notifier.shown).toEqual(['Grace Hopper (102)']);
    h.phone.perform('answer');
    await flush();
    expect(h.ringtone.ringing).toBe(false);
    expect(h.notifier.open).toBe(false);
    expect(session.answeredWith).not.toBeNull();
    session.emit('accepted');
    expect(h.phone.getSnapshot().status).toBe('in-call');
    expect(h.phone.context()).toBe('in-call');
  });

  it('Escape declines with 603 and stops the ringtone', async () => {
    const h = await readyPhone();
    const session = h.ua().ring(null, '102');
    h.phone.perform('decline');
    expect(session.terminated?.statusCode).toBe(603);
    session.end({ originator: 'local', cause: 'Rejected' }, false);
    expect(h.phone.getSnapshot().call).toBeNull();
    expect(h.phone.getSnapshot().notice).toBeNull();
    expect(h.ringtone.ringing).toBe(false);
  });

  it('a second caller during a call hears busy', async () => {
    const h = await readyPhone();
    await h.phone.call('102');
    const second = h.ua().ring(null, '103');
    expect(second.terminated).toEqual({ statusCode: 486, reason: 'Busy Here' });
    expect(h.phone.getSnapshot().call?.remote.number).toBe('102');
  });

  it('flags blocked sound when the ringtone cannot play', async () => {
    const h = await readyPhone();
    h.ringtone.blocked = true;
    h.ua().ring(null, '102');
    await flush();
    expect(h.phone.getSnapshot().soundBlocked).toBe(true);
  });
});

describe('Phone: in-call actions by name', () => {
  it('M, H, digits and Escape reach the call', async () => {
    const h = await readyPhone();
    await h.phone.call('102');
    const session = h.ua().calls[0]!;
    session.emit('accepted');
    h.phone.perform('toggleMute');
    expect(h.phone.getSnapshot().call?.muted).toBe(true);
    h.phone.perform('toggleHold');
    expect(session.holdRequests).toBe(1);
    h.phone.perform('sendDtmf', '5');
    expect(session.dtmf).toEqual(['5']);
    h.phone.perform('hangUp');
    expect(session.terminated).not.toBeNull();
  });

  it('blind transfer goes to the tenant domain', async () => {
    const h = await readyPhone();
    await h.phone.call('102');
    h.ua().calls[0]!.emit('accepted');
    h.phone.blindTransfer('104');
    expect(h.ua().calls[0]!.refers[0]?.target).toBe('sip:104@demo.switchboard.test');
  });

  it('a new microphone choice during a call switches the sent track at once', async () => {
    const h = await readyPhone();
    await h.phone.call('102');
    h.ua().calls[0]!.emit('accepted');
    h.phone.devices.select('microphone', 'usb-headset');
    await flush();
    expect(h.microphone.requestedDevices.at(-1)).toBe('usb-headset');
    expect(h.ua().calls[0]!.replacedTracks).toHaveLength(1);
  });

  it('a new speaker or ringer choice goes to its output and is remembered', async () => {
    const h = await readyPhone();
    h.phone.devices.select('speaker', 'desk-speaker');
    h.phone.devices.select('ringer', 'loud-ringer');
    await flush();
    expect(h.speaker.device).toBe('desk-speaker');
    expect(h.ringerOutput.device).toBe('loud-ringer');
    expect(JSON.parse(h.storage.getItem('switchboard.audio-devices')!)).toEqual({ microphone: null, speaker: 'desk-speaker', ringer: 'loud-ringer' });
  });
});

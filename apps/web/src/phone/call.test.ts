import { describe, expect, it } from 'vitest';
import { fakeStream, FakeSession } from '../test-support/fake-phone.js';
import { Call, IllegalCallTransition } from './call.js';

const now = () => 1_000;

describe('Call state machine', () => {
  it('outgoing: calling → ringing → active, with the answer time', () => {
    const session = new FakeSession('outgoing', { name: null, number: '102' });
    const call = new Call(session, now, { name: 'Grace', number: '102' });
    expect(call.state).toBe('calling');
    session.emit('progress');
    expect(call.state).toBe('ringing');
    session.emit('accepted');
    expect(call.getSnapshot()).toMatchObject({ state: 'active', answeredAt: 1_000, remote: { name: 'Grace', number: '102' } });
    session.emit('confirmed');
    expect(call.state).toBe('active');
  });

  it('incoming: incoming → answering → active; answer sends the microphone', () => {
    const session = new FakeSession('incoming', { name: 'Alan', number: '103' });
    const call = new Call(session, now);
    expect(call.state).toBe('incoming');
    const mic = fakeStream();
    call.answer(mic);
    expect(session.answeredWith).toBe(mic);
    expect(call.state).toBe('answering');
    session.emit('accepted');
    expect(call.state).toBe('active');
  });

  it('ends from any state, says why, and stops the microphone', () => {
    const session = new FakeSession('outgoing', { name: null, number: '555' });
    const call = new Call(session, now);
    const mic = fakeStream();
    call.useMicrophone(mic);
    session.end({ statusCode: 404, cause: 'Not Found' }, false);
    expect(call.getSnapshot()).toMatchObject({ state: 'ended', endMessage: expect.stringContaining('Number not found') as unknown });
    expect(mic.track.stopped).toBe(true);
  });

  it('refuses illegal moves', () => {
    const session = new FakeSession('incoming', { name: null, number: '103' });
    const call = new Call(session, now);
    session.end({}, false);
    expect(call.state).toBe('ended');
    // A late 'progress' is ignored; answering an ended call does nothing.
    session.emit('progress');
    call.answer(fakeStream());
    expect(session.answeredWith).toBeNull();
    expect(() => (call as unknown as { transition(to: string): void }).transition('active')).toThrow(IllegalCallTransition);
  });

  it('declining an incoming call answers 603 Decline; hanging up an active call sends BYE', () => {
    const incoming = new FakeSession('incoming', { name: null, number: '103' });
    new Call(incoming, now).hangUp();
    expect(incoming.terminated).toEqual({ statusCode: 603, reason: 'Decline' });
    const outgoing = new FakeSession('outgoing', { name: null, number: '102' });
    const call = new Call(outgoing, now);
    outgoing.emit('accepted');
    call.hangUp();
    expect(outgoing.terminated).toEqual({ statusCode: undefined, reason: undefined });
  });

  it('mute disables the track being sent; unmute enables it again', () => {
    const session = new FakeSession('outgoing', { name: null, number: '102' });
    const call = new Call(session, now);
    const mic = fakeStream();
    call.useMicrophone(mic);
    session.emit('accepted');
    call.toggleMute();
    expect(call.getSnapshot().muted).toBe(true);
    expect(mic.track.enabled).toBe(false);
    call.toggleMute();
    expect(mic.track.enabled).toBe(true);
  });

  it('stays muted after a hold ends (the stack re-enables the track on resume)', () => {
    const session = new FakeSession('outgoing', { name: null, number: '102' });
    const call = new Call(session, now);
    const mic = fakeStream();
    call.useMicrophone(mic);
    session.emit('accepted');
    call.toggleMute();
    mic.track.enabled = true; // what the stack does when the hold ends
    session.emit('microphoneRestored');
    expect(mic.track.enabled).toBe(false);
  });

  it('hold sends a re-INVITE and shows held only once it is accepted; resume undoes it', () => {
    const session = new FakeSession('outgoing', { name: null, number: '102' });
    const call = new Call(session, now);
    call.toggleHold();
    expect(session.holdRequests).toBe(0); // not before the call is answered
    session.emit('accepted');
    call.toggleHold();
    expect(session.holdRequests).toBe(1);
    expect(call.getSnapshot()).toMatchObject({ held: false, holdPending: true });
    call.toggleHold(); // a second press while pending is ignored
    expect(session.holdRequests).toBe(1);
    session.emit('hold');
    expect(call.getSnapshot()).toMatchObject({ held: true, holdPending: false });
    call.toggleHold();
    expect(session.unholdRequests).toBe(1);
    session.emit('unhold');
    expect(call.getSnapshot().held).toBe(false);
  });

  it('copes with a stack that reports hold from inside hold() (as JsSIP does)', () => {
    const session = new FakeSession('outgoing', { name: null, number: '102' });
    session.hold = () => {
      session.holdRequests += 1;
      session.emit('hold');
      return true;
    };
    session.unhold = () => {
      session.unholdRequests += 1;
      session.emit('unhold');
      return true;
    };
    const call = new Call(session, now);
    session.emit('accepted');
    call.toggleHold();
    expect(call.getSnapshot()).toMatchObject({ held: true, holdPending: false });
    call.toggleHold();
    expect(session.unholdRequests).toBe(1);
    expect(call.getSnapshot()).toMatchObject({ held: false, holdPending: false });
  });

  it('a hold the stack cannot send now leaves the call as it was', () => {
    const session = new FakeSession('outgoing', { name: null, number: '102' });
    session.hold = () => false;
    const call = new Call(session, now);
    session.emit('accepted');
    call.toggleHold();
    expect(call.getSnapshot()).toMatchObject({ held: false, holdPending: false });
  });

  it('sends DTMF only on an active call, and only real keypad tones', () => {
    const session = new FakeSession('outgoing', { name: null, number: '*43' });
    const call = new Call(session, now);
    call.sendDtmf('1');
    session.emit('accepted');
    call.sendDtmf('1');
    call.sendDtmf('#');
    call.sendDtmf('x');
    expect(session.dtmf).toEqual(['1', '#']);
    expect(call.getSnapshot().dtmf).toBe('1#');
  });

  it('blind transfer: REFER to the target, hang up when it is accepted', () => {
    const session = new FakeSession('outgoing', { name: null, number: '102' });
    const call = new Call(session, now);
    session.emit('accepted');
    call.blindTransfer('sip:104@demo.test', '104');
    expect(session.refers[0]?.target).toBe('sip:104@demo.test');
    expect(call.getSnapshot().transfer).toEqual({ state: 'sending', target: '104' });
    session.refers[0]!.handlers.accepted();
    expect(session.terminated).not.toBeNull();
  });

  it('blind transfer that fails keeps the call and says why', () => {
    const session = new FakeSession('outgoing', { name: null, number: '102' });
    const call = new Call(session, now);
    session.emit('accepted');
    call.blindTransfer('sip:999@demo.test', '999');
    session.refers[0]!.handlers.failed(404, 'Not Found');
    expect(call.state).toBe('active');
    expect(call.getSnapshot().transfer).toMatchObject({ state: 'failed', message: expect.stringContaining('Number not found') as unknown });
    expect(session.terminated).toBeNull();
  });

  it('a new microphone replaces the sent track, keeps mute, and stops the old one', async () => {
    const session = new FakeSession('outgoing', { name: null, number: '102' });
    const call = new Call(session, now);
    const first = fakeStream();
    call.useMicrophone(first);
    session.emit('accepted');
    call.toggleMute();
    const second = fakeStream();
    await call.replaceMicrophone(second);
    expect(session.replacedTracks).toEqual([second.track]);
    expect(second.track.enabled).toBe(false);
    expect(first.track.stopped).toBe(true);
  });
});

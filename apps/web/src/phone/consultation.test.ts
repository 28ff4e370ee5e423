import { describe, expect, it } from 'vitest';
import { flush, meFixture, phoneHarness } from '../test-support/fake-phone.js';
import type { FakeSession, PhoneHarness } from '../test-support/fake-phone.js';
import { IllegalConsultationTransition } from './consultation.js';

/** A phone on an answered call with Grace (102); `realStack`: the fake reports hold and hang-up inline, as JsSIP does. */
async function onCall(realStack = true): Promise<PhoneHarness & { caller: FakeSession }> {
  const h = phoneHarness();
  await h.phone.start(meFixture());
  h.ua().comeUp();
  h.ua().reportsInline = realStack;
  const caller = h.ua().ring('Grace Hopper', '102');
  await h.phone.answer();
  caller.emit('accepted');
  return Object.assign(h, { caller });
}

/** Attended Transfer to `number`: returns the consultation call's session. */
async function consult(h: PhoneHarness, number = '103'): Promise<FakeSession> {
  await h.phone.attendedTransfer(number);
  await flush();
  const session = h.ua().calls.at(-1);
  if (!session) throw new Error('no consultation call was placed');
  return session;
}

describe('Attended Transfer', () => {
  it('holds the caller, consults the destination, and Complete Transfer REFERs the caller with Replaces', async () => {
    const h = await onCall(false);
    const consultation = await consult(h);
    expect(h.caller.holdRequests).toBe(1);
    expect(consultation.target).toBe('sip:103@demo.switchboard.test');
    let snap = h.phone.getSnapshot();
    expect(snap.call?.remote.number).toBe('103');
    expect(snap.consultation).toMatchObject({ state: 'dialling', purpose: 'transfer', destination: '103', original: { remote: { number: '102' } } });
    expect(snap.announcement?.text).toBe('Grace Hopper is on hold. Calling 103');

    h.phone.completeTransfer(); // not before the recipient answers
    expect(h.caller.refers).toHaveLength(0);
    consultation.emit('accepted');
    expect(h.phone.getSnapshot().consultation?.state).toBe('talking');

    h.phone.completeTransfer();
    expect(h.caller.refers).toHaveLength(1);
    expect(h.caller.refers[0]).toMatchObject({ target: 'sip:103@demo.switchboard.test', options: { replaces: consultation } });
    expect(h.phone.getSnapshot().consultation?.state).toBe('completing');

    h.caller.refers[0]!.handlers.accepted();
    expect(h.caller.terminated).not.toBeNull();
    expect(consultation.terminated).not.toBeNull();
    snap = h.phone.getSnapshot();
    expect(snap.call).toBeNull();
    expect(snap.consultation).toBeNull();
    expect(snap.status).toBe('ready');
    expect(snap.notice?.text).toBe('Transfer complete: Grace Hopper is now connected with 103.');
  });

  it('Cancel hangs up the consultation and resumes the caller', async () => {
    const h = await onCall();
    const consultation = await consult(h);
    consultation.emit('accepted');
    h.phone.cancelConsultation();
    expect(consultation.terminated).not.toBeNull();
    expect(h.caller.unholdRequests).toBe(1);
    const snap = h.phone.getSnapshot();
    expect(snap.consultation).toBeNull();
    expect(snap.call).toMatchObject({ state: 'active', remote: { number: '102' } });
    expect(snap.notice).toBeNull();
    expect(snap.announcement?.text).toBe('Consultation ended. You are back with Grace Hopper.');
  });

  it('Hang Up (or Escape) during a consultation ends the consultation, not the caller', async () => {
    const h = await onCall();
    const consultation = await consult(h);
    expect(h.phone.perform('hangUp')).toBe(true);
    expect(consultation.terminated).not.toBeNull();
    expect(h.caller.terminated).toBeNull();
    expect(h.phone.getSnapshot().call?.remote.number).toBe('102');
  });

  it('when the destination does not answer, returns to the caller by itself and says why', async () => {
    const h = await onCall();
    const consultation = await consult(h);
    consultation.emit('progress');
    consultation.end({ statusCode: 480, cause: 'Unavailable' }, false);
    const snap = h.phone.getSnapshot();
    expect(h.caller.unholdRequests).toBe(1);
    expect(snap.consultation).toBeNull();
    expect(snap.call?.remote.number).toBe('102');
    expect(snap.notice).toEqual({ tone: 'error', text: 'No answer: 103 is not available right now. You are back with Grace Hopper.' });
  });

  it('when the recipient hangs up after answering, returns to the caller', async () => {
    const h = await onCall();
    const consultation = await consult(h);
    consultation.emit('accepted');
    consultation.end();
    expect(h.phone.getSnapshot().notice?.text).toBe('103 hung up. You are back with Grace Hopper.');
    expect(h.phone.getSnapshot().call?.remote.number).toBe('102');
  });

  it('a refused transfer keeps both calls and says why', async () => {
    const h = await onCall();
    const consultation = await consult(h);
    consultation.emit('accepted');
    h.phone.completeTransfer();
    h.caller.refers[0]!.handlers.failed(503, 'Service Unavailable');
    const snap = h.phone.getSnapshot();
    expect(snap.consultation).toMatchObject({ state: 'talking', message: 'Transfer failed. The phone system could not connect the call. Try again in a moment.' });
    expect(h.caller.terminated).toBeNull();
    expect(consultation.terminated).toBeNull();
  });

  it('the server ending the caller’s leg before its NOTIFY also means the transfer went through', async () => {
    const h = await onCall();
    const consultation = await consult(h);
    consultation.emit('accepted');
    h.phone.completeTransfer();
    consultation.end(); // replaced by the transferee's INVITE
    expect(h.phone.getSnapshot().consultation?.state).toBe('completing');
    h.caller.end();
    expect(h.phone.getSnapshot()).toMatchObject({ call: null, consultation: null, notice: { tone: 'info' } });
  });

  it('when the caller hangs up during the consultation, the consultation goes on as the call', async () => {
    const h = await onCall();
    const consultation = await consult(h);
    consultation.emit('accepted');
    h.caller.end();
    const snap = h.phone.getSnapshot();
    expect(snap.consultation).toBeNull();
    expect(snap.call?.remote.number).toBe('103');
    expect(snap.notice?.text).toContain('Grace Hopper hung up');
    expect(consultation.terminated).toBeNull();
  });

  it('Hold is left alone during a consultation, and a new caller hears busy', async () => {
    const h = await onCall();
    const consultation = await consult(h);
    consultation.emit('accepted');
    h.phone.perform('toggleHold');
    expect(consultation.holdRequests).toBe(0);
    expect(h.caller.unholdRequests).toBe(0);
    const third = h.ua().ring(null, '104');
    expect(third.terminated).toEqual({ statusCode: 486, reason: 'Busy Here' });
  });

  it('plays the consultation’s audio, then the caller’s again on return', async () => {
    const h = await onCall();
    const callerAudio = { id: 'caller' } as unknown as MediaStream;
    h.caller.emit('remoteStream', callerAudio);
    expect(h.speaker.playing).toBe(callerAudio);
    const consultation = await consult(h);
    const consultedAudio = { id: 'consulted' } as unknown as MediaStream;
    consultation.emit('remoteStream', consultedAudio);
    consultation.emit('accepted');
    expect(h.speaker.playing).toBe(consultedAudio);
    h.phone.cancelConsultation();
    consultation.end({ originator: 'local' });
    expect(h.speaker.playing).toBe(callerAudio);
  });
});

describe('Conferences', () => {
  it('Merge to Conference REFERs both parties to *38, then joins the room, whose number comes with the answer', async () => {
    const h = await onCall();
    const consultation = await consult(h);
    consultation.emit('accepted');
    h.phone.mergeToConference();
    expect(h.caller.refers[0]?.target).toBe('sip:*38@demo.switchboard.test');
    expect(h.caller.refers[0]?.options.replaces).toBeUndefined();
    expect(consultation.refers).toHaveLength(0);
    h.caller.refers[0]!.handlers.accepted();
    expect(h.caller.terminated).not.toBeNull();
    expect(consultation.refers[0]?.target).toBe('sip:*38@demo.switchboard.test');
    consultation.refers[0]!.handlers.accepted();
    expect(consultation.terminated).not.toBeNull();
    await flush();
    const room = h.ua().calls.at(-1)!;
    expect(room.target).toBe('sip:*38@demo.switchboard.test');
    room.emit('conferenceRoom', '99901');
    room.emit('accepted');
    expect(h.phone.getSnapshot().call).toMatchObject({ state: 'active', room: '99901' });
    expect(h.phone.getSnapshot().consultation).toBeNull();
  });

  it('a merge the server refuses keeps both calls and says why', async () => {
    const h = await onCall();
    const consultation = await consult(h);
    consultation.emit('accepted');
    h.phone.mergeToConference();
    h.caller.refers[0]!.handlers.failed(403, 'Forbidden');
    expect(h.phone.getSnapshot().consultation).toMatchObject({ state: 'talking', message: expect.stringContaining('The conference could not be started.') as unknown });
    expect(h.caller.terminated).toBeNull();
  });

  it('in a room, Attended Transfer holds our seat; Send to Conference REFERs the new person to *38 and resumes it', async () => {
    const h = await onCall();
    h.caller.emit('conferenceRoom', '99902');
    const consultation = await consult(h, '104');
    expect(h.phone.getSnapshot().consultation).toMatchObject({ purpose: 'conference' });
    expect(h.phone.getSnapshot().announcement?.text).toBe('The conference is on hold. Calling 104');
    consultation.emit('accepted');
    h.phone.completeTransfer(); // not offered in a room
    h.phone.mergeToConference();
    expect(h.caller.refers).toHaveLength(0);
    h.phone.sendToConference();
    expect(consultation.refers[0]?.target).toBe('sip:*38@demo.switchboard.test');
    // The eleventh person: the server says why in its own words.
    consultation.refers[0]!.handlers.failed(486, 'The conference room is full (10 people)', 'The conference room is full (10 people)');
    expect(h.phone.getSnapshot().consultation?.message).toBe('104 could not be added to the conference. The conference room is full (10 people).');
    h.phone.sendToConference();
    consultation.refers[1]!.handlers.accepted();
    expect(consultation.terminated).not.toBeNull();
    expect(h.caller.unholdRequests).toBe(1);
    expect(h.phone.getSnapshot()).toMatchObject({ consultation: null, call: { room: '99902', state: 'active' } });
  });

  it('the state machine refuses moves its diagram does not allow', async () => {
    const h = await onCall();
    await consult(h);
    const engine = (h.phone as unknown as { consultation: { transition(to: string): void } }).consultation;
    expect(() => engine.transition('completing')).toThrow(IllegalConsultationTransition);
  });
});

describe('Returning to the caller', () => {
  it('resumes the caller even when the stack refuses while its hold re-INVITE is still on its way', async () => {
    const h = await onCall();
    const consultation = await consult(h);
    let busy = true;
    const unhold = h.caller.unhold.bind(h.caller);
    h.caller.unhold = () => (busy ? false : unhold());
    consultation.end({ statusCode: 603, cause: 'Rejected' }, false); // declined at once
    expect(h.phone.getSnapshot().call?.held).toBe(true);
    busy = false;
    await h.timers.advance(250);
    expect(h.caller.unholdRequests).toBe(1);
    expect(h.phone.getSnapshot().call?.held).toBe(false);
    expect(h.phone.getSnapshot().notice?.text).toBe('103 declined the call. You are back with Grace Hopper.');
  });
});

import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ConferenceRoom, PortalEvent } from '@switchboard/api';
import { EventsSocket } from '../../lib/events-socket.js';
import { PortalEventsContext } from '../../lib/portal-events.js';
import { PhoneContext } from '../../phone/use-phone.js';
import { flush, meFixture, phoneHarness } from '../../test-support/fake-phone.js';
import type { FakeSession, PhoneHarness } from '../../test-support/fake-phone.js';
import { Softphone } from './Softphone.js';

/** An event stream the test pushes into (the component under test subscribes as it would to the real one). */
class PushedEvents extends EventsSocket {
  constructor() {
    super('ws://unused');
  }
  override start(): void {}
  push(event: PortalEvent): void {
    (this as unknown as { emit(e: PortalEvent): void }).emit(event);
  }
}

const room = (participants: { name: string; number: string; speaking?: boolean; you?: boolean }[]): ConferenceRoom => ({
  number: '99901',
  capacity: 10,
  participants: participants.map((p, i) => ({ id: `p${i}`, name: p.name, number: p.number, speaking: p.speaking ?? false, muted: false, you: p.you ?? false })),
});

let conference: ConferenceRoom | null = null;
const realFetch = globalThis.fetch;
beforeAll(() => {
  globalThis.fetch = vi.fn((input: RequestInfo | URL) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url === '/api/conference') return Promise.resolve(Response.json({ room: conference }));
    return Promise.resolve(Response.json({ error: { code: 'not_found', message: 'no' } }, { status: 404 }));
  });
});
afterAll(() => {
  globalThis.fetch = realFetch;
});
afterEach(cleanup);

async function onCallWithGrace(): Promise<{ h: PhoneHarness; caller: FakeSession; events: PushedEvents }> {
  const h = phoneHarness();
  await h.phone.start(meFixture());
  h.ua().comeUp();
  h.ua().reportsInline = true;
  const events = new PushedEvents();
  render(
    <PhoneContext.Provider value={h.phone}>
      <PortalEventsContext.Provider value={events}>
        <Softphone />
      </PortalEventsContext.Provider>
    </PhoneContext.Provider>,
  );
  await act(() => h.phone.call('102', 'Grace Hopper'));
  const caller = h.ua().calls[0]!;
  act(() => caller.emit('accepted'));
  return { h, caller, events };
}

async function attendedTransferTo(number: string, opener = 'Transfer'): Promise<void> {
  fireEvent.click(screen.getByRole('button', { name: opener }));
  const dialog = screen.getByRole('dialog');
  fireEvent.change(within(dialog).getByLabelText('Destination extension or number'), { target: { value: number } });
  fireEvent.click(within(dialog).getByRole('button', { name: 'Attended Transfer' }));
  await act(flush);
}

describe('Attended Transfer on screen', () => {
  it('shows the caller on hold and the recipient; Complete Transfer once they answer', async () => {
    const { h, caller } = await onCallWithGrace();
    await attendedTransferTo('103');
    expect(screen.queryByRole('dialog')).toBeNull();
    const bar = screen.getByRole('region', { name: 'Attended transfer' });
    expect(bar.textContent).toContain('On hold');
    expect(bar.textContent).toContain('Grace Hopper (102)');
    expect(screen.getByTestId('call-party').textContent).toBe('103');
    const complete = within(bar).getByRole<HTMLButtonElement>('button', { name: 'Complete Transfer' });
    expect(complete.disabled).toBe(true);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Hold' }).disabled).toBe(true);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Transfer' }).disabled).toBe(true);
    const consultation = h.ua().calls[1]!;
    act(() => consultation.emit('accepted'));
    fireEvent.click(complete);
    expect(caller.refers[0]?.options.replaces).toBe(consultation);
    act(() => caller.refers[0]!.handlers.accepted());
    expect(screen.getByRole('button', { name: 'Call' })).toBeTruthy();
    expect(screen.getByText('Transfer complete: Grace Hopper is now connected with 103.')).toBeTruthy();
  });

  it('Cancel returns to the caller', async () => {
    const { h, caller } = await onCallWithGrace();
    await attendedTransferTo('103');
    act(() => h.ua().calls[1]!.emit('accepted'));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel' }));
    expect(screen.queryByRole('region', { name: 'Attended transfer' })).toBeNull();
    expect(screen.getByTestId('call-party').textContent).toBe('Grace Hopper');
    expect(caller.unholdRequests).toBe(1);
  });

  it('Merge to Conference ends with the header "In Conference — Room 99901" and who is in the room', async () => {
    const { h, caller, events } = await onCallWithGrace();
    await attendedTransferTo('103');
    const consultation = h.ua().calls[1]!;
    act(() => consultation.emit('accepted'));
    fireEvent.click(screen.getByRole('button', { name: 'Merge to Conference' }));
    expect(screen.getByText('Starting the conference…')).toBeTruthy();
    act(() => caller.refers[0]!.handlers.accepted());
    act(() => consultation.refers[0]!.handlers.accepted());
    await act(flush);
    const joined = h.ua().calls[2]!;
    expect(joined.target).toBe('sip:*38@demo.switchboard.test');
    conference = room([{ name: 'Ada Lovelace', number: '101', you: true }, { name: 'Grace Hopper', number: '102' }, { name: 'Alan Turing', number: '103' }]);
    act(() => {
      joined.emit('conferenceRoom', '99901');
      joined.emit('accepted');
    });
    await act(flush);
    expect(screen.getByTestId('call-party').textContent).toBe('In Conference — Room 99901');
    expect(screen.getByRole('button', { name: 'Add Participant' })).toBeTruthy();
    const people = screen.getByRole('list', { name: 'Participants' });
    expect(within(people).getAllByRole('listitem').map((li) => li.getAttribute('aria-label'))).toEqual(['Ada Lovelace (you)', 'Grace Hopper', 'Alan Turing']);
    act(() => events.push({ type: 'conference', room: room([{ name: 'Ada Lovelace', number: '101', you: true }, { name: 'Grace Hopper', number: '102', speaking: true }]) }));
    expect(within(people).getAllByRole('listitem').map((li) => li.getAttribute('aria-label'))).toEqual(['Ada Lovelace (you)', 'Grace Hopper, speaking']);
    expect(screen.getByText('In the room (2 of 10)')).toBeTruthy();
  });

  it('in a room, Add Participant consults with the room held; a full room is said in words', async () => {
    const { h, caller } = await onCallWithGrace();
    act(() => caller.emit('conferenceRoom', '99901'));
    fireEvent.click(screen.getByRole('button', { name: 'Add Participant' }));
    const dialog = screen.getByRole('dialog', { name: 'Add Participant' });
    expect(within(dialog).queryByRole('button', { name: 'Blind Transfer' })).toBeNull();
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }));
    await attendedTransferTo('104', 'Add Participant');
    expect(screen.getByRole('region', { name: 'Attended transfer' }).textContent).toContain('Conference room 99901');
    const consultation = h.ua().calls[1]!;
    act(() => consultation.emit('accepted'));
    expect(screen.queryByRole('button', { name: 'Complete Transfer' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Send to Conference' }));
    act(() => consultation.refers[0]!.handlers.failed(486, 'The conference room is full (10 people)', 'The conference room is full (10 people)'));
    expect(screen.getByRole('alert').textContent).toBe('104 could not be added to the conference. The conference room is full (10 people).');
  });
});

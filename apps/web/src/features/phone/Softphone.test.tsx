import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { PhoneContext } from '../../phone/use-phone.js';
import { flush, meFixture, phoneHarness } from '../../test-support/fake-phone.js';
import type { FakeSession, PhoneHarness } from '../../test-support/fake-phone.js';
import { IncomingCall } from './IncomingCall.js';
import { Softphone } from './Softphone.js';

afterEach(cleanup);

function show(h: PhoneHarness) {
  return render(
    <PhoneContext.Provider value={h.phone}>
      <Softphone />
      <IncomingCall />
    </PhoneContext.Provider>,
  );
}

async function ready(): Promise<PhoneHarness> {
  const h = phoneHarness();
  await h.phone.start(meFixture());
  h.ua().comeUp();
  return h;
}

describe('Softphone status line', () => {
  it('shows Ready with a green dot', async () => {
    const h = await ready();
    show(h);
    const status = screen.getByTestId('phone-status');
    expect(status.textContent).toBe('Status: Ready');
    expect(status.querySelector('.dot-green')).not.toBeNull();
  });

  it('shows Connecting... (yellow) and Disconnected (red, with the advice to refresh)', async () => {
    const h = phoneHarness();
    await h.phone.start(meFixture());
    show(h);
    expect(screen.getByTestId('phone-status').textContent).toBe('Status: Connecting...');
    expect(screen.getByTestId('phone-status').querySelector('.dot-yellow')).not.toBeNull();
    act(() => h.ua().emit('disconnected'));
    expect(screen.getByTestId('phone-status').textContent).toBe('Status: Disconnected');
    expect(screen.getByTestId('phone-status').querySelector('.dot-red')).not.toBeNull();
    expect(screen.getByText(/try refreshing the page/)).toBeTruthy();
  });

  it("with the microphone denied, lists the guide's three steps and never says Ready", async () => {
    const h = phoneHarness();
    h.microphone.problem = 'denied';
    await h.phone.start(meFixture());
    show(h);
    expect(screen.queryByText('Ready')).toBeNull();
    const steps = within(screen.getByRole('region', { name: 'How to allow the microphone' })).getAllByRole('listitem');
    expect(steps.map((s) => s.textContent)).toEqual([
      "Click the lock/site-info icon in your browser's address bar",
      'Find the microphone permission and change it to Allow',
      'Refresh the page',
    ]);
  });

  it('has its own message for a missing microphone', async () => {
    const h = phoneHarness();
    h.microphone.problem = 'missing';
    await h.phone.start(meFixture());
    show(h);
    expect(screen.getByTestId('phone-status').textContent).toBe('Status: No microphone found');
    expect(screen.getByText(/Connect a microphone or headset/)).toBeTruthy();
  });

  it('offers "Enable sound" when the browser blocks it', async () => {
    const h = phoneHarness();
    h.ringtone.blocked = true;
    await h.phone.start(meFixture());
    show(h);
    fireEvent.click(screen.getByRole('button', { name: 'Enable sound' }));
    await act(flush);
    expect(screen.queryByRole('button', { name: 'Enable sound' })).toBeNull();
  });
});

describe('Softphone dialer', () => {
  it('lays the dial pad out like a telephone', async () => {
    const h = await ready();
    show(h);
    const keys = within(screen.getByRole('group', { name: 'Dial pad' })).getAllByRole('button');
    expect(keys.map((k) => k.getAttribute('aria-label')).join(' ')).toBe('1 2 3 4 5 6 7 8 9 * 0 #');
  });

  it('the dial pad fills the number field and the green Call button dials it', async () => {
    const h = await ready();
    show(h);
    for (const key of ['1', '0', '2']) fireEvent.click(screen.getByRole('button', { name: key }));
    expect(screen.getByLabelText<HTMLInputElement>('Number or extension').value).toBe('102');
    fireEvent.click(screen.getByRole('button', { name: 'Call' }));
    await act(flush);
    expect(h.ua().calls[0]?.target).toBe('sip:102@demo.switchboard.test');
  });

  it('Enter in the number field places the call', async () => {
    const h = await ready();
    show(h);
    const field = screen.getByLabelText('Number or extension');
    fireEvent.change(field, { target: { value: '103' } });
    fireEvent.submit(field);
    await act(flush);
    expect(h.ua().calls[0]?.target).toBe('sip:103@demo.switchboard.test');
  });

  it('shows why a call failed in words', async () => {
    const h = await ready();
    show(h);
    await act(() => h.phone.call('555'));
    act(() => h.ua().calls[0]!.end({ statusCode: 404, cause: 'Not Found' }, false));
    expect(screen.getByRole('alert').textContent).toMatch(/^Number not found/);
  });
});

describe('Softphone in a call', () => {
  async function inCall() {
    const h = await ready();
    h.timers.now = Date.now(); // the call timer counts on the real clock
    show(h);
    await act(() => h.phone.call('102', 'Grace Hopper'));
    const session = h.ua().calls[0]!;
    act(() => session.emit('accepted'));
    return { h, session };
  }

  it('shows the other party, a timer and the guide controls', async () => {
    await inCall();
    expect(screen.getByTestId('call-party').textContent).toBe('Grace Hopper');
    expect(screen.getByRole('timer').textContent).toBe('0:00');
    for (const name of ['Mute', 'Hold', 'Transfer', 'Keypad', 'Hang Up']) expect(screen.getByRole('button', { name })).toBeTruthy();
    expect(screen.getByTestId('phone-status').textContent).toBe('Status: In Call');
  });

  it('Mute becomes Unmute; Hold becomes Resume once the server accepts it', async () => {
    const { session } = await inCall();
    fireEvent.click(screen.getByRole('button', { name: 'Mute' }));
    expect(screen.getByRole('button', { name: 'Unmute' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Hold' }));
    expect(session.holdRequests).toBe(1);
    act(() => session.emit('hold'));
    expect(screen.getByRole('button', { name: 'Resume' })).toBeTruthy();
    expect(screen.getByText('On hold')).toBeTruthy();
  });

  it('Keypad shows the DTMF pad and sends tones', async () => {
    const { session } = await inCall();
    fireEvent.click(screen.getByRole('button', { name: 'Keypad' }));
    const pad = screen.getByRole('group', { name: 'Keypad' });
    fireEvent.click(within(pad).getByRole('button', { name: '4' }));
    fireEvent.click(within(pad).getByRole('button', { name: '#' }));
    expect(session.dtmf).toEqual(['4', '#']);
    expect(screen.getByLabelText('Tones sent').textContent).toBe('4#');
  });

  it('Transfer opens a dialog: Blind Transfer sends a REFER', async () => {
    const { session } = await inCall();
    fireEvent.click(screen.getByRole('button', { name: 'Transfer' }));
    const dialog = screen.getByRole('dialog', { name: 'Transfer call' });
    const attended = within(dialog).getByRole('button', { name: 'Attended Transfer' });
    expect((attended as HTMLButtonElement).disabled).toBe(true); // until a destination is typed
    fireEvent.change(within(dialog).getByLabelText('Destination extension or number'), { target: { value: '104' } });
    fireEvent.click(within(dialog).getByRole('button', { name: 'Blind Transfer' }));
    expect(session.refers[0]?.target).toBe('sip:104@demo.switchboard.test');
    expect(screen.getByText('Transferring to 104…')).toBeTruthy();
  });

  it('Hang Up ends the call and brings the dialer back', async () => {
    const { session } = await inCall();
    fireEvent.click(screen.getByRole('button', { name: 'Hang Up' }));
    expect(session.terminated).not.toBeNull();
    act(() => session.end({ originator: 'local' }));
    expect(screen.getByRole('button', { name: 'Call' })).toBeTruthy();
  });
});

describe('Incoming call overlay', () => {
  it("shows the caller's name and number with Answer and Decline", async () => {
    const h = await ready();
    show(h);
    let session!: FakeSession;
    act(() => {
      session = h.ua().ring('Grace Hopper', '102');
    });
    const overlay = screen.getByRole('alertdialog', { name: 'Incoming call' });
    expect(within(overlay).getByTestId('incoming-name').textContent).toBe('Grace Hopper');
    expect(within(overlay).getByText('102')).toBeTruthy();
    expect(document.activeElement).toBe(within(overlay).getByRole('button', { name: 'Answer' }));
    fireEvent.click(within(overlay).getByRole('button', { name: 'Decline' }));
    expect(session.terminated?.statusCode).toBe(603);
  });
});

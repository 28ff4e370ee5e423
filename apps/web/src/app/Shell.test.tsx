import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DirectoryResponse, RecentCallsResponse } from '@switchboard/api';
import { flush, meFixture, phoneHarness } from '../test-support/fake-phone.js';
import type { PhoneHarness } from '../test-support/fake-phone.js';
import { Shell } from './Shell.js';

const directory: DirectoryResponse = {
  entries: ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov'].map((name, i) => ({
    userId: `u${i + 1}`,
    name,
    extension: String(101 + i),
    presence: 'idle',
  })),
};
let recent: RecentCallsResponse = { calls: [] };
let recentRequests = 0;

class SilentWebSocket {
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  close(): void {}
}

const realFetch = globalThis.fetch;
const realWebSocket = globalThis.WebSocket;
beforeAll(() => {
  globalThis.fetch = vi.fn((input: RequestInfo | URL) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url === '/api/directory') return Promise.resolve(Response.json(directory));
    if (url === '/api/calls/recent') {
      recentRequests += 1;
      return Promise.resolve(Response.json(recent));
    }
    return Promise.resolve(Response.json({ error: { code: 'not_found', message: 'no' } }, { status: 404 }));
  });
  globalThis.WebSocket = SilentWebSocket as unknown as typeof WebSocket;
});
afterAll(() => {
  globalThis.fetch = realFetch;
  globalThis.WebSocket = realWebSocket;
});
beforeEach(() => {
  location.hash = '#/phone';
  recent = { calls: [] };
  recentRequests = 0;
});
afterEach(cleanup);

async function portal(): Promise<PhoneHarness> {
  const h = phoneHarness();
  await h.phone.start(meFixture());
  h.ua().comeUp();
  render(<Shell me={meFixture()} phone={h.phone} onSignOut={() => undefined} />);
  await act(flush);
  return h;
}

const dialField = () => screen.getByLabelText<HTMLInputElement>('Number or extension');
const press = (key: string, target: Element = document.body) => fireEvent.keyDown(target, { key });

async function goTo(name: string) {
  await act(async () => {
    location.hash = `#/${name.toLowerCase()}`;
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await flush();
  });
}

describe('the portal shell', () => {
  it('digits typed anywhere land in the number field and focus it', async () => {
    await portal();
    press('1');
    press('0');
    expect(dialField().value).toBe('10');
    expect(document.activeElement).toBe(dialField());
  });

  it('digits typed in the directory search stay there', async () => {
    await portal();
    const search = screen.getByLabelText('Search directory');
    search.focus();
    press('1', search);
    fireEvent.change(search, { target: { value: '1' } });
    expect(dialField().value).toBe('');
    expect((search as HTMLInputElement).value).toBe('1');
  });

  it('Enter places the call, Escape hangs up, M mutes, H holds', async () => {
    const h = await portal();
    press('1');
    press('0');
    press('2');
    // The number field now has the focus: Enter there submits the dialer form.
    fireEvent.submit(dialField());
    await act(flush);
    const session = h.ua().calls[0]!;
    act(() => session.emit('accepted'));
    press('m');
    expect(screen.getByRole('button', { name: 'Unmute' })).toBeTruthy();
    press('h');
    expect(session.holdRequests).toBe(1);
    press('5');
    expect(session.dtmf).toEqual(['5']);
    press('Escape');
    expect(session.terminated).not.toBeNull();
  });

  it('Escape in the transfer dialog closes the dialog and keeps the call', async () => {
    const h = await portal();
    await act(() => h.phone.call('102'));
    const session = h.ua().calls[0]!;
    act(() => session.emit('accepted'));
    fireEvent.click(screen.getByRole('button', { name: 'Transfer' }));
    const destination = screen.getByLabelText('Destination extension or number');
    expect(document.activeElement).toBe(destination);
    press('1', destination); // typing a destination sends no DTMF
    // Tab stays inside the dialog: Shift+Tab from the first field goes to its last button.
    fireEvent.keyDown(destination, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Cancel' }));
    fireEvent.keyDown(document.activeElement!, { key: 'Tab' });
    expect(document.activeElement).toBe(destination);
    press('Escape', destination);
    expect(screen.queryByRole('dialog', { name: 'Transfer call' })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Transfer' }));
    expect(session.dtmf).toEqual([]);
    expect(session.terminated).toBeNull();
  });

  it('during an attended transfer: digits go to the consultation, H leaves the held caller alone, Escape returns to the caller', async () => {
    const h = await portal();
    h.ua().reportsInline = true;
    await act(() => h.phone.call('102'));
    const caller = h.ua().calls[0]!;
    act(() => caller.emit('accepted'));
    fireEvent.click(screen.getByRole('button', { name: 'Transfer' }));
    const destination = screen.getByLabelText('Destination extension or number');
    for (const key of ['1', '0', '3']) press(key, destination);
    fireEvent.change(destination, { target: { value: '103' } });
    fireEvent.click(screen.getByRole('button', { name: 'Attended Transfer' }));
    await act(flush);
    expect(caller.dtmf).toEqual([]);
    const consultation = h.ua().calls[1]!;
    act(() => consultation.emit('accepted'));
    press('5');
    expect(consultation.dtmf).toEqual(['5']);
    press('h');
    expect(caller.unholdRequests).toBe(0);
    expect(consultation.holdRequests).toBe(0);
    press('Escape');
    expect(consultation.terminated).not.toBeNull();
    expect(caller.terminated).toBeNull();
    expect(caller.unholdRequests).toBe(1);
    expect(screen.getByTestId('call-party').textContent).toBe('Grace Hopper'); // named from the directory
  });

  it('Enter on the page with an empty field fills in the last number (quick redial)', async () => {
    const h = await portal();
    h.storage.setItem('switchboard.last-dialled', '104');
    await act(() => h.phone.call('104'));
    act(() => h.ua().calls[0]!.end({}, true));
    press('Enter');
    expect(dialField().value).toBe('104');
    press('Enter');
    await act(flush);
    expect(h.ua().calls).toHaveLength(2);
  });

  it('an incoming call: Enter answers (focus on Answer), Escape declines', async () => {
    const h = await portal();
    const first = h.ua().ring('Grace Hopper', '102');
    await act(flush);
    const overlay = screen.getByRole('alertdialog', { name: 'Incoming call' });
    expect(document.activeElement).toBe(within(overlay).getByRole('button', { name: 'Answer' }));
    press('Escape', document.activeElement!);
    expect(first.terminated?.statusCode).toBe(603);
    act(() => first.end({ originator: 'local', cause: 'Rejected' }, false));
    const second = h.ua().ring(null, '103');
    await act(flush);
    press('Enter');
    await act(flush);
    expect(second.answeredWith).not.toBeNull();
  });

  it('switches tabs without losing the call, and the side panel stays on every tab', async () => {
    const h = await portal();
    await act(() => h.phone.call('102', 'Grace Hopper'));
    act(() => h.ua().calls[0]!.emit('accepted'));
    for (const tab of ['Contacts', 'Settings', 'Phone']) {
      await goTo(tab);
      expect(screen.getByRole('complementary', { name: 'Side panel' })).toBeTruthy();
      expect(screen.getByRole('heading', { name: 'Recent Calls' })).toBeTruthy();
      expect(screen.getByRole('heading', { name: 'Directory' })).toBeTruthy();
    }
    expect(h.phone.getSnapshot().call?.state).toBe('active');
    expect(screen.getByTestId('call-party').textContent).toBe('Grace Hopper');
  });

  it('shows the call strip on other tabs, and a digit there goes back to the Phone tab', async () => {
    await portal();
    await goTo('Contacts');
    expect(await screen.findByRole('heading', { name: 'Contacts' })).toBeTruthy();
    press('7');
    await act(async () => {
      window.dispatchEvent(new HashChangeEvent('hashchange'));
      await flush();
    });
    expect(location.hash).toBe('#/phone');
    expect(dialField().value).toBe('7');
  });

  it('the directory lists every extension, filters, and calls on click', async () => {
    const h = await portal();
    const list = screen.getByRole('list', { name: 'Directory' });
    expect(within(list).getAllByRole('button').map((b) => b.textContent)).toEqual([
      'Ada Lovelace101',
      'Grace Hopper102',
      'Alan Turing103',
      'Edsger Dijkstra104',
      'Barbara Liskov105',
    ]);
    fireEvent.change(screen.getByLabelText('Search directory'), { target: { value: 'tur' } });
    expect(within(list).getAllByRole('button').map((b) => b.textContent)).toEqual(['Alan Turing103']);
    fireEvent.click(within(list).getByRole('button'));
    await act(flush);
    expect(h.ua().calls[0]?.target).toBe('sip:103@demo.switchboard.test');
  });

  it('recent calls refresh after every call and a click dials', async () => {
    const h = await portal();
    expect(screen.getByText('No calls yet.')).toBeTruthy();
    const before = recentRequests;
    recent = { calls: [{ number: '102', name: 'Grace Hopper', direction: 'outbound', outcome: 'answered', at: new Date().toISOString(), durationSeconds: 12, room: null }] };
    await act(() => h.phone.call('102'));
    act(() => h.ua().calls[0]!.end({}, true));
    await act(flush);
    expect(recentRequests).toBe(before + 1);
    const entry = within(screen.getByRole('list', { name: 'Recent calls' })).getByRole('button');
    expect(entry.textContent).toContain('Grace Hopper');
    fireEvent.click(entry);
    await act(flush);
    expect(h.ua().calls[1]?.target).toBe('sip:102@demo.switchboard.test');
  });

  it('the side panel collapses and expands', async () => {
    await portal();
    fireEvent.click(screen.getByRole('button', { name: 'Collapse side panel' }));
    expect(screen.queryByRole('heading', { name: 'Directory' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Expand side panel' }));
    expect(screen.getByRole('heading', { name: 'Directory' })).toBeTruthy();
  });

  it('announces status changes and incoming calls in a live region', async () => {
    const h = await portal();
    const region = screen.getByTestId('announcer');
    expect(region.getAttribute('aria-live')).toBe('polite');
    act(() => h.ua().emit('disconnected'));
    expect(region.textContent).toBe('Phone status: Disconnected');
    act(() => h.ua().comeUp());
    h.ua().ring('Grace Hopper', '102');
    await act(flush);
    expect(region.textContent).toBe('Incoming call from Grace Hopper (102)');
  });
});

import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BlfKeysResponse, PortalEvent, PresenceResponse, RecentCallsResponse, VoicemailListResponse } from '@switchboard/api';
import { moveKey } from '../features/blf-keys/blf.js';
import { flush, meFixture, phoneHarness } from '../test-support/fake-phone.js';
import type { PhoneHarness } from '../test-support/fake-phone.js';
import { Shell } from './Shell.js';

/** The side panel and the Voicemail and Settings tabs against a fake portal API and event stream. */

let blf: BlfKeysResponse;
let presence: PresenceResponse;
let dnd: { enabled: boolean };
let voicemail: VoicemailListResponse;
let requests: { method: string; url: string; body: unknown }[] = [];
let recent: RecentCallsResponse = { calls: [] };

class PushedWebSocket {
  static current: PushedWebSocket | null = null;
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor() {
    PushedWebSocket.current = this;
  }
  close(): void {}
}

function push(event: PortalEvent): void {
  act(() => PushedWebSocket.current?.onmessage?.({ data: JSON.stringify(event) }));
}

const realFetch = globalThis.fetch;
const realWebSocket = globalThis.WebSocket;
beforeAll(() => {
  globalThis.fetch = vi.fn((input: RequestInfo | URL, init?: RequestInit) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = init?.method ?? 'GET';
    const body: unknown = typeof init?.body === 'string' ? JSON.parse(init.body) : (init?.body ?? null);
    requests.push({ method, url, body });
    const json = (value: unknown) => Promise.resolve(Response.json(value));
    if (url === '/api/directory') return json({ entries: [{ userId: 'u2', name: 'Grace Hopper', extension: '102', presence: 'idle' }, { userId: 'u3', name: 'Alan Turing', extension: '103', presence: 'idle' }] });
    if (url === '/api/calls/recent') return json(recent);
    if (url === '/api/me/blf-keys' && method === 'GET') return json(blf);
    if (url === '/api/me/blf-keys' && method === 'PUT') return json(body);
    if (url === '/api/presence') return json(presence);
    if (url === '/api/me/dnd' && method === 'GET') return json(dnd);
    if (url === '/api/me/dnd' && method === 'PUT') {
      dnd = body as { enabled: boolean };
      return json(body);
    }
    if (url === '/api/voicemail') return json(voicemail);
    if (url.startsWith('/api/voicemail/') && method === 'PATCH') return json({ ...voicemail.messages[0], ...(body as object) });
    if (url.startsWith('/api/voicemail/') && method === 'DELETE') return Promise.resolve(new Response(null, { status: 204 }));
    return Promise.resolve(Response.json({ error: { code: 'not_found', message: 'no' } }, { status: 404 }));
  });
  globalThis.WebSocket = PushedWebSocket as unknown as typeof WebSocket;
});
afterAll(() => {
  globalThis.fetch = realFetch;
  globalThis.WebSocket = realWebSocket;
});
beforeEach(() => {
  location.hash = '#/phone';
  requests = [];
  recent = { calls: [] };
  blf = { keys: [{ extension: '102', label: 'Grace' }, { extension: '103', label: 'Alan' }] };
  presence = { entries: [{ extension: '102', state: 'idle' }, { extension: '103', state: 'busy' }] };
  dnd = { enabled: false };
  voicemail = {
    unread: 1,
    messages: [
      { id: 'm2', from: { number: '102', name: 'Grace Hopper' }, receivedAt: '2026-11-24T08:00:00Z', durationSeconds: 42, heard: false },
      { id: 'm1', from: { number: '+15550100', name: null }, receivedAt: '2026-11-20T08:00:00Z', durationSeconds: 5, heard: true },
    ],
  };
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

async function goTo(tab: string) {
  await act(async () => {
    location.hash = `#/${tab}`;
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    await flush();
    await flush();
  });
}

/** Tabs other than Phone are lazy chunks: on a busy machine the first import takes a while. */
const lazyTab = { timeout: 8_000 };
const panel = () => screen.getByRole('complementary', { name: 'Side panel' });
const keyNames = () => within(screen.getByRole('list', { name: 'BLF keys' })).getAllByRole('button').map((b) => b.getAttribute('aria-label'));

describe('BLF keys', () => {
  it('show the layout with live presence, and a click calls the extension', async () => {
    const h = await portal();
    expect(keyNames()).toEqual(['Grace, 102: Available', 'Alan, 103: On a call']);
    push({ type: 'presence', extension: '103', state: 'idle' });
    expect(keyNames()[1]).toBe('Alan, 103: Available');
    fireEvent.click(within(panel()).getByRole('button', { name: 'Grace, 102: Available' }));
    await act(flush);
    expect(h.ua().calls[0]?.target).toBe('sip:102@demo.switchboard.test');
  });

  it('a click on a ringing key picks the call up (directed pickup, **<ext>)', async () => {
    const h = await portal();
    push({ type: 'presence', extension: '102', state: 'ringing' });
    fireEvent.click(within(panel()).getByRole('button', { name: 'Grace, 102: Ringing' }));
    await act(flush);
    expect(h.ua().calls[0]?.target).toBe('sip:**102@demo.switchboard.test');
  });

  it('are edited in Settings: reorder, relabel, remove, add, save', async () => {
    await portal();
    await goTo('settings');
    const layout = await screen.findByRole('list', { name: 'BLF key layout' }, lazyTab);
    fireEvent.click(await within(layout).findByRole('button', { name: 'Move Alan up' }, lazyTab));
    fireEvent.change(screen.getByLabelText('Label for 102'), { target: { value: 'Grace H.' } });
    fireEvent.click(within(layout).getByRole('button', { name: 'Remove Alan' }));
    fireEvent.change(screen.getByLabelText('Add a key'), { target: { value: '103' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save BLF keys' }));
    await act(flush);
    expect(requests.find((r) => r.method === 'PUT' && r.url === '/api/me/blf-keys')?.body).toEqual({
      keys: [{ extension: '102', label: 'Grace H.' }, { extension: '103', label: 'Alan Turing' }],
    });
    expect(screen.getByText('Your BLF keys are saved.')).toBeTruthy();
    expect(keyNames()).toEqual(['Grace H., 102: Available', 'Alan Turing, 103: On a call']);
  });

  it('moveKey keeps out-of-range moves harmless', () => {
    const keys = [{ extension: '1', label: 'a' }, { extension: '2', label: 'b' }];
    expect(moveKey(keys, 1, -1).map((k) => k.extension)).toEqual(['2', '1']);
    expect(moveKey(keys, 0, -1).map((k) => k.extension)).toEqual(['1', '2']);
  });
});

describe('Voicemail', () => {
  it('the badge shows the new messages and follows voicemail events without a reload', async () => {
    await portal();
    expect(within(panel()).getByTestId('voicemail-badge').textContent).toBe('1');
    push({ type: 'voicemail', unread: 3 });
    expect(within(panel()).getByLabelText('3 new')).toBeTruthy();
    push({ type: 'voicemail', unread: 0 });
    expect(within(panel()).queryByTestId('voicemail-badge')).toBeNull();
    expect(within(panel()).getByText('No new messages.')).toBeTruthy();
  });

  it('the Voicemail tab lists, plays, marks heard, and deletes after a confirmation', async () => {
    await portal();
    await goTo('voicemail');
    const list = await screen.findByRole('list', { name: 'Voicemail messages' }, lazyTab);
    const items = await within(list).findAllByRole('listitem', {}, lazyTab);
    expect(items.map((i) => i.getAttribute('aria-label'))).toEqual(['New message from Grace Hopper (102)', 'Heard message from +15550100']);
    expect(items[0]!.textContent).toContain('0:42');
    fireEvent.click(within(items[0]!).getByRole('button', { name: 'Play' }));
    const audio = within(items[0]!).getByLabelText<HTMLAudioElement>('Message from Grace Hopper (102)');
    expect(audio.getAttribute('src')).toBe('/api/voicemail/m2/audio');
    expect(within(items[0]!).getByRole('link', { name: 'Download' }).getAttribute('href')).toBe('/api/voicemail/m2/audio?download=1');
    fireEvent.click(within(items[0]!).getByRole('button', { name: 'Mark as heard' }));
    await act(flush);
    expect(requests.find((r) => r.method === 'PATCH')).toMatchObject({ url: '/api/voicemail/m2', body: { heard: true } });
    fireEvent.click(within(items[1]!).getByRole('button', { name: 'Delete…' }));
    expect(requests.some((r) => r.method === 'DELETE')).toBe(false);
    fireEvent.click(within(within(items[1]!).getByRole('group', { name: 'Confirm delete' })).getByRole('button', { name: 'Delete' }));
    await act(flush);
    expect(requests.find((r) => r.method === 'DELETE')?.url).toBe('/api/voicemail/m1');
  });
});

describe('Recent Calls', () => {
  it('a conference call shows its room, and a click dials the room number to rejoin', async () => {
    recent = { calls: [{ number: '*38', name: null, direction: 'outbound', outcome: 'answered', at: '2026-11-24T08:00:00Z', durationSeconds: 60, room: '99901' }] };
    const h = await portal();
    fireEvent.click(within(screen.getByRole('list', { name: 'Recent calls' })).getByRole('button', { name: /Conference room 99901/ }));
    await act(flush);
    expect(h.ua().calls[0]?.target).toBe('sip:99901@demo.switchboard.test');
  });
});

describe('Do Not Disturb', () => {
  it('the side panel switch turns it on (indicator shown) and events from phones turn it off', async () => {
    await portal();
    const toggle = within(panel()).getByRole('switch', { name: 'Do Not Disturb' });
    expect(toggle.getAttribute('aria-checked')).toBe('false');
    fireEvent.click(toggle);
    await act(flush);
    expect(requests.find((r) => r.method === 'PUT' && r.url === '/api/me/dnd')?.body).toEqual({ enabled: true });
    expect(within(panel()).getByTestId('dnd-indicator')).toBeTruthy();
    expect(within(panel()).getByTestId('dnd-status').textContent).toContain('Do Not Disturb is on');
    fireEvent.click(within(panel()).getByRole('button', { name: 'Collapse side panel' }));
    await act(flush);
    expect(within(panel()).getByRole('status', { name: 'Do Not Disturb is on' }).textContent).toBe('DND'); // still shown while collapsed
    push({ type: 'dnd', enabled: false }); // *79 from a desk phone
    expect(within(panel()).queryByTestId('dnd-indicator')).toBeNull();
    expect(within(panel()).queryByRole('status')).toBeNull();
    fireEvent.click(within(panel()).getByRole('button', { name: 'Expand side panel' }));
  });

  it('says so when the server does not offer it yet', async () => {
    dnd = undefined as unknown as { enabled: boolean };
    globalThis.fetch = vi.fn(() => Promise.resolve(Response.json({ error: { code: 'not_found', message: 'no' } }, { status: 404 })));
    await portal();
    expect(within(panel()).getByText('Do Not Disturb is not available yet.')).toBeTruthy();
    expect(within(panel()).getByText('Busy Lamp Field keys are not available yet.')).toBeTruthy();
    expect(within(panel()).getByText('Voicemail is not available yet.')).toBeTruthy();
  });
});

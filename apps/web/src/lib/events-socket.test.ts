import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PortalEvent } from '@switchboard/api';
import { EventsSocket } from './events-socket.js';

class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  close(): void {
    this.closed = true;
  }
}

const realWebSocket = globalThis.WebSocket;
beforeEach(() => {
  FakeSocket.all = [];
  globalThis.WebSocket = FakeSocket as unknown as typeof WebSocket;
  vi.useFakeTimers();
});
afterEach(() => {
  globalThis.WebSocket = realWebSocket;
  vi.useRealTimers();
});

describe('EventsSocket', () => {
  it('delivers each JSON event and drops malformed messages', () => {
    const events: PortalEvent[] = [];
    const socket = new EventsSocket('ws://portal.test/api/events');
    socket.on((e) => events.push(e));
    socket.start();
    const ws = FakeSocket.all[0]!;
    ws.onopen?.();
    ws.onmessage?.({ data: '{"type":"calls.changed"}' });
    ws.onmessage?.({ data: 'not json' });
    ws.onmessage?.({ data: '{"type":"presence","extension":"102","state":"busy"}' });
    expect(events).toEqual([{ type: 'calls.changed' }, { type: 'presence', extension: '102', state: 'busy' }]);
  });

  it('reconnects with growing delays and asks for a refresh after it is back', () => {
    const events: PortalEvent[] = [];
    const socket = new EventsSocket('ws://portal.test/api/events');
    socket.on((e) => events.push(e));
    socket.start();
    FakeSocket.all[0]!.onopen?.();
    FakeSocket.all[0]!.onclose?.();
    vi.advanceTimersByTime(699);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(301);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]!.onclose?.(); // still down: the next wait is longer
    vi.advanceTimersByTime(1_000);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1_000);
    expect(FakeSocket.all).toHaveLength(3);
    FakeSocket.all[2]!.onopen?.();
    expect(events).toEqual([{ type: 'calls.changed' }]);
  });

  it('stays closed after close()', () => {
    const socket = new EventsSocket('ws://portal.test/api/events');
    socket.start();
    socket.close();
    FakeSocket.all[0]!.onclose?.();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(1);
    expect(FakeSocket.all[0]!.closed).toBe(true);
  });
});

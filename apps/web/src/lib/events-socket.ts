import type { PortalEvent } from '@switchboard/api';
import { Backoff } from './backoff.js';

type Listener = (event: PortalEvent) => void;

/**
 * The portal's event stream (`/api/events`): one JSON {@link PortalEvent} per message. It
 * reconnects by itself with backoff, and tells listeners `{ type: 'calls.changed' }` after a
 * reconnect too, since events may have been missed while it was away.
 */
export class EventsSocket {
  private socket: WebSocket | null = null;
  private readonly listeners = new Set<Listener>();
  private readonly backoff = new Backoff(1_000, 30_000);
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private hadConnection = false;

  constructor(private readonly url = defaultEventsUrl()) {}

  start(): void {
    this.closed = false;
    this.connect();
  }

  on(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.socket?.close();
    this.socket = null;
  }

  private connect(): void {
    if (this.closed) return;
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.backoff.reset();
      if (this.hadConnection) this.emit({ type: 'calls.changed' });
      this.hadConnection = true;
    };
    socket.onmessage = (message) => {
      if (typeof message.data !== 'string') return;
      try {
        const event = JSON.parse(message.data) as PortalEvent;
        if (typeof event === 'object' && event !== null && typeof event.type === 'string') this.emit(event);
      } catch {
        // A malformed message is dropped; the next good one still arrives.
      }
    };
    socket.onclose = () => {
      if (this.socket !== socket || this.closed) return;
      this.socket = null;
      this.retryTimer = setTimeout(() => this.connect(), this.backoff.next());
    };
  }

  private emit(event: PortalEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        console.error('event listener failed', error);
      }
    }
  }
}

export function defaultEventsUrl(): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/events`;
}

import { createContext, useContext, useEffect, useRef } from 'react';
import type { PortalEvent } from '@switchboard/api';
import type { EventsSocket } from './events-socket.js';

export const PortalEventsContext = createContext<EventsSocket | null>(null);

type EventOfType<K extends PortalEvent['type']> = Extract<PortalEvent, { type: K }>;

/** Runs `handler` for every event of one type pushed on /api/events. */
export function usePortalEvent<K extends PortalEvent['type']>(type: K, handler: (event: EventOfType<K>) => void): void {
  const socket = useContext(PortalEventsContext);
  const latest = useRef(handler);
  latest.current = handler;
  useEffect(() => {
    if (!socket) return;
    return socket.on((event) => {
      if (event.type === type) latest.current(event as EventOfType<K>);
    });
  }, [socket, type]);
}

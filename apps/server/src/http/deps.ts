import type { IncomingMessage } from 'node:http';
import type { Store } from '@switchboard/pbx';
import type { WebSocket } from 'ws';
import type { EventHub } from '../events/event-hub.js';
import type { Logger } from '../logging.js';
import type { LoginThrottle } from './login-throttle.js';
import type { PresenceSource } from './presence.js';

/** A SIP-over-WebSocket connection (RFC 7118) accepted on `/sip`, for the SIP stack to adopt. */
export interface SipWebSocketConnection {
  socket: WebSocket;
  request: IncomingMessage;
  remoteAddress: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
  /** True on the HTTPS listener (WSS). */
  secure: boolean;
}

export type SipWebSocketHandler = (connection: SipWebSocketConnection) => void;

/** What the HTTP feature plugins need; one set is shared by the HTTP and HTTPS listeners. */
export interface PortalDeps {
  store: Store;
  events: EventHub;
  logger: Logger;
  throttle: LoginThrottle;
  presence: PresenceSource;
  /** The built portal (index.html and assets). */
  webRoot: string;
  version: string;
  /** Where `/sip` connections go; when absent they are closed with 1013 (try again later). */
  onSipWebSocket?: SipWebSocketHandler | undefined;
}

/** Per listener: whether it is the HTTPS one (cookies get `Secure`, `/sip` reports WSS). */
export interface ListenerDeps extends PortalDeps {
  secure: boolean;
}

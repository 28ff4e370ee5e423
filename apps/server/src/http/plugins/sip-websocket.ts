import type { FastifyPluginAsync } from 'fastify';
import type { ListenerDeps } from '../deps.js';
import { problems } from '../errors.js';
import { sipWebSocketPath } from './me.js';

/** True when the request offers the `sip` WebSocket subprotocol (RFC 7118 §4.1). */
export function offersSipSubprotocol(header: string | undefined): boolean {
  return (header ?? '').split(',').some((protocol) => protocol.trim().toLowerCase() === 'sip');
}

/**
 * GET /sip (WebSocket, subprotocol "sip", RFC 7118): each accepted socket is handed to the SIP
 * stack through `onSipWebSocket`. Authentication is SIP digest, done by the stack, not a cookie.
 */
export const sipWebSocketPlugin: FastifyPluginAsync<ListenerDeps> = async (app, deps) => {
  app.get(
    sipWebSocketPath,
    {
      websocket: true,
      preValidation: async (request) => {
        // RFC 7118 §4.1: the client must offer "sip"; refuse before upgrading otherwise.
        if (!offersSipSubprotocol(request.headers['sec-websocket-protocol'])) {
          throw problems.invalid('This WebSocket carries SIP: offer the "sip" subprotocol (RFC 7118).');
        }
        await Promise.resolve();
      },
    },
    (socket, request) => {
      const handler = deps.onSipWebSocket;
      if (!handler) {
        socket.close(1013, 'SIP service not running');
        return;
      }
      const raw = request.raw.socket;
      handler({
        socket,
        request: request.raw,
        remoteAddress: raw.remoteAddress ?? request.ip,
        remotePort: raw.remotePort ?? 0,
        localAddress: raw.localAddress ?? '',
        localPort: raw.localPort ?? 0,
        secure: deps.secure,
      });
    },
  );
  await Promise.resolve();
};

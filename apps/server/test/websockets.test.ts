import { once } from 'node:events';
import { request } from 'node:https';
import type { PortalEvent } from '@switchboard/api';
import WebSocket from 'ws';
import type { SipWebSocketConnection } from '../src/http/deps.js';
import type { ServerHandle } from '../src/server.js';
import { startTestServer } from './support/server.js';

async function signIn(server: ServerHandle, email: string, password: string): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${server.http.port}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  expect(response.status).toBe(200);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

/** Resolves with the HTTP status of a refused WebSocket handshake. */
async function refusal(ws: WebSocket): Promise<number> {
  const [, response] = (await once(ws, 'unexpected-response')) as [unknown, { statusCode: number }];
  ws.on('error', () => undefined); // terminating a socket that never opened reports an error
  ws.terminate();
  return response.statusCode;
}

describe('SIP over WebSocket (/sip)', () => {
  test('accepts the "sip" subprotocol and hands the socket to the SIP stack', async () => {
    const accepted: SipWebSocketConnection[] = [];
    const { server, stop } = await startTestServer({ SWITCHBOARD_DEMO: '0' }, {
      onSipWebSocket: (connection) => {
        accepted.push(connection);
        connection.socket.on('message', (data: Buffer) => connection.socket.send(`echo ${data.toString()}`));
      },
    });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${server.http.port}/sip`, ['sip']);
      await once(ws, 'open');
      expect(ws.protocol).toBe('sip');
      ws.send('OPTIONS sip:127.0.0.1 SIP/2.0');
      const [reply] = (await once(ws, 'message')) as [Buffer];
      expect(reply.toString()).toBe('echo OPTIONS sip:127.0.0.1 SIP/2.0');
      expect(accepted).toHaveLength(1);
      expect(accepted[0]).toMatchObject({ remoteAddress: '127.0.0.1', localPort: server.http.port, secure: false });
      expect(accepted[0]!.remotePort).toBeGreaterThan(0);
      ws.close();

      // RFC 7118: a client that does not offer "sip" is refused before the upgrade.
      expect(await refusal(new WebSocket(`ws://127.0.0.1:${server.http.port}/sip`))).toBe(400);
      expect(await refusal(new WebSocket(`ws://127.0.0.1:${server.http.port}/sip`, ['chat']))).toBe(400);
    } finally {
      await stop();
    }
  });

  test('the SIP stack answers a request sent over the WebSocket (RFC 7118)', async () => {
    const { server, stop } = await startTestServer({ SWITCHBOARD_DEMO: '0' });
    try {
      const ws = new WebSocket(`ws://127.0.0.1:${server.http.port}/sip`, 'sip');
      await once(ws, 'open');
      const reply = once(ws, 'message') as Promise<[Buffer]>;
      ws.send(
        [
          `OPTIONS sip:127.0.0.1:${server.http.port};transport=ws SIP/2.0`,
          'Via: SIP/2.0/WS abc.invalid;branch=z9hG4bK-ws-options-1',
          'From: <sip:probe@abc.invalid>;tag=t1',
          `To: <sip:127.0.0.1:${server.http.port}>`,
          'Call-ID: ws-options-1',
          'CSeq: 1 OPTIONS',
          'Max-Forwards: 70',
          'Content-Length: 0',
          '',
          '',
        ].join('\r\n'),
      );
      const [data] = await reply;
      expect(data.toString()).toMatch(/^SIP\/2\.0 200 /);
      ws.close();
    } finally {
      await stop();
    }
  });
});

describe('portal events (/api/events)', () => {
  test('needs a session, delivers events published for the user, the tenant, not other tenants, and closes on logout', async () => {
    const { server, stop } = await startTestServer();
    try {
      const [alice, bob] = server.demo!.signIns;
      const cookie = await signIn(server, alice!.email, alice!.password);
      const url = `ws://127.0.0.1:${server.http.port}/api/events`;
      expect(await refusal(new WebSocket(url))).toBe(401);
      expect(await refusal(new WebSocket(url, { headers: { cookie, origin: 'http://evil.example' } }))).toBe(403);

      const ws = new WebSocket(url, { headers: { cookie, origin: `http://127.0.0.1:${server.http.port}` } });
      await once(ws, 'open');
      const received: PortalEvent[] = [];
      ws.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as PortalEvent));

      const tenantId = server.demo!.tenant.id;
      const aliceId = (await server.store.users.findByEmail(tenantId, alice!.email))!.id;
      const bobId = (await server.store.users.findByEmail(tenantId, bob!.email))!.id;
      const other = await server.store.tenants.create({ name: 'Other', sipDomain: 'other.example.test' });
      expect(server.events.publish(tenantId, aliceId, { type: 'calls.changed' })).toBe(1);
      expect(server.events.publish(tenantId, bobId, { type: 'dnd', enabled: true })).toBe(0);
      expect(server.events.publish(other.id, 'all', { type: 'voicemail', unread: 9 })).toBe(0);
      expect(server.events.publish(tenantId, 'all', { type: 'presence', extension: '102', state: 'busy' })).toBe(1);
      await vi.waitFor(() => expect(received).toHaveLength(2));
      expect(received).toEqual([{ type: 'calls.changed' }, { type: 'presence', extension: '102', state: 'busy' }]);

      const closed = once(ws, 'close');
      const out = await fetch(`http://127.0.0.1:${server.http.port}/api/auth/logout`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/json' },
      });
      expect(out.status).toBe(204);
      await closed;
      await vi.waitFor(() => expect(server.events.size).toBe(0));
    } finally {
      await stop();
    }
  });
});

describe('HTTPS with a self-signed certificate', () => {
  test('serves /api/health and WSS /sip, and keeps the certificate for the next start', async () => {
    const { server, config, stop } = await startTestServer({ SWITCHBOARD_TLS_SELF_SIGNED: '1', SWITCHBOARD_DEMO: '0' }, {
      onSipWebSocket: (connection) => connection.socket.send(connection.secure ? 'secure' : 'plain'),
    });
    try {
      expect(server.https).not.toBeNull();
      expect(server.tls?.source).toBe('self-signed');
      const body = await new Promise<string>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.https!.port, path: '/api/health', rejectUnauthorized: false }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        });
        req.on('error', reject);
        req.end();
      });
      expect(JSON.parse(body)).toMatchObject({ status: 'ok' });

      const ws = new WebSocket(`wss://127.0.0.1:${server.https!.port}/sip`, 'sip', { rejectUnauthorized: false });
      const [message] = (await once(ws, 'message')) as [Buffer];
      expect(ws.protocol).toBe('sip');
      expect(message.toString()).toBe('secure');
      ws.close();

      // The plain HTTP listener still answers.
      expect((await fetch(`http://127.0.0.1:${server.http.port}/api/health`)).status).toBe(200);

      const { selfSigned } = await import('../src/tls/certificate.js');
      const again = await selfSigned(config.dataDir, config.publicAddress);
      expect(again.cert).toBe(server.tls!.cert);
    } finally {
      await stop();
    }
  });
});

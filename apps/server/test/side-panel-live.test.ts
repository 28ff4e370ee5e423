import { once } from 'node:events';
import type { PortalEvent, PresenceResponse } from '@switchboard/api';
import WebSocket from 'ws';
import { startTestServer } from './support/server.js';

// The whole server: DND set in the portal reaches the user's pages and everyone's presence over
// /api/events; a new voicemail raises the badge without a reload.
test('DND and voicemail changes arrive live on /api/events from the running PBX', async () => {
  const { server, stop } = await startTestServer();
  try {
    const [alice] = server.demo!.signIns;
    const login = await fetch(`http://127.0.0.1:${server.http.port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: alice!.email, password: alice!.password }),
    });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const ws = new WebSocket(`ws://127.0.0.1:${server.http.port}/api/events`, { headers: { cookie } });
    await once(ws, 'open');
    const received: PortalEvent[] = [];
    ws.on('message', (data: Buffer) => received.push(JSON.parse(data.toString()) as PortalEvent));

    const tenantId = server.demo!.tenant.id;
    const user = (await server.store.users.findByEmail(tenantId, alice!.email))!;
    const extension = (await server.store.extensions.forUser(tenantId, user.id))!;
    const put = await fetch(`http://127.0.0.1:${server.http.port}/api/me/dnd`, {
      method: 'PUT',
      headers: { cookie, 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: true }),
    });
    expect(put.status).toBe(200);
    await vi.waitFor(() => expect(received).toContainEqual({ type: 'dnd', enabled: true }));
    await vi.waitFor(() => expect(received).toContainEqual({ type: 'presence', extension, state: 'dnd' }));
    const presence = (await (await fetch(`http://127.0.0.1:${server.http.port}/api/presence`, { headers: { cookie } })).json()) as PresenceResponse;
    expect(presence.entries).toContainEqual({ extension, state: 'dnd' });
    expect(server.sip.pbx.dnd.isOn(tenantId, user.id)).toBe(true);

    // The running PBX's mailbox: a change of it is the badge's event.
    expect(server.sip.pbx.mailbox).not.toBeNull();
    await server.sip.pbx.mailbox!.mailboxChanged(tenantId, user.id);
    await vi.waitFor(() => expect(received).toContainEqual({ type: 'voicemail', unread: 0 }));
    ws.close();
  } finally {
    await stop();
  }
});

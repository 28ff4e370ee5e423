import { DigestClient, SipStack, TcpTransport, UdpTransport, createRequest, newCallId, sipUri, address, type SipRequest, type SipResponse, type Transport } from '@switchboard/sip';
import { PbxFixture } from '../support/pbx-fixture.js';

/** A second, independent SIP stack playing the phone, over real sockets. */
async function phoneStack(protocol: 'udp' | 'tcp'): Promise<{ stack: SipStack; port: number }> {
  const transport: Transport = protocol === 'udp' ? await UdpTransport.listen({ address: '127.0.0.1', port: 0 }) : await TcpTransport.listen({ address: '127.0.0.1', port: 0 });
  return { stack: new SipStack({ transports: [transport], hostname: '127.0.0.1' }), port: transport.local.port };
}

function register(opts: { user: string; domain: string; serverPort: number; contactPort: number; protocol: 'udp' | 'tcp'; expires?: number; contact?: string; callId?: string; cseq?: number }): SipRequest {
  const aor = address(sipUri({ user: opts.user, host: opts.domain }));
  const transportParam = opts.protocol === 'tcp' ? { transport: 'tcp' } : {};
  return createRequest({
    method: 'REGISTER',
    uri: sipUri({ host: '127.0.0.1', port: opts.serverPort, params: transportParam }),
    from: aor,
    to: aor,
    callId: opts.callId ?? newCallId(),
    cseq: opts.cseq ?? 1,
    headers: {
      Contact: opts.contact ?? `<sip:${opts.user}@127.0.0.1:${opts.contactPort}${opts.protocol === 'tcp' ? ';transport=tcp' : ''}>`,
      ...(opts.expires !== undefined ? { Expires: opts.expires } : {}),
    },
  });
}

async function send(stack: SipStack, request: SipRequest, serverPort: number, protocol: 'udp' | 'tcp'): Promise<SipResponse> {
  return stack.sendRequest(request, { destination: { protocol, address: '127.0.0.1', port: serverPort } }).final;
}

/** REGISTER, answer the challenge, return the final response. */
async function registerWithAuth(stack: SipStack, request: SipRequest, creds: { username: string; password: string }, serverPort: number, protocol: 'udp' | 'tcp'): Promise<{ challenge: SipResponse; final: SipResponse }> {
  const challenge = await send(stack, request.clone(), serverPort, protocol);
  const retry = new DigestClient(creds).authorize(request, challenge);
  if (!retry) throw new Error(`no answerable challenge in ${challenge.status}`);
  return { challenge, final: await send(stack, retry, serverPort, protocol) };
}

describe('registrar', () => {
  let pbx: PbxFixture;
  beforeEach(async () => {
    pbx = await PbxFixture.start();
  });
  afterEach(async () => {
    await pbx.close();
  });

  for (const protocol of ['udp', 'tcp'] as const) {
    it(`registers a device with digest over ${protocol}, persists the binding and lists it in the 200`, async () => {
      const phone = await pbx.addPhone('101');
      const client = await phoneStack(protocol);
      try {
        const req = register({ user: '101', domain: phone.domain, serverPort: pbx.port, contactPort: client.port, protocol });
        const { challenge, final } = await registerWithAuth(client.stack, req, phone, pbx.port, protocol);
        expect(challenge.status).toBe(401);
        // MD5 only by default: JsSIP and older phones cannot take a SHA-256 challenge.
        expect(challenge.wwwAuthenticates.map((c) => c.params.get('algorithm'))).toEqual(['MD5']);
        expect(final.status).toBe(200);
        expect(final.contacts.map((c) => c.params.get('expires'))).toEqual(['3600']);
        const stored = await pbx.store.registrations.list(phone.tenantId, `sip:101@${phone.domain}`);
        expect(stored).toHaveLength(1);
        expect(stored[0]!.transport).toBe(protocol);
        expect(pbx.pbx.location.bindings(phone.tenantId, '101')).toHaveLength(1);
      } finally {
        await client.stack.close();
      }
    });
  }

  it('with SHA-256 configured, challenges SHA-256 first and a capable phone registers with it (RFC 8760)', async () => {
    await pbx.close();
    pbx = await PbxFixture.start({ digestAlgorithms: ['SHA-256', 'MD5'] });
    const phone = await pbx.addPhone('107');
    const client = await phoneStack('udp');
    try {
      const req = register({ user: '107', domain: phone.domain, serverPort: pbx.port, contactPort: client.port, protocol: 'udp' });
      const challenge = await send(client.stack, req.clone(), pbx.port, 'udp');
      expect(challenge.wwwAuthenticates.map((c) => c.params.get('algorithm'))).toEqual(['SHA-256', 'MD5']);
      const retry = new DigestClient(phone).authorize(req, challenge)!;
      expect(retry.get('authorization')).toContain('algorithm=SHA-256');
      expect((await send(client.stack, retry, pbx.port, 'udp')).status).toBe(200);
    } finally {
      await client.stack.close();
    }
  });

  it('gives an unknown user exactly the answer a wrong password gets', async () => {
    const phone = await pbx.addPhone('102');
    const client = await phoneStack('udp');
    try {
      const wrong = await registerWithAuth(client.stack, register({ user: '102', domain: phone.domain, serverPort: pbx.port, contactPort: client.port, protocol: 'udp' }), { username: phone.username, password: 'not-the-password' }, pbx.port, 'udp');
      const unknown = await registerWithAuth(client.stack, register({ user: '999', domain: phone.domain, serverPort: pbx.port, contactPort: client.port, protocol: 'udp' }), { username: 'nobody-here', password: 'whatever' }, pbx.port, 'udp');
      expect(wrong.final.status).toBe(403);
      expect(unknown.final.status).toBe(403);
      const shape = (r: SipResponse) => ({ status: r.status, reason: r.reason, headers: r.headers.map((h) => h.name).filter((n) => !['Via', 'From', 'To', 'Call-ID', 'CSeq'].includes(n)) });
      expect(shape(unknown.final)).toEqual(shape(wrong.final));
      const failures = pbx.logs.filter((l) => l.fields?.event === 'auth_failure');
      expect(failures).toHaveLength(2);
      expect(failures[0]!.fields?.address).toBe('127.0.0.1');
    } finally {
      await client.stack.close();
    }
  });

  it('answers 423 with Min-Expires to a too-short registration, and removes a binding with Expires 0 and with *', async () => {
    const phone = await pbx.addPhone('103');
    const client = await phoneStack('udp');
    try {
      const base = { user: '103', domain: phone.domain, serverPort: pbx.port, contactPort: client.port, protocol: 'udp' as const };
      const short = await registerWithAuth(client.stack, register({ ...base, expires: 30 }), phone, pbx.port, 'udp');
      expect(short.final.status).toBe(423);
      expect(short.final.get('min-expires')).toBe('60');

      const callId = newCallId();
      expect((await registerWithAuth(client.stack, register({ ...base, callId, cseq: 1 }), phone, pbx.port, 'udp')).final.status).toBe(200);
      expect((await registerWithAuth(client.stack, register({ ...base, callId, cseq: 3, contact: `<sip:103@127.0.0.1:${client.port};line=2>` }), phone, pbx.port, 'udp')).final.contacts).toHaveLength(2);
      const removeOne = await registerWithAuth(client.stack, register({ ...base, callId, cseq: 5, expires: 0 }), phone, pbx.port, 'udp');
      expect(removeOne.final.contacts).toHaveLength(1);
      const removeAll = await registerWithAuth(client.stack, register({ ...base, callId, cseq: 7, contact: '*', expires: 0 }), phone, pbx.port, 'udp');
      expect(removeAll.final.status).toBe(200);
      expect(removeAll.final.contacts).toHaveLength(0);
      expect(await pbx.store.registrations.list(phone.tenantId, `sip:103@${phone.domain}`)).toHaveLength(0);
    } finally {
      await client.stack.close();
    }
  });

  it('refuses a device registering someone else’s extension', async () => {
    const phone = await pbx.addPhone('104');
    await pbx.addPhone('105');
    const client = await phoneStack('udp');
    try {
      const { final } = await registerWithAuth(client.stack, register({ user: '105', domain: phone.domain, serverPort: pbx.port, contactPort: client.port, protocol: 'udp' }), phone, pbx.port, 'udp');
      expect(final.status).toBe(403);
      expect(pbx.pbx.location.bindings(phone.tenantId, '105')).toHaveLength(0);
    } finally {
      await client.stack.close();
    }
  });

  it('restores registrations after a restart', async () => {
    const phone = await pbx.addPhone('106');
    const client = await phoneStack('udp');
    try {
      const { final } = await registerWithAuth(client.stack, register({ user: '106', domain: phone.domain, serverPort: pbx.port, contactPort: client.port, protocol: 'udp' }), phone, pbx.port, 'udp');
      expect(final.status).toBe(200);
    } finally {
      await client.stack.close();
    }
    const dir = pbx.dir;
    await pbx.close({ keepData: true });
    pbx = await PbxFixture.start({ dir });
    const restored = pbx.pbx.location.bindings(phone.tenantId, '106');
    expect(restored).toHaveLength(1);
    expect(restored[0]!.sourceAddress).toBe('127.0.0.1');
  });

  it('answers OPTIONS to the server with 200', async () => {
    const client = await phoneStack('udp');
    try {
      const options = createRequest({
        method: 'OPTIONS',
        uri: sipUri({ host: '127.0.0.1', port: pbx.port }),
        from: address(sipUri({ user: 'ping', host: '127.0.0.1' })),
        to: address(sipUri({ host: '127.0.0.1' })),
        callId: newCallId(),
        cseq: 1,
      });
      const response = await send(client.stack, options, pbx.port, 'udp');
      expect(response.status).toBe(200);
      expect(response.get('allow')).toContain('INVITE');
    } finally {
      await client.stack.close();
    }
  });
});

/**
 * Our stack against real SIP implementations: SIPp (OPTIONS, and REGISTER with digest) over UDP
 * and TCP, and baresip registering over UDP and TCP, challenged and accepted. Skipped, with the
 * reason, when the programs are not installed.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Baresip, freePortBlock, runSipp, sippAvailable, writeToneWav } from '@switchboard/testkit';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { computeHa1, DigestAuthenticator, SipStack, TcpTransport, UdpTransport, type SipRequest } from '../../src/index.js';

const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), 'sipp');
const PASSWORD = 'pw-101-secret';

/** A tiny registrar on our stack: digest-challenges REGISTER, accepts user 101, answers OPTIONS. */
async function registrar(options: { md5Only?: boolean } = {}) {
  const udp = await UdpTransport.listen({ address: '127.0.0.1' });
  const tcp = await TcpTransport.listen({ address: '127.0.0.1' });
  const stack = new SipStack({ transports: [udp, tcp] });
  const auth = new DigestAuthenticator({ realm: 'switchboard.test', secret: 'real-peer-test-secret-0001' });
  const accepted: Array<{ request: SipRequest; protocol: string; algorithm: string }> = [];
  stack.onRequest((req, tx) => {
    if (req.method === 'OPTIONS') return void tx.respond(200, undefined, { headers: { Allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER' } });
    if (req.method !== 'REGISTER') return void tx.respond(405);
    const c = auth.credentials(req);
    const ha1 = c && c !== 'malformed' && c.username === '101' ? computeHa1(c.algorithm, '101', auth.realm, PASSWORD) : undefined;
    const result = auth.verify(req, c, ha1);
    if (!result.ok) return void tx.send(auth.challenge(req, { toTag: tx.localTag, stale: result.stale, ...(options.md5Only ? { algorithms: ['MD5'] as const } : {}) }));
    accepted.push({ request: req, protocol: tx.flow.protocol, algorithm: result.algorithm });
    const contact = req.get('contact');
    tx.respond(200, undefined, { headers: { ...(contact ? { Contact: contact } : {}), Expires: req.expires ?? 3600 } });
  });
  // Ports other programs must be told (they cannot bind port 0): both share one number.
  return { stack, udp, tcp, accepted, close: () => stack.close() };
}

describe.skipIf(!sippAvailable())('SIPp against the stack', () => {
  it.each(['udp', 'tcp'] as const)('OPTIONS and a digest REGISTER over %s', async (transport) => {
    const reg = await registrar();
    try {
      const port = transport === 'udp' ? reg.udp.local.port : reg.tcp.local.port;
      for (const scenario of ['options.xml', 'register-digest.xml']) {
        const localPort = await freePortBlock(4);
        const run = await runSipp({
          scenario: join(SCENARIOS, scenario),
          target: `127.0.0.1:${port}`,
          transport,
          localPort,
          service: '101',
          timeoutSeconds: 15,
          extraArgs: ['-au', '101', '-ap', PASSWORD, '-mp', String(localPort + 2)],
        });
        const result = await run.done;
        expect(result.code, `${scenario}: ${result.output.slice(-2000)}`).toBe(0);
      }
      expect(reg.accepted).toHaveLength(1);
      expect(reg.accepted[0]!.protocol).toBe(transport);
      expect(reg.accepted[0]!.request.get('user-agent')).toBe('SIPp');
      console.log(`SIPp over ${transport} answered the ${reg.accepted[0]!.algorithm} challenge`);
    } finally {
      await reg.close();
    }
  });
});

describe.skipIf(!Baresip.isAvailable())('baresip registering with the stack', () => {
  it.each(['udp', 'tcp'] as const)('REGISTER over %s is challenged and accepted', { timeout: 30_000 }, async (transport) => {
    // baresip 1.0 (Debian's baresip-core) abandons the registration with "Function not
    // implemented" when any challenge in the 401 is not MD5, even with an MD5 one beside it.
    const reg = await registrar({ md5Only: true });
    const dir = mkdtempSync(join(tmpdir(), 'sb-sip-baresip-'));
    const wav = join(dir, 'tone.wav');
    writeToneWav(wav, 440, 1);
    const port = transport === 'udp' ? reg.udp.local.port : reg.tcp.local.port;
    const phone = await Baresip.start({
      account: { user: '101', domain: `127.0.0.1:${port}`, password: PASSWORD, transport, register: true },
      audioSource: wav,
    });
    try {
      // Our side: an authenticated REGISTER was accepted. (baresip's REGISTER_OK event can fire
      // before the test's control connection is up, so it is not waited for.)
      const deadline = Date.now() + 15_000;
      while (reg.accepted.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(reg.accepted.length, phone.logText().slice(-1500)).toBeGreaterThanOrEqual(1);
      // baresip's side: it considers itself registered.
      await new Promise((r) => setTimeout(r, 100));
      expect(phone.logText()).toMatch(/200 OK \(\) \[1 binding\]/);
      const first = reg.accepted[0]!;
      expect(first.protocol).toBe(transport);
      expect(first.request.get('user-agent') ?? '').toMatch(/baresip/i);
      const contact = first.request.contacts[0]!.uri;
      expect(contact).toMatchObject({ kind: 'sip', host: '127.0.0.1' });
      expect(contact.kind === 'sip' && contact.user?.startsWith('101')).toBe(true);
    } finally {
      await phone.stop();
      await reg.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

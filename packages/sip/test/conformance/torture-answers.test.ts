/**
 * RFC 4475 / RFC 5118 on the wire: each vector is delivered to a SipStack whose TU is a simple
 * test UAS, and the answer is checked against the vectors' README. The stack itself owns 400/505,
 * 416, 420, 483 and the transaction matching; the UAS adds the application checks (415, 401, 406).
 */
import { DigestAuthenticator, FakeClock, SipStack, isMediaType, type AnyServerTransaction, type SipRequest, type SipResponse } from '../../src/index.js';
import { MemoryTransport, settle } from '../helpers/memory-transport.js';
import { MISSING_TESTDATA, hasTestdata, listVectors, readVector } from '../helpers/testdata.js';

const auth = new DigestAuthenticator({ realm: 'example.com', secret: 'torture-test-secret-0123' });

function testUas(req: SipRequest, tx: AnyServerTransaction): void {
  if (req.body.length > 0 && !isMediaType(req.contentType, 'application/sdp')) {
    tx.respond(415, undefined, { headers: { Accept: 'application/sdp' } });
    return;
  }
  switch (req.method) {
    case 'REGISTER': {
      if (req.to.uri.kind !== 'sip') return void tx.respond(416);
      if (req.authorizations.length > 0) {
        const c = auth.credentials(req);
        const result = auth.verify(req, c, undefined);
        if (!result.ok) return void tx.send(auth.challenge(req, { toTag: tx.localTag, stale: result.stale }));
      }
      return void tx.respond(200);
    }
    case 'OPTIONS':
      return void tx.respond(200);
    case 'INVITE':
      if (req.accept && !req.accept.some((a) => isMediaType(a, 'application/sdp'))) return void tx.respond(406);
      return void tx.respond(486);
    case 'BYE':
      return void tx.respond(481);
    default:
      return void tx.respond(405, undefined, { headers: { Allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER' } });
  }
}

function answer(folder: string, name: string): { responses: SipResponse[]; statuses: Array<number | undefined>; handled: number } {
  const transport = new MemoryTransport();
  const stack = new SipStack({ transports: [transport], clock: new FakeClock(), supported: ['replaces', 'timer'] });
  let handled = 0;
  stack.onRequest((req, tx) => {
    handled++;
    testUas(req, tx);
  });
  transport.inject(readVector(folder, name), { address: '192.0.2.1', port: 5060 });
  return {
    get responses() {
      return transport.sent.map((s) => s.message as SipResponse);
    },
    statuses: transport.sent.map((s) => s.status),
    handled,
  };
}

async function status(folder: string, name: string): Promise<number | undefined> {
  const { statuses } = answer(folder, name);
  await settle();
  expect(statuses.length, `${name}: at most one response`).toBeLessThanOrEqual(1);
  return statuses[0];
}

const RFC4475: Record<string, number | undefined> = {
  // 3.1.1 valid: a normal answer
  wsinv: 486,
  intmeth: 405,
  esc01: 486,
  escnull: 200,
  esc02: 405,
  lwsdisp: 200,
  longreq: 486,
  dblreq: 200,
  semiuri: 200,
  transports: 200,
  mpart01: 415,
  unreason: undefined,
  noreason: undefined,
  // 3.1.2 invalid: 400 (505 for the version), responses dropped
  badinv01: 400,
  clerr: 400,
  ncl: 400,
  scalar02: 400,
  scalarlg: undefined,
  quotbal: 400,
  ltgtruri: 400,
  lwsruri: 400,
  lwsstart: 400,
  trws: 400,
  escruri: 400,
  baddate: 400,
  regbadct: 400,
  badaspec: 400,
  baddn: 400,
  badvers: 505,
  mismatch01: 400,
  mismatch02: 400,
  bigcode: undefined,
  // 3.2, 3.3, 3.4
  badbranch: 200,
  insuf: 400,
  unkscm: 416,
  novelsc: 416,
  bext01: 420,
  invut: 415,
  regaut01: 401,
  multi01: 400,
  mcl01: 400,
  bcast: undefined,
  zeromf: 200,
  cparam01: 200,
  cparam02: 200,
  unksm2: 416,
  regescrt: 200,
  sdp01: 406,
  inv2543: 486,
};

describe.skipIf(!hasTestdata)(`RFC 4475 answers from the stack${hasTestdata ? '' : ` (${MISSING_TESTDATA})`}`, () => {
  it('has an expectation for every file', () => {
    expect(listVectors('rfc4475').map((f) => f.replace('.dat', ''))).toEqual(Object.keys(RFC4475).sort());
  });

  it.each(Object.entries(RFC4475))('%s -> %s', async (name, expected) => {
    expect(await status('rfc4475', `${name}.dat`)).toBe(expected);
  });

  it('bext01: 420 lists the unsupported Require tags (not Proxy-Require)', () => {
    const { responses } = answer('rfc4475', 'bext01.dat');
    expect(responses[0]!.unsupported).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither']);
  });

  it('invut: 415 says what is accepted; regaut01: 401 carries a Digest challenge', () => {
    expect(answer('rfc4475', 'invut.dat').responses[0]!.get('accept')).toBe('application/sdp');
    expect(answer('rfc4475', 'regaut01.dat').responses[0]!.wwwAuthenticates[0]!.scheme).toBe('Digest');
  });

  it('400s copy the identifiers they could salvage', () => {
    // mismatch01's 400 is well formed; quotbal's copies its malformed To verbatim (the sender's
    // own parser is the one most likely to read it back).
    const r = answer('rfc4475', 'mismatch01.dat').responses[0]!;
    expect(r.callId).toBe('mismatch01.dj0234sxdfl3');
    expect(r.cseq).toEqual({ seq: 8, method: 'INVITE' });
    expect(r.topVia).toMatchObject({ branch: 'z9hG4bKkdjuw', received: '192.0.2.1' });
    expect(r.reason).toMatch(/^Bad Request \(CSeq/);
  });

  it('dblreq: only the first request of the datagram reaches the TU', () => {
    expect(answer('rfc4475', 'dblreq.dat').handled).toBe(1);
  });

  it('inv2543 and badbranch: retransmissions match by RFC 2543 rules', async () => {
    for (const name of ['inv2543.dat', 'badbranch.dat']) {
      const transport = new MemoryTransport();
      const stack = new SipStack({ transports: [transport], clock: new FakeClock() });
      let handled = 0;
      stack.onRequest((req, tx) => {
        handled++;
        testUas(req, tx);
      });
      transport.inject(readVector('rfc4475', name));
      transport.inject(readVector('rfc4475', name));
      await settle();
      expect(handled, name).toBe(1);
      expect(transport.sent, name).toHaveLength(2);
    }
  });
});

const RFC5118: Record<string, number> = {
  'ipv4-mapped-ipv6': 486,
  'ipv6-bad': 400,
  'ipv6-bug-abnf-3-colons': 400,
  'ipv6-correct-abnf-2-colons': 200,
  'ipv6-good': 200,
  'ipv6-in-sdp': 486,
  'mult-ip-in-header': 481,
  'mult-ip-in-sdp': 486,
  'port-ambiguous': 200,
  'port-unambiguous': 200,
  'via-received-param-no-delim': 200,
  'via-received-param-with-delim': 481,
};

describe.skipIf(!hasTestdata)(`RFC 5118 answers from the stack${hasTestdata ? '' : ` (${MISSING_TESTDATA})`}`, () => {
  it('has an expectation for every file', () => {
    expect(listVectors('rfc5118')).toEqual(Object.keys(RFC5118).sort());
  });

  it.each(Object.entries(RFC5118))('%s -> %s', async (name, expected) => {
    expect(await status('rfc5118', name)).toBe(expected);
  });
});

import { address, sipUri, computeDigestResponse, computeHa1, createRequest, createResponse, DigestAuthenticator, DigestClient, FakeClock, parseMessage, type SipRequest, type SipResponse } from '../../src/index.js';

describe('digest computation vectors', () => {
  it('RFC 2617 §3.5 (MD5, qop=auth)', () => {
    const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'Circle Of Life');
    expect(computeDigestResponse({ algorithm: 'MD5', ha1, nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html', qop: 'auth', nc: '00000001', cnonce: '0a4f113b' })).toBe(
      '6629fae49393a05397450978507c4ef1',
    );
  });

  it('RFC 7616 §3.9.1 (SHA-256 and MD5, qop=auth)', () => {
    const common = { nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', method: 'GET', uri: '/dir/index.html', qop: 'auth' as const, nc: '00000001', cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' };
    const sha = computeHa1('SHA-256', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
    expect(computeDigestResponse({ algorithm: 'SHA-256', ha1: sha, ...common })).toBe('753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
    const md5 = computeHa1('MD5', 'Mufasa', 'http-auth@example.org', 'Circle of Life');
    expect(computeDigestResponse({ algorithm: 'MD5', ha1: md5, ...common })).toBe('8ca523f5e9506fed4657c9700eebdbec');
  });

  it('RFC 2069 style (no qop)', () => {
    const ha1 = computeHa1('MD5', 'Mufasa', 'testrealm@host.com', 'CircleOfLife');
    expect(computeDigestResponse({ algorithm: 'MD5', ha1, nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', method: 'GET', uri: '/dir/index.html' })).toBe('1949323746fe6a43ef61f9606e7febea');
  });
});

const REALM = 'pbx.example.com';
const PASSWORDS: Record<string, string> = { '101': 'secret101' };

function register(): SipRequest {
  const r = createRequest({ method: 'REGISTER', uri: `sip:${REALM}`, from: `<sip:101@${REALM}>`, to: `<sip:101@${REALM}>`, contact: address(sipUri({ user: '101', host: '192.0.2.1' })) });
  r.set('Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKx');
  return r;
}

/** Sends the request through serialization and parsing, as the network would. */
function wire<T extends SipRequest | SipResponse>(m: T): T {
  const r = parseMessage(m.toBuffer());
  if (!r.ok) throw new Error(r.reason);
  return r.message as T;
}

describe('DigestAuthenticator and DigestClient', () => {
  let clock: FakeClock;
  let auth: DigestAuthenticator;
  const lookup = (user: string, algorithm: 'MD5' | 'SHA-256' | 'SHA-512-256') => (PASSWORDS[user] === undefined ? undefined : computeHa1(algorithm, user, REALM, PASSWORDS[user]));

  beforeEach(() => {
    clock = new FakeClock(1_000_000);
    auth = new DigestAuthenticator({ realm: REALM, secret: 'a-secret-of-at-least-16-bytes', clock, nonceTtlMs: 60_000, maxTrackedNonces: 3 });
  });

  function verify(req: SipRequest) {
    const c = auth.credentials(req);
    return auth.verify(req, c, c && c !== 'malformed' ? lookup(c.username, c.algorithm) : undefined);
  }

  function answer(password = 'secret101', user = '101'): SipRequest {
    const req = register();
    const challenge = wire(auth.challenge(req));
    const retry = new DigestClient({ username: user, password }).authorize(req, challenge);
    if (!retry) throw new Error('no usable challenge');
    retry.set('Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKy');
    return wire(retry);
  }

  it('challenges with MD5 then SHA-256 in one 401, sharing a nonce', () => {
    const res = wire(auth.challenge(register()));
    expect(res.status).toBe(401);
    expect(res.toTag).toBeDefined();
    const values = res.wwwAuthenticates;
    expect(values.map((v) => v.params.get('algorithm'))).toEqual(['MD5', 'SHA-256']);
    expect(values.every((v) => v.params.get('qop') === 'auth' && v.params.get('realm') === REALM && v.params.get('opaque') === auth.opaque)).toBe(true);
    expect(values[0]!.params.get('nonce')).toBe(values[1]!.params.get('nonce'));
    expect(wire(auth.challenge(register(), { stale: true, proxy: true })).proxyAuthenticates[0]!.params.get('stale')).toBe('true');
  });

  it('accepts the right password (the client picks SHA-256)', () => {
    const req = answer();
    expect(req.cseq.seq).toBe(2);
    expect(req.authorizations[0]!.params.get('algorithm')).toBe('SHA-256');
    expect(verify(req)).toEqual({ ok: true, username: '101', algorithm: 'SHA-256' });
  });

  it('answers MD5 when that is all the server offers', () => {
    const md5Only = new DigestAuthenticator({ realm: REALM, secret: 'a-secret-of-at-least-16-bytes', clock, algorithms: ['MD5'] });
    const req = register();
    const unsent = new DigestClient({ username: '101', password: 'secret101' }).authorize(req, wire(md5Only.challenge(req)))!;
    unsent.set('Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKz');
    const retry = wire(unsent);
    const c = md5Only.credentials(retry);
    expect(c !== 'malformed' && c?.algorithm).toBe('MD5');
    expect(md5Only.verify(retry, c, computeHa1('MD5', '101', REALM, 'secret101')).ok).toBe(true);
  });

  it('refuses a wrong password and an unknown user with the same answer', () => {
    expect(verify(answer('wrong'))).toEqual({ ok: false, reason: 'invalid', stale: false });
    expect(verify(answer('whatever', '999'))).toEqual({ ok: false, reason: 'invalid', stale: false });
  });

  it('refuses replays of a nonce-count and says stale after the nonce expires', () => {
    const req = answer();
    expect(verify(req).ok).toBe(true);
    expect(verify(req)).toEqual({ ok: false, reason: 'replay', stale: true });
    const late = answer();
    clock.advance(60_001);
    expect(verify(late)).toEqual({ ok: false, reason: 'stale', stale: true });
  });

  it('counts up with a reused nonce', () => {
    const client = new DigestClient({ username: '101', password: 'secret101' });
    const challenge = wire(auth.challenge(register()));
    for (let i = 1; i <= 3; i++) {
      const retry = client.authorize(register(), challenge)!;
      retry.set('Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKy');
      const req = wire(retry);
      expect(req.authorizations[0]!.params.get('nc')).toBe(`0000000${i}`);
      expect(verify(req).ok).toBe(true);
    }
  });

  it('keeps replay memory bounded: evicted nonces go stale instead of being replayable', () => {
    const first = answer();
    expect(verify(first).ok).toBe(true);
    for (let i = 0; i < 3; i++) {
      clock.advance(10);
      expect(verify(answer()).ok).toBe(true);
    }
    expect(auth.trackedNonces).toBeLessThanOrEqual(3);
    // The first nonce was evicted; a new nc with it must not be accepted blindly.
    const again = first.clone();
    const v = again.authorizations[0]!;
    expect(v.params.get('nc')).toBe('00000001');
    expect(verify(first)).toMatchObject({ ok: false, stale: true });
  });

  it('rejects forged nonces, foreign realms, missing and malformed credentials', () => {
    const req = answer();
    const forged = req.clone();
    forged.set('Authorization', req.get('authorization')!.replace(/nonce="[^"]+"/, 'nonce="AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"'));
    expect(verify(wire(forged))).toMatchObject({ ok: false, reason: 'unknown-nonce' });
    const foreign = req.clone();
    foreign.set('Authorization', req.get('authorization')!.replace(`realm="${REALM}"`, 'realm="elsewhere"'));
    expect(verify(wire(foreign))).toMatchObject({ ok: false, reason: 'missing' });
    expect(verify(register())).toMatchObject({ ok: false, reason: 'missing' });
    const noQop = req.clone();
    noQop.set('Authorization', `Digest username="101", realm="${REALM}", nonce="x", uri="sip:${REALM}", response="00"`);
    expect(verify(wire(noQop))).toMatchObject({ ok: false, reason: 'malformed' });
    const other = register();
    other.set('Authorization', 'NoOneKnowsThisScheme opaque-data=here');
    expect(verify(wire(other))).toMatchObject({ ok: false, reason: 'missing' });
  });
});

describe('createResponse for challenges', () => {
  it('a 401 copies the request identifiers', () => {
    const req = register();
    const res = createResponse(req, 401);
    expect(res.callId).toBe(req.callId);
  });
});

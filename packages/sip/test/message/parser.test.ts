import type { SipRequest, SipResponse} from '../../src/index.js';
import { parseMessage, type ParseResult } from '../../src/index.js';
import { crlf } from '../helpers/testdata.js';

function ok(r: ParseResult): SipRequest | SipResponse {
  if (!r.ok) throw new Error(`parse failed: ${r.reason}`);
  return r.message;
}

const OPTIONS = [
  'OPTIONS sip:alice@example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bKabc;rport',
  'Max-Forwards: 70',
  'From: "Bob" <sip:bob@example.com>;tag=b1',
  'To: <sip:alice@example.com>',
  'Call-ID: c1@192.0.2.1',
  'CSeq: 7 OPTIONS',
  'Content-Length: 0',
  '',
  '',
];

describe('parseMessage', () => {
  it('reads a request and serializes it back byte for byte', () => {
    const data = crlf(...OPTIONS);
    const m = ok(parseMessage(data)) as SipRequest;
    expect(m.isRequest).toBe(true);
    expect(m.method).toBe('OPTIONS');
    expect(m.uri).toMatchObject({ kind: 'sip', user: 'alice', host: 'example.com' });
    expect(m.topVia).toMatchObject({ transport: 'UDP', host: '192.0.2.1', port: 5070, branch: 'z9hG4bKabc', rport: null });
    expect(m.from.displayName).toBe('Bob');
    expect(m.fromTag).toBe('b1');
    expect(m.toTag).toBeUndefined();
    expect(m.callId).toBe('c1@192.0.2.1');
    expect(m.cseq).toEqual({ seq: 7, method: 'OPTIONS' });
    expect(m.maxForwards).toBe(70);
    expect(m.toBuffer().equals(data)).toBe(true);
  });

  it('reads a response with an empty reason phrase', () => {
    const data = crlf('SIP/2.0 100 ', 'Via: SIP/2.0/TCP h;branch=z9hG4bK1', 'From: <sip:a@b>;tag=1', 'To: <sip:c@d>', 'Call-ID: x', 'CSeq: 1 INVITE', 'Content-Length: 0', '', '');
    const m = ok(parseMessage(data)) as SipResponse;
    expect(m.status).toBe(100);
    expect(m.reason).toBe('');
    expect(m.toBuffer().equals(data)).toBe(true);
  });

  it('expands every compact header form', () => {
    const sdp = 'v=0\r\n';
    const data = crlf(
      'INVITE sip:a@example.com SIP/2.0',
      'v: SIP/2.0/UDP h.example.com;branch=z9hG4bK1',
      'f: <sip:b@example.com>;tag=1',
      't: sip:a@example.com',
      'i: cid',
      'CSeq: 1 INVITE',
      'm: <sip:b@192.0.2.2>',
      'k: replaces, timer',
      'o: presence;id=4',
      'u: presence, dialog',
      'r: <sip:c@example.com>',
      'b: <sip:d@example.com>',
      'x: 1800;refresher=uac',
      's: hello',
      'e: gzip',
      'a: *;audio',
      'j: *;video',
      'd: proxy',
      'y: abc',
      'n: <https://example.com/cert>',
      'c: application/sdp',
      `l: ${sdp.length}`,
      '',
      sdp,
    );
    const m = ok(parseMessage(data));
    expect(m.vias).toHaveLength(1);
    expect(m.fromTag).toBe('1');
    expect(m.to.uri).toMatchObject({ user: 'a' });
    expect(m.callId).toBe('cid');
    expect(m.contacts[0]!.uri).toMatchObject({ host: '192.0.2.2' });
    expect(m.supported).toEqual(['replaces', 'timer']);
    expect(m.event).toMatchObject({ type: 'presence', id: '4' });
    expect(m.allowEvents).toEqual(['presence', 'dialog']);
    expect(m.referTo?.uri).toMatchObject({ user: 'c' });
    expect(m.referredBy?.uri).toMatchObject({ user: 'd' });
    expect(m.sessionExpires).toMatchObject({ seconds: 1800, refresher: 'uac' });
    expect(m.get('Subject')).toBe('hello');
    expect(m.get('content-encoding')).toBe('gzip');
    expect(m.get('Accept-Contact')).toBe('*;audio');
    expect(m.get('Reject-Contact')).toBe('*;video');
    expect(m.get('Request-Disposition')).toBe('proxy');
    expect(m.get('Identity')).toBe('abc');
    expect(m.get('Identity-Info')).toBe('<https://example.com/cert>');
    expect(m.contentType).toMatchObject({ type: 'application', subtype: 'sdp' });
    expect(m.contentLength).toBe(sdp.length);
    expect(m.body.toString()).toBe(sdp);
    expect(m.toBuffer().equals(data)).toBe(true);
  });

  it('unfolds continuation lines and keeps the folded text for serialization', () => {
    const data = crlf(
      'OPTIONS sip:a@example.com SIP/2.0',
      'Via: SIP/2.0/UDP h.example.com',
      '   ;branch=z9hG4bK1',
      'From: <sip:b@example.com>',
      '\t;tag=1',
      'To: sip:a@example.com',
      'Call-ID: cid',
      'CSeq: 1',
      '  OPTIONS',
      'Subject: first',
      ' second',
      'l: 0',
      '',
      '',
    );
    const m = ok(parseMessage(data));
    expect(m.topVia.branch).toBe('z9hG4bK1');
    expect(m.fromTag).toBe('1');
    expect(m.cseq).toEqual({ seq: 1, method: 'OPTIONS' });
    expect(m.get('subject')).toBe('first second');
    expect(m.toBuffer().equals(data)).toBe(true);
  });

  it('reads several values in one header line and across lines, in order', () => {
    const data = crlf(
      'OPTIONS sip:a@example.com SIP/2.0',
      'Via: SIP/2.0/UDP one.example.com;branch=z9hG4bK1, SIP/2.0/TCP two.example.com:5061;branch=z9hG4bK2',
      'Via: SIP/2.0/TLS [2001:db8::1]:5062;branch=z9hG4bK3;received=192.0.2.9;rport=4000',
      'Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>',
      'Route: <sip:p3.example.com;lr>',
      'Allow: INVITE, ACK',
      'Allow: BYE',
      'From: <sip:b@example.com>;tag=1',
      'To: sip:a@example.com',
      'Call-ID: cid',
      'CSeq: 1 OPTIONS',
      '',
      '',
    );
    const m = ok(parseMessage(data));
    expect(m.vias.map((v) => [v.transport, v.host, v.port])).toEqual([
      ['UDP', 'one.example.com', undefined],
      ['TCP', 'two.example.com', 5061],
      ['TLS', '[2001:db8::1]', 5062],
    ]);
    expect(m.vias[2]).toMatchObject({ received: '192.0.2.9', rport: 4000 });
    expect(m.routes.map((r) => (r.uri.kind === 'sip' ? r.uri.host : ''))).toEqual(['p1.example.com', 'p2.example.com', 'p3.example.com']);
    expect(m.allow).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(m.getAll('via')).toHaveLength(2);
  });

  it('reads quoted strings with escapes and UTF-8 display names', () => {
    const data = crlf(
      'OPTIONS sip:a@example.com SIP/2.0',
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1',
      'From: "J\\"oe \\\\ Ünïcödé" <sip:b@example.com>;tag=1',
      'To: Plain Tokens <sip:a@example.com>',
      'Call-ID: cid',
      'CSeq: 1 OPTIONS',
      '',
      '',
    );
    const m = ok(parseMessage(data));
    expect(m.from.displayName).toBe('J"oe \\ Ünïcödé');
    expect(m.to.displayName).toBe('Plain Tokens');
    expect(m.encoding).toBe('utf8');
    expect(m.toBuffer().equals(data)).toBe(true);
  });

  it('keeps header bytes that are not UTF-8 and still round-trips them', () => {
    const head = Buffer.from('OPTIONS sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: "J', 'latin1');
    const rest = Buffer.from('" <sip:b@example.com>;tag=1\r\nTo: <sip:a@example.com>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\n\r\n', 'latin1');
    const data = Buffer.concat([head, Buffer.from([0xf6]), rest]);
    const m = ok(parseMessage(data));
    expect(m.encoding).toBe('latin1');
    expect(m.from.displayName).toBe('Jö');
    expect(m.toBuffer().equals(data)).toBe(true);
  });

  it('keeps a U+FFFD written in valid UTF-8 as UTF-8', () => {
    const data = crlf('OPTIONS sip:a@example.com SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'From: "\uFFFD" <sip:b@example.com>;tag=1', 'To: <sip:a@example.com>', 'Call-ID: c', 'CSeq: 1 OPTIONS', '', '');
    const m = ok(parseMessage(data));
    expect(m.encoding).toBe('utf8');
    expect(m.from.displayName).toBe('\uFFFD');
    expect(m.toBuffer().equals(data)).toBe(true);
  });

  it('reads a list header written on several lines as one list, and refuses a bad later line', () => {
    const lines = ['OPTIONS sip:a@example.com SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'Route: <sip:p1.example.com;lr>', 'From: <sip:b@example.com>;tag=1', 'Route: <sip:p2.example.com;lr>, <sip:p3.example.com;lr>'];
    const m = ok(parseMessage(crlf(...lines, 'To: <sip:a@example.com>', 'Call-ID: c', 'CSeq: 1 OPTIONS', '', '')));
    expect(m.routes.map((r) => (r.uri.kind === 'sip' ? r.uri.host : ''))).toEqual(['p1.example.com', 'p2.example.com', 'p3.example.com']);
    const bad = parseMessage(crlf(...lines, 'Route: <sip:p4.example.com', 'To: <sip:a@example.com>', 'Call-ID: c', 'CSeq: 1 OPTIONS', '', ''));
    expect(bad.ok).toBe(false);
    expect(bad.ok ? 0 : bad.status).toBe(400);
  });

  it('takes an LF-only blank line only when it comes before the CRLF one', () => {
    const head = OPTIONS.slice(0, 8).join('\r\n');
    const lfFirst = ok(parseMessage(Buffer.from(head + '\n\nab\r\n\r\n')));
    expect(lfFirst.separator).toBe('\n');
    const crlfFirst = ok(parseMessage(Buffer.from(head + '\r\n\r\nv=0\n\nx')));
    expect(crlfFirst.separator).toBe('\r\n');
  });

  it('reads Contact lists, the wildcard and contact parameters', () => {
    const base = ['REGISTER sip:example.com SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'From: <sip:a@example.com>;tag=1', 'To: <sip:a@example.com>', 'Call-ID: c', 'CSeq: 2 REGISTER'];
    const m = ok(
      parseMessage(
        crlf(...base, 'Contact: <sip:a@192.0.2.1:5060;transport=tcp>;expires=60;q=0.5;+sip.instance="<urn:uuid:1234>", sip:a@192.0.2.2', 'Expires: 3600', '', ''),
      ),
    );
    expect(m.contacts).toHaveLength(2);
    expect(m.contacts[0]!.params.get('expires')).toBe('60');
    expect(m.contacts[0]!.params.get('+sip.instance')).toBe('<urn:uuid:1234>');
    expect(m.contacts[0]!.uri).toMatchObject({ port: 5060 });
    expect(m.expires).toBe(3600);
    const star = ok(parseMessage(crlf(...base, 'Contact: *', 'Expires: 0', '', '')));
    expect(star.isWildcardContact).toBe(true);
    expect(star.contacts).toEqual([]);
  });

  it('reads the headers a PBX needs', () => {
    const data = crlf(
      'NOTIFY sip:a@192.0.2.1 SIP/2.0',
      'Via: SIP/2.0/WSS abc.invalid;branch=z9hG4bK1',
      'From: <sip:b@example.com>;tag=1',
      'To: <sip:a@example.com>;tag=2',
      'Call-ID: c',
      'CSeq: 5 NOTIFY',
      'Event: dialog;id=7',
      'Subscription-State: terminated;reason=timeout',
      'Require: replaces',
      'Unsupported: foo',
      'Min-Expires: 60',
      'Min-SE: 90',
      'Reason: SIP;cause=200;text="Call completed elsewhere", Q.850;cause=16',
      'Replaces: abc@host;to-tag=t1;from-tag=f1;early-only',
      'P-Asserted-Identity: "Alice" <sip:101@example.com>, <tel:+15551234>',
      'Record-Route: <sip:r1.example.com;lr>',
      'User-Agent: Phone/1.0 (test)',
      'Date: Sat, 13 Nov 2010 23:29:00 GMT',
      'Accept: application/sdp, application/dialog-info+xml',
      'WWW-Authenticate: Digest realm="example.com", nonce="abc", qop="auth", algorithm=SHA-256',
      'Proxy-Authorization: Digest username="101", realm="example.com", nonce="abc", uri="sip:example.com", response="00", qop=auth, nc=00000001, cnonce="x"',
      '',
      '',
    );
    const m = ok(parseMessage(data));
    expect(m.event).toMatchObject({ type: 'dialog', id: '7' });
    expect(m.subscriptionState).toMatchObject({ state: 'terminated', reason: 'timeout' });
    expect(m.require).toEqual(['replaces']);
    expect(m.unsupported).toEqual(['foo']);
    expect(m.minExpires).toBe(60);
    expect(m.minSE).toBe(90);
    expect(m.reasons).toMatchObject([
      { protocol: 'SIP', cause: 200, text: 'Call completed elsewhere' },
      { protocol: 'Q.850', cause: 16 },
    ]);
    expect(m.replaces).toMatchObject({ callId: 'abc@host', toTag: 't1', fromTag: 'f1', earlyOnly: true });
    expect(m.pAssertedIdentities.map((a) => a.uri.kind)).toEqual(['sip', 'tel']);
    expect(m.recordRoutes).toHaveLength(1);
    expect(m.userAgent).toBe('Phone/1.0 (test)');
    expect(m.date).toBe(Date.UTC(2010, 10, 13, 23, 29, 0));
    expect(m.accept?.map((a) => a.subtype)).toEqual(['sdp', 'dialog-info+xml']);
    expect(m.wwwAuthenticates[0]!.params.get('algorithm')).toBe('SHA-256');
    expect(m.wwwAuthenticates[0]!.params.get('qop')).toBe('auth');
    expect(m.proxyAuthorizations[0]!.params.get('username')).toBe('101');
  });

  it('ignores CRLFs before the start line and treats CRLFs alone as a keep-alive', () => {
    expect(parseMessage(Buffer.from('\r\n\r\n'))).toMatchObject({ ok: false, kind: 'empty' });
    const m = ok(parseMessage(Buffer.concat([Buffer.from('\r\n'), crlf(...OPTIONS)])));
    expect(m.toBuffer().equals(crlf(...OPTIONS))).toBe(true);
  });

  it('over UDP reads the body to the end of the datagram when Content-Length is absent, and stops at Content-Length', () => {
    const lines = OPTIONS.slice(0, 7);
    const noLength = ok(parseMessage(crlf(...lines, '', 'hello')));
    expect(noLength.body.toString()).toBe('hello');
    const stream = ok(parseMessage(crlf(...lines, '', ''), { stream: true }));
    expect(stream.body.length).toBe(0);
    const extra = ok(parseMessage(crlf(...lines, 'Content-Length: 2', '', 'hello')));
    expect(extra.body.toString()).toBe('he');
  });

  it('accepts bare LF line endings and keeps them', () => {
    const data = Buffer.from(OPTIONS.join('\n'));
    const m = ok(parseMessage(data));
    expect(m.callId).toBe('c1@192.0.2.1');
    expect(m.toBuffer().equals(data)).toBe(true);
  });
});

describe('parse failures are values', () => {
  function fail(data: Buffer) {
    const r = parseMessage(data);
    if (r.ok) throw new Error('expected a failure');
    return r;
  }

  it('salvages what a 400 needs from a malformed request', () => {
    const r = fail(crlf('OPTIONS sip:a@example.com SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK9', 'From: <sip:b@example.com>;tag=1', 'To: "unbalanced <sip:a@example.com>', 'Call-ID: c', 'CSeq: 1 OPTIONS', '', ''));
    expect(r.kind).toBe('request');
    expect(r.status).toBe(400);
    expect(r.reason).toMatch(/^To:/);
    expect(r.replyContext).toMatchObject({ vias: ['SIP/2.0/UDP 192.0.2.1:5070;branch=z9hG4bK9'], callId: 'c', cseq: '1 OPTIONS', to: '"unbalanced <sip:a@example.com>' });
    expect(r.replyContext?.topVia).toMatchObject({ host: '192.0.2.1', port: 5070, branch: 'z9hG4bK9' });
  });

  it('cannot answer without a usable Via, and never answers an ACK', () => {
    expect(fail(crlf('OPTIONS sip:a@example.com SIP/2.0', 'From: <sip:b@example.com>;tag=1', '', '')).replyContext).toBeUndefined();
    const ack = fail(crlf('ACK sip:a@example.com SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'CSeq: 1 ACK', '', ''));
    expect(ack.method).toBe('ACK');
    expect(ack.replyContext).toBeUndefined();
  });

  it('enforces the size, header-count and line-length limits', () => {
    expect(fail(Buffer.alloc(70000, 65)).reason).toBe('message too large');
    const many = Array.from({ length: 300 }, (_, i) => `X-H${i}: v`);
    expect(fail(crlf(...OPTIONS.slice(0, 7), ...many, '', '')).reason).toBe('too many header fields');
    expect(fail(crlf(...OPTIONS.slice(0, 7), 'X-Long: ' + 'a'.repeat(9000), '', '')).reason).toBe('line too long');
    expect(parseMessage(crlf(...OPTIONS.slice(0, 7), 'X-Long: ' + 'a'.repeat(9000), '', ''), { limits: { maxLineLength: 10000 } }).ok).toBe(true);
  });

  it('refuses a bare CR, a header line without colon and a missing empty line', () => {
    expect(fail(crlf(...OPTIONS.slice(0, 7), 'X-Bad: a\rb', '', '')).reason).toMatch(/bare CR/);
    expect(fail(crlf(...OPTIONS.slice(0, 7), 'NoColonHere', '', '')).reason).toMatch(/colon/);
    expect(fail(crlf(...OPTIONS.slice(0, 7))).reason).toMatch(/empty line/);
  });

  it('reports a response that does not parse without a reply context', () => {
    const r = fail(crlf('SIP/2.0 2000 OK', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', '', ''));
    expect(r.kind).toBe('response');
    expect(r.replyContext).toBeUndefined();
  });

  it('survives garbage', () => {
    for (const text of ['\x00\x01\x02', 'INVITE', 'SIP/2.0', ':::\r\n\r\n', 'A B C\r\n\r\n', 'INVITE sip:a SIP/2.0\r\n v: x\r\n\r\n']) {
      expect(parseMessage(Buffer.from(text)).ok).toBe(false);
    }
  });
});

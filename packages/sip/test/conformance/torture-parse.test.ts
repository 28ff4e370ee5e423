/**
 * RFC 4475 and RFC 5118 torture messages, parse level: every file in the shared vectors folder is
 * read as its README says. What the stack answers on the wire is in torture-answers.test.ts.
 */
import { isRfc3261Branch, parseMessage, parseUri, uriEquals, type SipMessage, type SipRequest, type SipResponse, type ParseFailure } from '../../src/index.js';
import { MISSING_TESTDATA, hasTestdata, listVectors, readVector } from '../helpers/testdata.js';

// RFC 5118's Content-Length values fall a few octets short of its SDP bodies; over a datagram
// the declared length wins and the rest is ignored (RFC 3261 §18.3), so no tail check there.
function parsed(folder: string, name: string): SipMessage {
  const data = readVector(folder, name);
  const r = parseMessage(data);
  if (!r.ok) throw new Error(`${name}: ${r.reason}`);
  // Byte-for-byte: what was parsed serializes to the same octets (datagram tail excluded).
  const out = r.message.toBuffer();
  expect(out.equals(data.subarray(0, out.length)), `${name} round trip`).toBe(true);
  if (folder === 'rfc4475' && name !== 'dblreq.dat') expect(data.subarray(out.length).toString().trim(), `${name}: only trailing whitespace left`).toBe('');
  return r.message;
}
const req = (folder: string, name: string) => parsed(folder, name) as SipRequest;
const res = (folder: string, name: string) => parsed(folder, name) as SipResponse;

function failed(folder: string, name: string): ParseFailure {
  const r = parseMessage(readVector(folder, name));
  if (r.ok) throw new Error(`${name} should not parse`);
  return r;
}

const user = (m: { uri: { kind: string } }) => (m.uri as { user?: string }).user;

describe.skipIf(!hasTestdata)(`RFC 4475 torture messages${hasTestdata ? '' : ` (${MISSING_TESTDATA})`}`, () => {
  const F = 'rfc4475';
  const valid = ['wsinv', 'intmeth', 'esc01', 'escnull', 'esc02', 'lwsdisp', 'longreq', 'dblreq', 'semiuri', 'transports', 'mpart01', 'unreason', 'noreason', 'badbranch', 'unkscm', 'novelsc', 'bext01', 'invut', 'regaut01', 'bcast', 'zeromf', 'cparam01', 'cparam02', 'unksm2', 'regescrt', 'inv2543', 'sdp01'];
  const invalidRequests = ['badinv01', 'clerr', 'ncl', 'scalar02', 'quotbal', 'ltgtruri', 'lwsruri', 'lwsstart', 'trws', 'escruri', 'baddate', 'regbadct', 'badaspec', 'baddn', 'mismatch01', 'mismatch02', 'insuf', 'multi01', 'mcl01'];
  const invalidResponses = ['scalarlg', 'bigcode'];

  it('covers every file in the folder', () => {
    const all = [...valid, ...invalidRequests, ...invalidResponses, 'badvers'].map((n) => `${n}.dat`).sort();
    expect(listVectors(F)).toEqual(all);
  });

  it.each(valid)('%s parses and round-trips', (name) => {
    parsed(F, `${name}.dat`);
  });

  it.each(invalidRequests)('%s is refused with 400 and can be answered', (name) => {
    const f = failed(F, `${name}.dat`);
    expect(f.kind).toBe('request');
    expect(f.status).toBe(400);
    expect(f.replyContext?.topVia).toBeDefined();
  });

  it('badvers is refused with 505', () => {
    const f = failed(F, 'badvers.dat');
    expect(f).toMatchObject({ kind: 'request', status: 505 });
    expect(f.replyContext).toBeDefined();
  });

  it.each(invalidResponses)('%s is a response that does not parse (dropped)', (name) => {
    const f = failed(F, `${name}.dat`);
    expect(f.kind).toBe('response');
    expect(f.replyContext).toBeUndefined();
  });

  it('wsinv: whitespace, folding and case everywhere', () => {
    const m = req(F, 'wsinv.dat');
    expect(m.uri.kind === 'sip' && m.uri.params.has('unknownparam')).toBe(true);
    expect(m.to.uri).toMatchObject({ user: 'vivekg', host: 'chair-dnrc.example.com' });
    expect(m.toTag).toBe('1918181833n');
    expect(m.from.displayName).toBe('J Rosenberg \\"');
    expect(m.fromTag).toBe('98asjd8');
    expect(m.maxForwards).toBe(68);
    expect(m.callId).toBe('wsinv.ndaksdj@192.0.2.1');
    expect(m.cseq).toEqual({ seq: 9, method: 'INVITE' });
    expect(m.vias.map((v) => [v.transport, v.host, v.branch])).toEqual([
      ['UDP', '192.0.2.2', '390skdjuw'],
      ['TCP', 'spindle.example.com', 'z9hG4bK9ikj8'],
      ['UDP', '192.168.255.111', 'z9hG4bK30239'],
    ]);
    expect(m.get('NewFangledHeader')).toBe('newfangled value continued newfangled value');
    expect(m.get('UnknownHeaderWithUnusualValue')).toBe(';;,,;;,;');
    expect(m.get('Subject')).toBe('');
    expect(m.routes[0]!.uri.kind === 'sip' && m.routes[0]!.uri.params.has('lr')).toBe(true);
    const c = m.contacts[0]!;
    expect(c.displayName).toBe('Quoted string ""');
    expect(c.params.get('newparam')).toBe('newvalue');
    expect(c.params.has('secondparam')).toBe(true);
    expect(c.params.get('q')).toBe('0.33');
    expect(m.body.length).toBe(150);
  });

  it('intmeth: unusual characters in method, URI, tokens and quoted strings', () => {
    const m = req(F, 'intmeth.dat');
    expect(m.method).toBe("!interesting-Method0123456789_*+`.%indeed'~");
    expect(m.uri).toMatchObject({ user: "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*", password: "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", host: 'example.com' });
    expect(m.to.displayName).toBe('BEL:\x07 NUL:\x00 DEL:\x7f');
    expect(m.from.displayName).toBe("token1~` token2'+_ token3*%!.-");
    expect(m.from.params.get("fromParam''~+*_!.-%")).toBe('работающий');
    expect(m.fromTag).toBe("_token~1'+`*%!-.");
    expect(m.callId).toBe('intmeth.word%ZK-!.*_+\'@word`~)(><:\\/"][?}{');
    expect(m.cseq.method).toBe(m.method);
    expect(m.get("extensionHeader-!.%*+_`'~")).toBe('\uFEFF大停電');
  });

  it('esc01: escaped characters in URIs compare equal to their unescaped forms', () => {
    const m = req(F, 'esc01.dat');
    expect(user(m)).toBe('sips:user@example.com');
    expect(user(m.to)).toBe('user');
    expect(user(m.from)).toBe('I have spaces');
    const contact = m.contacts[0]!.uri;
    expect(user({ uri: contact })).toBe('caller');
    expect(uriEquals(contact, parseUri('sip:caller@host5.example.net;lr;name=value%2541'))).toBe(true);
  });

  it('escnull: escaped NULs in user parts', () => {
    const m = req(F, 'escnull.dat');
    expect(user(m.to)).toBe('null-\x00-null');
    expect(m.contacts.map((c) => user(c))).toEqual(['\x00', '\x00\x00']);
  });

  it('esc02: an escaped method is a different method, an escaped header name a different header', () => {
    const m = req(F, 'esc02.dat');
    expect(m.method).toBe('RE%47IST%45R');
    expect(m.to.displayName).toBe('%Z%45');
    expect(m.contacts.map((c) => (c.uri.kind === 'sip' ? c.uri.host : ''))).toEqual(['host1.example.com', 'host3.example.com']);
    expect(m.get('C%6Fntact')).toBe('<sip:alias2@host2.example.com>');
  });

  it('lwsdisp, semiuri, transports, unreason, noreason, mpart01', () => {
    expect(req(F, 'lwsdisp.dat').from.displayName).toBe('caller');
    const semi = req(F, 'semiuri.dat');
    expect(semi.uri).toMatchObject({ user: 'user;par=u@example.net', host: 'example.com' });
    expect(semi.accept?.map((a) => `${a.type}/${a.subtype}`)).toEqual(['application/sdp', 'application/pkcs7-mime', 'multipart/mixed', 'multipart/signed', 'message/sip', 'message/sipfrag']);
    expect(req(F, 'transports.dat').vias.map((v) => v.transport)).toEqual(['UDP', 'SCTP', 'TLS', 'UNKNOWN', 'TCP']);
    const unreason = res(F, 'unreason.dat');
    expect(unreason.status).toBe(200);
    expect(unreason.reason).toBe('= 2**3 * 5**2 но сто девяносто девять - простое');
    expect(res(F, 'noreason.dat')).toMatchObject({ status: 100, reason: '' });
    const mpart = req(F, 'mpart01.dat');
    expect(mpart.contentType).toMatchObject({ type: 'multipart', subtype: 'mixed' });
    expect(mpart.contentType?.params.get('boundary')).toBe('7a9cbec02ceef655');
    expect(mpart.body.length).toBe(553);
  });

  it('longreq: long values everywhere', () => {
    const m = req(F, 'longreq.dat');
    expect(m.to.displayName).toContain('extremeextreme');
    expect(m.vias.length).toBeGreaterThan(30);
    expect(m.body.length).toBe(m.contentLength);
  });

  it('dblreq: only the first message of a datagram counts', () => {
    const m = req(F, 'dblreq.dat');
    expect(m.method).toBe('REGISTER');
    expect(m.body.length).toBe(0);
  });

  it('3.2 and 3.3: parse, leaving the decision to the stack', () => {
    expect(isRfc3261Branch(req(F, 'badbranch.dat').topVia.branch)).toBe(false);
    expect(req(F, 'unkscm.dat').uri).toMatchObject({ kind: 'other', scheme: 'nobodyKnowsThisScheme' });
    expect(req(F, 'novelsc.dat').uri).toMatchObject({ kind: 'other', scheme: 'soap.beep' });
    const bext = req(F, 'bext01.dat');
    expect(bext.require).toEqual(['nothingSupportsThis', 'nothingSupportsThisEither']);
    expect(bext.proxyRequire).toEqual(['noProxiesSupportThis', 'norDoAnyProxiesSupportThis']);
    expect(req(F, 'invut.dat').contentType).toMatchObject({ type: 'application', subtype: 'unknownformat' });
    expect(req(F, 'regaut01.dat').authorizations[0]).toMatchObject({ scheme: 'NoOneKnowsThisScheme' });
    expect(res(F, 'bcast.dat').vias).toHaveLength(2);
    expect(req(F, 'zeromf.dat').maxForwards).toBe(0);
    const unksm2 = req(F, 'unksm2.dat');
    expect([unksm2.to.uri.scheme, unksm2.from.uri.scheme, unksm2.contacts[0]!.uri.scheme]).toEqual(['isbn', 'http', 'name']);
    expect(req(F, 'regescrt.dat').contacts[0]!.uri).toMatchObject({ headers: [{ name: 'Route', value: '%3Csip:sip.example.com%3E' }] });
    const old = req(F, 'inv2543.dat');
    expect(old.topVia.branch).toBeUndefined();
    expect(old.fromTag).toBeUndefined();
    expect(old.maxForwards).toBeUndefined();
    expect(old.body.toString()).toContain('m=audio 49217 RTP/AVP 0');
    expect(req(F, 'sdp01.dat').accept?.[0]).toMatchObject({ type: 'text', subtype: 'nobodyknowsthis' });
  });
});

describe.skipIf(!hasTestdata)(`RFC 5118 IPv6 torture messages${hasTestdata ? '' : ` (${MISSING_TESTDATA})`}`, () => {
  const F = 'rfc5118';
  const host = (u: { kind: string }) => (u as { host?: string }).host;

  it('covers every file', () => {
    expect(listVectors(F)).toHaveLength(12);
  });

  it.each(['ipv6-bad', 'ipv6-bug-abnf-3-colons'])('%s is refused with 400', (name) => {
    const f = failed(F, name);
    expect(f).toMatchObject({ kind: 'request', status: 400 });
    expect(f.replyContext).toBeDefined();
  });

  it('port-ambiguous parses as an IPv6 address with no port', () => {
    // The folder README lists it as malformed; RFC 5118 §4.3 explains that "[2001:db8::10:5070]"
    // is a valid IPv6 reference (the last group is address, not port), which is how we read it.
    const m = req(F, 'port-ambiguous');
    expect(m.uri).toMatchObject({ host: '[2001:db8::10:5070]' });
    expect(m.uri.kind === 'sip' && m.uri.port).toBeUndefined();
  });

  it('reads IPv6 references in Request-URI, Via, Contact and received', () => {
    expect(req(F, 'port-unambiguous').uri).toMatchObject({ host: '[2001:db8::10]', port: 5070 });
    const good = req(F, 'ipv6-good');
    expect(host(good.uri)).toBe('[2001:db8::10]');
    expect(good.topVia.host).toBe('[2001:db8::9:1]');
    expect(host(good.contacts[0]!.uri)).toBe('[2001:db8::1]');
    expect(host(req(F, 'ipv6-correct-abnf-2-colons').uri)).toBe('[2001:db8::192.0.2.1]');
    const mapped = req(F, 'ipv4-mapped-ipv6');
    expect(mapped.vias.map((v) => [v.host, v.port])).toEqual([
      ['[::ffff:192.0.2.10]', 19823],
      ['[::ffff:192.0.2.2]', undefined],
    ]);
    expect(host(mapped.contacts[0]!.uri)).toBe('[::ffff:192.0.2.2]');
    expect(mapped.body.length).toBe(236);
    const multi = req(F, 'mult-ip-in-header');
    expect(multi.vias.map((v) => [v.transport, v.host, v.port, v.received])).toEqual([
      ['UDP', '[2001:db8::9:1]', 6050, undefined],
      ['UDP', '192.0.2.1', undefined, undefined],
      ['TCP', '[2001:db8::9:255]', undefined, '192.0.2.200'],
    ]);
    expect(req(F, 'via-received-param-no-delim').topVia.received).toBe('2001:db8::9:255');
    expect(req(F, 'via-received-param-with-delim').topVia.received).toBe('2001:db8::9:255');
  });

  it('keeps SDP bodies with IPv6 addresses intact', () => {
    expect(req(F, 'ipv6-in-sdp').body.toString()).toContain('c=IN IP6 2001:db8::20');
    const sdp = req(F, 'mult-ip-in-sdp').body.toString();
    expect(sdp).toContain('c=IN IP4 192.0.2.1');
    expect(sdp).toContain('c=IN IP6 2001:db8::1');
  });
});

import { address, createResponse, Dialog, DialogError, DialogRegistry, DialogState, parseMessage, parseUri, sipUri, uriToString, type SipRequest, type SipResponse } from '../../src/index.js';

function parse<T>(lines: string[]): T {
  const r = parseMessage(Buffer.from(lines.join('\r\n') + '\r\n\r\n'));
  if (!r.ok) throw new Error(r.reason);
  return r.message as T;
}

const invite = () =>
  parse<SipRequest>([
    'INVITE sip:bob@biloxi.example.com SIP/2.0',
    'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds',
    'Max-Forwards: 70',
    'To: Bob <sip:bob@biloxi.example.com>',
    'From: Alice <sip:alice@atlanta.example.com>;tag=1928301774',
    'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
    'CSeq: 314159 INVITE',
    'Contact: <sip:alice@pc33.atlanta.example.com>',
    'Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>',
    'Authorization: Digest username="alice", realm="x", nonce="n", uri="sip:bob@biloxi.example.com", response="r"',
    'Content-Length: 0',
  ]);

function answer(request: SipRequest, status: number, extra: Record<string, string> = {}): SipResponse {
  return createResponse(request, status, undefined, { toTag: 'a6c85cf', headers: { 'Record-Route': '<sip:p2.example.com;lr>, <sip:p1.example.com;lr>', Contact: '<sip:bob@192.0.2.4>', ...extra } });
}

const me = address(sipUri({ user: 'alice', host: 'pc33.atlanta.example.com' }));

describe('Dialog (RFC 3261 §12)', () => {
  it('UAC side: ids, reversed route set, remote target from the 2xx Contact (§12.1.2)', () => {
    const req = invite();
    const d = Dialog.asUac(req, answer(req, 200), { localContact: me });
    expect(d.id).toEqual({ callId: 'a84b4c76e66710@pc33.atlanta.example.com', localTag: '1928301774', remoteTag: 'a6c85cf' });
    expect(d.state).toBe(DialogState.Confirmed);
    expect(d.routeSet.map((r) => uriToString(r.uri))).toEqual(['sip:p1.example.com;lr', 'sip:p2.example.com;lr']);
    expect(uriToString(d.remoteTarget)).toBe('sip:bob@192.0.2.4');
    expect(d.localSeq).toBe(314159);
    expect(d.remoteSeq).toBeUndefined();
  });

  it('builds in-dialog requests with tags, the next CSeq, Route and our Contact (§12.2.1.1)', () => {
    const req = invite();
    const d = Dialog.asUac(req, answer(req, 200), { localContact: me });
    const reinvite = d.createRequest('INVITE', { body: 'v=0\r\n', contentType: 'application/sdp' });
    expect(uriToString(reinvite.uri)).toBe('sip:bob@192.0.2.4');
    expect(reinvite.getAll('route')).toEqual(['<sip:p1.example.com;lr>', '<sip:p2.example.com;lr>']);
    expect(reinvite.cseq).toEqual({ seq: 314160, method: 'INVITE' });
    expect(reinvite.fromTag).toBe('1928301774');
    expect(reinvite.toTag).toBe('a6c85cf');
    expect(reinvite.to.displayName).toBe('Bob');
    expect(reinvite.contacts).toHaveLength(1);
    expect(reinvite.contentLength).toBe(5);
    const bye = d.createRequest('BYE');
    expect(bye.cseq.seq).toBe(314161);
    expect(bye.has('contact')).toBe(false);
    for (const method of ['INFO', 'NOTIFY', 'REFER']) expect(d.createRequest(method, { headers: method === 'REFER' ? { 'Refer-To': '<sip:carol@example.com>' } : {} }).method).toBe(method);
    expect(() => d.createRequest('ACK')).toThrow(DialogError);
  });

  it('builds the ACK for a 2xx with the INVITE CSeq number and its credentials (§13.2.2.4)', () => {
    const req = invite();
    const d = Dialog.asUac(req, answer(req, 200), { localContact: me });
    d.createRequest('INFO');
    const ack = d.createAck(req);
    expect(ack.cseq).toEqual({ seq: 314159, method: 'ACK' });
    expect(ack.toTag).toBe('a6c85cf');
    expect(uriToString(ack.uri)).toBe('sip:bob@192.0.2.4');
    expect(ack.get('authorization')).toContain('username="alice"');
    ack.set('Via', 'SIP/2.0/UDP h;branch=z9hG4bKa');
    expect(parseMessage(ack.toBuffer()).ok).toBe(true);
  });

  it('uses strict routing when the first route has no lr', () => {
    const req = invite();
    const res = answer(req, 200, { 'Record-Route': '<sip:strict.example.com>' });
    const d = Dialog.asUac(req, res, { localContact: me });
    const bye = d.createRequest('BYE');
    expect(uriToString(bye.uri)).toBe('sip:strict.example.com');
    expect(bye.getAll('route')).toEqual(['<sip:bob@192.0.2.4>']);
  });

  it('UAS side: route set in order, remote CSeq, our tag on the local URI (§12.1.1)', () => {
    const req = invite();
    const d = Dialog.asUas(req, { localTag: 'mytag', localContact: address(sipUri({ host: '192.0.2.4' })) });
    expect(d.state).toBe(DialogState.Early);
    expect(d.routeSet.map((r) => uriToString(r.uri))).toEqual(['sip:p2.example.com;lr', 'sip:p1.example.com;lr']);
    expect(d.remoteSeq).toBe(314159);
    expect(d.localUri.params.get('tag')).toBe('mytag');
    expect(uriToString(d.remoteTarget)).toBe('sip:alice@pc33.atlanta.example.com');
    const bye = d.createRequest('BYE');
    expect(bye.fromTag).toBe('mytag');
    expect(bye.toTag).toBe('1928301774');
    expect(bye.cseq.seq).toBeGreaterThan(0);
    expect(bye.cseq.seq).toBeLessThan(2 ** 31);
    d.confirm();
    d.terminate();
    expect(() => d.confirm()).toThrow(DialogError);
  });

  it('rejects an out-of-order CSeq with 500 and refreshes the remote target (§12.2.2)', () => {
    const req = invite();
    const d = Dialog.asUas(req, { localTag: 'mytag', localContact: me });
    const reinvite = parse<SipRequest>([
      'INVITE sip:bob@192.0.2.4 SIP/2.0',
      'Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnew',
      'To: <sip:bob@biloxi.example.com>;tag=mytag',
      'From: <sip:alice@atlanta.example.com>;tag=1928301774',
      'Call-ID: a84b4c76e66710@pc33.atlanta.example.com',
      'CSeq: 314160 INVITE',
      'Contact: <sip:alice@198.51.100.9:5070>',
      'Content-Length: 0',
    ]);
    expect(d.receiveRequest(reinvite)).toEqual({ ok: true });
    expect(uriToString(d.remoteTarget)).toBe('sip:alice@198.51.100.9:5070');
    expect(d.remoteSeq).toBe(314160);
    expect(d.receiveRequest(req)).toMatchObject({ ok: false, status: 500 });
  });

  it('an early UAC dialog is confirmed by the 2xx, with its route set recomputed', () => {
    const req = invite();
    const early = Dialog.asUac(req, answer(req, 180), { localContact: me });
    expect(early.state).toBe(DialogState.Early);
    early.receiveResponse(answer(req, 200, { 'Record-Route': '<sip:only.example.com;lr>', Contact: '<sip:bob@192.0.2.99>' }));
    expect(early.state).toBe(DialogState.Confirmed);
    expect(early.routeSet.map((r) => uriToString(r.uri))).toEqual(['sip:only.example.com;lr']);
    expect(uriToString(early.remoteTarget)).toBe('sip:bob@192.0.2.99');
  });

  it('a SUBSCRIBE dialog can start from the first NOTIFY (RFC 6665 §4.1.2.4)', () => {
    const subscribe = parse<SipRequest>([
      'SUBSCRIBE sip:102@pbx.example.com SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKsub',
      'From: <sip:101@pbx.example.com>;tag=sub1',
      'To: <sip:102@pbx.example.com>',
      'Call-ID: blf-1',
      'CSeq: 10 SUBSCRIBE',
      'Event: dialog',
      'Contact: <sip:101@192.0.2.1>',
      'Content-Length: 0',
    ]);
    const notify = parse<SipRequest>([
      'NOTIFY sip:101@192.0.2.1 SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKnot',
      'From: <sip:102@pbx.example.com>;tag=pbx9',
      'To: <sip:101@pbx.example.com>;tag=sub1',
      'Call-ID: blf-1',
      'CSeq: 1 NOTIFY',
      'Event: dialog',
      'Subscription-State: active;expires=3600',
      'Contact: <sip:192.0.2.9:5060>',
      'Content-Length: 0',
    ]);
    const d = Dialog.fromNotify(subscribe, notify, { localContact: me });
    expect(d.id).toEqual({ callId: 'blf-1', localTag: 'sub1', remoteTag: 'pbx9' });
    expect(d.remoteSeq).toBe(1);
    const refresh = d.createRequest('SUBSCRIBE', { headers: { Event: 'dialog', Expires: 3600 } });
    expect(refresh.cseq.seq).toBe(11);
    expect(uriToString(refresh.uri)).toBe('sip:192.0.2.9:5060');
    expect(refresh.toTag).toBe('pbx9');
  });

  it('refuses to make a dialog without tags or Contact', () => {
    const req = invite();
    expect(() => Dialog.asUac(req, createResponse(req, 200), { localContact: me })).toThrow(DialogError);
    req.remove('Contact');
    expect(() => Dialog.asUas(req, { localTag: 't', localContact: me })).toThrow(DialogError);
  });

  it('the registry finds a dialog from either side', () => {
    const req = invite();
    const uac = Dialog.asUac(req, answer(req, 200), { localContact: me });
    const registry = new DialogRegistry();
    registry.add(uac);
    expect(registry.forResponse(answer(req, 200))).toBe(uac);
    const incoming = uac.createRequest('BYE');
    // Seen from the peer, the BYE's To tag is ours: make the registry look from our side.
    const fromPeer = parse<SipRequest>([
      `BYE ${uriToString(parseUri('sip:alice@pc33.atlanta.example.com'))} SIP/2.0`,
      'Via: SIP/2.0/UDP 192.0.2.4;branch=z9hG4bKbye',
      `From: <sip:bob@biloxi.example.com>;tag=${incoming.toTag!}`,
      `To: <sip:alice@atlanta.example.com>;tag=${incoming.fromTag!}`,
      `Call-ID: ${incoming.callId}`,
      'CSeq: 1 BYE',
      'Content-Length: 0',
    ]);
    expect(registry.forRequest(fromPeer)).toBe(uac);
    registry.remove(uac);
    expect(registry.size).toBe(0);
  });
});

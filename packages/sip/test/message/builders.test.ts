import type { SipResponse } from '../../src/index.js';
import { createErrorResponse, createRequest, createResponse, parseMessage, SipRequest } from '../../src/index.js';
import { crlf } from '../helpers/testdata.js';

function request(...extra: string[]): SipRequest {
  const r = parseMessage(
    crlf(
      'INVITE sip:bob@example.com SIP/2.0',
      'Via: SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1, SIP/2.0/UDP a.example.com;branch=z9hG4bKa;received=192.0.2.1',
      'v: SIP/2.0/TCP c.example.com;branch=z9hG4bKc',
      'Max-Forwards: 69',
      'f: Alice <sip:alice@example.com>;tag=abc',
      'To: Bob <sip:bob@example.com>',
      'Call-ID: call-1',
      'CSeq: 10 INVITE',
      'Record-Route: <sip:p1.example.com;lr>',
      ...extra,
      'Content-Length: 0',
      '',
      '',
    ),
  );
  if (!r.ok || !(r.message instanceof SipRequest)) throw new Error('bad fixture');
  return r.message;
}

describe('createResponse (RFC 3261 §8.2.6)', () => {
  it('copies Via (in order), From, To, Call-ID and CSeq and adds a To tag when asked', () => {
    const res = createResponse(request(), 180, undefined, { toTag: 'xyz' });
    expect(res.status).toBe(180);
    expect(res.reason).toBe('Ringing');
    expect(res.getAll('via')).toEqual(['SIP/2.0/UDP p1.example.com;branch=z9hG4bKp1, SIP/2.0/UDP a.example.com;branch=z9hG4bKa;received=192.0.2.1', 'SIP/2.0/TCP c.example.com;branch=z9hG4bKc']);
    expect(res.vias.map((v) => v.branch)).toEqual(['z9hG4bKp1', 'z9hG4bKa', 'z9hG4bKc']);
    expect(res.from.params.get('tag')).toBe('abc');
    expect(res.toTag).toBe('xyz');
    expect(res.to.displayName).toBe('Bob');
    expect(res.callId).toBe('call-1');
    expect(res.cseq).toEqual({ seq: 10, method: 'INVITE' });
    expect(res.has('record-route')).toBe(false);
    const parsed = parseMessage(res.toBuffer());
    expect(parsed.ok).toBe(true);
  });

  it('never tags a 100 and echoes Timestamp in it', () => {
    const res = createResponse(request('Timestamp: 54'), 100, undefined, { toTag: true });
    expect(res.toTag).toBeUndefined();
    expect(res.get('timestamp')).toBe('54');
  });

  it('keeps an existing To tag and sets the body with its headers', () => {
    const req = request();
    req.set('To', '<sip:bob@example.com>;tag=already');
    const res = createResponse(req, 200, 'Fine', { toTag: 'new', body: 'v=0\r\n', contentType: 'application/sdp', headers: { Contact: '<sip:bob@192.0.2.2>' } });
    expect(res.toTag).toBe('already');
    expect(res.reason).toBe('Fine');
    expect(res.contentLength).toBe(5);
    expect(res.contentType?.subtype).toBe('sdp');
    expect(res.contacts).toHaveLength(1);
  });
});

describe('createRequest (RFC 3261 §8.1.1)', () => {
  it('fills the mandatory headers and a From tag', () => {
    const req = createRequest({ method: 'OPTIONS', uri: 'sip:bob@example.com', from: '<sip:alice@example.com>', to: 'sip:bob@example.com', cseq: 5, headers: { Accept: 'application/sdp' } });
    expect(req.fromTag).toMatch(/^[0-9a-f]{16}$/);
    expect(req.cseq).toEqual({ seq: 5, method: 'OPTIONS' });
    expect(req.maxForwards).toBe(70);
    expect(req.callId).toMatch(/^[0-9a-f]{32}$/);
    expect(req.contentLength).toBe(0);
    const text = req.toString();
    expect(text.startsWith('OPTIONS sip:bob@example.com SIP/2.0\r\n')).toBe(true);
    expect(text.endsWith('\r\n\r\n')).toBe(true);
  });

  it('edits headers in place and keeps untouched ones as received', () => {
    const req = request('X-Custom:   spaced   ');
    req.prepend('Via', 'SIP/2.0/UDP new.example.com;branch=z9hG4bKnew');
    req.set('Max-Forwards', 68);
    req.remove('Record-Route');
    const text = req.toString();
    expect(text).toContain('Via: SIP/2.0/UDP new.example.com;branch=z9hG4bKnew\r\nVia: SIP/2.0/UDP p1.example.com');
    expect(text).toContain('Max-Forwards: 68\r\n');
    expect(text).toContain('X-Custom:   spaced   \r\n');
    expect(text).not.toContain('Record-Route');
    expect(req.vias[0]!.branch).toBe('z9hG4bKnew');
    expect(req.maxForwards).toBe(68);
  });
});

describe('createErrorResponse', () => {
  it('answers a malformed request with 400 and the salvaged headers', () => {
    const r = parseMessage(crlf('OPTIONS sip:a@example.com SIP/2.0', 'Via: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1', 'From: <sip:b@example.com>;tag=1', 'To: <sip:a@example.com>', 'Call-ID: c', 'CSeq: 1 OPTIONS', 'Max-Forwards: 300', '', ''));
    if (r.ok) throw new Error('expected failure');
    const res = createErrorResponse(r) as SipResponse;
    expect(res.status).toBe(400);
    expect(res.reason).toMatch(/^Bad Request \(Max-Forwards/);
    const back = parseMessage(res.toBuffer());
    expect(back.ok).toBe(true);
  });
});

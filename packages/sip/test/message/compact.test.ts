import { createRequest, parseMessage, parseViaList, type SipRequest } from '../../src/index.js';

const wire = [
  'REGISTER sip:example.com SIP/2.0',
  'v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-compact;rport',
  'From: "Ann" <sip:ann@example.com>;tag=a1',
  'To: <sip:ann@example.com>',
  'Call-ID: compact-1',
  'CSeq: 2 REGISTER',
  'Contact: <sip:ann@192.0.2.1:5060>;expires=600',
  'Subject: folded',
  '  over two lines',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

function received(text: string): SipRequest {
  const result = parseMessage(Buffer.from(text, 'utf8'));
  if (!result.ok) throw new Error(result.reason);
  return result.message as SipRequest;
}

describe('compact (a held request kept as its octets)', () => {
  it('reads a received request back exactly: wire form, header lines and typed values', () => {
    const request = received(wire);
    // As the stack stamps it (§18.2.1, RFC 3581).
    request.replaceTopVia(parseViaList('SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-compact;rport=5060;received=198.51.100.7')[0]!);
    const bytes = request.toBuffer();
    const lines = request.headers.map((f) => ({ name: f.name, key: f.key, value: f.value }));
    const contact = request.contacts[0];
    request.compact();
    expect(request.toBuffer().equals(bytes)).toBe(true);
    expect(request.headers.map((f) => ({ name: f.name, key: f.key, value: f.value }))).toEqual(lines);
    expect(request.contacts[0]).toEqual(contact);
    expect(request.topVia.received).toBe('198.51.100.7');
    expect(request.get('subject')).toBe('folded over two lines');
  });

  it('stays changeable after compacting', () => {
    const request = received(wire);
    request.compact();
    request.set('Expires', 300);
    expect(request.expires).toBe(300);
    expect(request.callId).toBe('compact-1');
    expect(request.toString()).toContain('Expires: 300\r\n');
  });

  it('packs a request built here, or changed, as it goes on the wire', () => {
    const changed = received(wire);
    changed.set('Subject', 'set here');
    const changedBytes = changed.toBuffer();
    changed.compact();
    expect(changed.get('subject')).toBe('set here');
    expect(changed.callId).toBe('compact-1');
    expect(changed.toBuffer().equals(changedBytes)).toBe(true);
    const built = createRequest({ method: 'MESSAGE', uri: 'sip:bob@example.com', from: 'sip:ann@example.com', to: 'sip:bob@example.com', body: 'hi', contentType: 'text/plain' });
    const before = built.toBuffer();
    const lines = built.headers.map((f) => ({ name: f.name, key: f.key, value: f.value }));
    built.compact();
    expect(built.headers.map((f) => ({ name: f.name, key: f.key, value: f.value }))).toEqual(lines);
    expect(built.toBuffer().equals(before)).toBe(true);
    expect(built.body.toString()).toBe('hi');
  });

  it('keeps a received message with a body: header lines read back, the body a copy of its own', () => {
    const datagram = Buffer.from(wire.replace('Content-Length: 0', 'Content-Type: text/plain\r\nContent-Length: 2') + 'hi');
    const withBody = received(datagram.toString('utf8'));
    const bytes = withBody.toBuffer();
    expect(withBody.body.buffer.byteLength).toBeGreaterThan(2);
    withBody.compact();
    expect(withBody.body.toString()).toBe('hi');
    expect(withBody.body.buffer.byteLength).toBe(2);
    expect(withBody.cseq.seq).toBe(2);
    expect(withBody.contentLength).toBe(2);
    expect(withBody.toBuffer().equals(bytes)).toBe(true);
  });
});

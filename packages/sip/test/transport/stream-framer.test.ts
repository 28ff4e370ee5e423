import { StreamFramer, type FrameEvent } from '../../src/index.js';

const msg = (body = '') => `OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

function messages(events: FrameEvent[]): string[] {
  return events.flatMap((e) => (e.type === 'message' ? [e.data.toString()] : []));
}

describe('StreamFramer (RFC 3261 §18.3, RFC 5626 §3.5.1)', () => {
  it('cuts several messages out of one chunk by Content-Length, bodies with blank lines included', () => {
    const a = msg('v=0\r\n\r\nx');
    const b = msg();
    expect(messages(new StreamFramer().push(Buffer.from(a + b)))).toEqual([a, b]);
  });

  it('reassembles a message delivered one byte at a time', () => {
    const framer = new StreamFramer();
    const text = msg('hello') + msg('world');
    const out: string[] = [];
    for (const byte of Buffer.from(text)) out.push(...messages(framer.push(Buffer.from([byte]))));
    expect(out).toEqual([msg('hello'), msg('world')]);
  });

  it('reports a double-CRLF ping, skips a lone CRLF, and waits on a partial ping', () => {
    const framer = new StreamFramer();
    expect(framer.push(Buffer.from('\r\n'))).toEqual([]);
    expect(framer.push(Buffer.from('\r\n'))).toEqual([{ type: 'ping' }]);
    const events = framer.push(Buffer.from('\r\n' + msg()));
    expect(messages(events)).toEqual([msg()]);
    expect(events.some((e) => e.type === 'ping')).toBe(false);
  });

  it('fails on an unusable Content-Length or an oversized message, and then stays silent', () => {
    const bad = new StreamFramer();
    expect(bad.push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nContent-Length: -1\r\n\r\n'))).toEqual([{ type: 'error', reason: 'invalid Content-Length' }]);
    expect(bad.push(Buffer.from(msg()))).toEqual([]);
    expect(new StreamFramer().push(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nl: 5\r\nContent-Length: 6\r\n\r\n'))[0]).toMatchObject({ type: 'error' });
    expect(new StreamFramer(1000).push(Buffer.from(msg('x'.repeat(2000))))[0]).toEqual({ type: 'error', reason: 'message too large' });
    expect(new StreamFramer(65535, 100).push(Buffer.alloc(200, 65))[0]).toEqual({ type: 'error', reason: 'header section too large' });
  });

  it('treats a missing Content-Length as an empty body', () => {
    const text = 'OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n';
    expect(messages(new StreamFramer().push(Buffer.from(text + text)))).toEqual([text, text]);
  });
});

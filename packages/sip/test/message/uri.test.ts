import { Params, parseAddress, parseAddressList, parseUri, addressToString, sipUri, uriEquals, uriToString, address } from '../../src/index.js';

describe('URIs (RFC 3261 §19.1)', () => {
  it('reads every part of a sip URI', () => {
    const u = parseUri('sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent');
    expect(u).toMatchObject({ kind: 'sip', scheme: 'sips', user: 'alice', password: 'secret', host: '[2001:db8::1]', port: 5061 });
    if (u.kind !== 'sip') throw new Error();
    expect(u.params.get('transport')).toBe('tcp');
    expect(u.params.has('lr')).toBe(true);
    expect(u.params.get('lr')).toBe('');
    expect(u.headers).toEqual([
      { name: 'subject', value: 'project%20x' },
      { name: 'priority', value: 'urgent' },
    ]);
    expect(uriToString(u)).toBe('sips:alice:secret@[2001:db8::1]:5061;transport=tcp;lr;maddr=239.255.255.1?subject=project%20x&priority=urgent');
  });

  it('unescapes the user part and escapes it again when written', () => {
    const u = parseUri('sip:%61lice%20smith@example.com');
    expect(u).toMatchObject({ user: 'alice smith' });
    expect(uriToString(u)).toBe('sip:alice%20smith@example.com');
    expect(uriToString(parseUri('sip:user;par=u%40example.net@example.com'))).toBe('sip:user;par=u%40example.net@example.com');
  });

  it('reads tel and other absolute URIs', () => {
    expect(parseUri('tel:+1-201-555-0123;phone-context=example.com')).toMatchObject({ kind: 'tel', number: '+1-201-555-0123' });
    expect(parseUri('urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6')).toEqual({ kind: 'other', scheme: 'urn', opaque: 'uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6' });
  });

  it('refuses malformed URIs', () => {
    for (const bad of ['sip:', 'sip:a@', 'sip:a@host:99999', 'sip:a@[::1', 'sip:a b@host', 'sip:a@ho st', 'nocolon', 'sip:a@host;=x', 'sip:%zz@host', '1sip:x']) {
      expect(() => parseUri(bad), bad).toThrow();
    }
  });

  it('checks IPv4 addresses and host names strictly enough', () => {
    for (const good of ['sip:a@1.2.3.4', 'sip:a@0.0.0.0:5060', 'sip:a@255.255.255.255', 'sip:a@host-1.example.com.', 'sip:a@_sip.example.com', 'sip:a@[::1]']) expect(() => parseUri(good), good).not.toThrow();
    for (const bad of ['sip:a@256.1.1.1', 'sip:a@01.2.3.4', 'sip:a@1.2.3', 'sip:a@1.2.3.4.5', 'sip:a@1..2.3', 'sip:a@-host.com', 'sip:a@host-.com', 'sip:a@ho..st', 'sip:a@.host', '1ab:x']) expect(() => parseUri(bad), bad).toThrow();
  });

  it('compares URIs as §19.1.4 says', () => {
    const eq = (a: string, b: string) => uriEquals(parseUri(a), parseUri(b));
    expect(eq('sip:%61lice@atlanta.com;transport=TCP', 'sip:alice@AtLanTa.CoM;Transport=tcp')).toBe(true);
    expect(eq('sip:carol@chicago.com', 'sip:carol@chicago.com;newparam=5')).toBe(true);
    expect(eq('sip:alice@atlanta.com', 'sip:ALICE@atlanta.com')).toBe(false);
    expect(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com:5060')).toBe(false);
    expect(eq('sip:bob@biloxi.com', 'sip:bob@biloxi.com;transport=udp')).toBe(false);
    expect(eq('sip:carol@chicago.com;security=on', 'sip:carol@chicago.com;security=off')).toBe(false);
    expect(eq('sip:a@b?subject=x', 'sip:a@b')).toBe(false);
  });

  it('builds URIs, bracketing IPv6 hosts', () => {
    expect(uriToString(sipUri({ user: '101', host: '::1', port: 5060, params: { transport: 'tcp' } }))).toBe('sip:101@[::1]:5060;transport=tcp');
  });
});

describe('addresses (name-addr / addr-spec)', () => {
  it('tells header parameters from URI parameters (RFC 4475 cparam01/02)', () => {
    const bare = parseAddress('sip:+19725552222@gw1.example.net;unknownparam');
    expect(bare.params.has('unknownparam')).toBe(true);
    expect(bare.uri.kind === 'sip' && bare.uri.params.size).toBe(0);
    const bracketed = parseAddress('<sip:+19725552222@gw1.example.net;unknownparam>');
    expect(bracketed.params.size).toBe(0);
    expect(bracketed.uri.kind === 'sip' && bracketed.uri.params.has('unknownparam')).toBe(true);
  });

  it('reads display names quoted, as tokens, and glued to "<"', () => {
    expect(parseAddress('"A \\"B\\"" <sip:a@b>').displayName).toBe('A "B"');
    expect(parseAddress('Alice  Smith <sip:a@b>').displayName).toBe('Alice Smith');
    expect(parseAddress('caller<sip:caller@example.com>;tag=323').displayName).toBe('caller');
    expect(parseAddress('<sip:a@b>').displayName).toBeUndefined();
  });

  it('refuses what RFC 4475 calls invalid', () => {
    expect(() => parseAddress('"Watson, Thomas" < sip:t.watson@example.org >')).toThrow(/whitespace/);
    expect(() => parseAddress('Bell, Alexander <sip:a.g.bell@example.com>;tag=43')).toThrow();
    expect(() => parseAddress('sip:user@example.com?Route=%3Csip:sip.example.com%3E')).toThrow(/"\?"/);
    expect(() => parseAddress('"Mr. J. User <sip:j.user@example.com>')).toThrow(/quoted/);
    expect(() => parseAddress('<sip:a@b>;tag')).not.toThrow();
    expect(() => parseAddress('<sip:a@b>;')).toThrow();
  });

  it('writes the name-addr form and reads it back', () => {
    const a = address(parseUri('sip:a@b;transport=tcp'), { displayName: 'Ann "the" Admin', params: Params.of({ tag: 'x1' }) });
    const text = addressToString(a);
    expect(text).toBe('"Ann \\"the\\" Admin" <sip:a@b;transport=tcp>;tag=x1');
    const back = parseAddress(text);
    expect(back.displayName).toBe('Ann "the" Admin');
    expect(back.params.get('tag')).toBe('x1');
  });

  it('splits lists only at commas outside URIs and quotes', () => {
    const list = parseAddressList('"Smith, J" <sip:j@a;x=1?h=1%2C2>, sip:k@b ;q=0.1');
    expect(list).toHaveLength(2);
    expect(list[0]!.displayName).toBe('Smith, J');
    expect(list[1]!.params.get('q')).toBe('0.1');
  });
});

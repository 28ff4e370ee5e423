import { Scanner, isTokenChar, unquote } from '../syntax.js';

/**
 * A challenge (WWW-Authenticate, Proxy-Authenticate) or credentials (Authorization,
 * Proxy-Authorization), RFC 3261 §25.1 / RFC 7616: a scheme and comma-separated auth-params.
 * Each header line holds exactly one, since the parameters themselves are comma-separated.
 */
export interface AuthValue {
  /** As written, e.g. "Digest". Compare case-insensitively. */
  readonly scheme: string;
  /** Parameter values with quotes removed, by lower-cased name. */
  readonly params: ReadonlyMap<string, string>;
}

export function parseAuthValue(value: string, header: string): AuthValue {
  const s = new Scanner(value, 0, header);
  s.skipWs();
  const scheme = s.readToken('auth scheme');
  const params = new Map<string, string>();
  s.skipWs();
  while (!s.done) {
    const name = s.readToken('auth parameter').toLowerCase();
    s.expectSeparator('=');
    let v: string;
    if (s.text[s.pos] === '"') {
      v = unquote(s.readQuotedRaw());
    } else {
      // token, or token68-style values some implementations send unquoted (nonce=abc/def+==).
      const start = s.pos;
      while (!s.done) {
        const c = s.peek();
        if (!isTokenChar(c) && c !== 47 && c !== 61 && c !== 58) break;
        s.pos++;
      }
      if (s.pos === start) s.fail('expected auth parameter value');
      v = s.text.slice(start, s.pos);
    }
    if (params.has(name)) s.fail(`duplicate auth parameter "${name}"`);
    params.set(name, v);
    s.skipWs();
    if (s.done) break;
    if (s.text[s.pos] !== ',') s.fail('expected ","');
    s.pos++;
    s.skipWs();
  }
  return { scheme, params };
}

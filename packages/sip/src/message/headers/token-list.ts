import { Scanner } from '../syntax.js';

/** A comma-separated list of tokens: Allow, Supported, Require, Unsupported, Allow-Events. */
export function parseTokenList(value: string, header: string): string[] {
  const s = new Scanner(value, 0, header);
  const list: string[] = [];
  s.skipWs();
  // Supported may legitimately be empty (RFC 3261 §20.37).
  if (s.done) return list;
  for (;;) {
    s.skipWs();
    list.push(s.readToken());
    s.skipWs();
    if (s.done) return list;
    if (s.text[s.pos] !== ',') s.fail('expected ","');
    s.pos++;
  }
}

import type { Scanner} from './syntax.js';
import { isTokenChar, unquote } from './syntax.js';

/** One `;name[=value]` parameter; `value` is as written (quotes kept), undefined for a flag. */
export interface Param {
  readonly name: string;
  readonly value: string | undefined;
}

function isParamList(list: readonly Param[] | Record<string, string | undefined>): list is readonly Param[] {
  return Array.isArray(list);
}

/**
 * An ordered, immutable list of parameters (header parameters such as `tag` or `expires`, or URI
 * parameters such as `transport` or `lr`). Names compare case-insensitively (RFC 3261 §7.3.1).
 * Values keep their written form so a message re-serializes as it was received.
 */
export class Params implements Iterable<Param> {
  static readonly empty = new Params([]);

  private constructor(private readonly list: readonly Param[]) {}

  static of(list: readonly Param[] | Record<string, string | undefined>): Params {
    if (isParamList(list)) return list.length === 0 ? Params.empty : new Params(list);
    return new Params(Object.entries(list).map(([name, value]) => ({ name, value })));
  }

  get size(): number {
    return this.list.length;
  }

  [Symbol.iterator](): Iterator<Param> {
    return this.list[Symbol.iterator]();
  }

  private find(name: string): Param | undefined {
    // Exact match first (the usual case: both sides lower-case), then case-insensitively.
    for (const p of this.list) if (p.name === name) return p;
    const lower = name.toLowerCase();
    for (const p of this.list) if (p.name.length === lower.length && p.name.toLowerCase() === lower) return p;
    return undefined;
  }

  has(name: string): boolean {
    return this.find(name) !== undefined;
  }

  /** The value with quotes removed; '' for a flag parameter; undefined when absent. */
  get(name: string): string | undefined {
    const p = this.find(name);
    if (!p) return undefined;
    return p.value === undefined ? '' : unquote(p.value);
  }

  /** The value exactly as written (a quoted value keeps its quotes). */
  getRaw(name: string): string | undefined {
    return this.find(name)?.value;
  }

  /** A copy with `name` set to `value` (written as given: quote it yourself if it needs quotes). */
  with(name: string, value?: string): Params {
    const lower = name.toLowerCase();
    const index = this.list.findIndex((p) => p.name.toLowerCase() === lower);
    const next = [...this.list];
    if (index >= 0) next[index] = { name: this.list[index]!.name, value };
    else next.push({ name, value });
    return new Params(next);
  }

  without(name: string): Params {
    const lower = name.toLowerCase();
    const next = this.list.filter((p) => p.name.toLowerCase() !== lower);
    return next.length === this.list.length ? this : Params.of(next);
  }

  /** `;a=b;c` (empty string when there are none). */
  toString(): string {
    let out = '';
    for (const p of this.list) out += p.value === undefined ? `;${p.name}` : `;${p.name}=${p.value}`;
    return out;
  }
}

/** gen-value = token / host / quoted-string (host adds ":" "[" "]" for IPv6 references). */
function readGenValue(s: Scanner): string {
  if (s.text[s.pos] === '"') return s.readQuotedRaw();
  const t = s.text;
  const start = s.pos;
  let p = start;
  while (p < t.length) {
    const c = t.charCodeAt(p);
    if (!isTokenChar(c) && c !== 58 && c !== 91 && c !== 93) break;
    p++;
  }
  if (p === start) s.fail('expected parameter value');
  s.pos = p;
  return t.slice(start, p);
}

/**
 * Reads `*( SEMI generic-param )` (RFC 3261 §25.1) from the cursor; stops, with the cursor before
 * any trailing whitespace, at the first character that does not start another parameter.
 */
export function parseHeaderParams(s: Scanner): Params {
  let list: Param[] | undefined;
  for (;;) {
    const mark = s.pos;
    s.skipWs();
    if (s.text[s.pos] !== ';') {
      s.pos = mark;
      break;
    }
    s.pos++;
    s.skipWs();
    const name = s.readToken('parameter name');
    let value: string | undefined;
    if (s.trySeparator('=')) value = readGenValue(s);
    (list ??= []).push({ name, value });
  }
  return list ? Params.of(list) : Params.empty;
}

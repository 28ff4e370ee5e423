/**
 * Lexical building blocks of the SIP grammar (RFC 3261 §25.1), applied to header values that
 * have already been unfolded (every `CRLF 1*WSP` replaced by one SP, §7.3.1).
 *
 * Grammar code throws {@link SipSyntaxError}; the message parser catches it at its boundary and
 * turns it into a typed parse failure, so nothing thrown here ever reaches a transport.
 */

/** A value that does not follow the SIP grammar. `header` names the header field at fault. */
export class SipSyntaxError extends Error {
  override readonly name = 'SipSyntaxError';
  constructor(
    message: string,
    readonly header?: string,
  ) {
    super(message);
  }
}

function charTable(chars: string, ranges: Array<[string, string]> = []): Uint8Array {
  const table = new Uint8Array(128);
  for (const c of chars) table[c.charCodeAt(0)] = 1;
  for (const [from, to] of ranges) {
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c++) table[c] = 1;
  }
  return table;
}

const ALNUM: Array<[string, string]> = [
  ['a', 'z'],
  ['A', 'Z'],
  ['0', '9'],
];

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
const TOKEN = charTable("-.!%*_+`'~", ALNUM);
/** word (Call-ID) = token characters plus ( ) < > : \ DQUOTE / [ ] ? { } */
const WORD = charTable('-.!%*_+`\'~()<>:\\"/[]?{}', ALNUM);
/** unreserved = alphanum / mark */
export const UNRESERVED = charTable("-_.!~*'()", ALNUM);
/** user-unreserved = "&" / "=" / "+" / "$" / "," / ";" / "?" / "/" (plus unreserved) */
export const USER_CHARS = charTable("-_.!~*'()&=+$,;?/", ALNUM);
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ) */
export const PASSWORD_CHARS = charTable("-_.!~*'()&=+$,", ALNUM);
/** paramchar = param-unreserved / unreserved / escaped */
export const PARAM_CHARS = charTable("-_.!~*'()[]/:&+$", ALNUM);
/** hnv-unreserved / unreserved: URI header names and values */
export const URI_HEADER_CHARS = charTable("-_.!~*'()[]/?:+$", ALNUM);

export function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

export function isToken(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) if (!isTokenChar(text.charCodeAt(i))) return false;
  return true;
}

export function isWord(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 128 || WORD[c] !== 1) return false;
  }
  return true;
}

export function isDigits(text: string): boolean {
  if (text.length === 0) return false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 48 || c > 57) return false;
  }
  return true;
}

/** Whether every character is in `table` or is a valid `%HH` escape. */
export function isEscapedText(text: string, table: Uint8Array): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 37) {
      if (!isHex(text.charCodeAt(i + 1)) || !isHex(text.charCodeAt(i + 2))) return false;
      i += 2;
    } else if (c >= 128 || table[c] !== 1) {
      return false;
    }
  }
  return true;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/** Decodes `%HH` escapes (RFC 3261 §19.1.2) as UTF-8; a malformed escape stays as written. */
export function unescape(text: string): string {
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    // Not valid UTF-8 once decoded (e.g. "%FF"): decode byte by byte instead.
    return text.replace(/%([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
}

/** Escapes every character of `text` that `table` does not allow, as UTF-8 `%HH`. */
export function escape(text: string, table: Uint8Array): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 128 && table[c] === 1) {
      out += text[i];
    } else {
      const char = String.fromCodePoint(text.codePointAt(i) ?? c);
      if (char.length === 2) i++;
      for (const byte of Buffer.from(char, 'utf8')) out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

/** Strips SP and HTAB at both ends (String.prototype.trim would also eat U+FEFF and other Unicode spaces). */
export function trimWs(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
  while (end > start && (text.charCodeAt(end - 1) === 32 || text.charCodeAt(end - 1) === 9)) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** quoted-string with `"` and `\` escaped as quoted-pairs. */
export function quote(text: string): string {
  return '"' + text.replace(/["\\]/g, (c) => '\\' + c) + '"';
}

/**
 * A cursor over one unfolded header value. Methods that "expect" something throw
 * SipSyntaxError when it is absent; `try*` methods return undefined instead.
 */
export class Scanner {
  pos: number;

  constructor(
    readonly text: string,
    start = 0,
    readonly header?: string,
  ) {
    this.pos = start;
  }

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  fail(what: string): never {
    const near = this.text.slice(this.pos, this.pos + 20);
    throw new SipSyntaxError(`${what} at offset ${this.pos}${near ? ` near "${near}"` : ''}`, this.header);
  }

  /** Skips SP and HTAB (what is left of LWS once folding is undone). */
  skipWs(): void {
    const t = this.text;
    let p = this.pos;
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (c !== 32 && c !== 9) break;
      p++;
    }
    this.pos = p;
  }

  /** SWS c SWS: skips whitespace around one expected separator character. */
  expectSeparator(char: string): void {
    this.skipWs();
    if (this.text[this.pos] !== char) this.fail(`expected "${char}"`);
    this.pos++;
    this.skipWs();
  }

  /** Consumes `char` (after optional whitespace) when it is next; leaves the cursor otherwise. */
  trySeparator(char: string): boolean {
    const start = this.pos;
    this.skipWs();
    if (this.text[this.pos] === char) {
      this.pos++;
      this.skipWs();
      return true;
    }
    this.pos = start;
    return false;
  }

  readToken(what = 'token'): string {
    const t = this.text;
    const start = this.pos;
    let p = start;
    while (p < t.length && isTokenChar(t.charCodeAt(p))) p++;
    if (p === start) this.fail(`expected ${what}`);
    this.pos = p;
    return t.slice(start, p);
  }

  /** Reads characters until one of `stops` or whitespace; fails when nothing was read. */
  readUntil(stops: string, what: string): string {
    const t = this.text;
    const start = this.pos;
    let p = start;
    while (p < t.length) {
      const ch = t[p]!;
      if (ch === ' ' || ch === '\t' || stops.includes(ch)) break;
      p++;
    }
    if (p === start) this.fail(`expected ${what}`);
    this.pos = p;
    return t.slice(start, p);
  }

  readDigits(what: string): string {
    const t = this.text;
    const start = this.pos;
    let p = start;
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (c < 48 || c > 57) break;
      p++;
    }
    if (p === start) this.fail(`expected ${what}`);
    this.pos = p;
    return t.slice(start, p);
  }

  /**
   * quoted-string (§25.1): returns it as written, quotes included. Quoted-pairs may escape any
   * octet except CR and LF.
   */
  readQuotedRaw(): string {
    const t = this.text;
    const start = this.pos;
    if (t[start] !== '"') this.fail('expected quoted string');
    let p = start + 1;
    while (p < t.length) {
      const c = t.charCodeAt(p);
      if (c === 34) {
        this.pos = p + 1;
        return t.slice(start, p + 1);
      }
      if (c === 92) {
        const next = t.charCodeAt(p + 1);
        if (Number.isNaN(next) || next === 10 || next === 13) break;
        p += 2;
        continue;
      }
      if (c === 13 || c === 10) break;
      p++;
    }
    this.pos = start;
    return this.fail('unterminated quoted string');
  }
}

/** The content of a quoted-string written with its quotes, quoted-pairs undone. */
export function unquote(raw: string): string {
  if (raw.length < 2 || raw[0] !== '"') return raw;
  const inner = raw.slice(1, -1);
  return inner.includes('\\') ? inner.replace(/\\([\s\S])/g, '$1') : inner;
}

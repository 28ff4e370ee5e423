import { addressToString, type Address } from './address.js';
import { HEADER_DEFINITIONS, headerDefinition, type TypedHeaderKey, type TypedHeaders } from './header-definitions.js';
import { canonicalName, headerKey } from './header-names.js';
import type { AuthValue } from './headers/auth.js';
import { cseqToString, type CSeq } from './headers/cseq.js';
import { mediaTypeToString, type MediaType } from './headers/media-type.js';
import type { EventHeader, Reason, Replaces, SessionExpires, SubscriptionState } from './headers/value-with-params.js';
import { parseViaList, viaToString, type Via } from './headers/via.js';
import { SipSyntaxError } from './syntax.js';
import { uriToString, type Uri } from './uri.js';

/**
 * One header line as received or added. `raw` is the exact received text (folding and line
 * terminator included) and is what the serializer writes while the field is untouched.
 */
export interface HeaderField {
  /** The name as written ("v", "Via", "VIA"). */
  readonly name: string;
  /** Lookup key: lower-cased long form ("via"). */
  readonly key: string;
  /** The value, unfolded and trimmed. */
  readonly value: string;
  readonly raw?: string;
}

/**
 * What `set`/`add`/`prepend` accept. Objects are written with the matching serializer; an array of
 * objects becomes one header line per element, an array of strings one comma-separated line.
 */
export type HeaderInput = string | number | Address | Via | CSeq | MediaType | readonly string[] | readonly Address[] | readonly Via[];

function formatOne(value: string | number | Address | Via | CSeq | MediaType): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if ('uri' in value) return addressToString(value);
  if ('transport' in value) return viaToString(value);
  if ('seq' in value) return cseqToString(value);
  return mediaTypeToString(value);
}

function formatLines(value: HeaderInput): string[] {
  if (!Array.isArray(value)) return [formatOne(value as string | number | Address | Via | CSeq | MediaType)];
  if (value.length === 0) return [''];
  if (typeof value[0] === 'string') return [(value as readonly string[]).join(', ')];
  return (value as ReadonlyArray<Address | Via>).map(formatOne);
}

/** Reads a message's header lines back from its header section's octets (set by the parser module, which imports this one). */
let readHeaderLines: ((head: Buffer) => HeaderField[] | undefined) | undefined;

export function setHeaderLineReader(read: (head: Buffer) => HeaderField[] | undefined): void {
  readHeaderLines = read;
}

/** Common part of requests and responses (RFC 3261 §7). */
export abstract class SipMessage {
  /** Body octets; `setBody` keeps Content-Length in step. */
  body: Buffer;
  /**
   * How the header section is encoded on the wire: UTF-8 (RFC 3261 §7.3.1), or Latin-1 for a
   * received message whose header bytes were not valid UTF-8 (kept so it round-trips exactly).
   */
  encoding: 'utf8' | 'latin1' = 'utf8';
  /** The line that ends the header section as received ("\r\n"). */
  separator = '\r\n';
  private lines: HeaderField[] | undefined;
  /** The header section's octets while its lines are released (`compact`). */
  private packed: Buffer | undefined;
  private typedCache: Map<string, unknown> | undefined;
  /** The start line exactly as received, line terminator included; dropped when it changes. */
  protected startLineRaw: string | undefined;

  protected constructor(fields: HeaderField[], body: Buffer, startLineRaw?: string) {
    this.fields = fields;
    this.body = body;
    this.startLineRaw = startLineRaw;
  }

  abstract readonly isRequest: boolean;
  protected abstract startLine(): string;
  abstract clone(): SipMessage;

  protected get fields(): HeaderField[] {
    return (this.lines ??= this.unpack());
  }
  protected set fields(value: HeaderField[]) {
    this.lines = value;
    this.packed = undefined;
  }

  /** Every header line in order. */
  get headers(): readonly HeaderField[] {
    return this.fields;
  }

  has(name: string): boolean {
    const key = headerKey(name);
    return this.fields.some((f) => f.key === key);
  }

  /** The value of the first line of this header. */
  get(name: string): string | undefined {
    const key = headerKey(name);
    for (const f of this.fields) if (f.key === key) return f.value;
    return undefined;
  }

  /** The values of every line of this header, in order. */
  getAll(name: string): string[] {
    const key = headerKey(name);
    const out: string[] = [];
    for (const f of this.fields) if (f.key === key) out.push(f.value);
    return out;
  }

  /** Replaces every line of this header with the given value, where the first line stood. */
  set(name: string, value: HeaderInput): this {
    const key = headerKey(name);
    const lines = this.linesOf(name, key, value);
    const fields = this.fields;
    const first = fields.findIndex((f) => f.key === key);
    if (first < 0) {
      fields.push(...lines);
    } else {
      const rest: HeaderField[] = [];
      for (const f of fields) if (f.key !== key) rest.push(f);
      rest.splice(Math.min(first, rest.length), 0, ...lines);
      this.fields = rest;
    }
    this.changed(key);
    return this;
  }

  /** Adds lines after the last line of this header (or at the end). */
  add(name: string, value: HeaderInput): this {
    const key = headerKey(name);
    const lines = this.linesOf(name, key, value);
    const fields = this.fields;
    let last = fields.length - 1;
    while (last >= 0 && fields[last]!.key !== key) last--;
    if (last < 0 || last === fields.length - 1) fields.push(...lines);
    else fields.splice(last + 1, 0, ...lines);
    this.changed(key);
    return this;
  }

  /** Adds lines before the first line of this header (a new top Via or Record-Route). */
  prepend(name: string, value: HeaderInput): this {
    const key = headerKey(name);
    const lines = this.linesOf(name, key, value);
    const first = this.fields.findIndex((f) => f.key === key);
    if (first < 0) this.fields.unshift(...lines);
    else this.fields.splice(first, 0, ...lines);
    this.changed(key);
    return this;
  }

  remove(name: string): this {
    const key = headerKey(name);
    if (!this.fields.some((f) => f.key === key)) return this;
    this.fields = this.fields.filter((f) => f.key !== key);
    this.changed(key);
    return this;
  }

  /**
   * Replaces the first Via value (adding received/rport, §18.2.1) and leaves the others as they
   * were, even those sharing its header line.
   */
  replaceTopVia(via: Via): this {
    const index = this.fields.findIndex((f) => f.key === 'via');
    if (index < 0) return this.prepend('Via', via);
    const field = this.fields[index]!;
    const line = parseViaList(field.value);
    line[0] = via;
    this.fields[index] = { name: field.name, key: 'via', value: line.map(viaToString).join(', ') };
    this.changed('via');
    return this;
  }

  /** Sets the body with Content-Length and, when given, Content-Type. */
  setBody(body: Buffer | string, contentType?: string): this {
    this.body = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    this.set('Content-Length', this.body.length);
    if (contentType !== undefined) this.set('Content-Type', contentType);
    else if (this.body.length === 0) this.remove('Content-Type');
    return this;
  }

  /**
   * The typed value of a header the stack understands, parsed once and cached; undefined when the
   * header is absent. Throws SipSyntaxError when the value is malformed (received messages were
   * validated when parsed, so this only happens for values set locally).
   */
  typed<K extends TypedHeaderKey>(key: K): TypedHeaders[K] | undefined {
    const cache = (this.typedCache ??= new Map());
    if (cache.has(key)) return cache.get(key) as TypedHeaders[K] | undefined;
    const values = this.getAll(key);
    const value = values.length === 0 ? undefined : HEADER_DEFINITIONS[key].parse(values);
    cache.set(key, value);
    return value;
  }

  /**
   * Keeps a message as its header section's octets alone (as they go on the wire), read back into
   * lines when next used: for a message held only to absorb retransmissions (a completed UDP
   * transaction, 32 s), whose header line objects and strings are most of what it holds. Its
   * body, when it is a view of the whole datagram, becomes a copy of its own.
   */
  compact(): void {
    this.typedCache = undefined;
    const lines = this.lines;
    if (!readHeaderLines || lines === undefined) return;
    const startLine = this.startLineRaw ?? this.startLine() + '\r\n';
    const head = this.headerSection(startLine, lines);
    // Not from Buffer's shared pool: a kept slice would keep its whole 8 KB slab.
    const packed = Buffer.allocUnsafeSlow(Buffer.byteLength(head, this.encoding));
    packed.write(head, 0, this.encoding);
    // A copy: the start line as received is a slice of the whole received text, and would keep it.
    this.startLineRaw = packed.toString(this.encoding, 0, Buffer.byteLength(startLine, this.encoding));
    this.packed = packed;
    this.lines = undefined;
    const body = this.body;
    if (body.length > 0 && body.length < body.buffer.byteLength) {
      this.body = Buffer.allocUnsafeSlow(body.length);
      body.copy(this.body);
    }
  }

  private unpack(): HeaderField[] {
    const lines = this.packed && readHeaderLines?.(this.packed);
    if (!lines) throw new Error('the header lines of a compacted message could not be read back');
    this.packed = undefined;
    return lines;
  }

  private required<K extends TypedHeaderKey>(key: K): TypedHeaders[K] {
    const v = this.typed(key);
    if (v === undefined) throw new SipSyntaxError(`missing ${canonicalName(key)} header`, canonicalName(key));
    return v;
  }

  get vias(): readonly Via[] {
    return this.typed('via') ?? [];
  }
  get topVia(): Via {
    const top = this.vias[0];
    if (!top) throw new SipSyntaxError('missing Via header', 'Via');
    return top;
  }
  get from(): Address {
    return this.required('from');
  }
  get to(): Address {
    return this.required('to');
  }
  get fromTag(): string | undefined {
    return this.from.params.get('tag');
  }
  get toTag(): string | undefined {
    return this.to.params.get('tag');
  }
  get callId(): string {
    return this.required('call-id');
  }
  get cseq(): CSeq {
    return this.required('cseq');
  }
  get maxForwards(): number | undefined {
    return this.typed('max-forwards');
  }
  /** Contact addresses; empty for the wildcard (see `isWildcardContact`). */
  get contacts(): readonly Address[] {
    const c = this.typed('contact');
    return c === undefined || c === '*' ? [] : c;
  }
  get isWildcardContact(): boolean {
    return this.typed('contact') === '*';
  }
  get expires(): number | undefined {
    return this.typed('expires');
  }
  get minExpires(): number | undefined {
    return this.typed('min-expires');
  }
  get routes(): readonly Address[] {
    return this.typed('route') ?? [];
  }
  get recordRoutes(): readonly Address[] {
    return this.typed('record-route') ?? [];
  }
  get contentType(): MediaType | undefined {
    return this.typed('content-type');
  }
  get contentLength(): number | undefined {
    return this.typed('content-length');
  }
  get accept(): readonly MediaType[] | undefined {
    return this.typed('accept');
  }
  get event(): EventHeader | undefined {
    return this.typed('event');
  }
  get subscriptionState(): SubscriptionState | undefined {
    return this.typed('subscription-state');
  }
  get allow(): readonly string[] | undefined {
    return this.typed('allow');
  }
  get supported(): readonly string[] {
    return this.typed('supported') ?? [];
  }
  get require(): readonly string[] {
    return this.typed('require') ?? [];
  }
  get proxyRequire(): readonly string[] {
    return this.typed('proxy-require') ?? [];
  }
  get unsupported(): readonly string[] {
    return this.typed('unsupported') ?? [];
  }
  get allowEvents(): readonly string[] {
    return this.typed('allow-events') ?? [];
  }
  get referTo(): Address | undefined {
    return this.typed('refer-to');
  }
  get referredBy(): Address | undefined {
    return this.typed('referred-by');
  }
  get replaces(): Replaces | undefined {
    return this.typed('replaces');
  }
  get reasons(): readonly Reason[] {
    return this.typed('reason') ?? [];
  }
  get sessionExpires(): SessionExpires | undefined {
    return this.typed('session-expires');
  }
  get minSE(): number | undefined {
    return this.typed('min-se');
  }
  get pAssertedIdentities(): readonly Address[] {
    return this.typed('p-asserted-identity') ?? [];
  }
  get authorizations(): readonly AuthValue[] {
    return this.typed('authorization') ?? [];
  }
  get proxyAuthorizations(): readonly AuthValue[] {
    return this.typed('proxy-authorization') ?? [];
  }
  get wwwAuthenticates(): readonly AuthValue[] {
    return this.typed('www-authenticate') ?? [];
  }
  get proxyAuthenticates(): readonly AuthValue[] {
    return this.typed('proxy-authenticate') ?? [];
  }
  get userAgent(): string | undefined {
    return this.get('user-agent');
  }
  /** Milliseconds since the epoch. */
  get date(): number | undefined {
    return this.typed('date');
  }

  /** Parses every header the stack understands; throws SipSyntaxError at the first bad one. */
  validateHeaders(): void {
    // One pass: each typed header is parsed at its first line; a header written on several lines
    // (Via, Route...) is parsed again whole once all its lines are known.
    const cache = new Map<string, unknown>();
    let repeated: string[] | undefined;
    for (const f of this.fields) {
      const definition = headerDefinition(f.key);
      if (definition === undefined) continue;
      if (!cache.has(f.key)) {
        cache.set(f.key, definition.parseLine(f.value));
      } else if (definition.single) {
        // RFC 4475 multi01, mcl01.
        throw new SipSyntaxError(`more than one ${canonicalName(f.key)} header`, canonicalName(f.key));
      } else if (!(repeated ??= []).includes(f.key)) {
        repeated.push(f.key);
      }
    }
    if (repeated) for (const key of repeated) cache.set(key, headerDefinition(key)!.parse(this.getAll(key)));
    this.typedCache = cache;
  }

  /** The wire form: untouched lines exactly as received, changed ones as `Name: value`. */
  toBuffer(): Buffer {
    const head = this.headerSection(this.startLineRaw ?? this.startLine() + '\r\n', this.fields);
    const headBytes = Buffer.from(head, this.encoding);
    return this.body.length === 0 ? headBytes : Buffer.concat([headBytes, this.body]);
  }

  /** The start line and header lines as they go on the wire, up to the body. */
  private headerSection(startLine: string, lines: readonly HeaderField[]): string {
    let head = startLine;
    for (const f of lines) head += f.raw ?? `${f.name}: ${f.value}\r\n`;
    return head + this.separator;
  }

  toString(): string {
    return this.toBuffer().toString(this.encoding);
  }

  protected copyInto<T extends SipMessage>(target: T): T {
    target.encoding = this.encoding;
    target.separator = this.separator;
    if (this.typedCache) target.typedCache = new Map(this.typedCache);
    return target;
  }

  protected fieldsCopy(): HeaderField[] {
    return this.fields.slice();
  }

  /** The header lines for a value, named as written: a compact form stays compact, otherwise the conventional spelling. */
  private linesOf(name: string, key: string, value: HeaderInput): HeaderField[] {
    const written = name.length === 1 ? name : canonicalName(key);
    return formatLines(value).map((v) => ({ name: written, key, value: v }));
  }

  private changed(key: string): void {
    this.typedCache?.delete(key);
  }
}

export class SipRequest extends SipMessage {
  readonly isRequest = true;
  readonly method: string;
  private _uri: Uri;

  constructor(method: string, uri: Uri, fields: HeaderField[] = [], body: Buffer = Buffer.alloc(0), startLineRaw?: string) {
    super(fields, body, startLineRaw);
    this.method = method;
    this._uri = uri;
  }

  /** The Request-URI. */
  get uri(): Uri {
    return this._uri;
  }
  set uri(uri: Uri) {
    this._uri = uri;
    this.startLineRaw = undefined;
  }

  protected startLine(): string {
    return `${this.method} ${uriToString(this._uri)} SIP/2.0`;
  }

  clone(): SipRequest {
    return this.copyInto(new SipRequest(this.method, this._uri, this.fieldsCopy(), this.body, this.startLineRaw));
  }
}

export class SipResponse extends SipMessage {
  readonly isRequest = false;
  readonly status: number;
  readonly reason: string;

  constructor(status: number, reason: string, fields: HeaderField[] = [], body: Buffer = Buffer.alloc(0), startLineRaw?: string) {
    super(fields, body, startLineRaw);
    this.status = status;
    this.reason = reason;
  }

  protected startLine(): string {
    return `SIP/2.0 ${this.status} ${this.reason}`;
  }

  clone(): SipResponse {
    return this.copyInto(new SipResponse(this.status, this.reason, this.fieldsCopy(), this.body, this.startLineRaw));
  }
}

export function isRequest(m: SipMessage): m is SipRequest {
  return m.isRequest;
}

import { isUtf8 } from 'node:buffer';
import { headerKey } from './header-names.js';
import { createVia, parseViaList, type Via } from './headers/via.js';
import { SipRequest, SipResponse, setHeaderLineReader, type HeaderField } from './message.js';
import { SipSyntaxError, isToken, trimWs } from './syntax.js';
import { checkHost, checkPort, parseUri, type Uri } from './uri.js';

/** Hard limits applied before and while parsing (DoS protection). */
export interface ParseLimits {
  /** Whole message, header section plus body. */
  readonly maxMessageBytes: number;
  readonly maxHeaders: number;
  /** One physical line, in characters. */
  readonly maxLineLength: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxMessageBytes: 65535, maxHeaders: 256, maxLineLength: 8192 };

export interface ParseOptions {
  limits?: Partial<ParseLimits>;
  /**
   * True for messages framed by a stream transport (TCP, TLS): the framer already cut the message
   * at Content-Length. False (datagrams, WebSocket frames): octets beyond Content-Length are
   * ignored and a missing Content-Length means "the rest" (RFC 3261 §18.3).
   */
  stream?: boolean;
  /**
   * The octets are a header section alone, its body kept elsewhere: a compacted message read
   * back. Its lines are returned as they are, neither checked nor required.
   */
  headerSection?: boolean;
}

/**
 * What an answer to a malformed request needs, copied from the octets as they were (§8.2.6.1,
 * RFC 4475 §3.1.2): raw Via values plus whichever of From, To, Call-ID and CSeq were present.
 */
export interface ReplyContext {
  readonly vias: readonly string[];
  readonly topVia: Via;
  readonly from?: string;
  readonly to?: string;
  readonly callId?: string;
  readonly cseq?: string;
}

export interface ParseSuccess {
  readonly ok: true;
  readonly message: SipRequest | SipResponse;
}

export interface ParseFailure {
  readonly ok: false;
  /** "empty": nothing but CRLFs (a keep-alive), not an error. */
  readonly kind: 'request' | 'response' | 'unknown' | 'empty';
  /** Why, e.g. "To: unterminated quoted string at offset 0". */
  readonly reason: string;
  /** The status a request deserves: 400, or 505 for an unsupported SIP version. */
  readonly status: number;
  readonly method?: string;
  /** Set when the failure is a request with a usable Via: it can and should be answered. */
  readonly replyContext?: ReplyContext;
}

export type ParseResult = ParseSuccess | ParseFailure;

interface MutableField {
  name: string;
  key: string;
  value: string;
  raw: string;
  continued: string[] | undefined;
}

type StartLine = { kind: 'request'; method: string; uri: Uri; version: string } | { kind: 'response'; status: number; reason: string; version: string };

const VERSION_RE = /^SIP\/(\d+)\.(\d+)$/i;

/** Whether a start line begins "SIP/" (any case): a Status-Line, not a Request-Line. */
function looksLikeStatusLine(line: string): boolean {
  return (
    line.length >= 4 &&
    (line.charCodeAt(0) | 32) === 115 &&
    (line.charCodeAt(1) | 32) === 105 &&
    (line.charCodeAt(2) | 32) === 112 &&
    line.charCodeAt(3) === 47
  );
}

function parseStartLine(line: string): StartLine {
  if (looksLikeStatusLine(line)) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase
    const sp1 = line.indexOf(' ');
    const version = sp1 < 0 ? line : line.slice(0, sp1);
    if (!VERSION_RE.test(version)) throw new SipSyntaxError('invalid SIP version in status line');
    const codeText = sp1 < 0 ? '' : line.slice(sp1 + 1, sp1 + 4);
    const after = line.charAt(sp1 + 4);
    if (!/^[1-6]\d\d$/.test(codeText) || (after !== '' && after !== ' ')) throw new SipSyntaxError('invalid status code');
    return { kind: 'response', status: Number(codeText), reason: line.slice(sp1 + 5), version };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version: exactly one SP between parts (RFC 4475 lwsstart, trws, lwsruri).
  const sp1 = line.indexOf(' ');
  const sp2 = sp1 < 0 ? -1 : line.indexOf(' ', sp1 + 1);
  if (sp1 <= 0 || sp2 <= sp1 + 1 || sp2 === line.length - 1 || line.indexOf(' ', sp2 + 1) >= 0) throw new SipSyntaxError('malformed request line');
  const method = line.slice(0, sp1);
  const uriText = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!isToken(method)) throw new SipSyntaxError('invalid method');
  if (version !== 'SIP/2.0' && !VERSION_RE.test(version)) throw new SipSyntaxError('invalid SIP version in request line');
  if (uriText.includes('\t')) throw new SipSyntaxError('whitespace in Request-URI');
  const uri = parseUri(uriText);
  // §19.1.1: headers are not allowed in a Request-URI (RFC 4475 escruri).
  if (uri.kind === 'sip' && uri.headers.length > 0) throw new SipSyntaxError('headers in Request-URI');
  return { kind: 'request', method, uri, version };
}

function describe(e: unknown): string {
  if (e instanceof SipSyntaxError) return e.header ? `${e.header}: ${e.message}` : e.message;
  return e instanceof Error ? e.message : String(e);
}

function firstValue(fields: readonly MutableField[], key: string): string | undefined {
  for (const f of fields) if (f.key === key) return valueOf(f);
  return undefined;
}

function valueOf(f: MutableField): string {
  return f.continued ? trimWs([f.value, ...f.continued].join(' ')) : f.value;
}

function safeCopy(value: string | undefined): string | undefined {
  // Never echo control characters (a stray CR would let a sender inject header lines).
  if (value === undefined) return undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 32 && c !== 9) || c === 127) return undefined;
  }
  return value;
}

const SENT_BY_RE = /^\s*SIP\s*\/\s*[^/\s]+\s*\/\s*([A-Za-z]+)\s+(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?:\s*:\s*(\d{1,5}))?/i;

/** The routable part of a Via whose parameters are broken (RFC 4475 badinv01): enough to answer 400. */
function salvageVia(value: string): Via | undefined {
  const m = SENT_BY_RE.exec(value);
  if (!m) return undefined;
  const params: Record<string, string | undefined> = {};
  const branch = /;\s*branch\s*=\s*([A-Za-z0-9.!%*_+`'~-]+)/i.exec(value);
  if (branch) params.branch = branch[1];
  if (/;\s*rport\b/i.test(value)) params.rport = undefined;
  try {
    checkHost(m[2]!);
    return createVia({ transport: m[1]!, host: m[2]!, ...(m[3] ? { port: checkPort(m[3]) } : {}), params });
  } catch {
    return undefined;
  }
}

function replyContextOf(fields: readonly MutableField[]): ReplyContext | undefined {
  const vias = fields.filter((f) => f.key === 'via').map(valueOf);
  const first = vias[0];
  if (first === undefined || vias.some((v) => safeCopy(v) === undefined)) return undefined;
  let topVia: Via | undefined;
  try {
    topVia = parseViaList(first)[0];
  } catch {
    topVia = salvageVia(first);
  }
  if (!topVia) return undefined;
  const ctx: { -readonly [K in keyof ReplyContext]: ReplyContext[K] } = { vias, topVia };
  const from = safeCopy(firstValue(fields, 'from'));
  if (from !== undefined) ctx.from = from;
  const to = safeCopy(firstValue(fields, 'to'));
  if (to !== undefined) ctx.to = to;
  const callId = safeCopy(firstValue(fields, 'call-id'));
  if (callId !== undefined) ctx.callId = callId;
  const cseq = safeCopy(firstValue(fields, 'cseq'));
  if (cseq !== undefined) ctx.cseq = cseq;
  return ctx;
}

function failure(kind: ParseFailure['kind'], reason: string, fields: readonly MutableField[], start?: StartLine, status = 400): ParseFailure {
  const base = { ok: false as const, kind, reason, status };
  if (kind !== 'request') return base;
  const method = start?.kind === 'request' ? start.method : undefined;
  // An ACK is never answered (§17.2.1), malformed or not.
  if (method === 'ACK') return { ...base, method };
  const replyContext = replyContextOf(fields);
  return { ...base, ...(method === undefined ? {} : { method }), ...(replyContext ? { replyContext } : {}) };
}

/**
 * Parses one SIP message (RFC 3261 §7). Never throws for bad input: the result is a typed
 * failure carrying what is needed to answer 400 when the input was a request.
 */
export function parseMessage(data: Buffer, options: ParseOptions = {}): ParseResult {
  const limits = options.limits ? { ...DEFAULT_PARSE_LIMITS, ...options.limits } : DEFAULT_PARSE_LIMITS;
  if (data.length > limits.maxMessageBytes) return failure('unknown', 'message too large', []);
  // §7.5: CRLFs before the start line are ignored (and a lone CRLF pair is a keep-alive).
  let start = 0;
  while (start < data.length && (data[start] === 13 || data[start] === 10)) start++;
  if (start === data.length) return { ok: false, kind: 'empty', reason: 'empty', status: 400 };

  let headEnd: number;
  let separator: string;
  let bodyStart: number;
  let problem: string | undefined;
  const crlf = data.indexOf('\n\r\n', start);
  // An LF-only blank line counts only if it comes before the first CRLF one.
  let lf = data.indexOf('\n\n', start);
  if (crlf >= 0 && lf + 2 > crlf) lf = -1;
  if (lf >= 0) {
    headEnd = lf + 1;
    separator = '\n';
    bodyStart = lf + 2;
  } else if (crlf >= 0) {
    headEnd = crlf + 1;
    separator = '\r\n';
    bodyStart = crlf + 3;
  } else {
    headEnd = data.length;
    separator = '';
    bodyStart = data.length;
    problem = 'no empty line after the header section';
  }

  // Decoded as UTF-8 unless the octets are not UTF-8 (only then can a U+FFFD appear unwritten).
  let encoding: 'utf8' | 'latin1' = 'utf8';
  let text = data.toString('utf8', start, headEnd);
  if (text.includes('\uFFFD') && !isUtf8(data.subarray(start, headEnd))) {
    encoding = 'latin1';
    text = data.toString('latin1', start, headEnd);
  }

  // Split into physical lines, folding continuation lines into the field they continue (§7.3.1).
  const fields: MutableField[] = [];
  let startLineRaw = '';
  let startLineText = '';
  let pos = 0;
  let lineNo = 0;
  let nextCr = text.indexOf('\r');
  while (pos < text.length) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = text.length - 1;
    // The content ends before the line's LF or CR LF (an unterminated last line keeps everything).
    let end = nl + 1;
    if (text.charCodeAt(nl) === 10) {
      end = nl;
      if (end > pos && text.charCodeAt(end - 1) === 13) end--;
    }
    const lineStart = pos;
    const raw = text.slice(pos, nl + 1);
    pos = nl + 1;
    if (end - lineStart > limits.maxLineLength) problem ??= 'line too long';
    if (nextCr >= 0 && nextCr < lineStart) nextCr = text.indexOf('\r', lineStart);
    if (nextCr >= 0 && nextCr < end) problem ??= 'bare CR in header section';
    if (lineNo++ === 0) {
      startLineRaw = raw;
      startLineText = text.slice(lineStart, end);
      continue;
    }
    const c0 = text.charCodeAt(lineStart);
    if (c0 === 32 || c0 === 9) {
      const last = fields[fields.length - 1];
      if (!last) {
        problem ??= 'continuation line before any header';
        continue;
      }
      last.raw += raw;
      (last.continued ??= []).push(trimWs(text.slice(lineStart, end)));
      continue;
    }
    if (fields.length >= limits.maxHeaders) {
      problem ??= 'too many header fields';
      break;
    }
    const colon = text.indexOf(':', lineStart);
    if (colon <= lineStart || colon >= end) {
      problem ??= 'header line without a colon';
      continue;
    }
    let nameEnd = colon;
    while (nameEnd > lineStart && (text.charCodeAt(nameEnd - 1) === 32 || text.charCodeAt(nameEnd - 1) === 9)) nameEnd--;
    const name = text.slice(lineStart, nameEnd);
    if (!isToken(name)) {
      problem ??= 'invalid header name';
      continue;
    }
    let valueStart = colon + 1;
    let valueEnd = end;
    while (valueStart < valueEnd && (text.charCodeAt(valueStart) === 32 || text.charCodeAt(valueStart) === 9)) valueStart++;
    while (valueEnd > valueStart && (text.charCodeAt(valueEnd - 1) === 32 || text.charCodeAt(valueEnd - 1) === 9)) valueEnd--;
    fields.push({ name, key: headerKey(name), value: text.slice(valueStart, valueEnd), raw, continued: undefined });
  }

  let startLine: StartLine;
  try {
    startLine = parseStartLine(startLineText);
  } catch (e) {
    return failure(looksLikeStatusLine(startLineText) ? 'response' : 'request', `start line: ${describe(e)}`, fields);
  }
  if (problem !== undefined) return failure(startLine.kind, problem, fields, startLine);

  for (const f of fields) {
    if (f.continued) {
      f.value = valueOf(f);
      f.continued = undefined;
    }
  }
  const finalFields: HeaderField[] = fields;
  const message =
    startLine.kind === 'request'
      ? new SipRequest(startLine.method, startLine.uri, finalFields, undefined, startLineRaw)
      : new SipResponse(startLine.status, startLine.reason, finalFields, undefined, startLineRaw);
  message.encoding = encoding;
  message.separator = separator;
  // Our own octets read back: their lines are what was needed; they are checked when used.
  if (options.headerSection) return { ok: true, message };

  try {
    message.validateHeaders();
    if (message.vias.length === 0) throw new SipSyntaxError('missing Via header');
    for (const key of ['from', 'to', 'call-id', 'cseq'] as const) {
      if (message.typed(key) === undefined) throw new SipSyntaxError(`missing ${key === 'call-id' ? 'Call-ID' : key === 'cseq' ? 'CSeq' : key === 'from' ? 'From' : 'To'} header`);
    }
    if (startLine.kind === 'request' && message.cseq.method !== startLine.method) throw new SipSyntaxError('CSeq method does not match the request method', 'CSeq');
  } catch (e) {
    return failure(startLine.kind, describe(e), fields, startLine);
  }

  const available = data.length - bodyStart;
  const declared = message.contentLength;
  let bodyLength: number;
  if (declared === undefined) bodyLength = options.stream ? 0 : available;
  else if (declared > available) return failure(startLine.kind, 'Content-Length exceeds the octets received', fields, startLine);
  else bodyLength = declared;
  message.body = bodyLength === 0 ? Buffer.alloc(0) : data.subarray(bodyStart, bodyStart + bodyLength);

  // RFC 3261 §8.2 version check comes after the syntax checks, so 505 goes to well-formed requests.
  if (startLine.kind === 'request' && startLine.version !== 'SIP/2.0' && !/^SIP\/2\.0$/i.test(startLine.version)) {
    return failure('request', `SIP version ${startLine.version} not supported`, fields, startLine, 505);
  }
  return { ok: true, message };
}

// A compacted message reads its header lines back from its own octets.
setHeaderLineReader((head) => {
  const result = parseMessage(head, { stream: true, headerSection: true });
  return result.ok ? result.message.headers.slice() : undefined;
});

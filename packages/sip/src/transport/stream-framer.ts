/**
 * Cuts a byte stream into SIP messages by Content-Length (RFC 3261 §18.3), and recognises the
 * CRLF keep-alives of RFC 5626 §3.5.1 (a double-CRLF "ping" is answered by a single-CRLF "pong").
 */
export type FrameEvent = { readonly type: 'message'; readonly data: Buffer } | { readonly type: 'ping' } | { readonly type: 'error'; readonly reason: string };

const CONTENT_LENGTH_RE = /^(?:content-length|l)[ \t]*:[ \t]*(\S*)[ \t]*$/gim;

export class StreamFramer {
  private buffer: Buffer = Buffer.alloc(0);
  private failed = false;

  constructor(
    private readonly maxMessageBytes = 65535,
    private readonly maxHeaderBytes = 32768,
  ) {}

  /** Feeds received octets; returns whatever became complete. After an error it returns nothing. */
  push(chunk: Buffer): FrameEvent[] {
    if (this.failed) return [];
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const events: FrameEvent[] = [];
    for (;;) {
      const b = this.buffer;
      if (b.length === 0) break;
      if (b[0] === 13 || b[0] === 10) {
        if (b.length >= 4 && b[0] === 13 && b[1] === 10 && b[2] === 13 && b[3] === 10) {
          events.push({ type: 'ping' });
          this.buffer = b.subarray(4);
          continue;
        }
        if (b.length < 4 && b.every((c) => c === 13 || c === 10)) break; // maybe the start of a ping
        // A lone CRLF (a pong, or padding before a start line, §7.5): skip it.
        let i = 0;
        while (i < b.length && (b[i] === 13 || b[i] === 10) && !(b[i] === 13 && b[i + 1] === 10 && b[i + 2] === 13 && b[i + 3] === 10)) i++;
        this.buffer = b.subarray(i);
        continue;
      }
      let headEnd = b.indexOf('\r\n\r\n');
      let sepLen = 4;
      const lf = b.indexOf('\n\n');
      if (lf >= 0 && (headEnd < 0 || lf < headEnd)) {
        headEnd = lf;
        sepLen = 2;
      }
      if (headEnd < 0) {
        if (b.length > this.maxHeaderBytes) return this.fail(events, 'header section too large');
        break;
      }
      const head = b.toString('latin1', 0, headEnd);
      let length: number | undefined;
      for (const m of head.matchAll(CONTENT_LENGTH_RE)) {
        const text = m[1] ?? '';
        if (!/^\d{1,9}$/.test(text)) return this.fail(events, 'invalid Content-Length');
        if (length !== undefined && length !== Number(text)) return this.fail(events, 'conflicting Content-Length');
        length = Number(text);
      }
      const total = headEnd + sepLen + (length ?? 0);
      if (total > this.maxMessageBytes) return this.fail(events, 'message too large');
      if (b.length < total) break;
      // Copy, so a long-lived connection buffer is not kept alive by one message.
      events.push({ type: 'message', data: Buffer.from(b.subarray(0, total)) });
      this.buffer = b.subarray(total);
    }
    if (this.buffer.length === 0) this.buffer = Buffer.alloc(0);
    return events;
  }

  private fail(events: FrameEvent[], reason: string): FrameEvent[] {
    this.failed = true;
    this.buffer = Buffer.alloc(0);
    events.push({ type: 'error', reason });
    return events;
  }
}

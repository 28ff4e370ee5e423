/**
 * RFC 4733 §2.3 telephone-event payload: one named event per packet.
 *
 * ```
 *  0                   1                   2                   3
 * |     event     |E|R| volume    |          duration             |
 * ```
 */
export interface TelephoneEvent {
  /** 0–9, 10 = '*', 11 = '#', 12–15 = A–D (RFC 4733 §3.2). */
  event: number;
  /** E bit: the last packets of an event carry it (sent three times, §2.5.1.4). */
  end: boolean;
  /** Power level in -dBm0 (0..63). */
  volume: number;
  /** Duration so far, in timestamp units of the event's clock rate. */
  duration: number;
}

export const DTMF_DIGITS = '0123456789*#ABCD';

export function dtmfDigitToEvent(digit: string): number | null {
  const i = DTMF_DIGITS.indexOf(digit.toUpperCase());
  return i < 0 || digit.length !== 1 ? null : i;
}

export function dtmfEventToDigit(event: number): string | null {
  return DTMF_DIGITS[event] ?? null;
}

/** Parses the first event of a payload; null when shorter than 4 bytes. */
export function parseTelephoneEvent(payload: Buffer): TelephoneEvent | null {
  if (payload.length < 4) return null;
  const flags = payload[1]!;
  return {
    event: payload[0]!,
    end: (flags & 0x80) !== 0,
    volume: flags & 0x3f,
    duration: payload.readUInt16BE(2),
  };
}

export function serializeTelephoneEvent(e: TelephoneEvent): Buffer {
  const buf = Buffer.alloc(4);
  buf[0] = e.event & 0xff;
  buf[1] = (e.end ? 0x80 : 0) | (e.volume & 0x3f);
  buf.writeUInt16BE(Math.min(0xffff, Math.max(0, Math.round(e.duration))), 2);
  return buf;
}

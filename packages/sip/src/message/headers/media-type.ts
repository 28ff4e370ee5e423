import type { Params} from '../params.js';
import { parseHeaderParams } from '../params.js';
import { Scanner } from '../syntax.js';

/** A media type with parameters (Content-Type, RFC 3261 §20.15) or a media range (Accept, §20.1). */
export interface MediaType {
  /** Lower-cased, e.g. "application". */
  readonly type: string;
  /** Lower-cased, e.g. "sdp". */
  readonly subtype: string;
  readonly params: Params;
}

function readMediaType(s: Scanner): MediaType {
  s.skipWs();
  const type = s.readToken('media type').toLowerCase();
  s.expectSeparator('/');
  const subtype = s.readToken('media subtype').toLowerCase();
  return { type, subtype, params: parseHeaderParams(s) };
}

export function parseMediaType(value: string, header = 'Content-Type'): MediaType {
  const s = new Scanner(value, 0, header);
  const m = readMediaType(s);
  s.skipWs();
  if (!s.done) s.fail('unexpected text');
  return m;
}

/** Accept: a possibly empty list of media ranges. */
export function parseMediaTypeList(value: string, header = 'Accept'): MediaType[] {
  const s = new Scanner(value, 0, header);
  const list: MediaType[] = [];
  s.skipWs();
  if (s.done) return list;
  for (;;) {
    list.push(readMediaType(s));
    s.skipWs();
    if (s.done) return list;
    if (s.text[s.pos] !== ',') s.fail('expected ","');
    s.pos++;
  }
}

export function mediaTypeToString(m: MediaType): string {
  return `${m.type}/${m.subtype}${m.params.toString()}`;
}

/** "application/sdp" style comparison, ignoring parameters. */
export function isMediaType(m: MediaType | undefined, type: string): boolean {
  return m !== undefined && `${m.type}/${m.subtype}` === type.toLowerCase();
}

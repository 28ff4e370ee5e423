/**
 * The reason phrases RFC 3261 §21 gives the responses a phone system usually sends. A final
 * response whose phrase is not the standard one carries the server's own words.
 */
const standardPhrases: Record<number, readonly string[]> = {
  403: ['Forbidden'],
  404: ['Not Found'],
  408: ['Request Timeout'],
  410: ['Gone'],
  480: ['Temporarily Unavailable'],
  484: ['Address Incomplete'],
  486: ['Busy Here', 'Busy'],
  487: ['Request Terminated'],
  488: ['Not Acceptable Here'],
  500: ['Server Internal Error', 'Internal Server Error'],
  503: ['Service Unavailable'],
  600: ['Busy Everywhere'],
  603: ['Decline', 'Declined'],
};

/** The text of a `Reason` header (RFC 3326), e.g. `SIP ;cause=486 ;text="The room is full"`. */
function reasonHeaderText(header: string | null): string | null {
  if (!header) return null;
  const match = /text\s*=\s*"((?:[^"\\]|\\.)*)"/i.exec(header);
  const text = match?.[1]?.replace(/\\(.)/g, '$1').trim();
  return text ? text : null;
}

/**
 * The server's own sentence for a refusal, or null: the `Reason` header's text when there is one,
 * else a reason phrase that is not the standard one for its code (for the codes above).
 */
export function serverReason(statusCode: number | null, phrase: string | null, reasonHeader: string | null): string | null {
  const fromHeader = reasonHeaderText(reasonHeader);
  if (fromHeader) return fromHeader;
  if (statusCode === null || !phrase) return null;
  const standard = standardPhrases[statusCode];
  if (!standard) return null;
  const trimmed = phrase.trim();
  return standard.some((p) => p.toLowerCase() === trimmed.toLowerCase()) ? null : trimmed;
}

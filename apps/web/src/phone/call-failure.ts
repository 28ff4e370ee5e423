import type { SessionEnd } from './sip-stack.js';

/**
 * Words a user understands for why a call did not go through or ended unexpectedly; null when
 * nothing needs saying (the user hung up or cancelled, the other side hung up normally).
 * Status codes are RFC 3261 §21; the stack's causes cover failures with no response.
 */
export function describeCallEnd(end: SessionEnd, number: string): string | null {
  const who = number || 'The number';
  // The server's own sentence ("The conference room is full (10 people)") says it best.
  if (end.reason && (end.statusCode === null || end.statusCode >= 400) && !(end.statusCode === 487 && end.originator === 'local')) {
    const sentence = /[.!?]$/.test(end.reason) ? end.reason : `${end.reason}.`;
    // "Number not found" is what people look for when they misdial; the server says which.
    return end.statusCode === 404 || end.statusCode === 604 ? `Number not found: ${sentence}` : sentence;
  }
  switch (end.statusCode) {
    case 404:
    case 604:
      return `Number not found: ${who} does not exist. Check the number and try again.`;
    case 486:
    case 600:
      return `${who} is busy. Try again later.`;
    case 480:
      return `No answer: ${who} is not available right now.`;
    case 408:
      return `No answer from ${who}.`;
    case 487:
      return end.originator === 'local' ? null : 'The call was cancelled.';
    case 603:
      return `${who} declined the call.`;
    case 403:
      return `You are not allowed to call ${who}. Ask your administrator if you need to.`;
    case 484:
      return `${who} is incomplete. Check the number and try again.`;
    case 410:
      return `${who} is no longer in service.`;
    case 401:
    case 407:
      return 'The phone system did not accept your sign-in. Refresh the page and try again.';
    case 488:
    case 606:
      return 'The call could not be connected: no audio format in common.';
    case 500:
    case 502:
    case 503:
    case 504:
      return 'The phone system could not connect the call. Try again in a moment.';
  }
  switch (end.cause) {
    case 'Canceled':
    case 'Terminated':
      return null;
    case 'Rejected':
      return end.originator === 'local' ? null : `${who} declined the call.`;
    case 'Busy':
      return `${who} is busy. Try again later.`;
    case 'Not Found':
      return `Number not found: ${who} does not exist. Check the number and try again.`;
    case 'Unavailable':
    case 'No Answer':
      return `No answer: ${who} is not available right now.`;
    case 'Connection Error':
      return 'The connection to the phone system was lost, so the call ended.';
    case 'Request Timeout':
      return 'The phone system did not respond. Check your connection and try again.';
    case 'RTP Timeout':
      return 'The call lost its audio connection and was ended.';
    case 'User Denied Media Access':
      return 'Microphone blocked: allow the microphone for this site, then refresh the page.';
    case 'WebRTC Error':
    case 'Incompatible SDP':
    case 'Bad Media Description':
    case 'Missing SDP':
      return 'Your browser could not set up the audio for this call.';
    case 'Address Incomplete':
      return `${who} is incomplete. Check the number and try again.`;
    case 'Authentication Error':
      return 'The phone system did not accept your sign-in. Refresh the page and try again.';
  }
  if (end.statusCode !== null && end.statusCode >= 400) return `The call failed (error ${end.statusCode}).`;
  return null;
}

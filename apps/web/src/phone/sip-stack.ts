/**
 * What the phone engine needs from a SIP stack, in our own words. The browser build implements
 * it with JsSIP (jssip-stack.ts, loaded only after sign-in); unit tests implement it with a fake.
 * Nothing outside src/phone sees a JsSIP type.
 */

export interface SipCredentials {
  /** e.g. "sip:101@demo.switchboard.test" */
  uri: string;
  authorizationUser: string;
  password: string;
  displayName: string;
  /** Full WebSocket URL, e.g. "wss://pbx.example.com/sip". */
  wsUrl: string;
}

export interface RegistrationFailure {
  /** SIP status of the final response, or null when none arrived (timeout, transport error). */
  statusCode: number | null;
  cause: string;
}

export interface SipUserAgentEvents {
  /** The WebSocket is being opened (first time or after a loss). */
  connecting: [];
  connected: [];
  /** The WebSocket closed; the stack keeps trying to reconnect with backoff. */
  disconnected: [];
  registered: [];
  unregistered: [];
  registrationFailed: [RegistrationFailure];
  /** The registration will lapse soon; the listener must call `register()` again. */
  registrationExpiring: [];
  incoming: [SipSession];
}

export interface SipUserAgent {
  start(): void;
  stop(): void;
  register(): void;
  setCredentials(authorizationUser: string, password: string): void;
  /** Sends an INVITE to `target` (a SIP URI) offering the given microphone stream. */
  call(target: string, microphone: MediaStream): SipSession;
  on<K extends keyof SipUserAgentEvents>(event: K, listener: (...args: SipUserAgentEvents[K]) => void): void;
}

export interface SessionEnd {
  originator: 'local' | 'remote' | 'system';
  /** The stack's cause, e.g. "Busy", "Not Found", "Canceled", "Terminated". */
  cause: string;
  statusCode: number | null;
  /**
   * The server's own sentence for a refusal, when it gave one (the text of a `Reason` header,
   * RFC 3326), e.g. "The conference room is full (10 people)".
   */
  reason?: string | null;
}

export interface SipSessionEvents {
  /** A provisional response (ringing) arrived for an outgoing call. */
  progress: [];
  /** The call was answered (2xx sent or received). */
  accepted: [];
  /** The ACK arrived or was sent: media is flowing. */
  confirmed: [];
  /** An established call ended. */
  ended: [SessionEnd];
  /** A call that was never established ended. */
  failed: [SessionEnd];
  /** Our hold (or resume) took effect and its re-INVITE is on its way (may fire inside hold()). */
  hold: [];
  unhold: [];
  /**
   * No hold is left either way and the stack has re-enabled the microphone track it disabled
   * for the hold: whoever mutes must apply the mute again.
   */
  microphoneRestored: [];
  /** The far side's audio arrived. */
  remoteStream: [MediaStream];
  /** The answer put this call in a conference room: the 2xx carried `X-Switchboard-Room: 999XX`. */
  conferenceRoom: [string];
}

export interface ReferHandlers {
  /** The transfer target answered (NOTIFY with a 2xx sipfrag). */
  accepted(): void;
  /**
   * The REFER was refused or the target could not be reached: the status, the stack's cause (or
   * the sipfrag's reason phrase), and the server's own sentence when it gave one.
   */
  failed(statusCode: number | null, cause: string, reason?: string | null): void;
}

export interface ReferOptions {
  /**
   * Attended transfer (RFC 3891): the target is the far side of this other call of ours, and the
   * Refer-To carries a Replaces for that dialog, so the transferee's INVITE takes its place.
   */
  replaces?: SipSession;
}

export interface SipSession {
  readonly direction: 'incoming' | 'outgoing';
  /** The other party as the signalling names it (From of an incoming call, To of an outgoing one). */
  readonly remote: { name: string | null; number: string };
  answer(microphone: MediaStream): void;
  /** Hangs up, cancels or rejects, whichever fits the call's state. */
  terminate(statusCode?: number, reason?: string): void;
  /** Sends a re-INVITE with a=sendonly (RFC 3264 §8.4); false when one cannot be sent now. */
  hold(): boolean;
  unhold(): boolean;
  /** One RFC 4733 telephone-event tone on the media path. */
  sendDtmf(tone: string): void;
  /** Transfer (RFC 3515 REFER): blind, or attended with `options.replaces`. */
  refer(target: string, handlers: ReferHandlers, options?: ReferOptions): void;
  /** Swaps the microphone track being sent without renegotiating. */
  replaceMicrophone(track: MediaStreamTrack): Promise<void>;
  on<K extends keyof SipSessionEvents>(event: K, listener: (...args: SipSessionEvents[K]) => void): void;
}

/** Creates a user agent; a promise so that the SIP library can be loaded on demand. */
export type SipStackLoader = (credentials: SipCredentials) => Promise<SipUserAgent>;

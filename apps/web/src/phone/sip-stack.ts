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
}

export interface ReferHandlers {
  /** The transfer target answered (NOTIFY with a 2xx sipfrag). */
  accepted(): void;
  /** The REFER was refused or the target could not be reached. */
  failed(statusCode: number | null, cause: string): void;
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
  /** Blind transfer (RFC 3515 REFER). */
  refer(target: string, handlers: ReferHandlers): void;
  /** Swaps the microphone track being sent without renegotiating. */
  replaceMicrophone(track: MediaStreamTrack): Promise<void>;
  on<K extends keyof SipSessionEvents>(event: K, listener: (...args: SipSessionEvents[K]) => void): void;
}

/** Creates a user agent; a promise so that the SIP library can be loaded on demand. */
export type SipStackLoader = (credentials: SipCredentials) => Promise<SipUserAgent>;

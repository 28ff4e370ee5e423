import type { Party } from '../calls/call-leg.js';

/** What a party's side of a call is doing, as the call engine reports it. */
export type ObservedCallState = 'ringing' | 'answered' | 'ended';

export interface ObservedCall {
  /** The call engine's id (unique while the server runs). */
  callId: string;
  caller: Party;
  callee: Party;
  state: ObservedCallState;
}

/**
 * Told by the call engine (and by calls the server answers itself: voicemail, feature codes) when
 * a call starts ringing, is answered and ends. Presence and BLF lamps are derived from it.
 * Implementations must not throw (the engine does not guard the call).
 */
export interface CallObserver {
  callState(call: ObservedCall): void;
}

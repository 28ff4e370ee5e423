import type { Leg } from '@switchboard/media';
import type { InviteServerTransaction, SipRequest } from '@switchboard/sip';
import type { Party } from '../calls/call-leg.js';
import type { CallOrigin } from '../calls/call-target.js';
import type { FeatureCode } from '../dialplan/dialplan.js';
import type { DeviceAccount } from '../store/records.js';

/** Why the callee did not take the call. */
export type HandoffReason = 'dnd' | 'unavailable' | 'no-answer' | 'busy';

/** A new call to an extension, before any device rings. */
export interface CallBeforeRinging {
  request: SipRequest;
  tx: InviteServerTransaction;
  origin: CallOrigin;
  callee: Party;
  /** Some device of the callee can be rung. */
  reachable: boolean;
}

/** A call whose ringing failed; the caller's leg already answered its offer (our SDP in `answer`). */
export interface CallAfterRinging {
  request: SipRequest;
  tx: InviteServerTransaction;
  caller: Party;
  callee: Party;
  media: Leg;
  answer: string;
  reason: 'no-answer' | 'busy';
}

/**
 * Where the call engine hands calls its callee cannot take (voicemail, Do Not Disturb). The
 * engine asks before ringing and after ringing failed; what takes a call answers the caller itself.
 */
export interface CallHandoff {
  /** 'ring': go on; 'taken': voicemail answers; 'refused': the caller was told busy (DND, no voicemail). */
  beforeRinging(call: CallBeforeRinging): Promise<'ring' | 'taken' | 'refused'>;
  /** Whether the callee's voicemail takes a call that rang out or found them busy. */
  wants(callee: Party, reason: 'no-answer' | 'busy'): Promise<boolean>;
  /** Takes the caller (after `wants` said yes and the engine let go of the call). */
  take(call: CallAfterRinging): void;
}

/** Feature codes the server answers itself (*78, *79, *97, pickup); false: not handled here. */
export interface FeatureHandler {
  handle(feature: FeatureCode, argument: string | null, request: SipRequest, tx: InviteServerTransaction, caller: DeviceAccount): Promise<boolean>;
}

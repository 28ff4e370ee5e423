import type { LegKind } from '@switchboard/media';
import type { Address, DigestClient, SendOptions, SipRequest } from '@switchboard/sip';
import type { CallDirection, CallOutcome } from '../store/records.js';
import type { Party } from './call-leg.js';

/**
 * One place the callee side of a call is tried: a registered device of an extension, or the
 * tenant's trunk. The call engine sends the INVITE it builds and follows the answers.
 */
export interface CallTarget {
  /** The media leg facing it. */
  kind: LegKind;
  /** The INVITE carrying our offer (a new Call-ID and From tag). */
  invite(offer: string): SipRequest;
  /** Where the INVITE goes; empty: by its Request-URI. */
  sendOptions: SendOptions;
  /** Our Contact in the dialog that follows. */
  contact: Address;
  /** Answers a 401/407 once with these credentials (a carrier's challenge). */
  credentials?: DigestClient;
  /** Pass its early media (an SDP in 180/183) to the caller instead of our ringback. */
  earlyMedia?: boolean;
  /** The carrier's host, for a trunk: its refusals and failures are logged for the admin. */
  trunk?: string;
  /** Offer SDES-SRTP (RTP/SAVP, required) on the leg facing it. */
  srtp?: boolean;
}

/** Why an outside call cannot go out: the status and words the caller gets. */
export interface NoOutsideLine {
  status: number;
  reason: string;
}

/** The tenant has no trunk (or the PBX runs without trunks). */
export const NO_TRUNK: NoOutsideLine = { status: 503, reason: 'No outside line is configured' };

export function isCallTarget(line: CallTarget | NoOutsideLine): line is CallTarget {
  return 'invite' in line;
}

/** Who is calling and how the call is written in history. */
export interface CallOrigin {
  from: Party;
  direction: CallDirection;
  /** The caller's own device, never rung when they call their own extension. */
  deviceId?: string;
}

/** What the caller is told when every target failed, and how history records it. */
export interface CallFailure {
  status: number;
  reason: string;
  outcome: CallOutcome;
}

/** Turns the final statuses of every failed target into the caller's answer. */
export type FailureWords = (statuses: readonly number[]) => CallFailure;

/** The words for a call to an extension (every device busy, declined or silent). */
export function extensionFailure(number: string): FailureWords {
  return (statuses) => {
    if (statuses.some((s) => s === 486 || s === 600)) return { status: 486, reason: `Extension ${number} is busy`, outcome: 'busy' };
    if (statuses.length > 0 && statuses.every((s) => s === 603)) return { status: 603, reason: 'The call was declined', outcome: 'declined' };
    return { status: 480, reason: `Nobody answered at extension ${number}`, outcome: 'missed' };
  };
}

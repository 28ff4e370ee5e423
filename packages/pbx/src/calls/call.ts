import type { LegKind } from '@switchboard/media';
import type { Address, AnyServerTransaction, InviteClientTransaction, InviteServerTransaction, Replaces, SipRequest } from '@switchboard/sip';
import type { ConferenceService } from '../conference/conference-service.js';
import type { ConferenceRoom, Participant } from '../conference/conference-room.js';
import type { NumberingPlan } from '../dialplan/dialplan.js';
import type { CallOutcome, DeviceAccount } from '../store/records.js';
import type { CallLeg, Party } from './call-leg.js';
import type { CallTarget, FailureWords } from './call-target.js';
import type { ReferProgress } from './refer.js';

export const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY';
export const ROOM_FULL = 'The conference room is full (10 people)';
export const COMPLETED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"';
export const SDP = 'application/sdp';

export type CallState = 'ringing' | 'answered' | 'ended';

/** A forked attempt to reach the callee: one registered device, or the trunk. */
export interface Branch {
  target: CallTarget;
  leg: CallLeg;
  /** The INVITE in flight (replaced by the one with credentials after a challenge). */
  request: SipRequest;
  tx: InviteClientTransaction;
  settled: boolean;
  /** A challenge was answered already (one try: a second challenge is a refusal). */
  authorized: boolean;
  /** Set by a provisional answer with SDP: resolves true once the caller hears the callee's early media. */
  early: Promise<boolean> | null;
  /** Our ACK of the 2xx this branch took: sent again for every retransmission of that 2xx (§13.2.2.4). */
  ack: SipRequest | null;
  /** Stop following the branch's transactions (their listeners hold the whole call). */
  unfollow: Array<() => void>;
}

/** A call a blind transfer made (the transferee is its leg `a`): who asked, and how they are told. */
export interface BlindTransfer {
  transferor: Party;
  /** The transferor's leg, where the REFER came from (its NOTIFYs go there). */
  referrer: CallLeg;
  /** The call the transferee came from. */
  from: Call;
  progress: ReferProgress;
  /** This call rings the transferor back (the target did not take the call). */
  recall: boolean;
}

/**
 * A call between two parties through the server (B2BUA): the caller's leg (we are its UAS) and
 * the callee's leg (we are its UAC), with media anchored here and bridged between them.
 */
export class Call {
  state: CallState = 'ringing';
  b: CallLeg | null = null;
  readonly branches: Branch[] = [];
  historyId: string | null = null;
  ringTimer: NodeJS.Timeout | null = null;
  answeredAt: number | null = null;
  /**
   * Our SDP to the caller: the answer to its offer (sent with the 180 as early media, again in
   * the 200), or, when its INVITE had none, our offer (in the 200 only; its ACK answers).
   */
  aAnswer = '';
  private isConnected = false;
  private waiters: Array<() => void> = [];
  /** [voicemail hook] Voicemail took the caller: finish() leaves the caller's media leg open. */
  handedOff = false;
  /** What the caller is told when every branch failed. */
  failure: FailureWords = () => ({ status: 480, reason: 'Nobody answered', outcome: 'missed' });
  /** Legs that moved to another call or a room: this call neither hangs them up nor closes them. */
  readonly detached = new Set<CallLeg>();
  /** Set on a call a blind transfer made. */
  transfer: BlindTransfer | null = null;
  /** A failed blind transfer put the transferee back in this call: if the transferor hangs up now, they are rung back. */
  returned: BlindTransfer | null = null;
  /** Who took the call when it is not the callee: a directed pickup's picker (presence shows them busy, not the callee). */
  answeredBy: Party | null = null;
  /** Set on a call whose party `a` is in a conference room. */
  room: { room: ConferenceRoom; participant: Participant } | null = null;
  /**
   * Stop listening to the caller's INVITE transaction. The transaction layer keeps a finished
   * transaction for 32 s (to absorb retransmissions, RFC 6026): without this, every ended call
   * would stay in memory that long through its listeners.
   */
  readonly unwatchCaller: Array<() => void> = [];

  constructor(
    readonly id: string,
    readonly a: CallLeg,
    /** The caller's INVITE; null for a call made of a leg that was already connected (a transfer). */
    readonly aTx: InviteServerTransaction | null,
    readonly callee: Party,
  ) {}

  /** The legs this call still owns. */
  legs(): CallLeg[] {
    // `b` is also the leg of the branch that answered: each leg once.
    const legs = new Set<CallLeg>([this.a]);
    if (this.b) legs.add(this.b);
    for (const branch of this.branches) legs.add(branch.leg);
    return [...legs].filter((l) => !this.detached.has(l));
  }

  /** Read through a method: the state changes across awaits, where TypeScript's narrowing cannot see it. */
  get ended(): boolean {
    return this.state === 'ended';
  }

  /** The caller has our 200: from now on the call ends as answered. */
  get connected(): boolean {
    return this.isConnected;
  }

  set connected(value: boolean) {
    this.isConnected = value;
    if (value) this.wake();
  }

  /** The call has ended (finish() calls this right after it set the state). */
  wake(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /**
   * Between the callee's 200 and the caller's (the answer applied and the bridge made on the media
   * thread: a moment, or more on a loaded server) the callee already talks to us: a REFER sent
   * then is carried out once the caller is connected. Resolves at once unless the call is in that
   * gap; else once it is connected or has ended, or after `limitMs` (the media thread's own limit
   * for an answer: a call not connected by then is not going to be).
   */
  untilConnected(limitMs = 10_000): Promise<void> {
    if (this.state !== 'answered' || this.isConnected) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, limitMs);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The party across from `leg`, while it is still in this call. */
  other(leg: CallLeg): CallLeg | null {
    const other = leg === this.a ? this.b : this.a;
    return other && !this.detached.has(other) ? other : null;
  }
}

export function legKind(protocol: string): LegKind {
  return protocol === 'ws' || protocol === 'wss' ? 'webrtc' : 'rtp';
}

/** Media failures that say nothing about the offer: a thread too busy to answer in time, or one that failed (and is being replaced). */
export const MEDIA_UNAVAILABLE: ReadonlySet<unknown> = new Set(['timeout', 'worker-down', 'stopped']);

/**
 * The answer to an offer our media side could not take: no common codec (488), or a media thread
 * too busy or failed (503, so the phone may try again). Nothing when the transaction has its
 * final answer already (the caller gave up meanwhile).
 */
export function refuseOffer(tx: AnyServerTransaction, error: unknown): void {
  if (tx.finalResponse || tx.terminated) return;
  if (error instanceof Error && MEDIA_UNAVAILABLE.has((error as { code?: unknown }).code)) {
    tx.respond(503, 'The phone system is too busy to connect the call right now', { headers: { 'Retry-After': '5' } });
    return;
  }
  tx.respond(488, 'None of the offered audio formats can be used');
}

/** The digit of an INFO application/dtmf-relay body ("Signal=5"). */
export function dtmfFromInfo(body: string): string | null {
  const match = /^\s*Signal\s*=\s*([0-9*#A-Da-d])\s*$/im.exec(body);
  return match ? match[1]!.toUpperCase() : null;
}

/**
 * What the call engine lends its parts (transfers.ts, room-calls.ts): the calls it keeps, and the
 * steps every call is made of. Legs move between calls (a transferee into a call of its own, a
 * participant into a room's call); the engine keeps which call owns which leg and dialog.
 */
export interface CallControl {
  readonly conferences: ConferenceService;
  readonly plan: NumberingPlan;
  /** After a transfer completed, the transferor's leg is hung up by us if they have not within this. */
  readonly transferGraceMs: number;
  /** The call a leg is in now. */
  ownerOf(leg: CallLeg): Call | undefined;
  /** A new call made of a leg that is already connected, toward `callee`. */
  adopt(leg: CallLeg, callee: Party): Call;
  /** Requests in the leg's dialog, and its media failures, go to `call` from now on. */
  own(call: Call, leg: CallLeg): void;
  /** A leg leaves `call` (it goes on elsewhere): unbridged, no longer hung up or closed by it. */
  detach(call: Call, leg: CallLeg): Promise<void>;
  /** The leg named by a Replaces header. */
  dialogNamed(replaces: Replaces): { call: Call; leg: CallLeg } | null;
  /** Hangs up a leg that is in no call any more. */
  dropLeg(leg: CallLeg): void;
  /** A new INVITE answered on a media leg (no 200 yet); null when refused (answered). */
  answerLeg(request: SipRequest, tx: InviteServerTransaction, caller: DeviceAccount): Promise<{ leg: CallLeg; answer: string } | null>;
  /** Tries one target of the callee side. */
  addBranch(call: Call, target: CallTarget): Promise<void>;
  /** Rings every registered device of an extension for `call`; how many were rung. */
  ringDevices(call: Call, number: string): number;
  /** A call from a leg that is already connected: history, ringback, the ring timer, then `reach`. */
  ringFromLeg(call: Call, reach: (c: Call) => Promise<number>): Promise<void>;
  hangUp(call: Call, from: CallLeg | null, outcome: CallOutcome): Promise<void>;
  finish(call: Call, outcome: CallOutcome): Promise<void>;
  /** A leg whose media died or went silent ends the call it is in. */
  watchMedia(call: Call, leg: CallLeg): void;
  /** Our Contact in the dialog `tx`'s request makes (a SIPS one when that request asked for it). */
  answerContact(tx: AnyServerTransaction): Address;
  /** Our Contact toward `leg` within its dialog. */
  legContact(leg: CallLeg): Address;
}

import type { Leg as MediaLeg, NegotiatedAudio } from '@switchboard/media';
import type { Dialog, Flow, SendOptions } from '@switchboard/sip';

/** Who is on one side of a call, as the directory knows them (or as a trunk presents them). */
export interface Party {
  tenantId: string;
  /** The user behind the number, for history and notifications; null for outside numbers. */
  userId: string | null;
  /** Extension or outside number. */
  number: string;
  name: string | null;
}

/**
 * One side of a call: the SIP dialog with that party and the media leg facing them. The call
 * engine owns it; `Call` pairs two of them (B2BUA).
 */
export class CallLeg {
  dialog: Dialog | null = null;
  negotiated: NegotiatedAudio | null = null;
  /** The party put us on hold (their last offer was sendonly/inactive). */
  holding = false;
  ended = false;

  constructor(
    readonly id: string,
    readonly role: 'uas' | 'uac',
    readonly party: Party,
    readonly media: MediaLeg,
    /** The flow the party's requests arrive on: requests to them go back through it. */
    readonly flow: Flow | null,
    readonly sendOptions: SendOptions,
  ) {}

  /** Where to send requests inside the dialog: the dialog's flow when still open, else the original target. */
  requestOptions(): SendOptions {
    const fromDialog = this.dialog?.sendOptions();
    return fromDialog?.flow ? fromDialog : this.sendOptions;
  }
}

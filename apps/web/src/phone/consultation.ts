import type { Call, CallSnapshot } from './call.js';
import { describeCallEnd } from './call-failure.js';

/**
 * An attended transfer (the guide's "Transferring a Call") or an Add Participant ("Conference
 * Calls") in progress: the original call — a caller, or our seat in a conference room — is on
 * hold while a consultation call goes to the destination.
 *
 *   dialling ──answered──▶ talking ──complete()──▶ completing ──NOTIFY 2xx──▶ done: transferred
 *      │                     │  ├──merge()──▶ merging ──both REFERs 2xx──▶ done: merged (dial *38)
 *      │                     │  └──sendToConference()──▶ sending ──NOTIFY 2xx──▶ done: returned
 *      │                     └──cancel() / they hang up──▶ done: returned (the original resumed)
 *      └──cancel() / no answer / failed──▶ done: returned, saying why
 *   completing, merging, sending ──REFER refused──▶ talking, saying why
 *   the original hangs up (dialling, talking) ──▶ done: continued (the consultation is the call)
 *
 * Complete Transfer is a REFER on the original call to the destination with Replaces for the
 * consultation's dialog (RFC 3515, RFC 3891). Merge to Conference REFERs the original, then the
 * consultation, to `*38` (our conference room); the phone then dials `*38` to join them. Send to
 * Conference REFERs the consultation to `*38` and resumes our seat in the room.
 */
export type ConsultationState = 'dialling' | 'talking' | 'completing' | 'merging' | 'sending' | 'done';

const transitions: Record<ConsultationState, readonly ConsultationState[]> = {
  dialling: ['talking', 'done'],
  talking: ['completing', 'merging', 'sending', 'done'],
  completing: ['talking', 'done'],
  merging: ['talking', 'done'],
  sending: ['talking', 'done'],
  done: [],
};

export class IllegalConsultationTransition extends Error {
  constructor(from: ConsultationState, to: ConsultationState) {
    super(`a consultation cannot go from ${from} to ${to}`);
    this.name = 'IllegalConsultationTransition';
  }
}

/** How a consultation ended, for the phone to decide what is on screen next. */
export type ConsultationOutcome =
  /** Back with the original call (the phone resumes it); `message` says why when it was not the user's choice. */
  | { kind: 'returned'; message: string | null; announcement: string }
  /** The caller and the recipient are bridged; both our calls are over. */
  | { kind: 'transferred'; message: string }
  /** Both parties are in our conference room: the phone joins it by dialling `*38`. */
  | { kind: 'merged' }
  /** The original call is gone; the consultation goes on as an ordinary call. */
  | { kind: 'continued'; message: string };

export interface ConsultationSnapshot {
  state: ConsultationState;
  /** `conference` when the held call is our seat in a room (Add Participant): Send to Conference. */
  purpose: 'transfer' | 'conference';
  /** The number consulted. */
  destination: string;
  /** The held call. */
  original: CallSnapshot;
  /** Why the last step did not go through (a refused REFER), in words for the user. */
  message: string | null;
}

export interface ConsultationTargets {
  /** The consulted party's SIP URI (the Refer-To of Complete Transfer). */
  destinationUri: string;
  /** Our conference room, `*38` (the Refer-To of a merge or Send to Conference). */
  conferenceUri: string;
}

export class Consultation {
  private state: ConsultationState = 'dialling';
  private message: string | null = null;
  private cancelled = false;
  /** Merge: which of our two calls the server has taken into the room so far. */
  private merged = { original: false, consultation: false };
  readonly purpose: 'transfer' | 'conference';

  constructor(
    readonly original: Call,
    readonly consultation: Call,
    readonly destination: string,
    private readonly targets: ConsultationTargets,
    private readonly listener: { changed(): void; done(outcome: ConsultationOutcome): void },
  ) {
    this.purpose = original.getSnapshot().room ? 'conference' : 'transfer';
  }

  get current(): ConsultationState {
    return this.state;
  }

  getSnapshot(): ConsultationSnapshot {
    return { state: this.state, purpose: this.purpose, destination: this.destination, original: this.original.getSnapshot(), message: this.message };
  }

  involves(call: Call): boolean {
    return this.state !== 'done' && (call === this.original || call === this.consultation);
  }

  private get originalName(): string {
    const { remote, room } = this.original.getSnapshot();
    return room ? 'the conference' : (remote.name ?? remote.number);
  }

  private get consultedName(): string {
    const { remote } = this.consultation.getSnapshot();
    return remote.name ?? remote.number;
  }

  /** A call of ours changed state (the phone forwards every change of either call). */
  onCallState(call: Call): void {
    if (this.state === 'done') return;
    if (call === this.consultation && call.state === 'active' && this.state === 'dialling') {
      this.transition('talking');
      return;
    }
    if (call.state !== 'ended') return;
    if (call === this.consultation) this.consultationEnded();
    else this.originalEnded();
  }

  /** Complete Transfer: the caller and the recipient are bridged, and our part ends. */
  complete(): void {
    if (this.state !== 'talking' || this.purpose !== 'transfer') return;
    this.transition('completing');
    const sent = this.original.refer(
      this.targets.destinationUri,
      {
        accepted: () => {
          if (this.state === 'completing') this.finishTransferred();
        },
        failed: (statusCode, cause, reason) => this.refused('completing', 'Transfer failed.', statusCode, cause, reason),
      },
      this.consultation,
    );
    if (!sent) this.refused('completing', 'Transfer failed.', null, 'Terminated', null);
  }

  /** Merge to Conference: both parties into our room, then the phone joins it. */
  merge(): void {
    if (this.state !== 'talking' || this.purpose !== 'transfer') return;
    this.transition('merging');
    const sent = this.original.refer(this.targets.conferenceUri, {
      accepted: () => this.mergedOne('original'),
      failed: (statusCode, cause, reason) => this.refused('merging', 'The conference could not be started.', statusCode, cause, reason),
    });
    if (!sent) this.refused('merging', 'The conference could not be started.', null, 'Terminated', null);
  }

  /** Send to Conference: the consulted person joins the room, and we are back in it. */
  sendToConference(): void {
    if (this.state !== 'talking' || this.purpose !== 'conference') return;
    this.transition('sending');
    const sent = this.consultation.refer(this.targets.conferenceUri, {
      accepted: () => {
        if (this.state === 'sending') this.finishSent();
      },
      failed: (statusCode, cause, reason) => this.refused('sending', `${this.consultedName} could not be added to the conference.`, statusCode, cause, reason),
    });
    if (!sent) this.refused('sending', `${this.consultedName} could not be added to the conference.`, null, 'Terminated', null);
  }

  /** Cancel (or Hang Up): ends the consultation call and returns to the original one. */
  cancel(): void {
    if (this.state !== 'dialling' && this.state !== 'talking') return;
    this.cancelled = true;
    if (this.consultation.isLive) this.consultation.hangUp();
    // A stack that reports the end later still lands in consultationEnded(); this one may not.
    else this.consultationEnded();
  }

  private mergedOne(which: 'original' | 'consultation'): void {
    if (this.state !== 'merging' || this.merged[which]) return;
    this.merged[which] = true;
    if (which === 'original') {
      this.original.hangUp();
      if (!this.consultation.isLive) {
        this.finish({ kind: 'merged' });
        return;
      }
      const sent = this.consultation.refer(this.targets.conferenceUri, {
        accepted: () => this.mergedOne('consultation'),
        failed: (statusCode, cause, reason) => {
          if (this.state !== 'merging') return;
          // The caller is in the room already; the consultation goes on as a call of its own.
          const why = describeCallEnd({ originator: 'remote', cause, statusCode, reason }, this.destination);
          this.finish({ kind: 'continued', message: `${this.consultedName} could not be added to the conference.${why ? ` ${why}` : ''} The others are in your room: dial *38 to join them.` });
        },
      });
      if (!sent) this.finish({ kind: 'merged' });
      return;
    }
    this.consultation.hangUp();
    this.finish({ kind: 'merged' });
  }

  private consultationEnded(): void {
    switch (this.state) {
      case 'dialling':
      case 'talking': {
        const answered = this.state === 'talking';
        const end = this.consultation.getSnapshot().endMessage;
        const back = `You are back with ${this.originalName}.`;
        if (this.cancelled) {
          this.returnToOriginal(null, `Consultation ended. ${back}`);
        } else {
          const why = end ?? (answered ? `${this.consultedName} hung up.` : `No answer from ${this.consultedName}.`);
          this.returnToOriginal(`${why} ${back}`, `${why} ${back}`);
        }
        return;
      }
      case 'completing':
        // The transferee's INVITE with Replaces took this dialog's place: wait for the NOTIFY or
        // for the server to end the original call.
        return;
      case 'merging':
        if (this.merged.original) this.mergedOne('consultation');
        return;
      case 'sending':
        // The server ends our consultation leg once the person is in the room.
        this.finishSent();
        return;
      case 'done':
        return;
    }
  }

  private originalEnded(): void {
    switch (this.state) {
      case 'dialling':
      case 'talking':
      case 'sending': {
        const what = this.purpose === 'conference' ? 'Your conference call ended' : `${this.originalName} hung up`;
        this.finish({ kind: 'continued', message: `${what}, so there is nothing to transfer. You are still on the call with ${this.consultedName}.` });
        return;
      }
      case 'completing':
        // The server ends the transferor's calls once the transfer went through.
        this.finishTransferred();
        return;
      case 'merging':
        this.mergedOne('original');
        return;
      case 'done':
        return;
    }
  }

  private refused(from: ConsultationState, what: string, statusCode: number | null, cause: string, reason: string | null | undefined): void {
    if (this.state !== from) return;
    const why = describeCallEnd({ originator: 'remote', cause, statusCode, reason }, this.destination);
    this.message = why ? `${what} ${why}` : what;
    this.transition('talking');
  }

  private finishTransferred(): void {
    const caller = this.originalName;
    const recipient = this.consultedName;
    this.finish({ kind: 'transferred', message: `Transfer complete: ${caller} is now connected with ${recipient}.` });
    this.original.hangUp();
    this.consultation.hangUp();
  }

  private finishSent(): void {
    const who = this.consultedName;
    this.finish({ kind: 'returned', message: null, announcement: `${who} joined the conference. You are back in the conference.` });
    this.consultation.hangUp();
  }

  private returnToOriginal(message: string | null, announcement: string): void {
    this.finish({ kind: 'returned', message, announcement });
  }

  /** Ends the consultation first, so that the calls it then hangs up find it over. */
  private finish(outcome: ConsultationOutcome): void {
    if (this.state === 'done') return;
    this.transition('done');
    this.listener.done(outcome);
  }

  /** Moves the state machine; refuses moves the diagram above does not allow. */
  private transition(to: ConsultationState): void {
    if (!transitions[this.state].includes(to)) throw new IllegalConsultationTransition(this.state, to);
    this.state = to;
    // A refusal's message stays until the user tries the next step.
    if (to === 'completing' || to === 'merging' || to === 'sending') this.message = null;
    this.listener.changed();
  }
}

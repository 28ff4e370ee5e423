import { describeCallEnd } from './call-failure.js';
import type { ReferHandlers, SessionEnd, SipSession } from './sip-stack.js';

/**
 * One call of this browser, from the first INVITE to the end.
 *
 *   outgoing:  calling ──progress──▶ ringing ──accepted──▶ active
 *                 └─────────────accepted──────────────────▲
 *   incoming:  incoming ──answer()──▶ answering ──accepted──▶ active
 *   any state ──ended / failed──▶ ended
 *
 * Hold and mute are flags of an active call, not states: the call stays active while held.
 */
export type CallState = 'calling' | 'ringing' | 'incoming' | 'answering' | 'active' | 'ended';

const transitions: Record<CallState, readonly CallState[]> = {
  calling: ['ringing', 'active', 'ended'],
  ringing: ['active', 'ended'],
  incoming: ['answering', 'ended'],
  answering: ['active', 'ended'],
  active: ['ended'],
  ended: [],
};

export class IllegalCallTransition extends Error {
  constructor(from: CallState, to: CallState) {
    super(`a call cannot go from ${from} to ${to}`);
    this.name = 'IllegalCallTransition';
  }
}

export type TransferState =
  | { state: 'idle' }
  | { state: 'sending'; target: string }
  | { state: 'failed'; target: string; message: string };

export interface CallSnapshot {
  id: number;
  direction: 'incoming' | 'outgoing';
  state: CallState;
  /** The other party: name when the signalling carries one, and number. */
  remote: { name: string | null; number: string };
  /** Epoch ms when the call was answered; the call timer counts from here. */
  answeredAt: number | null;
  muted: boolean;
  held: boolean;
  /** A hold or resume re-INVITE is on its way. */
  holdPending: boolean;
  /** Touch-tones sent so far, shown above the keypad. */
  dtmf: string;
  transfer: TransferState;
  /** The conference room ("999XX") this call is our seat in, when the answer said so. */
  room: string | null;
  /** Why the call ended, in words for the user; null for a normal hang-up. */
  endMessage: string | null;
}

let nextCallId = 1;

export class Call {
  private snapshot: CallSnapshot;
  private readonly listeners = new Set<(call: Call) => void>();
  private microphone: MediaStream | null = null;
  remoteStream: MediaStream | null = null;

  constructor(
    readonly session: SipSession,
    private readonly now: () => number,
    remoteOverride?: { name: string | null; number: string },
  ) {
    this.snapshot = {
      id: nextCallId++,
      direction: session.direction,
      state: session.direction === 'incoming' ? 'incoming' : 'calling',
      remote: remoteOverride ?? session.remote,
      answeredAt: null,
      muted: false,
      held: false,
      holdPending: false,
      dtmf: '',
      transfer: { state: 'idle' },
      room: null,
      endMessage: null,
    };
    session.on('progress', () => {
      if (this.state === 'calling') this.transition('ringing');
    });
    session.on('accepted', () => this.onAnswered());
    session.on('confirmed', () => this.onAnswered());
    session.on('ended', (end) => this.onEnded(end));
    session.on('failed', (end) => this.onEnded(end));
    session.on('hold', () => this.set({ held: true, holdPending: false }));
    session.on('unhold', () => this.set({ held: false, holdPending: false }));
    session.on('microphoneRestored', () => this.applyMute());
    session.on('conferenceRoom', (room) => this.set({ room }));
    session.on('remoteStream', (stream) => {
      this.remoteStream = stream;
      this.emit();
    });
  }

  get state(): CallState {
    return this.snapshot.state;
  }

  get isLive(): boolean {
    return this.state !== 'ended';
  }

  getSnapshot(): CallSnapshot {
    return this.snapshot;
  }

  onChange(listener: (call: Call) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The microphone stream this call sends; stopped when the call ends. */
  useMicrophone(stream: MediaStream): void {
    this.microphone = stream;
    this.applyMute();
  }

  answer(microphone: MediaStream): void {
    if (this.state !== 'incoming') return;
    this.useMicrophone(microphone);
    this.transition('answering');
    this.session.answer(microphone);
  }

  /** Hang up, cancel or decline, whichever the state calls for. */
  hangUp(): void {
    if (!this.isLive) return;
    if (this.state === 'incoming') this.session.terminate(603, 'Decline');
    else this.session.terminate();
  }

  toggleMute(): void {
    if (!this.isLive || this.state === 'incoming') return;
    this.set({ muted: !this.snapshot.muted });
    this.applyMute();
  }

  toggleHold(): void {
    if (this.state !== 'active' || this.snapshot.holdPending) return;
    // Pending first: a stack may report the new hold state before hold() even returns.
    this.set({ holdPending: true });
    const sent = this.snapshot.held ? this.session.unhold() : this.session.hold();
    if (!sent) this.set({ holdPending: false });
  }

  /**
   * Holds or resumes (not a toggle), for an attended transfer; false when the re-INVITE cannot
   * be sent now. Asking for the state the call is already in succeeds at once.
   */
  setHeld(held: boolean): boolean {
    if (this.state !== 'active') return false;
    if (this.snapshot.held === held && !this.snapshot.holdPending) return true;
    if (this.snapshot.holdPending) return false;
    this.set({ holdPending: true });
    const sent = held ? this.session.hold() : this.session.unhold();
    if (!sent) this.set({ holdPending: false });
    return sent;
  }

  /** Sends a REFER on this call (RFC 3515); with `replaces`, an attended transfer to that call's far side. */
  refer(targetUri: string, handlers: ReferHandlers, replaces?: Call): boolean {
    if (this.state !== 'active') return false;
    this.session.refer(targetUri, handlers, replaces ? { replaces: replaces.session } : {});
    return true;
  }

  sendDtmf(tone: string): void {
    if (this.state !== 'active' || !/^[0-9*#]$/.test(tone)) return;
    this.session.sendDtmf(tone);
    this.set({ dtmf: (this.snapshot.dtmf + tone).slice(-24) });
  }

  blindTransfer(targetUri: string, targetNumber: string): void {
    if (this.state !== 'active' || this.snapshot.transfer.state === 'sending') return;
    this.set({ transfer: { state: 'sending', target: targetNumber } });
    this.session.refer(targetUri, {
      accepted: () => {
        // The target answered: our part is over. The server normally ends our leg itself.
        this.set({ transfer: { state: 'idle' } });
        this.hangUp();
      },
      failed: (statusCode, cause, reason) => {
        const why = describeCallEnd({ originator: 'remote', cause, statusCode, reason }, targetNumber) ?? 'The transfer did not go through.';
        this.set({ transfer: { state: 'failed', target: targetNumber, message: `Transfer failed. ${why}` } });
      },
    });
  }

  async replaceMicrophone(stream: MediaStream): Promise<void> {
    const track = stream.getAudioTracks()[0];
    if (!track) return;
    const old = this.microphone;
    this.microphone = stream;
    this.applyMute();
    await this.session.replaceMicrophone(track);
    stopStream(old);
  }

  private applyMute(): void {
    // Mute disables the track being sent, so the far side hears silence (RTP keeps flowing).
    for (const track of this.microphone?.getAudioTracks() ?? []) track.enabled = !this.snapshot.muted;
  }

  private onAnswered(): void {
    if (this.state === 'active' || this.state === 'ended') return;
    this.transition('active', { answeredAt: this.now() });
  }

  private onEnded(end: SessionEnd): void {
    if (this.state === 'ended') return;
    const message = describeCallEnd(end, this.snapshot.remote.number);
    this.transition('ended', { endMessage: message, held: false, holdPending: false });
    stopStream(this.microphone);
    this.microphone = null;
  }

  /** Moves the state machine; refuses moves the diagram above does not allow. */
  private transition(to: CallState, patch: Partial<CallSnapshot> = {}): void {
    const from = this.snapshot.state;
    if (!transitions[from].includes(to)) throw new IllegalCallTransition(from, to);
    this.set({ ...patch, state: to });
  }

  private set(patch: Partial<CallSnapshot>): void {
    this.snapshot = { ...this.snapshot, ...patch };
    this.emit();
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener(this);
  }
}

function stopStream(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

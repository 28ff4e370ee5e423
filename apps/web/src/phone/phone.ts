import type { Me } from '@switchboard/api';
import { Store } from '../lib/store.js';
import type { ActionId, PhoneContext } from './actions.js';
import type { AudioDevices, DeviceRole } from './audio-devices.js';
import type { AudioOutput } from './audio-output.js';
import { Call } from './call.js';
import type { CallSnapshot } from './call.js';
import { Consultation } from './consultation.js';
import type { ConsultationOutcome, ConsultationSnapshot } from './consultation.js';
import { MicrophoneError } from './microphone.js';
import type { MicrophoneAccess } from './microphone.js';
import type { CallNotifier } from './notifications.js';
import { cleanNumber, targetUri } from './number.js';
import type { Ringtone } from './ringtone.js';
import { Registration } from './registration.js';
import type { RegistrationDependencies } from './registration.js';
import type { SipSession } from './sip-stack.js';
import { deriveStatus, statusTexts } from './status.js';
import type { ConnectionState, MicrophoneState, PhoneStatus } from './status.js';

export interface Notice {
  tone: 'error' | 'info';
  text: string;
}

export interface PhoneSnapshot {
  status: PhoneStatus;
  connection: ConnectionState;
  microphone: MicrophoneState;
  /** The number field. */
  dial: string;
  /** For quick redial: Call with an empty field fills this in. */
  lastDialled: string | null;
  /** The call on screen: ringing in, being placed, or in progress (the consultation during one). */
  call: CallSnapshot | null;
  /** An attended transfer or Add Participant in progress: the held call and what can be done next. */
  consultation: ConsultationSnapshot | null;
  notice: Notice | null;
  /** The browser will not play sound until the user clicks: offer "Enable sound". */
  soundBlocked: boolean;
  notifications: NotificationPermission | 'unsupported';
  /** The latest thing to say in the aria-live region; `id` changes even when the text repeats. */
  announcement: { id: number; text: string } | null;
}

export interface PhoneDependencies extends RegistrationDependencies {
  microphone: MicrophoneAccess;
  devices: AudioDevices;
  speaker: AudioOutput;
  ringerOutput: AudioOutput;
  ringtone: Ringtone;
  notifier: CallNotifier;
  storage: Storage | null;
}

const lastDialledKey = 'switchboard.last-dialled';
/** Our conference room (ARCHITECTURE.md feature codes): a transfer target, or dialled to join. */
export const conferenceCode = '*38';
const maxDialLength = 32;

/**
 * The browser softphone, outside React: connection and registration (with reconnects and
 * credential refresh), the dialer, the call on screen, devices, ringtone and notifications.
 * Components read it with `useSyncExternalStore` and call its commands; they never see JsSIP.
 */
export class Phone extends Store<PhoneSnapshot> {
  private readonly registration: Registration;
  private me: Me | null = null;
  private current: Call | null = null;
  private consultation: Consultation | null = null;
  /** The far side's audio now on the speaker. */
  private playing: MediaStream | null = null;
  private started = false;
  private placing = false;
  private announcementId = 0;
  private readonly callEndedListeners = new Set<() => void>();
  private readonly signedOutListeners = new Set<() => void>();
  private readonly stopListeners = new Set<() => void>();
  private nameOf: (number: string) => string | null = () => null;

  constructor(private readonly deps: PhoneDependencies) {
    const lastDialled = deps.storage?.getItem(lastDialledKey) ?? null;
    super({
      status: 'connecting',
      connection: 'idle',
      microphone: 'unknown',
      dial: '',
      lastDialled,
      call: null,
      consultation: null,
      notice: null,
      soundBlocked: false,
      notifications: deps.notifier.permission(),
      announcement: null,
    });
    deps.devices.onSelect((role, id) => void this.onDeviceSelected(role, id));
    this.registration = new Registration(deps, {
      state: (state) => this.onConnectionState(state),
      incoming: (session) => this.onIncoming(session),
      signedOut: () => {
        this.stop();
        for (const listener of [...this.signedOutListeners]) listener();
      },
    });
  }

  get devices(): AudioDevices {
    return this.deps.devices;
  }

  /** Starts the softphone for the signed-in user: microphone check, then connect and register. */
  async start(me: Me): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.me = me;
    const { selected } = this.deps.devices.getSnapshot();
    void this.deps.speaker.setDevice(selected.speaker);
    void this.deps.ringerOutput.setDevice(selected.ringer);
    if (!me.sip) {
      this.set({ connection: 'no-extension' });
      return;
    }
    this.deps.microphone.onPermissionChange((state) => {
      if (state === 'granted' && this.started && !this.registration.userAgent) void this.resume();
    });
    await this.resume();
  }

  /** Stops everything (sign-out): hangs up, unregisters, forgets the user. */
  stop(): void {
    this.started = false;
    const calls = [this.current, this.consultation?.original];
    this.consultation = null;
    this.current = null;
    for (const call of calls) call?.hangUp();
    this.registration.stop();
    this.me = null;
    this.deps.ringtone.stop();
    this.deps.notifier.close();
    this.set({ connection: 'idle', microphone: 'unknown', call: null, consultation: null, notice: null, dial: '' });
    for (const listener of [...this.stopListeners]) listener();
  }

  /** How to name a number the user dials (the directory), for the call screen until it ends. */
  setNameLookup(lookup: (number: string) => string | null): void {
    this.nameOf = lookup;
  }

  /** Runs when the phone stops (sign-out), to let go of what was set up around it. */
  onStop(listener: () => void): () => void {
    this.stopListeners.add(listener);
    return () => this.stopListeners.delete(listener);
  }

  onCallEnded(listener: () => void): () => void {
    this.callEndedListeners.add(listener);
    return () => this.callEndedListeners.delete(listener);
  }

  /** The server no longer knows this session (credentials could not be renewed). */
  onSignedOut(listener: () => void): () => void {
    this.signedOutListeners.add(listener);
    return () => this.signedOutListeners.delete(listener);
  }

  context(): PhoneContext {
    const call = this.getSnapshot().call;
    if (!call) return 'idle';
    return call.state === 'incoming' ? 'incoming' : 'in-call';
  }

  /** Runs a named command (see actions.ts); false when it is not the engine's to run. */
  perform(action: ActionId, key = ''): boolean {
    switch (action) {
      case 'dialDigit':
        this.typeDigit(key);
        return true;
      case 'call':
        void this.placeCall();
        return true;
      case 'deleteDigit':
        this.deleteDigit();
        return true;
      case 'answer':
        void this.answer();
        return true;
      case 'decline':
        this.decline();
        return true;
      case 'sendDtmf':
        this.sendDtmf(key);
        return true;
      case 'hangUp':
        this.hangUp();
        return true;
      case 'toggleMute':
        this.toggleMute();
        return true;
      case 'toggleHold':
        this.toggleHold();
        return true;
      case 'transfer':
      case 'keypad':
        return false;
    }
  }

  // ── Dialer ─────────────────────────────────────────────────────────────

  typeDigit(digit: string): void {
    if (!/^[0-9*#+]$/.test(digit)) return;
    this.setDial(this.getSnapshot().dial + digit);
  }

  deleteDigit(): void {
    this.setDial(this.getSnapshot().dial.slice(0, -1));
  }

  setDial(text: string): void {
    this.set({ dial: cleanNumber(text).slice(0, maxDialLength), notice: null });
  }

  /**
   * The Call button and Enter: dials the number field. With the field empty it fills in the
   * last number dialled (quick redial); a second press dials it.
   */
  async placeCall(): Promise<void> {
    const number = cleanNumber(this.getSnapshot().dial);
    if (number) return this.call(number);
    const last = this.getSnapshot().lastDialled;
    if (last) {
      this.set({ dial: last, notice: null });
      this.announce(`Last number dialled: ${last}. Press Call again to dial it.`);
    } else {
      this.set({ notice: { tone: 'info', text: 'Type a number or an extension to call.' } });
    }
  }

  /** Calls a number straight away (directory, recent calls); `name` labels the call until it connects. */
  async call(number: string, name: string | null = null): Promise<void> {
    const clean = cleanNumber(number);
    if (!clean || this.current || this.placing) return;
    const refusal = this.whyCannotCall();
    if (refusal) {
      this.set({ dial: clean, notice: { tone: 'error', text: refusal } });
      return;
    }
    this.placing = true;
    try {
      const microphone = await this.openMicrophone();
      if (!microphone) return;
      const ua = this.registration.userAgent;
      const me = this.registration.me;
      if (!ua || !me) {
        stopStream(microphone);
        return;
      }
      let session: SipSession;
      try {
        session = ua.call(targetUri(clean, me.tenant.sipDomain), microphone);
      } catch {
        stopStream(microphone);
        this.set({ notice: { tone: 'error', text: `${clean} cannot be dialled. Check the number and try again.` } });
        return;
      }
      const call = new Call(session, this.deps.now, { name: name ?? this.nameOf(clean), number: clean });
      call.useMicrophone(microphone);
      this.deps.storage?.setItem(lastDialledKey, clean);
      this.set({ dial: '', lastDialled: clean, notice: null });
      this.adopt(call);
      this.announce(`Calling ${name ? `${name}, ` : ''}${clean}`);
    } finally {
      this.placing = false;
    }
  }

  // ── The call on screen ─────────────────────────────────────────────────

  async answer(): Promise<void> {
    const call = this.current;
    if (!call || call.state !== 'incoming') return;
    this.deps.ringtone.stop();
    this.deps.notifier.close();
    const microphone = await this.openMicrophone();
    if (!microphone) {
      call.session.terminate(480, 'Microphone Unavailable');
      return;
    }
    if (call.state !== 'incoming') {
      // The caller gave up while the microphone was opening.
      stopStream(microphone);
      return;
    }
    call.answer(microphone);
  }

  decline(): void {
    if (this.current?.state === 'incoming') this.current.hangUp();
  }

  /** Hangs up the call on screen; during a consultation that is the consultation (back to the caller). */
  hangUp(): void {
    if (this.consultation) this.consultation.cancel();
    else this.current?.hangUp();
  }

  toggleMute(): void {
    this.current?.toggleMute();
  }

  /** During a consultation the original call is already held and the consultation stays live. */
  toggleHold(): void {
    if (!this.consultation) this.current?.toggleHold();
  }

  sendDtmf(tone: string): void {
    this.current?.sendDtmf(tone);
  }

  blindTransfer(destination: string): void {
    const number = cleanNumber(destination);
    const me = this.registration.me ?? this.me;
    if (!number || !this.current || !me) return;
    this.current.blindTransfer(targetUri(number, me.tenant.sipDomain), number);
  }

  /**
   * Attended Transfer (and, in a conference, Add Participant): holds the call on screen and
   * places a consultation call to `destination` (see consultation.ts).
   */
  async attendedTransfer(destination: string): Promise<void> {
    const number = cleanNumber(destination);
    const original = this.current;
    const me = this.registration.me ?? this.me;
    const ua = this.registration.userAgent;
    if (!number || !original || original.state !== 'active' || this.consultation || this.placing || !me || !ua) return;
    const who = original.getSnapshot().room ? 'The conference' : (original.getSnapshot().remote.name ?? original.getSnapshot().remote.number);
    if (!original.setHeld(true)) {
      this.set({ notice: { tone: 'error', text: `${who} could not be put on hold just now. Try again in a moment.` } });
      return;
    }
    this.placing = true;
    try {
      const microphone = await this.openMicrophone();
      if (!microphone || this.current !== original || !original.isLive) {
        stopStream(microphone);
        this.takeOffHold(original);
        return;
      }
      const destinationUri = targetUri(number, me.tenant.sipDomain);
      let session: SipSession;
      try {
        session = ua.call(destinationUri, microphone);
      } catch {
        stopStream(microphone);
        this.takeOffHold(original);
        this.set({ notice: { tone: 'error', text: `${number} cannot be dialled. Check the number and try again.` } });
        return;
      }
      const consultationCall = new Call(session, this.deps.now, { name: this.nameOf(number), number });
      consultationCall.useMicrophone(microphone);
      this.consultation = new Consultation(
        original,
        consultationCall,
        number,
        { destinationUri, conferenceUri: targetUri(conferenceCode, me.tenant.sipDomain) },
        { changed: () => this.publish(), done: (outcome) => this.onConsultationDone(outcome) },
      );
      this.current = consultationCall;
      this.adopt(consultationCall);
      this.announce(`${who} is on hold. Calling ${number}`);
    } finally {
      this.placing = false;
    }
  }

  /** Complete Transfer: bridges the caller with the person consulted; our part ends. */
  completeTransfer(): void {
    this.consultation?.complete();
  }

  /** Merge to Conference: the three of us in a conference room. */
  mergeToConference(): void {
    this.consultation?.merge();
  }

  /** Send to Conference: the person consulted joins our room, and we are back in it. */
  sendToConference(): void {
    this.consultation?.sendToConference();
  }

  /** Cancel: hangs up the consultation and returns to the held call. */
  cancelConsultation(): void {
    this.consultation?.cancel();
  }

  dismissNotice(): void {
    this.set({ notice: null });
  }

  /** From a click: lets the page play the ringtone and the far side's voice. */
  async enableSound(): Promise<void> {
    const unlocked = await this.deps.ringtone.unlock();
    const call = this.current;
    let playing = unlocked;
    if (call?.state === 'incoming') playing = (await this.deps.ringtone.start()) && playing;
    if (call?.remoteStream) playing = (await this.deps.speaker.play(call.remoteStream)) && playing;
    this.set({ soundBlocked: !playing });
    if (playing) this.announce('Sound enabled');
  }

  async requestNotifications(): Promise<void> {
    const permission = await this.deps.notifier.request();
    this.set({ notifications: permission });
  }

  // ── Connection ─────────────────────────────────────────────────────────

  /** Checks the microphone, then connects (again) if it can be used. */
  private async resume(): Promise<void> {
    const microphone = await this.openMicrophone();
    if (!microphone) return;
    stopStream(microphone);
    await this.deps.devices.refresh();
    if (this.deps.ringtone.isBlocked()) this.set({ soundBlocked: true });
    if (this.me && this.started) await this.registration.connect(this.me);
  }

  private onConnectionState(connection: ConnectionState): void {
    const before = this.getSnapshot().status;
    this.set({ connection });
    const after = this.getSnapshot().status;
    if (after !== before) this.announce(`Phone status: ${statusTexts[after].label}`);
  }

  private whyCannotCall(): string | null {
    const { status } = this.getSnapshot();
    if (status === 'ready') return null;
    if (status === 'in-call') return 'Finish the current call first.';
    const text = statusTexts[status];
    if (status === 'connecting') return 'The phone is still connecting. Wait until the status shows Ready, then call again.';
    if (status === 'disconnected') return 'The phone is not connected to the phone system. It keeps trying; you can also refresh the page.';
    return `${text.label}. ${text.detail ?? ''}`.trim();
  }

  /** Opens the chosen microphone; on failure records why and returns null. */
  private async openMicrophone(): Promise<MediaStream | null> {
    try {
      const stream = await this.deps.microphone.open(this.deps.devices.getSnapshot().selected.microphone);
      if (this.getSnapshot().microphone !== 'ok') this.set({ microphone: 'ok' });
      return stream;
    } catch (error) {
      const problem = error instanceof MicrophoneError ? error.problem : 'unavailable';
      this.set({ microphone: problem });
      this.announce(`Phone status: ${statusTexts[this.getSnapshot().status].label}`);
      return null;
    }
  }

  // ── Calls ──────────────────────────────────────────────────────────────

  private onIncoming(session: SipSession): void {
    // One call at a time for now: a second caller hears busy (call waiting is a later step).
    if (this.current) {
      session.terminate(486, 'Busy Here');
      return;
    }
    const call = new Call(session, this.deps.now);
    this.adopt(call);
    const { name, number } = call.getSnapshot().remote;
    const caller = name ? `${name} (${number})` : number;
    this.announce(`Incoming call from ${caller}`);
    this.deps.notifier.showIncoming(caller);
    void this.deps.ringtone.start().then((audible) => {
      if (!audible && this.current === call && call.state === 'incoming') this.set({ soundBlocked: true });
    });
  }

  private adopt(call: Call): void {
    this.current = call;
    let lastState = call.state;
    call.onChange(() => {
      if (this.current === call) this.playCurrent();
      if (call.state !== lastState) {
        lastState = call.state;
        this.onCallState(call);
      }
      this.publish();
    });
    this.set({ call: call.getSnapshot(), consultation: this.consultation?.getSnapshot() ?? null, notice: null });
  }

  /** Puts the far side of the call on screen on the speaker (once its audio has arrived). */
  private playCurrent(): void {
    const call = this.current;
    const stream = call?.isLive ? call.remoteStream : null;
    if (!stream || stream === this.playing) return;
    this.playing = stream;
    void this.deps.speaker.play(stream).then((audible) => {
      if (!audible) this.set({ soundBlocked: true });
    });
  }

  private onCallState(call: Call): void {
    const snapshot = call.getSnapshot();
    const who = snapshot.room ? `conference room ${snapshot.room}` : (snapshot.remote.name ?? snapshot.remote.number);
    if (snapshot.state !== 'incoming') {
      this.deps.ringtone.stop();
      this.deps.notifier.close();
    }
    if (snapshot.state === 'active') this.announce(`Connected with ${who}. Phone status: In Call`);
    if (snapshot.state === 'ringing') this.announce(`Ringing ${who}`);
    if (this.consultation?.involves(call)) {
      this.consultation.onCallState(call);
      return;
    }
    // A call we already let go of (transferred, merged) ends quietly.
    if (snapshot.state !== 'ended' || this.current !== call) return;
    this.current = null;
    this.stopSpeaker();
    const notice: Notice | null = snapshot.endMessage ? { tone: 'error', text: snapshot.endMessage } : null;
    this.set({ call: null, notice });
    this.announce(snapshot.endMessage ?? 'Call ended');
    for (const listener of [...this.callEndedListeners]) listener();
  }

  private onConsultationDone(outcome: ConsultationOutcome): void {
    const consultation = this.consultation;
    if (!consultation) return;
    this.consultation = null;
    switch (outcome.kind) {
      case 'returned':
        this.current = consultation.original.isLive ? consultation.original : null;
        this.takeOffHold(consultation.original);
        this.set({ notice: outcome.message ? { tone: 'error', text: outcome.message } : null });
        this.announce(outcome.announcement);
        break;
      case 'continued':
        this.current = consultation.consultation.isLive ? consultation.consultation : null;
        this.set({ notice: { tone: 'info', text: outcome.message } });
        this.announce(outcome.message);
        break;
      case 'transferred':
        this.current = null;
        this.set({ notice: { tone: 'info', text: outcome.message } });
        this.announce(outcome.message);
        break;
      case 'merged':
        this.current = null;
        this.announce('Joining the conference');
        break;
    }
    this.stopSpeaker();
    this.playCurrent();
    this.publish();
    if (!this.current) for (const listener of [...this.callEndedListeners]) listener();
    if (outcome.kind === 'merged') void this.call(conferenceCode, 'Conference');
  }

  /**
   * Takes a call off hold. The stack refuses while the hold's own re-INVITE is still on its way
   * (a consultation that failed at once), so it tries again for a while.
   */
  private takeOffHold(call: Call, triesLeft = 40): void {
    if (!call.isLive || call.setHeld(false) || triesLeft === 0) return;
    this.deps.timers.setTimeout(() => this.takeOffHold(call, triesLeft - 1), 250);
  }

  private stopSpeaker(): void {
    this.playing = null;
    this.deps.speaker.stop();
  }

  /** Shows the engine's calls as they are now. */
  private publish(): void {
    this.set({ call: this.current?.getSnapshot() ?? null, consultation: this.consultation?.getSnapshot() ?? null });
  }

  private async onDeviceSelected(role: DeviceRole, id: string | null): Promise<void> {
    if (role === 'speaker') await this.deps.speaker.setDevice(id);
    if (role === 'ringer') await this.deps.ringerOutput.setDevice(id);
    if (role === 'microphone') {
      const call = this.current;
      if (!call || !call.isLive || call.state === 'incoming') return;
      const microphone = await this.openMicrophone();
      if (!microphone) return;
      if (!call.isLive) {
        stopStream(microphone);
        return;
      }
      await call.replaceMicrophone(microphone);
    }
  }

  private announce(text: string): void {
    this.announcementId += 1;
    this.set({ announcement: { id: this.announcementId, text } });
  }

  private set(patch: Partial<PhoneSnapshot>): void {
    const next = { ...this.getSnapshot(), ...patch };
    next.status = deriveStatus(next.connection, next.microphone, next.call);
    this.update(next);
  }
}

function stopStream(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

import * as JsSIP from 'jssip';
import type { DTMFOptions, EndEvent, HoldEvent, IncomingEvent, OutgoingEvent, RTCSession } from 'jssip/lib/RTCSession';
import type { RTCSessionEvent, UA, UnRegisteredEvent } from 'jssip/lib/UA';
import type { IncomingResponse } from 'jssip/lib/SIPMessage';
import { serverReason } from './server-reason.js';
import type {
  ReferHandlers,
  ReferOptions,
  SessionEnd,
  SipCredentials,
  SipSession,
  SipSessionEvents,
  SipUserAgent,
  SipUserAgentEvents,
} from './sip-stack.js';

/**
 * The browser's SIP stack: JsSIP behind our own {@link SipUserAgent} interface. This module is
 * loaded with `import()` after sign-in, so the sign-in page does not download JsSIP.
 */
export function createJsSipUserAgent(credentials: SipCredentials): Promise<SipUserAgent> {
  return Promise.resolve(new JsSipUserAgent(credentials));
}

/** JsSIP's DTMF transport names are a declared enum; at run time they are these strings. */
const rfc4733 = JsSIP.C.DTMF_TRANSPORT.RFC2833 as DTMFOptions['transportType'];

/** A voice phone: audio only, whatever the far side offers. */
const audioOnly: MediaStreamConstraints = { audio: true, video: false };

/** The server anchors all media and is reached directly, so no STUN or TURN server is used. */
const pcConfig: RTCConfiguration = { iceServers: [] };

function statusOf(message: unknown): number | null {
  if (typeof message === 'object' && message !== null && 'status_code' in message) {
    const code = (message as IncomingResponse).status_code;
    return typeof code === 'number' ? code : null;
  }
  return null;
}

function headerOf(message: unknown, name: string): string | null {
  if (typeof message === 'object' && message !== null && 'getHeader' in message) {
    const value = (message as IncomingResponse).getHeader(name);
    return typeof value === 'string' && value !== '' ? value : null;
  }
  return null;
}

function reasonPhraseOf(message: unknown): string | null {
  if (typeof message === 'object' && message !== null && 'reason_phrase' in message) {
    const phrase = (message as IncomingResponse).reason_phrase;
    return typeof phrase === 'string' ? phrase : null;
  }
  return null;
}

function originatorOf(value: unknown): SessionEnd['originator'] {
  const text = String(value);
  return text === 'local' || text === 'remote' ? text : 'system';
}

class JsSipUserAgent implements SipUserAgent {
  private readonly ua: UA;

  constructor(credentials: SipCredentials) {
    this.ua = new JsSIP.UA({
      sockets: [new JsSIP.WebSocketInterface(credentials.wsUrl)],
      uri: credentials.uri,
      authorization_user: credentials.authorizationUser,
      password: credentials.password,
      display_name: credentials.displayName,
      register: true,
      register_expires: 300,
      session_timers: false,
      // JsSIP's own transport recovery is the reconnect backoff: 2 s doubling to 30 s.
      connection_recovery_min_interval: 2,
      connection_recovery_max_interval: 30,
      user_agent: 'Switchboard Portal',
    });
  }

  start(): void {
    this.ua.start();
  }

  stop(): void {
    this.ua.stop();
  }

  register(): void {
    this.ua.register();
  }

  setCredentials(authorizationUser: string, password: string): void {
    this.ua.set('authorization_user', authorizationUser);
    this.ua.set('password', password);
  }

  call(target: string, microphone: MediaStream): SipSession {
    const session = this.ua.call(target, {
      mediaStream: microphone,
      mediaConstraints: audioOnly,
      rtcOfferConstraints: { offerToReceiveAudio: true, offerToReceiveVideo: false },
      pcConfig,
    });
    return new JsSipSession(session);
  }

  on<K extends keyof SipUserAgentEvents>(event: K, listener: (...args: SipUserAgentEvents[K]) => void): void {
    const emit = listener as (...args: unknown[]) => void;
    switch (event) {
      case 'connecting':
      case 'connected':
      case 'disconnected':
      case 'registered':
      case 'unregistered':
      case 'registrationExpiring':
        this.ua.on(event, () => emit());
        return;
      case 'registrationFailed':
        this.ua.on('registrationFailed', (e: UnRegisteredEvent) => emit({ statusCode: statusOf(e.response), cause: String(e.cause ?? 'Unknown') }));
        return;
      case 'incoming':
        this.ua.on('newRTCSession', (e: RTCSessionEvent) => {
          if (String(e.originator) === 'remote') emit(new JsSipSession(e.session));
        });
        return;
    }
  }
}

class JsSipSession implements SipSession {
  readonly direction: 'incoming' | 'outgoing';
  readonly remote: { name: string | null; number: string };
  private readonly remoteStreamListeners: ((stream: MediaStream) => void)[] = [];
  private remoteStream: MediaStream | null = null;

  constructor(private readonly session: RTCSession) {
    this.direction = String(session.direction) === 'incoming' ? 'incoming' : 'outgoing';
    const identity = session.remote_identity;
    const name = identity.display_name?.trim();
    this.remote = { name: name ? name : null, number: identity.uri.user ?? '' };
    if (session.connection) this.watch(session.connection);
    session.on('peerconnection', (e) => this.watch(e.peerconnection));
    // JsSIP sends its offer (or answer) when ICE gathering is complete, which waits for the TCP
    // candidates too (~100 ms). The server takes media over UDP only: the first UDP candidate is enough.
    session.on('icecandidate', (e) => {
      if (/ udp /i.test(e.candidate.candidate)) e.ready();
    });
  }

  private watch(pc: RTCPeerConnection): void {
    pc.addEventListener('track', (e) => {
      if (e.track.kind !== 'audio') return;
      const stream = e.streams[0] ?? new MediaStream([e.track]);
      this.remoteStream = stream;
      for (const listener of this.remoteStreamListeners) listener(stream);
    });
  }

  answer(microphone: MediaStream): void {
    this.session.answer({ mediaStream: microphone, mediaConstraints: audioOnly, pcConfig });
  }

  terminate(statusCode?: number, reason?: string): void {
    if (this.session.isEnded()) return;
    this.session.terminate(statusCode === undefined ? {} : { status_code: statusCode, reason_phrase: reason ?? '' });
  }

  hold(): boolean {
    return this.session.hold();
  }

  unhold(): boolean {
    return this.session.unhold();
  }

  sendDtmf(tone: string): void {
    this.session.sendDTMF(tone, { transportType: rfc4733, duration: 120, interToneGap: 70 });
  }

  /** The JsSIP session underneath, for a Replaces built from this call's dialog. */
  get rtcSession(): RTCSession {
    return this.session;
  }

  refer(target: string, handlers: ReferHandlers, options: ReferOptions = {}): void {
    const replaces = options.replaces instanceof JsSipSession ? options.replaces.rtcSession : undefined;
    this.session.refer(target, {
      ...(replaces ? { replaces } : {}),
      eventHandlers: {
        requestFailed: (e: { response?: unknown; cause?: string }) => {
          const status = statusOf(e.response);
          handlers.failed(status, e.cause ?? 'Rejected', serverReason(status, reasonPhraseOf(e.response), headerOf(e.response, 'Reason')));
        },
        accepted: () => handlers.accepted(),
        failed: (e: { status_line?: { status_code?: number; reason_phrase?: string } }) => {
          // The NOTIFY's sipfrag (RFC 3515 §2.4.5): the status line of the target's final response.
          const status = e.status_line?.status_code ?? null;
          const phrase = e.status_line?.reason_phrase ?? null;
          handlers.failed(status, phrase ?? 'Failed', serverReason(status, phrase, null));
        },
      },
    });
  }

  async replaceMicrophone(track: MediaStreamTrack): Promise<void> {
    const pc = this.session.connection;
    if (!pc) return;
    const sender = pc.getSenders().find((s) => s.track === null || s.track.kind === 'audio');
    if (sender) await sender.replaceTrack(track);
  }

  on<K extends keyof SipSessionEvents>(event: K, listener: (...args: SipSessionEvents[K]) => void): void {
    const emit = listener as (...args: unknown[]) => void;
    switch (event) {
      case 'progress':
      case 'accepted':
      case 'confirmed':
        this.session.on(event, () => emit());
        return;
      case 'conferenceRoom':
        this.session.on('accepted', (e: IncomingEvent | OutgoingEvent) => {
          const room = headerOf('response' in e ? e.response : null, 'X-Switchboard-Room');
          if (room) emit(room.trim());
        });
        return;
      case 'ended':
      case 'failed':
        this.session.on(event, (e: EndEvent) => {
          const statusCode = statusOf(e.message);
          const reason = serverReason(statusCode, reasonPhraseOf(e.message), headerOf(e.message, 'Reason'));
          const end: SessionEnd = { originator: originatorOf(e.originator), cause: e.cause, statusCode, reason };
          emit(end);
        });
        return;
      case 'hold':
      case 'unhold':
        this.session.on(event, (e: HoldEvent) => {
          if (String(e.originator) === 'local') emit();
        });
        return;
      case 'microphoneRestored':
        // JsSIP disables the sent track while a call is held (by either side) and enables it
        // again on resume, unaware of our mute.
        this.session.on('unhold', () => {
          const hold = this.session.isOnHold();
          if (!hold.local && !hold.remote) emit();
        });
        return;
      case 'remoteStream':
        this.remoteStreamListeners.push(emit);
        if (this.remoteStream) emit(this.remoteStream);
        return;
    }
  }
}

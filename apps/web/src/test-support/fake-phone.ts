/**
 * Test doubles for the phone engine's edges: a scripted SIP stack, a microphone, outputs,
 * ringtone, notifier and timers. Used by unit and component tests only (never by the app).
 */
import type { Me } from '@switchboard/api';
import { AudioDevices } from '../phone/audio-devices.js';
import type { AudioOutput } from '../phone/audio-output.js';
import { MicrophoneError } from '../phone/microphone.js';
import type { MicrophoneAccess, MicrophoneProblem } from '../phone/microphone.js';
import type { CallNotifier } from '../phone/notifications.js';
import { Phone } from '../phone/phone.js';
import type { Ringtone } from '../phone/ringtone.js';
import type {
  ReferHandlers,
  ReferOptions,
  SessionEnd,
  SipCredentials,
  SipSession,
  SipSessionEvents,
  SipUserAgent,
  SipUserAgentEvents,
} from '../phone/sip-stack.js';

type EventMap<E> = { [K in keyof E]: unknown[] };
type Listeners<E extends EventMap<E>> = { [K in keyof E]?: ((...args: E[K]) => void)[] };

class Emitter<E extends EventMap<E>> {
  private readonly listeners: Listeners<E> = {};
  on<K extends keyof E>(event: K, listener: (...args: E[K]) => void): void {
    (this.listeners[event] ??= []).push(listener);
  }
  emit<K extends keyof E>(event: K, ...args: E[K]): void {
    for (const listener of this.listeners[event] ?? []) listener(...args);
  }
}

export class FakeTrack {
  kind = 'audio';
  enabled = true;
  stopped = false;
  stop(): void {
    this.stopped = true;
  }
}

export function fakeStream(): MediaStream & { track: FakeTrack } {
  const track = new FakeTrack();
  return { track, getTracks: () => [track], getAudioTracks: () => [track] } as unknown as MediaStream & { track: FakeTrack };
}

export class FakeSession extends Emitter<SipSessionEvents> implements SipSession {
  answeredWith: MediaStream | null = null;
  terminated: { statusCode?: number; reason?: string } | null = null;
  holdRequests = 0;
  unholdRequests = 0;
  dtmf: string[] = [];
  refers: { target: string; handlers: ReferHandlers; options: ReferOptions }[] = [];
  replacedTracks: MediaStreamTrack[] = [];

  constructor(
    readonly direction: 'incoming' | 'outgoing',
    readonly remote: { name: string | null; number: string },
    readonly target = '',
  ) {
    super();
  }

  answer(microphone: MediaStream): void {
    this.answeredWith = microphone;
  }
  terminate(statusCode?: number, reason?: string): void {
    if (this.terminated) return;
    this.terminated = { statusCode, reason };
    // JsSIP reports our own hang-up from inside terminate(); tests that want that say so.
    if (this.reportsInline) this.emit('ended', { originator: 'local', cause: 'Terminated', statusCode: null });
  }
  /** Report our own hold, resume and hang-up from inside hold(), unhold() and terminate(), as JsSIP does. */
  reportsInline = false;
  hold(): boolean {
    this.holdRequests += 1;
    if (this.reportsInline) this.emit('hold');
    return true;
  }
  unhold(): boolean {
    this.unholdRequests += 1;
    if (this.reportsInline) this.emit('unhold');
    return true;
  }
  sendDtmf(tone: string): void {
    this.dtmf.push(tone);
  }
  refer(target: string, handlers: ReferHandlers, options: ReferOptions = {}): void {
    this.refers.push({ target, handlers, options });
  }

  replaceMicrophone(track: MediaStreamTrack): Promise<void> {
    this.replacedTracks.push(track);
    return Promise.resolve();
  }
  /** The far side ended or refused the call. */
  end(end: Partial<SessionEnd> = {}, established = true): void {
    this.emit(established ? 'ended' : 'failed', { originator: 'remote', cause: 'Terminated', statusCode: null, ...end });
  }
}

export class FakeUserAgent extends Emitter<SipUserAgentEvents> implements SipUserAgent {
  started = false;
  stopped = false;
  registerCalls = 0;
  credentials: { user: string; password: string };
  calls: FakeSession[] = [];
  /** Sessions made from now on report our own actions from inside the call, as JsSIP does. */
  reportsInline = false;

  constructor(readonly config: SipCredentials) {
    super();
    this.credentials = { user: config.authorizationUser, password: config.password };
  }
  start(): void {
    this.started = true;
  }
  stop(): void {
    this.stopped = true;
  }
  register(): void {
    this.registerCalls += 1;
  }
  setCredentials(user: string, password: string): void {
    this.credentials = { user, password };
  }
  call(target: string, _microphone: MediaStream): SipSession {
    const user = /^sip:([^@]+)@/.exec(target)?.[1] ?? '';
    const session = new FakeSession('outgoing', { name: null, number: user }, target);
    session.reportsInline = this.reportsInline;
    this.calls.push(session);
    return session;
  }
  /** Connects and registers, as a server that accepts us would. */
  comeUp(): void {
    this.emit('connecting');
    this.emit('connected');
    this.emit('registered');
  }
  ring(name: string | null, number: string): FakeSession {
    const session = new FakeSession('incoming', { name, number });
    session.reportsInline = this.reportsInline;
    this.emit('incoming', session);
    return session;
  }
}

export class FakeMicrophone implements MicrophoneAccess {
  problem: MicrophoneProblem | null = null;
  opened: (MediaStream & { track: FakeTrack })[] = [];
  requestedDevices: (string | null)[] = [];
  private permissionListeners: ((state: PermissionState) => void)[] = [];
  open(deviceId: string | null): Promise<MediaStream> {
    this.requestedDevices.push(deviceId);
    if (this.problem) return Promise.reject(new MicrophoneError(this.problem));
    const stream = fakeStream();
    this.opened.push(stream);
    return Promise.resolve(stream);
  }
  onPermissionChange(listener: (state: PermissionState) => void): void {
    this.permissionListeners.push(listener);
  }
  setPermission(state: PermissionState): void {
    for (const l of this.permissionListeners) l(state);
  }
}

export class FakeOutput implements AudioOutput {
  playing: MediaStream | null = null;
  device: string | null = null;
  blocked = false;
  play(stream: MediaStream): Promise<boolean> {
    this.playing = stream;
    return Promise.resolve(!this.blocked);
  }
  setDevice(deviceId: string | null): Promise<void> {
    this.device = deviceId;
    return Promise.resolve();
  }
  stop(): void {
    this.playing = null;
  }
}

export class FakeRingtone implements Ringtone {
  ringing = false;
  blocked = false;
  start(): Promise<boolean> {
    this.ringing = true;
    return Promise.resolve(!this.blocked);
  }
  stop(): void {
    this.ringing = false;
  }
  isBlocked(): boolean {
    return this.blocked;
  }
  unlock(): Promise<boolean> {
    this.blocked = false;
    return Promise.resolve(true);
  }
}

export class FakeNotifier implements CallNotifier {
  shown: string[] = [];
  open = false;
  state: NotificationPermission = 'default';
  permission(): NotificationPermission {
    return this.state;
  }
  request(): Promise<NotificationPermission> {
    this.state = 'granted';
    return Promise.resolve(this.state);
  }
  showIncoming(caller: string): void {
    this.shown.push(caller);
    this.open = true;
  }
  close(): void {
    this.open = false;
  }
}

/** Timers run by hand: `advance(ms)` fires what is due, in order. */
export class FakeTimers {
  now = Date.parse('2026-01-05T09:00:00Z');
  private queue: { at: number; id: number; callback: () => void }[] = [];
  private nextId = 1;
  setTimeout = (callback: () => void, ms: number): unknown => {
    const id = this.nextId++;
    this.queue.push({ at: this.now + ms, id, callback });
    return id;
  };
  clearTimeout = (handle: unknown): void => {
    this.queue = this.queue.filter((t) => t.id !== handle);
  };
  get pending(): number {
    return this.queue.length;
  }
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at);
      const next = this.queue[0];
      if (!next || next.at > until) break;
      this.queue.shift();
      this.now = next.at;
      next.callback();
      await flush();
    }
    this.now = until;
  }
}

export async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
  await new Promise((resolve) => setTimeout(resolve, 0));
}

export function meFixture(overrides: Partial<Me> = {}, expiresAt = '2026-01-05T10:00:00Z'): Me {
  return {
    user: { id: 'u1', name: 'Ada Lovelace', email: 'ada@example.test', role: 'user', canDialExternal: true },
    tenant: { id: 't1', name: 'Demo', sipDomain: 'demo.switchboard.test' },
    extension: '101',
    sip: {
      uri: 'sip:101@demo.switchboard.test',
      authorizationUser: '101',
      password: 'secret-1',
      displayName: 'Ada Lovelace',
      wsPath: '/sip',
      expiresAt,
    },
    ...overrides,
  };
}

export class MemoryStorage implements Storage {
  private map = new Map<string, string>();
  get length(): number {
    return this.map.size;
  }
  clear(): void {
    this.map.clear();
  }
  getItem(key: string): string | null {
    return this.map.get(key) ?? null;
  }
  key(index: number): string | null {
    return [...this.map.keys()][index] ?? null;
  }
  removeItem(key: string): void {
    this.map.delete(key);
  }
  setItem(key: string, value: string): void {
    this.map.set(key, value);
  }
}

export interface PhoneHarness {
  phone: Phone;
  ua: () => FakeUserAgent;
  uas: FakeUserAgent[];
  microphone: FakeMicrophone;
  speaker: FakeOutput;
  ringerOutput: FakeOutput;
  ringtone: FakeRingtone;
  notifier: FakeNotifier;
  timers: FakeTimers;
  storage: MemoryStorage;
  fetchMe: { calls: number; next: () => Promise<Me> };
}

/** A Phone wired to fakes; `await harness.phone.start(me)` then drive `harness.ua()`. */
export function phoneHarness(): PhoneHarness {
  const uas: FakeUserAgent[] = [];
  const microphone = new FakeMicrophone();
  const speaker = new FakeOutput();
  const ringerOutput = new FakeOutput();
  const ringtone = new FakeRingtone();
  const notifier = new FakeNotifier();
  const timers = new FakeTimers();
  const storage = new MemoryStorage();
  const fetchMe = { calls: 0, next: () => Promise.resolve(meFixture()) };
  const devices = new AudioDevices({ list: () => Promise.resolve([]), onChange: () => undefined, canChooseOutput: true }, storage);
  const phone = new Phone({
    loadSipStack: (credentials) => {
      const ua = new FakeUserAgent(credentials);
      uas.push(ua);
      return Promise.resolve(ua);
    },
    fetchMe: () => {
      fetchMe.calls += 1;
      return fetchMe.next();
    },
    microphone,
    devices,
    speaker,
    ringerOutput,
    ringtone,
    notifier,
    storage,
    now: () => timers.now,
    timers,
    wsUrl: (path) => `ws://portal.test${path}`,
  });
  return {
    phone,
    uas,
    ua: () => {
      const ua = uas.at(-1);
      if (!ua) throw new Error('no user agent was created');
      return ua;
    },
    microphone,
    speaker,
    ringerOutput,
    ringtone,
    notifier,
    timers,
    storage,
    fetchMe,
  };
}

import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import type { PortRange } from '../rtp/port-pool.js';
import { Leg } from './leg.js';
import { MediaError, MediaWorker } from './media-worker.js';
import { Mixer } from './mixer-handle.js';
import type { Command, LegKind, WorkerEvent, WorkerInit, WorkerStats } from './protocol.js';

export interface MediaEngineOptions {
  /** Media threads; default one per core. */
  workers?: number;
  /** RTP ports, split between the threads; 'ephemeral' lets the system pick (tests). Default [20000, 29999]. */
  rtpPortRange?: [number, number] | 'ephemeral';
  /** Address RTP sockets bind; default 0.0.0.0. */
  bindAddress?: string;
  /** Address written into SDP (c=, ICE candidates). */
  announcedAddress: string;
  /** Folder of prompts and music; default the package's own assets/. */
  assetsDir?: string;
  /** A leg reports `inactive` after this long without RTP; default 30 s. */
  inactivityTimeoutMs?: number;
  /** Region of call-progress tones: 'us', 'uk', 'eu' (see audio/tones.ts); default 'us'. */
  toneRegion?: string;
  /** Enables Leg fault injection for tests of fault isolation. */
  testHooks?: boolean;
  /**
   * Each thread loads the WebRTC stack and Opus and makes its DTLS certificate right after it
   * starts, in the background, instead of during the first browser call (which then took
   * seconds on a loaded machine: the callee's browser rang late). Default false: users of
   * plain RTP only never load werift.
   */
  prepareWebRtc?: boolean;
  /**
   * A media thread that answers nothing (not even the watchdog's ping) for this long is stuck:
   * it is ended and replaced, its legs reported closed. Default 10 s.
   */
  stallLimitMs?: number;
}

export interface CreateLegOptions {
  kind: LegKind;
  /**
   * Legs with the same group share a media thread while any of them lives (give both legs of
   * a call the call's id): bridging them then costs no cross-thread traffic.
   */
  group?: string;
  id?: string;
  /** Plain RTP legs: offer SDES-SRTP (RTP/SAVP) when this leg makes the offer. Offers with SRTP are always accepted. */
  srtp?: boolean;
}

/** A bridge between two legs; `close()` unbridges them (both legs stay open). */
export class Bridge {
  closed = false;
  constructor(
    readonly id: string,
    readonly a: Leg,
    readonly b: Leg,
    private readonly engine: MediaEngine,
  ) {}
  async close(): Promise<void> {
    await this.engine.unbridge(this.a);
  }
}

interface Part {
  worker: number;
  command: Command;
}

type Membership =
  | { kind: 'bridge'; bridge: Bridge; teardown: Part[] }
  | { kind: 'echo'; teardown: Part[] }
  | { kind: 'mixer'; mixer: Mixer; teardown: Part[] };

const DEFAULT_ASSETS = fileURLToPath(new URL('../../assets/', import.meta.url));

/**
 * The media engine as the PBX sees it, on the main thread: legs, bridges and conference
 * mixers whose media run on worker threads. See docs/media-engine.md.
 */
export class MediaEngine {
  private readonly workers: MediaWorker[] = [];
  private readonly legs = new Map<string, Leg>();
  private readonly mixers = new Map<string, Mixer>();
  private readonly memberships = new Map<string, Membership>();
  private readonly groups = new Map<string, { worker: number; members: number }>();
  private readonly legGroups = new Map<string, string>();
  private readonly inits: WorkerInit[] = [];
  private nextId = 1;
  private stopped = false;

  private constructor(private readonly options: MediaEngineOptions) {}

  static async start(options: MediaEngineOptions): Promise<MediaEngine> {
    const engine = new MediaEngine(options);
    await engine.startWorkers();
    return engine;
  }

  private async startWorkers(): Promise<void> {
    const count = Math.max(1, this.options.workers ?? availableParallelism());
    const range = this.options.rtpPortRange ?? [20000, 29999];
    for (let i = 0; i < count; i++) {
      this.inits.push({
        index: i,
        portRange: range === 'ephemeral' ? null : splitRange(range, count, i),
        bindAddress: this.options.bindAddress ?? '0.0.0.0',
        announcedAddress: this.options.announcedAddress,
        assetsDir: this.options.assetsDir ?? DEFAULT_ASSETS,
        inactivityTimeoutMs: this.options.inactivityTimeoutMs ?? 30_000,
        toneRegion: this.options.toneRegion ?? 'us',
        testHooks: this.options.testHooks ?? false,
        prepareWebRtc: this.options.prepareWebRtc ?? false,
      });
      this.workers.push(this.newWorker(i));
    }
    try {
      await Promise.all(this.workers.map((w, i) => w.start(this.inits[i]!)));
      await this.connectPeers();
    } catch (error) {
      await Promise.all(this.workers.map((w) => w.stop()));
      throw error;
    }
  }

  private newWorker(index: number): MediaWorker {
    return new MediaWorker(index, (w, e) => this.onWorkerEvent(w, e), (w, error) => void this.onWorkerExit(w, error), this.options.stallLimitMs);
  }

  /** One MessageChannel between every two threads, for packets and mixes that cross. */
  private async connectPeers(only?: number): Promise<void> {
    const jobs: Array<Promise<unknown>> = [];
    for (let i = 0; i < this.workers.length; i++) {
      for (let j = i + 1; j < this.workers.length; j++) {
        if (only !== undefined && i !== only && j !== only) continue;
        const { port1, port2 } = new MessageChannel();
        jobs.push(this.workers[i]!.request({ op: 'peer', worker: j, port: port1 }, [port1]));
        jobs.push(this.workers[j]!.request({ op: 'peer', worker: i, port: port2 }, [port2]));
      }
    }
    await Promise.all(jobs);
  }

  get threadCount(): number {
    return this.workers.length;
  }

  // ── legs ─────────────────────────────────────────────────────────────────────────────

  createLeg(options: CreateLegOptions): Leg {
    if (this.stopped) throw new MediaError('the media engine is stopped', 'stopped');
    const id = options.id ?? `leg-${this.nextId++}`;
    if (this.legs.has(id)) throw new MediaError(`a leg with id ${id} already exists`, 'duplicate-id');
    const worker = this.placeFor(options.group);
    const leg = new Leg(id, options.kind, worker.index, this);
    this.legs.set(id, leg);
    worker.load++;
    if (options.group !== undefined) this.legGroups.set(id, options.group);
    // Commands to one thread are handled in order, so the leg exists before any later command.
    worker.request({ op: 'createLeg', legId: id, kind: options.kind, ...(options.srtp ? { srtp: true } : {}) }).catch((error: unknown) => {
      leg.emit('error', error instanceof MediaError ? error : new MediaError(String(error)));
      this.legClosed(leg, 'failed to start');
    });
    return leg;
  }

  private placeFor(group: string | undefined): MediaWorker {
    const alive = this.workers.filter((w) => w.alive);
    if (alive.length === 0) throw new MediaError('no media thread is running', 'worker-down');
    if (group !== undefined) {
      const g = this.groups.get(group);
      const placed = g ? this.workers[g.worker] : undefined;
      if (g && placed?.alive) {
        g.members++;
        return placed;
      }
    }
    const least = alive.reduce((a, b) => (b.load < a.load ? b : a));
    if (group !== undefined) this.groups.set(group, { worker: least.index, members: 1 });
    return least;
  }

  async legRequest<C extends Command>(leg: Leg, command: C): Promise<unknown> {
    if (leg.closed) throw new MediaError(`leg ${leg.id} is closed`, 'leg-closed');
    return this.workers[leg.worker]!.request(command);
  }

  async closeLeg(leg: Leg, reason: string): Promise<void> {
    if (leg.closed) return;
    // The teardown's commands are queued before the close (commands to one thread run in order),
    // so both leave in the same message.
    const detached = this.detach(leg);
    const closed = this.workers[leg.worker]!.request({ op: 'closeLeg', legId: leg.id, reason }).catch(() => undefined);
    await Promise.all([detached, closed]);
    // The thread's `closed` event normally arrives first; make sure the handle is closed either way.
    this.legClosed(leg, reason);
  }

  private legClosed(leg: Leg, reason: string): void {
    if (leg.closed) return;
    leg.closed = true;
    leg.state = 'closed';
    this.legs.delete(leg.id);
    const worker = this.workers[leg.worker];
    if (worker) worker.load--;
    const group = this.legGroups.get(leg.id);
    if (group !== undefined) {
      this.legGroups.delete(leg.id);
      const g = this.groups.get(group);
      if (g && --g.members <= 0) this.groups.delete(group);
    }
    void this.detach(leg);
    leg.emit('closed', reason);
    leg.removeAllListeners();
  }

  // ── bridges, echo, conferences ───────────────────────────────────────────────────────

  /**
   * Connects two legs both ways (each leaves whatever it was in before). Same codec: packets
   * pass through; otherwise each direction is transcoded on the thread of the leg it feeds.
   */
  async bridge(a: Leg, b: Leg): Promise<Bridge> {
    if (a === b) throw new MediaError('a leg cannot be bridged to itself', 'bad-request');
    for (const leg of [a, b]) if (leg.closed) throw new MediaError(`leg ${leg.id} is closed`, 'leg-closed');
    await Promise.all([this.detach(a), this.detach(b)]);
    const id = `bridge-${this.nextId++}`;
    const ab = `${id}:${a.id}>${b.id}`;
    const ba = `${id}:${b.id}>${a.id}`;
    const bridge = new Bridge(id, a, b, this);
    const teardown: Part[] = [
      { worker: a.worker, command: { op: 'removeTap', tapId: ab } },
      { worker: b.worker, command: { op: 'removeTap', tapId: ba } },
      { worker: b.worker, command: { op: 'removeLink', linkId: ab } },
      { worker: a.worker, command: { op: 'removeLink', linkId: ba } },
    ];
    const membership: Membership = { kind: 'bridge', bridge, teardown };
    this.memberships.set(a.id, membership);
    this.memberships.set(b.id, membership);
    a.membership = b.membership = id;
    // Links and taps in one go (one message per thread): a tap whose link is not there yet on
    // another thread only drops the packets that arrive before it.
    try {
      await Promise.all([
        this.workers[b.worker]!.request({ op: 'addLink', linkId: ab, sinkLegId: b.id }),
        this.workers[a.worker]!.request({ op: 'addLink', linkId: ba, sinkLegId: a.id }),
        this.workers[a.worker]!.request({ op: 'addTap', tapId: ab, legId: a.id, target: { worker: b.worker, kind: 'link', id: ab } }),
        this.workers[b.worker]!.request({ op: 'addTap', tapId: ba, legId: b.id, target: { worker: a.worker, kind: 'link', id: ba } }),
      ]);
    } catch (error) {
      await this.detach(a);
      throw error;
    }
    return bridge;
  }

  /** Undoes the bridge `leg` is in (if any); both legs stay open and hear nothing. */
  async unbridge(leg: Leg): Promise<void> {
    if (this.memberships.get(leg.id)?.kind === 'bridge') await this.detach(leg);
  }

  async echo(leg: Leg, enabled: boolean): Promise<void> {
    if (leg.closed) throw new MediaError(`leg ${leg.id} is closed`, 'leg-closed');
    await this.detach(leg);
    if (!enabled) return;
    const linkId = `echo-${this.nextId++}:${leg.id}`;
    const w = this.workers[leg.worker]!;
    this.memberships.set(leg.id, { kind: 'echo', teardown: [{ worker: leg.worker, command: { op: 'removeTap', tapId: linkId } }, { worker: leg.worker, command: { op: 'removeLink', linkId } }] });
    leg.membership = linkId;
    await w.request({ op: 'addLink', linkId, sinkLegId: leg.id });
    await w.request({ op: 'addTap', tapId: linkId, legId: leg.id, target: { worker: leg.worker, kind: 'link', id: linkId } });
  }

  createMixer(options: { group?: string; id?: string } = {}): Mixer {
    if (this.stopped) throw new MediaError('the media engine is stopped', 'stopped');
    const id = options.id ?? `mixer-${this.nextId++}`;
    const worker = this.placeFor(options.group);
    worker.load += 2;
    const mixer = new Mixer(id, worker.index, this);
    this.mixers.set(id, mixer);
    worker.request({ op: 'createMixer', mixerId: id }).catch((error: unknown) => {
      mixer.emit('error', error instanceof MediaError ? error : new MediaError(String(error)));
      void this.mixerClose(mixer);
    });
    return mixer;
  }

  async mixerAdd(mixer: Mixer, leg: Leg): Promise<void> {
    if (mixer.closed) throw new MediaError(`mixer ${mixer.id} is closed`, 'mixer-closed');
    if (leg.closed) throw new MediaError(`leg ${leg.id} is closed`, 'leg-closed');
    if (mixer.participants.has(leg)) return;
    await this.detach(leg);
    const tapId = `${mixer.id}:${leg.id}`;
    const rate = leg.negotiated?.codecs[0]?.clockRate ?? 8000;
    this.memberships.set(leg.id, {
      kind: 'mixer',
      mixer,
      teardown: [
        { worker: leg.worker, command: { op: 'removeTap', tapId } },
        { worker: mixer.worker, command: { op: 'mixerRemove', mixerId: mixer.id, legId: leg.id } },
        { worker: leg.worker, command: { op: 'setFeed', legId: leg.id, feed: null } },
      ],
    });
    leg.membership = mixer.id;
    mixer.participants.add(leg);
    await this.workers[mixer.worker]!.request({ op: 'mixerAdd', mixerId: mixer.id, legId: leg.id, legWorker: leg.worker, rate });
    const w = this.workers[leg.worker]!;
    await w.request({ op: 'setFeed', legId: leg.id, feed: `mixer:${mixer.id}` });
    await w.request({ op: 'addTap', tapId, legId: leg.id, target: { worker: mixer.worker, kind: 'mixer', id: mixer.id, participant: leg.id } });
  }

  async mixerRemove(mixer: Mixer, leg: Leg): Promise<void> {
    const m = this.memberships.get(leg.id);
    if (m?.kind === 'mixer' && m.mixer === mixer) await this.detach(leg);
  }

  async mixerMute(mixer: Mixer, leg: Leg, muted: boolean): Promise<void> {
    if (!mixer.participants.has(leg)) throw new MediaError(`leg ${leg.id} is not in mixer ${mixer.id}`, 'not-a-participant');
    if (muted) mixer.muted.add(leg);
    else mixer.muted.delete(leg);
    await this.workers[mixer.worker]!.request({ op: 'mixerMute', mixerId: mixer.id, legId: leg.id, muted });
  }

  async mixerClose(mixer: Mixer): Promise<void> {
    if (mixer.closed) return;
    mixer.closed = true;
    await Promise.all([...mixer.participants].map((leg) => this.detach(leg)));
    this.mixers.delete(mixer.id);
    const worker = this.workers[mixer.worker];
    if (worker) worker.load -= 2;
    await worker?.request({ op: 'closeMixer', mixerId: mixer.id }).catch(() => undefined);
    mixer.emit('closed');
    mixer.removeAllListeners();
  }

  /** Takes a leg out of its bridge, echo or conference. */
  async detach(leg: Leg): Promise<void> {
    const membership = this.memberships.get(leg.id);
    if (!membership) return;
    const legs = membership.kind === 'bridge' ? [membership.bridge.a, membership.bridge.b] : [leg];
    for (const l of legs) {
      this.memberships.delete(l.id);
      l.membership = null;
    }
    if (membership.kind === 'bridge') membership.bridge.closed = true;
    if (membership.kind === 'mixer') {
      membership.mixer.participants.delete(leg);
      membership.mixer.muted.delete(leg);
    }
    // Best effort: a part on a thread that died, or already gone, is nothing to undo.
    await Promise.all(membership.teardown.map(async (p) => this.workers[p.worker]?.request(p.command).catch(() => undefined)));
  }

  // ── events and failures ──────────────────────────────────────────────────────────────

  private onWorkerEvent(_worker: MediaWorker, e: WorkerEvent): void {
    if (e.event === 'leg') {
      const leg = this.legs.get(e.legId);
      if (!leg) return;
      switch (e.name) {
        case 'dtmf':
          leg.emit('dtmf', e.digit);
          break;
        case 'inactive':
          leg.emit('inactive', e.silentMs);
          break;
        case 'state':
          leg.state = e.state;
          leg.emit('state', e.state);
          break;
        case 'negotiated':
          leg.negotiated = e.negotiated;
          break;
        case 'error':
          leg.emit('error', MediaError.from(e.error));
          break;
        case 'closed':
          this.legClosed(leg, e.reason);
          break;
      }
    } else if (e.event === 'mixer') {
      const mixer = this.mixers.get(e.mixerId);
      if (!mixer) return;
      if (e.name === 'speaking') {
        const leg = this.legs.get(e.legId);
        if (!leg) return;
        mixer.emit('speaking', leg, e.speaking);
        leg.emit('speaking', e.speaking);
      } else {
        mixer.emit('error', MediaError.from(e.error));
        void this.mixerClose(mixer);
      }
    }
  }

  /** A media thread died: its legs and mixers are gone (reported), a fresh thread takes its place. */
  private async onWorkerExit(worker: MediaWorker, error: Error): Promise<void> {
    if (this.stopped) return;
    const failure = new MediaError(`media thread ${worker.index} failed: ${error.message}`, 'worker-down');
    for (const leg of [...this.legs.values()]) {
      if (leg.worker !== worker.index) continue;
      leg.emit('error', failure);
      this.legClosed(leg, 'media thread failed');
    }
    for (const mixer of [...this.mixers.values()]) {
      if (mixer.worker !== worker.index) continue;
      mixer.emit('error', failure);
      await this.mixerClose(mixer);
    }
    for (const [group, g] of this.groups) if (g.worker === worker.index) this.groups.delete(group);
    const replacement = this.newWorker(worker.index);
    this.workers[worker.index] = replacement;
    try {
      await replacement.start(this.inits[worker.index]!);
      await this.connectPeers(worker.index);
    } catch {
      // Stays down; placeFor() skips it.
    }
  }

  /** Test hook: kills a media thread as a native crash would. */
  async crashThreadForTest(index: number): Promise<void> {
    if (!this.options.testHooks) throw new MediaError('crash injection needs testHooks', 'bad-request');
    await this.workers[index]?.terminate();
  }

  /** Test hook: thread `index` stops answering, stuck in code that never returns. */
  async hangThreadForTest(index: number): Promise<void> {
    if (!this.options.testHooks) throw new MediaError('fault injection needs testHooks', 'bad-request');
    await this.workers[index]!.request({ op: 'injectHang' });
  }

  /** Test hook: the leg's next incoming packet throws inside its media thread. */
  async injectLegFault(leg: Leg): Promise<void> {
    await this.workers[leg.worker]!.request({ op: 'injectFault', legId: leg.id });
  }

  async stats(): Promise<WorkerStats[]> {
    const replies: Array<Promise<WorkerStats>> = this.workers.filter((w) => w.alive).map((w) => w.request({ op: 'stats' }));
    return Promise.all(replies);
  }

  /** Closes every leg and mixer and ends the media threads; safe twice. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const mixer of [...this.mixers.values()]) {
      mixer.closed = true;
      mixer.emit('closed');
    }
    await Promise.all(this.workers.map((w) => w.stop()));
    for (const leg of [...this.legs.values()]) this.legClosed(leg, 'engine stopped');
    this.mixers.clear();
    this.memberships.clear();
  }
}

/** Thread `i` of `n` gets its own slice of the RTP range (even-aligned), so threads never compete for a port. */
export function splitRange([min, max]: [number, number], n: number, i: number): PortRange {
  const size = Math.floor((max - min + 1) / n);
  if (size < 2) throw new RangeError(`RTP port range ${min}-${max} is too small for ${n} media threads`);
  const start = min + i * size;
  const end = i === n - 1 ? max : start + size - 1;
  return { min: start, max: end };
}

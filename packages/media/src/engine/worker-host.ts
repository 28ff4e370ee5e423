import { isAbsolute, join } from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import { FileSource, SequenceSource, ToneSource, loadWav, type AudioSource } from '../audio/audio-source.js';
import { opus } from '../codecs/opus-wasm.js';
import { toneSpec } from '../audio/tones.js';
import { RtpPortPool } from '../rtp/port-pool.js';
import { createRtpTransport } from '../rtp/rtp-transport.js';
import { Link } from '../session/link.js';
import { MediaClock } from '../session/media-clock.js';
import { MediaLeg, type SourcePacket } from '../session/media-leg.js';
import { Mixer } from '../session/mixer.js';
import { Recorder, type RecordingOptions, type RecordingResult } from '../session/recorder.js';
import type { MediaTransport } from '../transport/types.js';
import type { WebRtcTransportOptions } from '../webrtc/index.js';
import { serializeError, type Command, type LegKind, type PeerMessage, type PlaySource, type Reply, type Request, type TapTarget, type WorkerEvent, type WorkerInit, type WorkerStats } from './protocol.js';

export class LegClosedError extends Error {
  constructor(legId: string) {
    super(`leg ${legId} is closed`);
    this.name = 'LegClosedError';
  }
}

type Post = (message: Reply | WorkerEvent) => void;

/**
 * Everything a media thread owns — legs, bridge links, mixers, taps, recorders — and the
 * handling of the main thread's commands. A fault in one leg (an exception anywhere in its
 * packet path or clock task) closes that leg and is reported; the thread and its other legs
 * carry on.
 */
export class WorkerHost {
  private init: WorkerInit | null = null;
  private pool: RtpPortPool | null = null;
  readonly clock = new MediaClock();
  private readonly legs = new Map<string, MediaLeg>();
  private readonly pendingLegs = new Map<string, Promise<MediaLeg>>();
  private readonly links = new Map<string, Link>();
  private readonly taps = new Map<string, { legId: string; fn: (sp: SourcePacket) => void }>();
  private readonly mixers = new Map<string, Mixer>();
  private readonly recorders = new Map<string, Recorder>();
  private readonly peers = new Map<number, MessagePort>();
  private inactivityTimer: NodeJS.Timeout | null = null;
  private webrtcFactory: Promise<(options: WebRtcTransportOptions) => MediaTransport> | null = null;

  constructor(private readonly post: Post) {}

  async handle(request: Request): Promise<void> {
    try {
      const result = await this.run(request.command);
      this.post({ id: request.id, ok: true, result });
    } catch (error) {
      this.post({ id: request.id, ok: false, error: serializeError(error) });
    }
  }

  private get settings(): WorkerInit {
    if (!this.init) throw new Error('media thread used before init');
    return this.init;
  }

  private async run(c: Command): Promise<unknown> {
    switch (c.op) {
      case 'init':
        return this.start(c.init);
      case 'peer':
        this.peers.get(c.worker)?.close();
        this.peers.set(c.worker, c.port);
        c.port.on('message', (m: PeerMessage) => this.onPeer(m));
        return null;
      case 'createLeg':
        return this.createLeg(c.legId, c.kind, c.srtp === true).then(() => null);
      case 'createOffer':
        return (await this.leg(c.legId)).createOffer(c.options);
      case 'applyAnswer':
        return (await this.leg(c.legId)).applyAnswer(c.sdp);
      case 'answerOffer':
        return (await this.leg(c.legId)).answerOffer(c.sdp, c.options);
      case 'play':
        return (await this.leg(c.legId)).play(this.source(c.source, c.loop));
      case 'stopPlayback':
        this.legs.get(c.legId)?.stopPlayback();
        return null;
      case 'record':
        return this.record(c.legId, c.path, c.options);
      case 'stopRecording':
        this.recorders.get(c.legId)?.stop();
        return null;
      case 'sendDtmf':
        return (await this.leg(c.legId)).sendDtmf(c.digits).then(() => null);
      case 'setFeed': {
        const leg = this.legs.get(c.legId);
        if (leg && (c.feed !== null || leg.currentFeed?.startsWith('mixer:'))) leg.setFeed(c.feed);
        return null;
      }
      case 'closeLeg':
        await this.pendingLegs.get(c.legId)?.catch(() => undefined);
        this.legs.get(c.legId)?.close(c.reason);
        return null;
      case 'addLink': {
        const sink = await this.leg(c.sinkLegId);
        this.links.get(c.linkId)?.close();
        this.links.set(c.linkId, new Link(c.linkId, sink, this.clock, (error) => this.failLeg(sink.id, error)));
        return null;
      }
      case 'removeLink':
        this.links.get(c.linkId)?.close();
        this.links.delete(c.linkId);
        return null;
      case 'addTap': {
        const leg = await this.leg(c.legId);
        this.removeTap(c.tapId);
        const fn = this.tapFor(c.target);
        leg.addTap(fn);
        this.taps.set(c.tapId, { legId: c.legId, fn });
        return null;
      }
      case 'removeTap':
        this.removeTap(c.tapId);
        return null;
      case 'createMixer':
        this.mixers.set(c.mixerId, this.createMixer(c.mixerId));
        return null;
      case 'closeMixer':
        this.mixers.get(c.mixerId)?.close();
        this.mixers.delete(c.mixerId);
        return null;
      case 'mixerAdd': {
        const mixer = this.mixers.get(c.mixerId);
        if (!mixer) throw new Error(`mixer ${c.mixerId} does not exist`);
        mixer.add(c.legId, c.rate, this.mixOutput(c.mixerId, c.legId, c.legWorker));
        return null;
      }
      case 'mixerRemove':
        this.mixers.get(c.mixerId)?.remove(c.legId);
        return null;
      case 'mixerMute':
        this.mixers.get(c.mixerId)?.setMuted(c.legId, c.muted);
        return null;
      case 'stats':
        return this.stats();
      case 'ping':
        return null;
      case 'injectFault':
        return this.injectFault(c.legId);
      case 'injectHang':
        return this.injectHang();
    }
  }

  private start(init: WorkerInit): WorkerEvent {
    this.init = init;
    this.pool = new RtpPortPool(init.portRange);
    this.inactivityTimer = setInterval(() => {
      const now = performance.now();
      for (const leg of this.legs.values()) leg.checkInactivity(now, init.inactivityTimeoutMs);
    }, 1000);
    this.inactivityTimer.unref();
    if (init.prepareWebRtc) void this.prepareWebRtc();
    return { event: 'ready', webrtc: null };
  }

  /** Readies what the first browser call would otherwise wait for; a failure shows on that call instead. */
  private async prepareWebRtc(): Promise<void> {
    try {
      opus();
      await this.webrtc();
      const module = await import('../webrtc/index.js');
      await module.prepareWebRtc();
    } catch {
      // createLeg({ kind: 'webrtc' }) reports the same error to whoever needs WebRTC
    }
  }

  // ── legs ─────────────────────────────────────────────────────────────────────────────

  private async leg(legId: string): Promise<MediaLeg> {
    const leg = this.legs.get(legId) ?? (await this.pendingLegs.get(legId));
    if (!leg || leg.closed) throw new LegClosedError(legId);
    return leg;
  }

  private createLeg(legId: string, kind: LegKind, srtp: boolean): Promise<MediaLeg> {
    const creating = (async () => {
      const transport = kind === 'rtp' ? this.rtpTransport(legId, srtp) : (await this.webrtc())(this.webrtcOptions(legId));
      const leg = new MediaLeg(legId, transport, this.clock, (error) => this.failLeg(legId, error));
      leg.events.on('dtmf', (digit) => this.post({ event: 'leg', legId, name: 'dtmf', digit }));
      leg.events.on('inactive', (silentMs) => this.post({ event: 'leg', legId, name: 'inactive', silentMs }));
      leg.events.on('state', (state) => this.post({ event: 'leg', legId, name: 'state', state }));
      leg.events.on('negotiated', (negotiated) => this.post({ event: 'leg', legId, name: 'negotiated', negotiated }));
      leg.events.on('closed', (reason) => {
        this.forgetLeg(legId);
        this.post({ event: 'leg', legId, name: 'closed', reason });
      });
      this.legs.set(legId, leg);
      return leg;
    })();
    this.pendingLegs.set(legId, creating);
    const cleanup = (): void => {
      this.pendingLegs.delete(legId);
    };
    creating.then(cleanup, cleanup);
    return creating;
  }

  private rtpTransport(legId: string, srtp: boolean): MediaTransport {
    const init = this.settings;
    return createRtpTransport({ id: legId, bindAddress: init.bindAddress, announcedAddress: init.announcedAddress, ports: this.pool!, srtp });
  }

  private webrtcOptions(legId: string): WebRtcTransportOptions {
    const init = this.settings;
    return {
      id: legId,
      announcedAddresses: [init.announcedAddress],
      ...(init.bindAddress !== '0.0.0.0' && init.bindAddress !== '::' ? { bindAddress: init.bindAddress } : {}),
      // One pool per thread for both kinds, so a WebRTC and a plain leg never race for a port.
      portPool: this.pool!,
    };
  }

  /** The WebRTC transport module, loaded on first use (werift is large; plain-RTP-only threads never load it). */
  private webrtc(): Promise<(options: WebRtcTransportOptions) => MediaTransport> {
    this.webrtcFactory ??= import('../webrtc/index.js').then(
      (module) => (options: WebRtcTransportOptions) => module.createWebRtcTransport(options),
      (error: unknown) => {
        this.webrtcFactory = null;
        throw new Error(`WebRTC legs are not available: ${error instanceof Error ? error.message : String(error)}`);
      },
    );
    return this.webrtcFactory;
  }

  /** A leg's own code threw: report it, close that leg only. */
  private failLeg(legId: string, error: unknown): void {
    const leg = this.legs.get(legId);
    if (!leg || leg.closed) return;
    this.post({ event: 'leg', legId, name: 'error', error: serializeError(error) });
    try {
      leg.close('error');
    } catch {
      // closing must not fail twice; the leg is gone either way
      this.forgetLeg(legId);
    }
  }

  private forgetLeg(legId: string): void {
    this.legs.delete(legId);
    for (const [id, link] of this.links) {
      if (link.sink.id === legId) {
        link.close();
        this.links.delete(id);
      }
    }
    for (const [id, tap] of this.taps) if (tap.legId === legId) this.taps.delete(id);
    this.recorders.get(legId)?.stop('hangup');
    this.recorders.delete(legId);
  }

  private source(source: PlaySource, loop: boolean): AudioSource {
    const init = this.settings;
    const path = (file: string): string => (isAbsolute(file) ? file : join(init.assetsDir, file));
    if ('tone' in source) return new ToneSource(toneSpec(source.tone, source.region ?? init.toneRegion));
    if ('file' in source) return new FileSource(loadWav(path(source.file)), loop);
    return new SequenceSource(source.files.map((f) => new FileSource(loadWav(path(f)), false)));
  }

  private async record(legId: string, path: string, options: RecordingOptions): Promise<RecordingResult> {
    const leg = await this.leg(legId);
    if (this.recorders.has(legId)) throw new Error(`leg ${legId} is already recording`);
    const recorder = new Recorder(leg, path, options, this.clock);
    this.recorders.set(legId, recorder);
    try {
      await recorder.start();
      return await recorder.done;
    } finally {
      if (this.recorders.get(legId) === recorder) this.recorders.delete(legId);
    }
  }

  // ── taps, links, mixers across threads ───────────────────────────────────────────────

  private tapFor(target: TapTarget): (sp: SourcePacket) => void {
    if (target.worker === this.settings.index) return (sp) => this.deliver(target, sp);
    return (sp) => {
      const port = this.peers.get(target.worker);
      if (!port) return;
      const p = sp.packet;
      const packet = { payloadType: p.payloadType, sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, ssrc: p.ssrc, marker: p.marker, payload: new Uint8Array(p.payload) };
      const message: PeerMessage = { t: 'src', target, packet, codec: sp.codec, eventRate: sp.eventRate };
      port.postMessage(message, [packet.payload.buffer]);
    };
  }

  private deliver(target: TapTarget, sp: SourcePacket): void {
    if (target.kind === 'link') this.links.get(target.id)?.onSource(sp);
    else if (target.participant !== undefined) this.mixers.get(target.id)?.onSource(target.participant, sp);
  }

  private removeTap(tapId: string): void {
    const tap = this.taps.get(tapId);
    if (!tap) return;
    this.legs.get(tap.legId)?.removeTap(tap.fn);
    this.taps.delete(tapId);
  }

  private onPeer(message: PeerMessage): void {
    try {
      if (message.t === 'src') {
        const p = message.packet;
        const payload = Buffer.from(p.payload.buffer, p.payload.byteOffset, p.payload.byteLength);
        this.deliver(message.target, { packet: { ...p, payload }, codec: message.codec, eventRate: message.eventRate });
      } else {
        this.legs.get(message.legId)?.sendPcm(`mixer:${message.mixerId}`, message.pcm, message.rate);
      }
    } catch (error) {
      // A bad message for one leg or mixer must not stop the port.
      const legId = message.t === 'mix' ? message.legId : message.target.kind === 'link' ? this.links.get(message.target.id)?.sink.id : undefined;
      if (legId) this.failLeg(legId, error);
    }
  }

  private createMixer(mixerId: string): Mixer {
    this.mixers.get(mixerId)?.close();
    const mixer: Mixer = new Mixer(
      mixerId,
      this.clock,
      { speaking: (legId, speaking) => this.post({ event: 'mixer', mixerId, name: 'speaking', legId, speaking }) },
      (error) => {
        this.post({ event: 'mixer', mixerId, name: 'error', error: serializeError(error) });
        mixer.close();
        this.mixers.delete(mixerId);
      },
    );
    return mixer;
  }

  private mixOutput(mixerId: string, legId: string, legWorker: number): (pcm: Int16Array, rate: number) => void {
    const feeder = `mixer:${mixerId}`;
    if (legWorker === this.settings.index) {
      return (pcm, rate) => this.legs.get(legId)?.sendPcm(feeder, pcm, rate);
    }
    return (pcm, rate) => {
      const message: PeerMessage = { t: 'mix', legId, mixerId, pcm, rate };
      this.peers.get(legWorker)?.postMessage(message);
    };
  }

  private stats(): WorkerStats {
    let relayed = 0;
    let transcoded = 0;
    for (const link of this.links.values()) {
      relayed += link.relayed;
      transcoded += link.transcoded;
    }
    return {
      index: this.settings.index,
      legs: this.legs.size,
      links: this.links.size,
      mixers: this.mixers.size,
      taps: this.taps.size,
      clockTasks: this.clock.size,
      ticks: this.clock.ticks,
      lateTicks: this.clock.lateTicks,
      clockBusyMs: Math.round(this.clock.busyMs),
      longestTickMs: +this.clock.longestTickMs.toFixed(2),
      worstStartLagMs: +this.clock.worstStartLagMs.toFixed(2),
      relayed,
      transcoded,
    };
  }

  /** Test hook (engine option `testHooks`): the leg's next packet or tick throws, as a bug would. */
  private async injectFault(legId: string): Promise<null> {
    if (!this.settings.testHooks) throw new Error('fault injection is off (engine option testHooks)');
    const leg = await this.leg(legId);
    leg.addTap(() => {
      throw new Error(`injected fault in leg ${legId}`);
    });
    return null;
  }

  /**
   * Test hook (engine option `testHooks`): from the next tick on, the clock's work takes one and a
   * half periods, as on a thread with more legs than it can serve.
   */
  private injectHang(): null {
    if (!this.settings.testHooks) throw new Error('fault injection is off (engine option testHooks)');
    // After this reply has gone out, the thread never returns to its event loop again.
    setTimeout(() => {
      for (;;) {
        // a bug that never ends
      }
    }, 50);
    return null;
  }

  shutdown(): void {
    for (const leg of [...this.legs.values()]) leg.close('engine stopped');
    for (const mixer of this.mixers.values()) mixer.close();
    for (const link of this.links.values()) link.close();
    this.mixers.clear();
    this.links.clear();
    this.clock.stop();
    if (this.inactivityTimer) clearInterval(this.inactivityTimer);
    for (const port of this.peers.values()) port.close();
    this.peers.clear();
    this.pool?.close();
  }
}

import { createEncoder, encoderInputRate, sameEncoding, type AudioEncoder } from '../codecs/codec.js';
import { Resampler } from '../codecs/resampler.js';
import { ToneSource, SilenceSource, SequenceSource, type AudioSource } from '../audio/audio-source.js';
import { DTMF_FREQUENCIES } from '../audio/tones.js';
import { dtmfDigitToEvent, dtmfEventToDigit, parseTelephoneEvent, serializeTelephoneEvent } from '../rtp/telephone-event.js';
import { canSend } from '../sdp/negotiate.js';
import type { AudioCodec, MediaTransport, NegotiatedAudio, OfferOptions, RtpPacket, TransportState } from '../transport/types.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { ClockTask, MediaClock } from './media-clock.js';
import { OutboundStream } from './outbound-stream.js';

/** An incoming packet with what the source leg's negotiation says it is. */
export interface SourcePacket {
  packet: RtpPacket;
  /** The audio codec of its payload type; null for telephone-event and unknown types. */
  codec: AudioCodec | null;
  /** For an RFC 4733 packet, the event clock rate; null otherwise. */
  eventRate: number | null;
}

export type PlaybackEnd = 'done' | 'stopped' | 'replaced' | 'closed';

export interface MediaLegEvents {
  dtmf: (digit: string) => void;
  inactive: (silentMs: number) => void;
  state: (state: TransportState) => void;
  negotiated: (negotiated: NegotiatedAudio) => void;
  closed: (reason: string) => void;
}

const DTMF_TONE_FRAMES = 5; // 100 ms of tone per digit
const DTMF_END_REPEATS = 3; // RFC 4733 §2.5.1.4: the final packet is sent three times
const DTMF_GAP_FRAMES = 4; // 80 ms between digits
const DTMF_VOLUME = 10; // -10 dBm0

interface DtmfJob {
  digit: string;
  frame: number;
  inband: AudioSource | null;
  done: () => void;
}

/**
 * A leg as the media thread sees it: one transport, the single outbound stream the far end
 * hears, and the taps through which its incoming packets reach bridges, mixers and recorders.
 *
 * What the far end hears is decided here, highest first: an in-band DTMF burst we send, a
 * player (tone, prompt, hold music), then the leg's feed (the bridge or mixer it is in).
 * Whatever feeds it, the outbound stream keeps one SSRC and continuous numbering.
 */
export class MediaLeg {
  readonly events = new TypedEmitter<MediaLegEvents>();
  private outbound: OutboundStream | null = null;
  private encoder: AudioEncoder | null = null;
  private encoderCodec: AudioCodec | null = null;
  private readonly resamplers = new Map<string, Resampler>();
  /** Replaced, never changed in place: a tap may come or go while a packet is being handed out. */
  private taps: readonly ((sp: SourcePacket) => void)[] = [];
  private feed: string | null = null;
  private lastProducer = '';
  // Producer names, built once per feeder rather than once per packet.
  private relayFeeder = '';
  private relayProducer = '';
  private pcmFeeder = '';
  private pcmProducer = '';
  private playback: { source: AudioSource; done: (end: PlaybackEnd) => void } | null = null;
  private readonly dtmfJobs: DtmfJob[] = [];
  private dtmfCounter = 0;
  private ptCache: { negotiated: NegotiatedAudio | null; payloadType: number; codec: AudioCodec | null } = { negotiated: null, payloadType: -1, codec: null };
  private lastInboundEvent = -1;
  private lastRelayedInband = -1;
  private lastInboundAt = performance.now();
  /** Packets received; the inactivity check notes when this last moved (no clock read per packet). */
  private inboundCount = 0;
  private inboundCountSeen = 0;
  private inactiveReported = false;
  private closedFlag = false;
  private readonly task: ClockTask;

  constructor(
    readonly id: string,
    readonly transport: MediaTransport,
    private readonly clock: MediaClock,
    /** Called when code of this leg threw: the owner closes the leg and reports. */
    private readonly fail: (error: unknown) => void,
  ) {
    this.task = { tick: (now) => this.tick(now), failed: (error) => this.fail(error) };
    transport.on('rtp', (packet) => {
      try {
        this.onRtp(packet);
      } catch (error) {
        this.fail(error);
      }
    });
    transport.on('state', (state) => this.events.emit('state', state));
  }

  get closed(): boolean {
    return this.closedFlag;
  }
  get negotiated(): NegotiatedAudio | null {
    return this.transport.negotiated;
  }
  /** The codec we send (the first negotiated), or null before negotiation. */
  get sendCodec(): AudioCodec | null {
    return this.transport.negotiated?.codecs[0] ?? null;
  }
  get sendEvent(): AudioCodec | null {
    return this.transport.negotiated?.telephoneEvent ?? null;
  }
  get ssrc(): number | null {
    return this.outbound?.ssrc ?? null;
  }

  async createOffer(options?: OfferOptions): Promise<string> {
    return this.transport.createOffer(options);
  }
  async applyAnswer(sdp: string): Promise<NegotiatedAudio> {
    const negotiated = await this.transport.applyAnswer(sdp);
    this.settled(negotiated);
    return negotiated;
  }
  async answerOffer(sdp: string, options?: OfferOptions): Promise<{ answer: string; negotiated: NegotiatedAudio }> {
    const result = await this.transport.answerOffer(sdp, options);
    this.settled(result.negotiated);
    return result;
  }

  private settled(negotiated: NegotiatedAudio): void {
    const codec = negotiated.codecs[0];
    if (codec) {
      if (!this.outbound) this.outbound = new OutboundStream(codec.clockRate);
      else this.outbound.setClockRate(codec.clockRate);
    }
    this.lastInboundAt = performance.now();
    this.inactiveReported = false;
    this.events.emit('negotiated', negotiated);
  }

  // ── inbound ──────────────────────────────────────────────────────────────────────────

  addTap(tap: (sp: SourcePacket) => void): void {
    if (!this.taps.includes(tap)) this.taps = [...this.taps, tap];
  }
  removeTap(tap: (sp: SourcePacket) => void): void {
    this.taps = this.taps.filter((t) => t !== tap);
  }

  private onRtp(packet: RtpPacket): void {
    if (this.closedFlag) return;
    this.inboundCount++;
    const negotiated = this.transport.negotiated;
    if (!negotiated) return;
    const te = negotiated.telephoneEvent;
    let sp: SourcePacket;
    if (te && packet.payloadType === te.payloadType) {
      sp = { packet, codec: null, eventRate: te.clockRate };
      this.detectDtmf(packet);
    } else {
      // Payload type → codec, looked up again only when the type or the negotiation changes.
      if (this.ptCache.negotiated !== negotiated || this.ptCache.payloadType !== packet.payloadType) {
        this.ptCache = { negotiated, payloadType: packet.payloadType, codec: negotiated.codecs.find((c) => c.payloadType === packet.payloadType) ?? null };
      }
      sp = { packet, codec: this.ptCache.codec, eventRate: null };
    }
    for (const tap of this.taps) tap(sp);
  }

  /** RFC 4733 §2.5.2: every packet of one event has its start timestamp; report each event once. */
  private detectDtmf(packet: RtpPacket): void {
    const event = parseTelephoneEvent(packet.payload);
    if (!event || packet.timestamp === this.lastInboundEvent) return;
    this.lastInboundEvent = packet.timestamp;
    const digit = dtmfEventToDigit(event.event);
    if (digit) this.events.emit('dtmf', digit);
  }

  /** Reports once when the peer should be sending but nothing arrived for `timeoutMs`. */
  checkInactivity(nowMs: number, timeoutMs: number): void {
    if (this.inboundCount !== this.inboundCountSeen) {
      // Media arrived since the last check (the check runs every second or so).
      this.inboundCountSeen = this.inboundCount;
      this.lastInboundAt = nowMs;
      this.inactiveReported = false;
      return;
    }
    const negotiated = this.transport.negotiated;
    if (this.closedFlag || this.inactiveReported || !negotiated || this.transport.state !== 'connected') return;
    if (!canSend(negotiated.remoteDirection)) return;
    const silent = nowMs - this.lastInboundAt;
    if (silent >= timeoutMs) {
      this.inactiveReported = true;
      this.events.emit('inactive', Math.round(silent));
    }
  }

  // ── outbound ─────────────────────────────────────────────────────────────────────────

  /** Which feeder (bridge link, mixer, echo) the far end hears when nothing overrides it. */
  setFeed(feeder: string | null): void {
    this.feed = feeder;
  }
  get currentFeed(): string | null {
    return this.feed;
  }

  private isHeard(feeder: string): boolean {
    return this.feed === feeder && !this.closedFlag && this.playback === null && (this.dtmfJobs.length === 0 || !this.dtmfJobs.some((j) => j.inband));
  }

  /** Passes a packet of the same encoding through, renumbered onto our stream; `codec` is our send codec as the caller just read it. */
  relay(feeder: string, packet: RtpPacket, codec: AudioCodec): void {
    if (!this.isHeard(feeder) || !this.outbound) return;
    if (this.relayFeeder !== feeder) {
      this.relayFeeder = feeder;
      this.relayProducer = `${feeder}/relay`;
    }
    this.lastProducer = this.relayProducer;
    this.transport.sendRtp(this.outbound.relayed(this.relayProducer, packet, codec.payloadType));
  }

  /** Sends 20 ms of audio from a feeder: resampled and encoded for this leg. */
  sendPcm(feeder: string, pcm: Int16Array, sampleRate: number): void {
    if (!this.isHeard(feeder)) return;
    if (this.pcmFeeder !== feeder) {
      this.pcmFeeder = feeder;
      this.pcmProducer = `${feeder}/pcm`;
    }
    this.encodeAndSend(this.pcmProducer, pcm, sampleRate);
  }

  /** Relays an RFC 4733 event, its duration converted to our event clock (or as in-band tones when the peer has no telephone-event). */
  relayEvent(feeder: string, sp: SourcePacket): void {
    if (!this.isHeard(feeder) || sp.eventRate === null || !this.outbound) return;
    const event = parseTelephoneEvent(sp.packet.payload);
    if (!event) return;
    const te = this.sendEvent;
    if (!te) {
      const digit = dtmfEventToDigit(event.event);
      if (digit && sp.packet.timestamp !== this.lastRelayedInband) {
        this.lastRelayedInband = sp.packet.timestamp;
        void this.sendDtmf(digit);
      }
      return;
    }
    const duration = Math.round((event.duration * te.clockRate) / sp.eventRate);
    const payload = serializeTelephoneEvent({ ...event, duration });
    const producer = this.lastProducer.startsWith(`${feeder}/`) ? this.lastProducer : `${feeder}/relay`;
    this.transport.sendRtp(this.outbound.event(producer, sp.packet.timestamp, te.payloadType, payload, sp.eventRate));
  }

  private encodeAndSend(producer: string, pcm: Int16Array, sampleRate: number): void {
    const codec = this.sendCodec;
    if (!codec || !this.outbound) return;
    const encoder = this.encoderFor(codec, sampleRate);
    let samples = pcm;
    if (sampleRate !== encoder.sampleRate) samples = this.resampler(sampleRate, encoder.sampleRate).process(pcm);
    const payload = encoder.encode(samples);
    const clockSamples = Math.round((samples.length * codec.clockRate) / encoder.sampleRate);
    this.lastProducer = producer;
    this.transport.sendRtp(this.outbound.generated(producer, codec.payloadType, payload, clockSamples));
  }

  /** The encoder for our send codec, taking PCM at `pcmRate` directly where the codec can (Opus). */
  private encoderFor(codec: AudioCodec, pcmRate: number): AudioEncoder {
    const inputRate = encoderInputRate(codec, pcmRate);
    if (this.encoder && this.encoderCodec && sameEncoding(codec, this.encoderCodec) && this.encoder.sampleRate === inputRate) return this.encoder;
    this.encoder?.close();
    this.encoder = createEncoder(codec, inputRate);
    this.encoderCodec = codec;
    return this.encoder;
  }

  private resampler(from: number, to: number): Resampler {
    const key = `${from}>${to}`;
    let r = this.resamplers.get(key);
    if (!r) {
      r = new Resampler(from, to);
      this.resamplers.set(key, r);
    }
    return r;
  }

  // ── players and DTMF we originate ────────────────────────────────────────────────────

  /** Plays a source over whatever the leg hears; resolves when it ends or is stopped. */
  play(source: AudioSource): Promise<PlaybackEnd> {
    if (this.closedFlag) return Promise.resolve('closed');
    this.playback?.done('replaced');
    return new Promise((resolve) => {
      const entry = {
        source,
        done: (end: PlaybackEnd) => {
          if (this.playback === entry) this.playback = null;
          this.updateTask();
          resolve(end);
        },
      };
      this.playback = entry;
      this.updateTask();
    });
  }

  stopPlayback(): void {
    this.playback?.done('stopped');
  }

  get playing(): boolean {
    return this.playback !== null;
  }

  /** Sends digits as RFC 4733 events when negotiated, otherwise as in-band tones (ITU-T Q.23). */
  sendDtmf(digits: string): Promise<void> {
    const valid = [...digits].filter((d) => dtmfDigitToEvent(d) !== null);
    if (valid.length !== digits.length) return Promise.reject(new RangeError(`not DTMF digits: "${digits}"`));
    if (this.closedFlag) return Promise.resolve();
    const jobs = valid.map(
      (digit) =>
        new Promise<void>((resolve) => {
          this.dtmfJobs.push({ digit: digit.toUpperCase(), frame: 0, inband: null, done: resolve });
        }),
    );
    this.updateTask();
    return Promise.all(jobs).then(() => undefined);
  }

  private updateTask(): void {
    const busy = !this.closedFlag && (this.playback !== null || this.dtmfJobs.length > 0);
    if (busy && !this.clock.has(this.task)) this.clock.add(this.task);
    else if (!busy && this.clock.has(this.task)) this.clock.delete(this.task);
  }

  private tick(_now: number): void {
    if (this.closedFlag) return;
    const job = this.dtmfJobs[0];
    if (job) this.tickDtmf(job);
    if (this.playback && !this.dtmfJobs.some((j) => j.inband)) {
      const frame = this.playback.source.next();
      if (frame) this.encodeAndSend('player', frame, this.playback.source.sampleRate);
      else this.playback.done('done');
    }
    this.updateTask();
  }

  private tickDtmf(job: DtmfJob): void {
    const te = this.sendEvent;
    const finish = (): void => {
      this.dtmfJobs.shift();
      job.done();
    };
    if (!te || job.inband) {
      if (!job.inband) {
        const [low, high] = DTMF_FREQUENCIES[job.digit]!;
        const rate = 8000;
        job.inband = new SequenceSource([new ToneSource({ frequencies: [low, high], cadence: [] }, rate, DTMF_TONE_FRAMES * 20), new SilenceSource(DTMF_GAP_FRAMES * 20, rate)]);
      }
      const frame = job.inband.next();
      if (frame) this.encodeAndSend('dtmf', frame, job.inband.sampleRate);
      else finish();
      return;
    }
    if (!this.outbound) {
      finish();
      return;
    }
    const step = Math.round(te.clockRate / 50);
    const k = job.frame++;
    if (k === 0) this.dtmfCounter++;
    if (k < DTMF_TONE_FRAMES + DTMF_END_REPEATS) {
      const end = k >= DTMF_TONE_FRAMES;
      const duration = (end ? DTMF_TONE_FRAMES : k + 1) * step;
      const payload = serializeTelephoneEvent({ event: dtmfDigitToEvent(job.digit)!, end, volume: DTMF_VOLUME, duration });
      this.transport.sendRtp(this.outbound.event('dtmf', this.dtmfCounter, te.payloadType, payload));
    } else if (k >= DTMF_TONE_FRAMES + DTMF_END_REPEATS + DTMF_GAP_FRAMES) {
      finish();
    }
  }

  // ── life ─────────────────────────────────────────────────────────────────────────────

  close(reason = 'closed'): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    this.clock.delete(this.task);
    this.playback?.done('closed');
    for (const job of this.dtmfJobs.splice(0)) job.done();
    this.taps = [];
    this.encoder?.close();
    this.encoder = null;
    try {
      this.transport.close();
    } finally {
      this.events.emit('closed', reason);
      this.events.removeAllListeners();
    }
  }
}

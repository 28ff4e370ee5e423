import type { RecordingOptions, RecordingResult } from '../session/recorder.js';
import type { PlaybackEnd } from '../session/media-leg.js';
import type { NegotiatedAudio, OfferOptions, TransportState } from '../transport/types.js';
import { TypedEmitter } from '../util/typed-emitter.js';
import type { MediaError } from './media-worker.js';
import type { Command, LegKind, PlaySource } from './protocol.js';

export interface LegEvents {
  /** An RFC 4733 digit the peer sent (once per key press). */
  dtmf: (digit: string) => void;
  /** The peer should be sending but nothing arrived for the engine's inactivity timeout. */
  inactive: (silentMs: number) => void;
  /** Talk detection, while the leg is in a conference. */
  speaking: (speaking: boolean) => void;
  state: (state: TransportState) => void;
  /** The leg's media failed (a bug in its processing, its thread died); `closed` follows. */
  error: (error: MediaError) => void;
  closed: (reason: string) => void;
}

/** What the engine does for a leg handle; implemented by MediaEngine. */
export interface LegOwner {
  legRequest<C extends Command>(leg: Leg, command: C): Promise<unknown>;
  detach(leg: Leg): Promise<void>;
  echo(leg: Leg, enabled: boolean): Promise<void>;
  closeLeg(leg: Leg, reason: string): Promise<void>;
}

/**
 * The main thread's handle on one media leg. Offer/answer calls mean what they mean on a
 * MediaTransport; everything else is a command to the leg's media thread. No packet ever
 * reaches this thread.
 */
export class Leg extends TypedEmitter<LegEvents> {
  negotiated: NegotiatedAudio | null = null;
  state: TransportState = 'new';
  closed = false;
  /** What the leg is part of: managed by MediaEngine. */
  membership: string | null = null;

  constructor(
    readonly id: string,
    readonly kind: LegKind,
    /** Index of the media thread the leg lives on. */
    readonly worker: number,
    private readonly owner: LegOwner,
  ) {
    super();
  }

  async createOffer(options?: OfferOptions): Promise<string> {
    return (await this.owner.legRequest(this, { op: 'createOffer', legId: this.id, ...(options ? { options } : {}) })) as string;
  }

  async applyAnswer(sdp: string): Promise<NegotiatedAudio> {
    const negotiated = (await this.owner.legRequest(this, { op: 'applyAnswer', legId: this.id, sdp })) as NegotiatedAudio;
    this.negotiated = negotiated;
    return negotiated;
  }

  async answerOffer(sdp: string, options?: OfferOptions): Promise<{ answer: string; negotiated: NegotiatedAudio }> {
    const result = (await this.owner.legRequest(this, { op: 'answerOffer', legId: this.id, sdp, ...(options ? { options } : {}) })) as { answer: string; negotiated: NegotiatedAudio };
    this.negotiated = result.negotiated;
    return result;
  }

  /**
   * Plays a tone or file to the peer, over whatever it hears otherwise (its bridge or
   * conference resumes when playback ends). A new play() replaces the current one.
   */
  async play(source: PlaySource, options: { loop?: boolean } = {}): Promise<PlaybackEnd> {
    return (await this.owner.legRequest(this, { op: 'play', legId: this.id, source, loop: options.loop ?? false })) as PlaybackEnd;
  }

  async stopPlayback(): Promise<void> {
    await this.owner.legRequest(this, { op: 'stopPlayback', legId: this.id });
  }

  /** Records what the peer says to a WAV file; resolves once the file is safely on disk. */
  async record(path: string, options: RecordingOptions = {}): Promise<RecordingResult> {
    return (await this.owner.legRequest(this, { op: 'record', legId: this.id, path, options })) as RecordingResult;
  }

  async stopRecording(): Promise<void> {
    await this.owner.legRequest(this, { op: 'stopRecording', legId: this.id });
  }

  /** The echo test: the peer hears itself (leaves any bridge or conference). */
  async echo(enabled = true): Promise<void> {
    await this.owner.echo(this, enabled);
  }

  /** Sends digits (RFC 4733 when negotiated, in-band tones otherwise); resolves when sent. */
  async sendDtmf(digits: string): Promise<void> {
    await this.owner.legRequest(this, { op: 'sendDtmf', legId: this.id, digits });
  }

  /** Leaves its bridge or conference and releases the leg's ports; safe to call twice. */
  async close(reason = 'closed'): Promise<void> {
    if (this.closed) return;
    await this.owner.closeLeg(this, reason);
  }
}

import { TypedEmitter } from '../util/typed-emitter.js';
import type { Leg } from './leg.js';
import type { MediaError } from './media-worker.js';

export interface MixerEvents {
  speaking: (leg: Leg, speaking: boolean) => void;
  error: (error: MediaError) => void;
  closed: () => void;
}

/** What the engine does for a mixer handle; implemented by MediaEngine. */
export interface MixerOwner {
  mixerAdd(mixer: Mixer, leg: Leg): Promise<void>;
  mixerRemove(mixer: Mixer, leg: Leg): Promise<void>;
  mixerMute(mixer: Mixer, leg: Leg, muted: boolean): Promise<void>;
  mixerClose(mixer: Mixer): Promise<void>;
}

/**
 * A conference: each participant hears everyone else. Participants' legs may live on any
 * media thread; the mix runs on the mixer's own thread.
 */
export class Mixer extends TypedEmitter<MixerEvents> {
  readonly participants = new Set<Leg>();
  readonly muted = new Set<Leg>();
  closed = false;

  constructor(
    readonly id: string,
    readonly worker: number,
    private readonly owner: MixerOwner,
  ) {
    super();
  }

  /** Adds a leg (it leaves any bridge it was in). */
  async add(leg: Leg): Promise<void> {
    await this.owner.mixerAdd(this, leg);
  }

  async remove(leg: Leg): Promise<void> {
    await this.owner.mixerRemove(this, leg);
  }

  async setMuted(leg: Leg, muted: boolean): Promise<void> {
    await this.owner.mixerMute(this, leg, muted);
  }

  /** Removes every participant (their legs stay open) and ends the mix; safe twice. */
  async close(): Promise<void> {
    await this.owner.mixerClose(this);
  }
}

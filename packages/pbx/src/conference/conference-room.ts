import type { Leg as MediaLeg, Mixer } from '@switchboard/media';
import type { Party } from '../calls/call-leg.js';

/** The most people one room holds; the next caller is refused (486). */
export const ROOM_CAPACITY = 10;

/** One person in a room: who they are and the media leg the mixer feeds. */
export interface Participant {
  readonly id: string;
  readonly party: Party;
  readonly media: MediaLeg;
  speaking: boolean;
  muted: boolean;
}

/** What the portal shows of a room (mirrors `@switchboard/api`'s ConferenceRoom, without `you`). */
export interface RoomView {
  number: string;
  capacity: number;
  ownerUserId: string;
  participants: Array<{ id: string; userId: string | null; name: string | null; number: string; speaking: boolean; muted: boolean }>;
}

/**
 * A live conference room ("Room 999XX"): a media mixer where each participant hears everyone but
 * themselves. It belongs to one user (their `*38` room) and ends when its last participant leaves.
 */
export class ConferenceRoom {
  readonly participants = new Map<string, Participant>();
  ended = false;
  private nextParticipant = 1;

  constructor(
    readonly tenantId: string,
    readonly number: string,
    /** The user whose room it is (one room per owner at a time). */
    readonly ownerUserId: string,
    readonly mixer: Mixer,
  ) {}

  get full(): boolean {
    return this.participants.size >= ROOM_CAPACITY;
  }

  /** Adds a party's leg to the mix; the caller checked `full` first. */
  async add(party: Party, media: MediaLeg): Promise<Participant> {
    const participant: Participant = { id: `${this.number}-p${this.nextParticipant++}`, party, media, speaking: false, muted: false };
    this.participants.set(participant.id, participant);
    await media.stopPlayback().catch(() => undefined);
    await this.mixer.add(media);
    return participant;
  }

  /** Takes a participant out of the mix (their leg stays open); true when the room is now empty. */
  async remove(participant: Participant): Promise<boolean> {
    if (!this.participants.delete(participant.id)) return this.participants.size === 0;
    if (!participant.media.closed) await this.mixer.remove(participant.media).catch(() => undefined);
    return this.participants.size === 0;
  }

  byMedia(media: MediaLeg): Participant | undefined {
    for (const p of this.participants.values()) if (p.media === media) return p;
    return undefined;
  }

  /** The user ids to tell about a change: everyone in the room and the owner. */
  audience(): string[] {
    const users = new Set<string>([this.ownerUserId]);
    for (const p of this.participants.values()) if (p.party.userId) users.add(p.party.userId);
    return [...users];
  }

  view(): RoomView {
    return {
      number: this.number,
      capacity: ROOM_CAPACITY,
      ownerUserId: this.ownerUserId,
      participants: [...this.participants.values()].map((p) => ({ id: p.id, userId: p.party.userId, name: p.party.name, number: p.party.number, speaking: p.speaking, muted: p.muted })),
    };
  }
}

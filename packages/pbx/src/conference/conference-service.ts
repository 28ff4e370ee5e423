import type { Leg as MediaLeg, MediaEngine } from '@switchboard/media';
import type { Party } from '../calls/call-leg.js';
import type { NumberingPlan } from '../dialplan/dialplan.js';
import type { PbxLogger } from '../util/logger.js';
import { ConferenceRoom, type Participant, type RoomView } from './conference-room.js';

/** Told when a room changed (someone joined, left, started or stopped speaking, or it ended). */
export interface ConferenceObserver {
  /** `userIds`: the participants and the owner, who should see the new state. `room` is null when it ended. */
  roomChanged(tenantId: string, userIds: readonly string[], room: RoomView | null): void;
  /** The owner's room started or ended (their Conference key lights or goes dark). */
  ownerRoomChanged?(tenantId: string, ownerUserId: string, live: boolean): void;
}

export interface ConferenceServiceOptions {
  media: MediaEngine;
  plan: NumberingPlan;
  logger: PbxLogger;
  /** Speaking changes are reported at most this often per room (default 300 ms). */
  speakingDebounceMs?: number;
}

/**
 * The tenants' live conference rooms. A room number (99900–99999) is allocated when its owner's
 * room is first used and freed when the last participant leaves; rooms live in memory only (a
 * restart ends every call, so no room can outlive it).
 */
export class ConferenceService {
  /** tenant id → room number → room. */
  private readonly rooms = new Map<string, Map<string, ConferenceRoom>>();
  private readonly observers: ConferenceObserver[] = [];
  private readonly speakingTimers = new Map<ConferenceRoom, NodeJS.Timeout>();
  private readonly debounceMs: number;

  constructor(private readonly o: ConferenceServiceOptions) {
    this.debounceMs = o.speakingDebounceMs ?? 300;
  }

  observe(observer: ConferenceObserver): void {
    this.observers.push(observer);
  }

  get liveRooms(): number {
    let n = 0;
    for (const byNumber of this.rooms.values()) n += byNumber.size;
    return n;
  }

  byNumber(tenantId: string, number: string): ConferenceRoom | null {
    return this.rooms.get(tenantId)?.get(number) ?? null;
  }

  ownedBy(tenantId: string, userId: string): ConferenceRoom | null {
    for (const room of this.rooms.get(tenantId)?.values() ?? []) if (room.ownerUserId === userId) return room;
    return null;
  }

  /** The room the user is in, else the one they own, else null (GET /api/conference). */
  roomFor(tenantId: string, userId: string): ConferenceRoom | null {
    for (const room of this.rooms.get(tenantId)?.values() ?? []) {
      for (const p of room.participants.values()) if (p.party.userId === userId) return room;
    }
    return this.ownedBy(tenantId, userId);
  }

  /** The owner's room, opened on the lowest free number when they have none; null when every number is taken. */
  openFor(tenantId: string, ownerUserId: string): ConferenceRoom | null {
    const existing = this.ownedBy(tenantId, ownerUserId);
    if (existing) return existing;
    let byNumber = this.rooms.get(tenantId);
    if (!byNumber) this.rooms.set(tenantId, (byNumber = new Map<string, ConferenceRoom>()));
    const [low, high] = this.o.plan.roomRange;
    for (let n = low; n <= high; n++) {
      const number = String(n);
      if (byNumber.has(number)) continue;
      const mixer = this.o.media.createMixer({ group: `room-${tenantId}-${number}` });
      const room = new ConferenceRoom(tenantId, number, ownerUserId, mixer);
      byNumber.set(number, room);
      mixer.on('speaking', (leg, speaking) => this.speaking(room, leg, speaking));
      mixer.on('error', (error) => this.o.logger('error', 'conference mixer failed', { room: number, error: error.message }));
      this.o.logger('info', 'conference room opened', { tenantId, room: number });
      for (const observer of this.observers) observer.ownerRoomChanged?.(tenantId, ownerUserId, true);
      return room;
    }
    return null;
  }

  /** Puts a party's media leg in the room; 'full' at capacity (the caller is refused). */
  async join(room: ConferenceRoom, party: Party, media: MediaLeg): Promise<Participant | 'full'> {
    if (room.full) return 'full';
    const participant = await room.add(party, media);
    this.changed(room);
    return participant;
  }

  /** Takes a participant out; the last one out ends the room and frees its number. */
  async leave(room: ConferenceRoom, participant: Participant): Promise<void> {
    const empty = await room.remove(participant);
    if (empty) await this.end(room);
    else this.changed(room);
  }

  /** A room opened for a join that then failed: it ends unless someone is in it. */
  async closeIfEmpty(room: ConferenceRoom): Promise<void> {
    if (room.participants.size === 0) await this.end(room);
  }

  async setMuted(room: ConferenceRoom, participant: Participant, muted: boolean): Promise<void> {
    if (participant.muted === muted || !room.participants.has(participant.id)) return;
    participant.muted = muted;
    await room.mixer.setMuted(participant.media, muted).catch(() => undefined);
    this.changed(room);
  }

  private async end(room: ConferenceRoom): Promise<void> {
    if (room.ended) return;
    room.ended = true;
    const timer = this.speakingTimers.get(room);
    if (timer) clearTimeout(timer);
    this.speakingTimers.delete(room);
    const audience = room.audience();
    this.rooms.get(room.tenantId)?.delete(room.number);
    await room.mixer.close().catch(() => undefined);
    this.o.logger('info', 'conference room ended', { tenantId: room.tenantId, room: room.number });
    for (const observer of this.observers) {
      observer.roomChanged(room.tenantId, audience, null);
      observer.ownerRoomChanged?.(room.tenantId, room.ownerUserId, false);
    }
  }

  private changed(room: ConferenceRoom): void {
    if (room.ended) return;
    const view = room.view();
    const audience = room.audience();
    for (const observer of this.observers) observer.roomChanged(room.tenantId, audience, view);
  }

  /** Talk detection flips often: the change is reported once per debounce window at most. */
  private speaking(room: ConferenceRoom, leg: MediaLeg, speaking: boolean): void {
    const participant = room.byMedia(leg);
    if (!participant || participant.speaking === speaking) return;
    participant.speaking = speaking;
    if (this.speakingTimers.has(room)) return;
    const timer = setTimeout(() => {
      this.speakingTimers.delete(room);
      this.changed(room);
    }, this.debounceMs);
    timer.unref();
    this.speakingTimers.set(room, timer);
  }
}

import { address, createResponse, withParam, type InviteServerTransaction, type SipRequest } from '@switchboard/sip';
import type { ConferenceRoom } from '../conference/conference-room.js';
import type { DeviceAccount } from '../store/records.js';
import { ALLOW, legKind, ROOM_FULL, SDP, type CallControl } from './call.js';
import type { CallEngineOptions } from './call-engine.js';
import type { CallLeg, Party } from './call-leg.js';

/**
 * Calls into conference rooms: `*38` (the caller's own room, opened if they have none), a room
 * number dialled while the room is live, the refusal of an eleventh participant, and a connected
 * leg put into a room (by a transfer) in a call of its own whose history names the room.
 */
export class RoomCalls {
  constructor(
    private readonly engine: CallControl,
    private readonly o: CallEngineOptions,
  ) {}

  /** `*38` dialled alone: the caller's own room, opened if they have none. */
  async joinOwnRoom(request: SipRequest, tx: InviteServerTransaction, caller: DeviceAccount): Promise<void> {
    const room = this.engine.conferences.openFor(caller.tenant.id, caller.user.id);
    if (!room) {
      tx.respond(503, 'No conference room is free');
      return;
    }
    return this.joinRoom(request, tx, caller, room);
  }

  /** A room number dialled (e.g. from Recent Calls): joins while the room is live. */
  async joinRoomByNumber(request: SipRequest, tx: InviteServerTransaction, caller: DeviceAccount, number: string): Promise<void> {
    const room = this.engine.conferences.byNumber(caller.tenant.id, number);
    if (!room) {
      tx.respond(404, `Room ${number} is not in use`);
      return;
    }
    return this.joinRoom(request, tx, caller, room);
  }

  private async joinRoom(request: SipRequest, tx: InviteServerTransaction, caller: DeviceAccount, room: ConferenceRoom): Promise<void> {
    if (room.full) return this.refuseFullRoom(request, tx);
    const answered = await this.engine.answerLeg(request, tx, caller);
    if (!answered) {
      await this.engine.conferences.closeIfEmpty(room);
      return;
    }
    const { leg, answer } = answered;
    if (!(await this.intoRoom(leg, room))) {
      void leg.media.close('room full');
      tx.respond(486, ROOM_FULL, { headers: { Reason: `SIP;cause=486;text="${ROOM_FULL}"` } });
      return;
    }
    const call = this.engine.ownerOf(leg)!;
    this.engine.watchMedia(call, leg);
    this.o.logger('info', 'joined a conference room', { room: room.number, party: leg.party.number });
    this.respondInRoom(request, tx, answer, room);
    leg.dialog?.confirm();
  }

  /**
   * The eleventh caller: the "conference full" announcement as early media (183), then 486 with
   * the reason in words (a phone shows busy, the portal shows the sentence).
   */
  private async refuseFullRoom(request: SipRequest, tx: InviteServerTransaction): Promise<void> {
    const refuse = () => {
      if (!tx.finalResponse) tx.respond(486, ROOM_FULL, { headers: { Reason: `SIP;cause=486;text="${ROOM_FULL}"` } });
    };
    const media = this.o.media.createLeg({ kind: legKind(tx.flow.protocol) });
    try {
      const { answer } = await media.answerOffer(request.body.toString('utf8'));
      if (tx.finalResponse) return;
      tx.respond(183, 'Session Progress', { headers: { Contact: this.engine.answerContact(tx) }, body: answer, contentType: SDP });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        media.play({ files: ['prompts/conference-full.wav'] }).catch(() => undefined),
        new Promise((resolve) => (timer = setTimeout(resolve, 8000))),
      ]);
      clearTimeout(timer);
    } catch {
      // No usable offer: the refusal alone.
    } finally {
      void media.close('room full').catch(() => undefined);
      refuse();
    }
  }

  /** The 200 of an INVITE answered into a room: `X-Switchboard-Room` and the To display name "Room 999XX". */
  respondInRoom(request: SipRequest, tx: InviteServerTransaction, answer: string, room: ConferenceRoom): void {
    const response = createResponse(request, 200, undefined, {
      toTag: tx.localTag,
      headers: { Contact: this.engine.answerContact(tx), Allow: ALLOW, 'X-Switchboard-Room': room.number },
      body: answer,
      contentType: SDP,
    });
    response.set('To', withParam(address(request.to.uri, { displayName: `Room ${room.number}` }), 'tag', tx.localTag));
    tx.send(response);
  }

  private roomParty(room: ConferenceRoom): Party {
    return { tenantId: room.tenantId, userId: null, number: room.number, name: `Room ${room.number}` };
  }

  /** Puts a connected leg in a room, in a call of its own (history notes the room); false when the room is full. */
  async intoRoom(leg: CallLeg, room: ConferenceRoom): Promise<boolean> {
    if (room.full) return false;
    const call = this.engine.adopt(leg, this.roomParty(room));
    call.state = 'answered';
    call.connected = true;
    call.answeredAt = Date.now();
    const joined = await this.engine.conferences.join(room, leg.party, leg.media);
    if (joined === 'full') {
      call.detached.add(leg);
      await this.engine.finish(call, 'busy');
      return false;
    }
    call.room = { room, participant: joined };
    const tenantId = leg.party.tenantId;
    const record = await this.o.store.callHistory.start(tenantId, {
      direction: leg.party.userId === null ? 'inbound' : 'internal',
      from: { number: leg.party.number, name: leg.party.name, userId: leg.party.userId },
      to: { number: room.number, name: `Room ${room.number}`, userId: null },
      room: room.number,
    });
    call.historyId = record.id;
    await this.o.store.callHistory.answer(tenantId, record.id);
    return true;
  }
}

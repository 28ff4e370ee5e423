import type { AnyServerTransaction, InviteServerTransaction, Replaces, SipRequest } from '@switchboard/sip';
import type { ConferenceRoom } from '../conference/conference-room.js';
import { classify, type Destination } from '../dialplan/dialplan.js';
import type { DeviceAccount } from '../store/records.js';
import { ALLOW, ROOM_FULL, SDP, type BlindTransfer, type Call, type CallControl } from './call.js';
import type { CallEngineOptions } from './call-engine.js';
import type { CallLeg, Party } from './call-leg.js';
import { extensionFailure, isCallTarget, NO_TRUNK, type FailureWords } from './call-target.js';
import { ReferProgress, referTarget } from './refer.js';
import type { RoomCalls } from './room-calls.js';
import { outsideFailure } from './trunk.js';

/**
 * Transfers, which the B2BUA carries out itself rather than passing REFERs on: blind (RFC 3515;
 * the transferee is rung through to the target, and back to the transferor when the target does
 * not take it), attended (REFER with Replaces, RFC 3891: the transferee and the consultation's
 * other party are bridged), into a conference room (`*38`, a room number), and INVITEs with
 * Replaces. The transferor hears how it went in NOTIFYs of the REFER's implicit subscription.
 */
export class Transfers {
  constructor(
    private readonly engine: CallControl,
    private readonly o: CallEngineOptions,
    private readonly rooms: RoomCalls,
  ) {}

  /**
   * A REFER from `leg`: we act on it ourselves (B2BUA) rather than passing it on. Blind: the other
   * party is connected to the target. With `Replaces` (attended): the other party is connected to
   * the other party of the transferor's consultation call. The transferor hears how it went in
   * NOTIFYs of the implicit subscription.
   */
  async refer(call: Call, leg: CallLeg, request: SipRequest, tx: AnyServerTransaction): Promise<void> {
    const target = request.referTo ? referTarget(request.referTo) : null;
    if (!target) {
      tx.respond(400, 'The REFER needs a Refer-To naming the transfer target');
      return;
    }
    // The callee answered and transfers at once, before we connected the caller: wait for that.
    await call.untilConnected();
    const transferee = call.other(leg);
    if (call.state !== 'answered' || !call.connected || call.room || !transferee || transferee.ended || call.detached.has(transferee)) {
      tx.respond(403, 'Only an answered call between two parties can be transferred');
      return;
    }
    const transferor = leg.party;
    if (transferor.userId === null) {
      tx.respond(403, 'Only an extension can transfer a call');
      return;
    }
    // Taken out of the call at once: a phone that hangs up as soon as it sent the REFER must not
    // take the transferee with it. Put back when the REFER is refused.
    call.detached.add(transferee);
    try {
      if (target.replaces) await this.attendedTransfer(call, leg, transferee, target.replaces, tx);
      else await this.blindTarget(call, leg, transferee, target.dialled, tx);
    } finally {
      const status = tx.finalResponse?.status ?? 500;
      if (status >= 300) {
        call.detached.delete(transferee);
        if (call.ended) this.engine.dropLeg(transferee);
      }
    }
  }

  /** A blind transfer's target: an extension, an outside number, `*38` or a room. */
  private async blindTarget(call: Call, leg: CallLeg, transferee: CallLeg, dialled: string, tx: AnyServerTransaction): Promise<void> {
    const transferor = leg.party;
    if (transferor.userId === null) return;
    const user = await this.o.store.users.get(transferor.tenantId, transferor.userId);
    const destination = classify(dialled, this.engine.plan, {
      canDialExternal: user?.canDialExternal ?? false,
      canDialInternational: user?.canDialInternational ?? false,
      canDialPremium: user?.canDialPremium ?? false,
    });
    switch (destination.kind) {
      case 'refused':
        tx.respond(destination.status, destination.reason);
        return;
      case 'feature': {
        if (destination.feature !== 'conference' || destination.argument !== null) {
          tx.respond(403, 'That feature code cannot take a transferred call');
          return;
        }
        // The room the transferor is in (Add Participant -> Send to Conference from someone
        // else's room), else their own, opened if they have none.
        const room = this.engine.conferences.roomFor(transferor.tenantId, transferor.userId) ?? this.engine.conferences.openFor(transferor.tenantId, transferor.userId);
        if (!room) {
          tx.respond(503, 'No conference room is free');
          return;
        }
        return this.transferToRoom(call, leg, transferee, room, tx);
      }
      case 'room': {
        const room = this.engine.conferences.byNumber(transferor.tenantId, destination.number);
        if (!room) {
          tx.respond(404, `Room ${destination.number} is not in use`);
          return;
        }
        return this.transferToRoom(call, leg, transferee, room, tx);
      }
      case 'extension':
      case 'external':
        return this.blindTransfer(call, leg, transferee, destination, tx);
    }
  }

  /** Blind transfer to an extension or outside number: a new call from the transferee rings the target. */
  private async blindTransfer(call: Call, leg: CallLeg, transferee: CallLeg, destination: Extract<Destination, { kind: 'extension' | 'external' }>, tx: AnyServerTransaction): Promise<void> {
    const tenantId = leg.party.tenantId;
    const number = destination.number;
    let callee: Party;
    let failure: FailureWords;
    let reach: (c: Call) => Promise<number>;
    if (destination.kind === 'extension') {
      const user = await this.o.store.users.findByExtension(tenantId, number);
      if (!user) {
        tx.respond(404, `Extension ${number} does not exist`);
        return;
      }
      callee = { tenantId, userId: user.id, number, name: user.name };
      failure = extensionFailure(number);
      reach = (c) => Promise.resolve(this.engine.ringDevices(c, number));
    } else {
      const line = this.o.trunks ? await this.o.trunks.outsideLine(tenantId, number, leg.party) : NO_TRUNK;
      if (!isCallTarget(line)) {
        tx.respond(line.status, line.reason);
        return;
      }
      callee = { tenantId, userId: null, number, name: null };
      failure = outsideFailure(number);
      reach = async (c) => {
        await this.engine.addBranch(c, line);
        return 1;
      };
    }
    if (call.ended || transferee.ended) {
      tx.respond(481, 'The call ended meanwhile');
      return;
    }
    tx.respond(202, undefined, { headers: { Contact: this.engine.legContact(leg) } });
    const progress = new ReferProgress(this.o.stack, leg, this.o.logger);
    progress.progress(100, 'Trying');
    this.o.logger('info', 'blind transfer', { call: call.id, transferor: leg.party.number, transferee: transferee.party.number, target: number });
    await this.engine.detach(call, transferee);
    const transferred = this.engine.adopt(transferee, callee);
    transferred.failure = failure;
    transferred.transfer = { transferor: leg.party, referrer: leg, from: call, progress, recall: false };
    await this.engine.ringFromLeg(transferred, reach);
  }

  /** The target answered a blind transfer (or the transferor a recall): the transferor is told, and released. */
  transferCompleted(transfer: BlindTransfer): void {
    void transfer.progress.final(200, 'OK');
    this.releaseTransferor(transfer.from);
  }

  /**
   * The transferor hangs up once told the transfer worked (NOTIFY 200); a phone that does not is
   * hung up by us after the grace time.
   */
  private releaseTransferor(call: Call): void {
    const timer = setTimeout(() => {
      if (!call.ended) void this.engine.hangUp(call, null, 'answered');
    }, this.engine.transferGraceMs);
    timer.unref();
  }

  /**
   * The target did not take a blind transfer: the transferee goes back to the transferor, who is
   * still on the line (the phone waited for the outcome) or is rung again (recall).
   */
  async recall(transferee: CallLeg, transfer: BlindTransfer): Promise<void> {
    const from = transfer.from;
    const referrer = transfer.referrer;
    if (!from.ended && !referrer.ended) {
      from.detached.delete(transferee);
      this.engine.own(from, transferee);
      from.returned = transfer;
      setTimeout(() => {
        if (from.returned === transfer) from.returned = null;
      }, this.engine.transferGraceMs).unref();
      this.o.logger('info', 'transfer failed: back to the transferor', { call: from.id });
      if (referrer.holding) {
        void transferee.media.play({ file: 'music/hold.wav' }, { loop: true }).catch(() => undefined);
      } else {
        await transferee.media.stopPlayback().catch(() => undefined);
        await this.o.media.bridge(transferee.media, referrer.media).catch((error: unknown) => this.o.logger('warn', 'could not reconnect the transferee', { error: String(error) }));
      }
      return;
    }
    this.o.logger('info', 'transfer failed: ringing the transferor back', { transferor: transfer.transferor.number });
    const call = this.engine.adopt(transferee, transfer.transferor);
    call.failure = extensionFailure(transfer.transferor.number);
    call.transfer = { ...transfer, recall: true };
    await this.engine.ringFromLeg(call, (c) => Promise.resolve(this.engine.ringDevices(c, transfer.transferor.number)));
  }

  /**
   * Attended transfer: `Replaces` names the transferor's consultation dialog. The transferee and
   * the consultation's other party (the target) are bridged in a new call; both of the
   * transferor's legs end. Into a room when the named dialog is the transferor's room leg.
   */
  private async attendedTransfer(call: Call, leg: CallLeg, transferee: CallLeg, replaces: Replaces, tx: AnyServerTransaction): Promise<void> {
    const named = this.engine.dialogNamed(replaces);
    if (!named || named.call === call || named.call.ended) {
      tx.respond(403, 'The call to be replaced does not exist');
      return;
    }
    const consultation = named.call;
    if (consultation.room) return this.transferToRoom(call, leg, transferee, consultation.room.room, tx, consultation);
    // "Complete Transfer" right after the target answered: the consultation may not be connected yet.
    await consultation.untilConnected();
    if (call.ended) {
      tx.respond(481, 'The call ended meanwhile');
      return;
    }
    const target = consultation.other(named.leg);
    if (consultation.state !== 'answered' || !consultation.connected || !target || consultation.detached.has(target)) {
      tx.respond(403, 'The consultation call is not answered');
      return;
    }
    tx.respond(202, undefined, { headers: { Contact: this.engine.legContact(leg) } });
    const progress = new ReferProgress(this.o.stack, leg, this.o.logger);
    progress.progress(100, 'Trying');
    this.o.logger('info', 'attended transfer', { call: call.id, consultation: consultation.id, transferee: transferee.party.number, target: target.party.number });
    await this.engine.detach(call, transferee);
    await this.engine.detach(consultation, target);
    await this.pair(transferee, target);
    void progress.final(200, 'OK');
    void this.engine.hangUp(consultation, null, 'answered');
    this.releaseTransferor(call);
  }

  /** Two connected legs of other calls, bridged in a call of their own (with its own history record). */
  private async pair(a: CallLeg, b: CallLeg): Promise<Call> {
    const call = this.engine.adopt(a, b.party);
    call.b = b;
    this.engine.own(call, b);
    call.state = 'answered';
    call.connected = true;
    call.answeredAt = Date.now();
    const record = await this.o.store.callHistory.start(a.party.tenantId, {
      direction: a.party.userId === null || b.party.userId === null ? (a.party.userId === null ? 'inbound' : 'outbound') : 'internal',
      from: { number: a.party.number, name: a.party.name, userId: a.party.userId },
      to: { number: b.party.number, name: b.party.name, userId: b.party.userId },
    });
    call.historyId = record.id;
    await this.o.store.callHistory.answer(a.party.tenantId, record.id);
    await Promise.all([a.media.stopPlayback().catch(() => undefined), b.media.stopPlayback().catch(() => undefined)]);
    if (!a.media.closed && !b.media.closed) await this.o.media.bridge(a.media, b.media).catch(() => undefined);
    return call;
  }

  /** A transfer into a conference room (`*38`, a room number, or a Replaces naming a room leg). */
  private async transferToRoom(call: Call, leg: CallLeg, transferee: CallLeg, room: ConferenceRoom, tx: AnyServerTransaction, replacedRoomCall?: Call): Promise<void> {
    if (room.full && !replacedRoomCall) {
      await this.engine.conferences.closeIfEmpty(room);
      tx.respond(486, ROOM_FULL);
      return;
    }
    tx.respond(202, undefined, { headers: { Contact: this.engine.legContact(leg) } });
    const progress = new ReferProgress(this.o.stack, leg, this.o.logger);
    progress.progress(100, 'Trying');
    this.o.logger('info', 'transfer to a conference room', { call: call.id, room: room.number, transferee: transferee.party.number });
    if (replacedRoomCall) await this.engine.hangUp(replacedRoomCall, null, 'answered');
    await this.engine.detach(call, transferee);
    const joined = await this.rooms.intoRoom(transferee, room);
    if (joined) {
      void progress.final(200, 'OK');
      this.releaseTransferor(call);
    } else {
      void progress.final(486, ROOM_FULL);
      const transfer: BlindTransfer = { transferor: leg.party, referrer: leg, from: call, progress, recall: false };
      await this.recall(transferee, transfer);
    }
  }

  /**
   * An INVITE with `Replaces` (RFC 3891 §3) naming one of our answered dialogs: the new party takes
   * the place of the replaced leg (which gets a BYE), bridged with its other party or put in its room.
   */
  async inviteReplaces(request: SipRequest, tx: InviteServerTransaction, caller: DeviceAccount, replaces: Replaces): Promise<void> {
    const named = this.engine.dialogNamed(replaces);
    await named?.call.untilConnected();
    if (!named || named.call.ended || named.call.state !== 'answered' || !named.call.connected) {
      tx.respond(481, 'The call to be replaced does not exist');
      return;
    }
    const { call: old, leg: replaced } = named;
    const other = old.room ? null : old.other(replaced);
    if (!old.room && (!other || old.detached.has(other))) {
      tx.respond(481, 'The call to be replaced does not exist');
      return;
    }
    const leg = await this.engine.answerLeg(request, tx, caller);
    if (!leg) return;
    this.o.logger('info', 'a call replaces another', { call: old.id, by: leg.leg.party.number });
    const room = old.room?.room ?? null;
    if (room) {
      await this.engine.hangUp(old, null, 'answered');
      if (!(await this.rooms.intoRoom(leg.leg, room))) {
        void leg.leg.media.close('room full');
        tx.respond(486, ROOM_FULL);
        return;
      }
      this.rooms.respondInRoom(request, tx, leg.answer, room);
    } else {
      await this.engine.detach(old, other!);
      await this.pair(leg.leg, other!);
      tx.respond(200, undefined, { headers: { Contact: this.engine.answerContact(tx), Allow: ALLOW }, body: leg.answer, contentType: SDP });
      void this.engine.hangUp(old, null, 'answered');
    }
    leg.leg.dialog?.confirm();
    this.engine.watchMedia(this.engine.ownerOf(leg.leg)!, leg.leg);
  }
}

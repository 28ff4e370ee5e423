import type { MediaEngine } from '@switchboard/media';
import {
  address,
  createRequest,
  Dialog,
  newCallId,
  parseUri,
  sipUri,
  type Address,
  type AnyServerTransaction,
  type Flow,
  type InviteClientTransaction,
  InviteServerTransaction,
  type Replaces,
  type SendOptions,
  type SipRequest,
  type SipResponse,
  type SipStack,
  type TransportProtocol,
} from '@switchboard/sip';
import { ConferenceService } from '../conference/conference-service.js';
import { classify, DEFAULT_PLAN, type NumberingPlan } from '../dialplan/dialplan.js';
import type { DeviceAuthenticator } from '../registrar/device-auth.js';
import type { Binding, LocationService } from '../registrar/location.js';
import type { CallOutcome, DeviceAccount } from '../store/records.js';
import type { Repositories } from '../store/store.js';
import { ourContact } from '../util/contact.js';
import type { PbxLogger } from '../util/logger.js';
import type { CallObserver } from '../presence/call-observer.js';
import type { CallHandoff, FeatureHandler } from '../features/call-handoff.js';
import { ALLOW, Call, COMPLETED_ELSEWHERE, dtmfFromInfo, legKind, refuseOffer, SDP, type Branch, type CallControl } from './call.js';
import { CallLeg, type Party } from './call-leg.js';
import { extensionFailure, isCallTarget, NO_TRUNK, type CallFailure, type CallOrigin, type CallTarget, type FailureWords } from './call-target.js';
import { answerFromAck, offerless } from './offerless.js';
import { RoomCalls } from './room-calls.js';
import { Transfers } from './transfers.js';
import { outsideFailure, type InboundCall, type TrunkService } from './trunk.js';

/**
 * The connection a callee's dialog keeps using: the leg's own (a phone's registration flow), else
 * the TCP or TLS connection its INVITE went out on. A carrier over TLS is then reached within the
 * call on the connection whose certificate was checked for the trunk's host name, not through a
 * new one to its Contact (often a bare address its certificate does not name). UDP: by Contact.
 */
function dialogFlow(branch: Branch): Flow | undefined {
  if (branch.leg.flow) return branch.leg.flow;
  const sent = branch.tx.flow;
  return sent?.reliable ? sent : undefined;
}

/** Told when a user's call history changed, so the portal can refresh Recent Calls. */
export interface CallNotifier {
  callsChanged(tenantId: string, userIds: readonly string[]): void;
}

export interface CallEngineOptions {
  stack: SipStack;
  store: Repositories;
  media: MediaEngine;
  location: LocationService;
  auth: DeviceAuthenticator;
  logger: PbxLogger;
  notifier?: CallNotifier;
  plan?: NumberingPlan;
  /** The tenants' outside lines; without it outside numbers get 503 and DIDs are not answered. */
  trunks?: TrunkService;
  /** Unanswered calls give up after this long (default 30 s); a blind transfer's target rings as long. */
  ringTimeoutMs?: number;
  /** After a transfer completed, the transferor's leg is hung up by us if they have not within this (default 5 s). */
  transferGraceMs?: number;
  /** [presence hook] Told when a call rings, is answered and ends (presence, BLF lamps). */
  observer?: CallObserver;
  /** [voicemail hook] Takes calls the callee cannot (DND, nobody registered, no answer, busy). */
  handoff?: CallHandoff;
  /** [feature-code hook] *78, *79, *97... answered by the server. */
  features?: FeatureHandler;
}

/**
 * Calls between extensions: authenticates the caller, reads the dial plan, rings every
 * registered device of the callee at once, bridges the first to answer and cancels the rest,
 * and carries hold, DTMF and hang-up across. Writes call history before acknowledging the end.
 */
export class CallEngine implements CallControl {
  /** Live conference rooms (`*38`, 99900–99999). */
  readonly conferences: ConferenceService;
  /** Blind and attended transfers (REFER, Replaces). */
  private readonly transfers: Transfers;
  /** Conference room calls (`*38`, room numbers). */
  private readonly rooms: RoomCalls;

  private readonly calls = new Map<string, Call>();
  /** The call each leg is in now (legs move between calls on transfers). */
  private readonly owners = new WeakMap<CallLeg, Call>();
  /** Dialog key (Call-ID|our tag|their tag) to the leg and its call. */
  private readonly dialogs = new Map<string, { call: Call; leg: CallLeg }>();
  readonly plan: NumberingPlan;
  private readonly ringTimeoutMs: number;
  readonly transferGraceMs: number;
  private nextId = 1;

  constructor(private readonly o: CallEngineOptions) {
    this.plan = o.plan ?? DEFAULT_PLAN;
    this.ringTimeoutMs = o.ringTimeoutMs ?? 30_000;
    this.transferGraceMs = o.transferGraceMs ?? 5_000;
    this.conferences = new ConferenceService({ media: o.media, plan: this.plan, logger: o.logger });
    this.rooms = new RoomCalls(this, o);
    this.transfers = new Transfers(this, o, this.rooms);
  }

  get activeCalls(): number {
    return this.calls.size;
  }

  /** The call a leg is in now (legs move between calls on transfers). */
  ownerOf(leg: CallLeg): Call | undefined {
    return this.owners.get(leg);
  }

  /** A request inside a dialog we own; false when the dialog is unknown (the caller answers 481). */
  handleInDialog(request: SipRequest, tx: AnyServerTransaction): boolean {
    const entry = this.dialogs.get(`${request.callId}|${request.toTag ?? ''}|${request.fromTag ?? ''}`);
    if (!entry) return false;
    const { call, leg } = entry;
    const check = leg.dialog?.receiveRequest(request);
    if (check && !check.ok) {
      tx.respond(check.status, check.reason);
      return true;
    }
    void this.inDialog(call, leg, request, tx).catch((error: unknown) => {
      this.o.logger('error', 'in-dialog request failed', { method: request.method, call: call.id, error: String(error) });
      if (!tx.finalResponse && !tx.terminated) tx.respond(500);
    });
    return true;
  }

  /**
   * The party of dialog `key` will never acknowledge our 2xx (Pbx.watchAnswer): its call ends as
   * if it had hung up, with a BYE to every party. False when the dialog is not one of these calls.
   */
  endUnacknowledged(key: string, why: string): boolean {
    const entry = this.dialogs.get(key);
    if (!entry) return false;
    this.o.logger('info', 'a party left the call without acknowledging our answer: ending it', { call: entry.call.id, why });
    void this.hangUp(entry.call, null, 'answered');
    return true;
  }

  /** A new INVITE (outside any dialog). */
  async handleInvite(request: SipRequest, tx: InviteServerTransaction): Promise<void> {
    const flow = tx.flow;
    const fromTrunk = this.o.trunks ? await this.o.trunks.inbound(request, flow.remote.address) : null;
    if (fromTrunk) return this.callFromTrunk(request, tx, fromTrunk);
    const auth = await this.o.auth.authenticate(request, flow.remote.address, { proxy: true, toTag: tx.localTag });
    if (!auth.ok) {
      tx.send(auth.response);
      return;
    }
    const caller = auth.account;
    if (caller.extension === null) {
      tx.respond(403, 'No extension is assigned to this device');
      return;
    }
    const replaces = request.replaces;
    if (replaces) return this.transfers.inviteReplaces(request, tx, caller, replaces);
    const dialled = request.uri.kind === 'sip' ? (request.uri.user ?? '') : request.uri.kind === 'tel' ? request.uri.number : '';
    const destination = classify(dialled, this.plan, { canDialExternal: caller.user.canDialExternal, canDialInternational: caller.user.canDialInternational, canDialPremium: caller.user.canDialPremium });
    switch (destination.kind) {
      case 'refused':
        tx.respond(destination.status, destination.reason);
        return;
      case 'extension':
        return this.callExtension(request, tx, caller, destination.number);
      case 'feature':
        if (destination.feature === 'echo') return this.echoTest(request, tx, caller);
        if (destination.feature === 'conference' && destination.argument === null) return this.rooms.joinOwnRoom(request, tx, caller);
        if (destination.feature === 'pickup') return this.pickUp(request, tx, caller, destination.argument); // [pickup hook]
        if (await this.o.features?.handle(destination.feature, destination.argument, request, tx, caller)) return; // [feature-code hook]
        tx.respond(501, 'This feature code is not available yet');
        return;
      case 'room':
        return this.rooms.joinRoomByNumber(request, tx, caller, destination.number);
      case 'external':
        return this.callOutside(request, tx, { from: this.partyOf(caller), direction: 'outbound' }, destination.number);
    }
  }

  // ── calls to an extension ──────────────────────────────────────────────────────────────

  private callExtension(request: SipRequest, tx: InviteServerTransaction, caller: DeviceAccount, number: string): Promise<void> {
    return this.ringExtension(request, tx, { from: this.partyOf(caller), direction: 'internal', deviceId: caller.device.id }, number);
  }

  /** Rings every registered device of an extension at once: for a phone's call, and for a call the trunk delivers to a DID. */
  private async ringExtension(request: SipRequest, tx: InviteServerTransaction, origin: CallOrigin, number: string): Promise<void> {
    const tenantId = origin.from.tenantId;
    const calleeUser = await this.o.store.users.findByExtension(tenantId, number);
    if (!calleeUser) {
      tx.respond(404, `Extension ${number} does not exist`);
      return;
    }
    const callee: Party = { tenantId, userId: calleeUser.id, number, name: calleeUser.name };
    const targets = this.o.location.bindings(tenantId, number).filter((b) => b.deviceId !== origin.deviceId && this.sendOptionsFor(b) !== null);
    // [voicemail hook] DND, or nobody to ring: voicemail answers instead (or DND refuses, busy).
    const handoff = this.o.handoff ? await this.o.handoff.beforeRinging({ request, tx, origin, callee, reachable: targets.length > 0 }) : 'ring';
    if (handoff !== 'ring') return this.recordMissed(origin, callee, handoff === 'refused' ? 'busy' : 'missed');
    if (targets.length === 0) {
      await this.recordMissed(origin, callee, 'missed');
      tx.respond(480, `Nobody is available at extension ${number}`);
      return;
    }
    const call = await this.startCall(request, tx, origin, callee, extensionFailure(number));
    if (!call) return;
    for (const binding of targets) void this.ring(call, binding);
  }

  /**
   * The caller's side of a new call: its media leg answers the offer, history is started, and the
   * caller hears ringback as early media (whatever kind of phone or browser it is) until the
   * callee side answers. An INVITE without an offer gets ours in the 200 and a plain 180 (its
   * phone rings back by itself). Null when the call was refused (the caller has its answer).
   */
  private async startCall(request: SipRequest, tx: InviteServerTransaction, origin: CallOrigin, callee: Party, failure: FailureWords): Promise<Call | null> {
    const delayed = offerless(request);
    const id = `call-${this.nextId++}`;
    const aMedia = this.o.media.createLeg({ kind: legKind(tx.flow.protocol), group: id });
    const a = new CallLeg(`${id}-a`, 'uas', origin.from, aMedia, tx.flow, { flow: tx.flow });
    let answer: string;
    try {
      if (delayed) answer = await aMedia.createOffer();
      else {
        const result = await aMedia.answerOffer(request.body.toString('utf8'));
        answer = result.answer;
        a.negotiated = result.negotiated;
      }
    } catch (error) {
      void aMedia.close('offer rejected');
      this.o.logger('warn', 'caller offer not acceptable', { error: String(error) });
      refuseOffer(tx, error);
      return null;
    }
    if (tx.finalResponse) {
      // The caller gave up (CANCEL, answered 487 by the stack) while its offer was being answered.
      void aMedia.close('caller cancelled');
      return null;
    }
    a.dialog = Dialog.asUas(request, { localTag: tx.localTag, localContact: this.answerContact(tx), flow: tx.flow });
    const call = new Call(id, a, tx, callee);
    call.aAnswer = answer;
    call.failure = failure;
    this.calls.set(id, call);
    this.dialogs.set(a.dialog.key, { call, leg: a });
    this.watchMedia(call, a);
    call.unwatchCaller.push(
      tx.on('cancelled', () => void this.callerCancelled(call)),
      tx.on('transportError', (reason) => {
        this.o.logger('warn', 'could not send to the caller: ending the call', { call: id, reason });
        void this.callerCancelled(call);
      }),
    );

    const from = origin.from;
    const record = await this.o.store.callHistory.start(from.tenantId, {
      direction: origin.direction,
      from: { number: from.number, name: from.name, userId: from.userId },
      to: { number: callee.number, name: callee.name, userId: callee.userId },
    });
    call.historyId = record.id;
    if (call.state === 'ended') {
      // The caller gave up while the record was being written: finish() could not end it yet.
      await this.o.store.callHistory.end(from.tenantId, record.id, 'cancelled').catch(() => undefined);
      return null;
    }

    const headers = { Contact: this.answerContact(tx), Allow: ALLOW };
    // An offer may not go in an unreliable 180 (RFC 3261 §13.2.1): no early media then.
    tx.respond(180, undefined, delayed ? { headers } : { headers, body: answer, contentType: SDP });
    this.o.observer?.callState({ callId: id, caller: from, callee, state: 'ringing' }); // [presence hook]
    if (!delayed) void aMedia.play({ tone: 'ringback' }, { loop: true }).catch(() => undefined);
    call.ringTimer = setTimeout(() => void this.noAnswer(call), this.ringTimeoutMs);
    return call;
  }

  /** Sends the INVITE to one registered device of the callee. */
  private ring(call: Call, binding: Binding): Promise<void> {
    const options = this.sendOptionsFor(binding);
    if (!options) return Promise.resolve();
    const from = call.a.party;
    const domain = binding.aor.replace(/^sip:[^@]*@/, '');
    const caller = address(sipUri({ user: from.number, host: domain }), from.name ? { displayName: from.name } : {});
    const contact = this.contactFor(options.flow ?? null, binding.transport);
    return this.addBranch(call, {
      kind: binding.transport === 'ws' || binding.transport === 'wss' ? 'webrtc' : 'rtp',
      sendOptions: options,
      contact,
      invite: (offer) =>
        createRequest({
          method: 'INVITE',
          uri: parseUri(binding.contact),
          from: caller,
          to: address(sipUri({ user: call.callee.number, host: domain }), call.callee.name ? { displayName: call.callee.name } : {}),
          callId: newCallId(),
          contact,
          headers: { Allow: ALLOW, 'P-Asserted-Identity': caller },
          body: offer,
          contentType: SDP,
        }),
    });
  }

  /** Tries one target of the callee side: an offer from a new media leg, the INVITE, and its answers followed. */
  async addBranch(call: Call, target: CallTarget): Promise<void> {
    const media = this.o.media.createLeg({ kind: target.kind, group: call.id, ...(target.srtp ? { srtp: true } : {}) });
    let offer: string;
    try {
      offer = await media.createOffer();
    } catch (error) {
      void media.close('offer failed');
      this.o.logger('error', 'could not create an offer for the callee', { error: String(error) });
      return;
    }
    if (call.state !== 'ringing') {
      void media.close('call already settled');
      return;
    }
    const request = target.invite(offer);
    const leg = new CallLeg(`${call.id}-b${call.branches.length + 1}`, 'uac', call.callee, media, target.sendOptions.flow ?? null, target.sendOptions);
    const tx = this.o.stack.sendRequest(request, target.sendOptions) as InviteClientTransaction;
    const branch: Branch = { target, leg, request, tx, settled: false, authorized: false, early: null, ack: null, unfollow: [] };
    call.branches.push(branch);
    this.follow(call, branch);
  }

  private follow(call: Call, branch: Branch): void {
    const tx = branch.tx;
    branch.unfollow.push(
      tx.on('response', (response) => {
        if (branch.tx !== tx) return; // the challenged INVITE; its successor is followed
        void this.onBranchResponse(call, branch, response).catch((error: unknown) => this.o.logger('error', 'callee response handling failed', { call: call.id, error: String(error) }));
      }),
    );
  }

  /**
   * The call ended: its transactions stop holding it (the layer keeps them 32 s). A branch whose
   * INVITE may still be answered keeps one small listener: a 2xx that crossed our CANCEL (RFC
   * 3261 §9.2) is ACKed and hung up at once, so the phone or carrier is not left in a call. A
   * retransmission of a 2xx we took needs nothing from us: the stack sends our ACK again.
   */
  private unfollow(call: Call): void {
    for (const off of call.unwatchCaller.splice(0)) off();
    for (const branch of call.branches) {
      for (const off of branch.unfollow.splice(0)) off();
      if (branch.tx.terminated || branch.ack) continue;
      // Only what the listener needs: closing over the call or its legs would keep them.
      const { stack, logger } = this.o;
      const request = branch.request;
      const contact = branch.target.contact;
      const flow = dialogFlow(branch);
      const options = branch.leg.requestOptions();
      const callId = call.id;
      let answered = false;
      branch.tx.on('response', (response) => {
        if (response.status < 200 || response.status >= 300 || answered) return;
        answered = true;
        const dialog = Dialog.asUac(request, response, { localContact: contact, ...(flow ? { flow } : {}) });
        const bye = dialog.createRequest('BYE');
        void stack.sendAck(dialog.createAck(request), options);
        dialog.terminate();
        logger('info', 'an answer after the call ended: hung up', { call: callId });
        void stack.sendRequest(bye, options).final;
      });
    }
  }

  private async onBranchResponse(call: Call, branch: Branch, response: SipResponse): Promise<void> {
    if (response.status < 200) {
      if (response.status === 180 && call.transfer && !call.transfer.recall) call.transfer.progress.progress(180, 'Ringing');
      if (branch.target.earlyMedia && !branch.early && response.body.length > 0 && call.state === 'ringing') branch.early = this.earlyMedia(call, branch, response);
      return;
    }
    const credentials = branch.target.credentials;
    if ((response.status === 401 || response.status === 407) && credentials && !branch.authorized && !branch.settled && call.state === 'ringing') {
      // A carrier's challenge (RFC 3261 §22.2): the same INVITE again with credentials, once.
      const retry = credentials.authorize(branch.request, response);
      if (retry) {
        branch.authorized = true;
        branch.request = retry;
        branch.tx = this.o.stack.sendRequest(retry, branch.target.sendOptions) as InviteClientTransaction;
        this.follow(call, branch);
        return;
      }
    }
    if (response.status >= 300) {
      branch.settled = true;
      // 487 answers our own CANCEL; anything else from a carrier (or in its stead: 408, 503 when it cannot be reached) the admin may need.
      if (branch.target.trunk !== undefined && response.status !== 487) {
        this.o.logger('warn', 'an outside call failed at the trunk', { call: call.id, host: branch.target.trunk, status: response.status, reason: response.reason });
      }
      void branch.leg.media.close('branch failed');
      if (call.state === 'ringing' && call.branches.every((b) => b.settled)) await this.allBranchesFailed(call);
      return;
    }
    // 2xx. A retransmission of the one we took: the stack has sent our ACK again (its dialog stays as it is).
    if (branch.ack) return;
    const flow = dialogFlow(branch);
    const dialog = Dialog.asUac(branch.request, response, { localContact: branch.target.contact, ...(flow ? { flow } : {}) });
    branch.leg.dialog = dialog;
    branch.ack = dialog.createAck(branch.request);
    void this.o.stack.sendAck(branch.ack, branch.leg.requestOptions());
    const late = branch.settled || call.state !== 'ringing';
    branch.settled = true;
    if (late) {
      // Answered too late (another device won, the caller gave up, or our CANCEL crossed this 2xx): hang this one up.
      void this.sendBye(branch.leg, dialog);
      void branch.leg.media.close('answered elsewhere');
      return;
    }
    call.state = 'answered';
    call.answeredAt = Date.now();
    if (call.ringTimer) clearTimeout(call.ringTimer);
    const b = branch.leg;
    call.b = b;
    this.dialogs.set(dialog.key, { call, leg: b });
    this.watchMedia(call, b);
    for (const other of call.branches) {
      if (other === branch || other.settled) continue;
      other.settled = true;
      void this.o.stack.cancel(other.tx, { reason: COMPLETED_ELSEWHERE });
      void other.leg.media.close('answered elsewhere');
    }
    // With early media the caller already hears the callee: the answer was applied then.
    const bridgedEarly = branch.early ? await branch.early : false;
    if (!bridgedEarly) {
      // The caller may have given up meanwhile (callerCancelled ends the call and its legs).
      if (call.ended) return;
      // The callee's answer, the end of ringback and the bridge reach the media thread in one
      // message: an answer it cannot take ends the call all the same, bridged or not.
      const applied = b.media.applyAnswer(response.body.toString('utf8'));
      void call.a.media.stopPlayback().catch(() => undefined);
      const bridged = this.o.media.bridge(call.a.media, b.media);
      try {
        b.negotiated = await applied;
      } catch (error) {
        bridged.catch(() => undefined);
        this.o.logger('warn', 'callee answer not acceptable', { error: String(error) });
        await this.hangUp(call, null, 'failed');
        return;
      }
      await bridged.catch((error: unknown) => {
        if (!call.ended) throw error;
      });
    }
    if (call.ended) return;
    if (call.historyId) await this.o.store.callHistory.answer(call.a.party.tenantId, call.historyId);
    if (call.ended) return;
    call.connected = true;
    this.o.observer?.callState({ callId: call.id, caller: call.a.party, callee: call.callee, state: 'answered' }); // [presence hook]
    if (call.transfer) {
      this.transfers.transferCompleted(call.transfer);
      return;
    }
    this.answerCaller(call);
  }

  /**
   * The 200 to the caller, with our SDP: the answer to its offer, or our offer when its INVITE had
   * none, whose answer its ACK then brings (a call that cannot agree on media that way ends).
   */
  private answerCaller(call: Call): void {
    const tx = call.aTx;
    if (!tx) return;
    tx.respond(200, undefined, { headers: { Contact: this.legContact(call.a), Allow: ALLOW }, body: call.aAnswer, contentType: SDP });
    call.a.dialog?.confirm();
    if (offerless(tx.request)) this.answerInAck(tx, call.a);
  }

  /**
   * Our 2xx on `tx` carries an offer to `leg`: the ACK's answer settles its media (`settled`, by
   * default just noted on the leg). Without a usable answer the call the leg is in by then (a
   * call, a room, a transfer) ends.
   */
  private answerInAck(tx: InviteServerTransaction, leg: CallLeg, settled = (negotiated: NonNullable<CallLeg['negotiated']>) => void (leg.negotiated = negotiated)): void {
    answerFromAck(tx, leg.media, {
      settled,
      failed: (why) => {
        const call = this.ownerOf(leg);
        this.o.logger('warn', 'a party did not answer our offer: ending its call', { call: call?.id, why });
        if (call) void this.hangUp(call, null, 'failed');
        else void leg.media.close('no answer to our offer');
      },
    });
  }

  /**
   * The callee's early media (an SDP in a 180/183, e.g. a carrier's ringback or announcement):
   * the caller hears it instead of our ringback. True once bridged.
   */
  private async earlyMedia(call: Call, branch: Branch, response: SipResponse): Promise<boolean> {
    try {
      branch.leg.negotiated = await branch.leg.media.applyAnswer(response.body.toString('utf8'));
    } catch (error) {
      this.o.logger('warn', 'early media not acceptable', { call: call.id, error: String(error) });
      return false;
    }
    if (call.state === 'ended') return false;
    await call.a.media.stopPlayback().catch(() => undefined);
    await this.o.media.bridge(call.a.media, branch.leg.media);
    return true;
  }

  private async allBranchesFailed(call: Call): Promise<void> {
    const failure = call.failure(call.branches.map((b) => b.tx.finalResponse?.status ?? 408));
    if (failure.outcome === 'busy' && (await this.handOff(call, 'busy'))) return; // [voicemail hook]
    await this.unanswered(call, failure);
  }

  /**
   * Nobody took the call: the caller is told why; a blind transfer's transferee goes back to the
   * transferor instead (recall), and is hung up only when the recall is not answered either.
   */
  private async unanswered(call: Call, failure: CallFailure): Promise<void> {
    const transfer = call.transfer;
    if (!transfer) {
      await this.finish(call, failure.outcome);
      call.aTx?.respond(failure.status, failure.reason);
      return;
    }
    const transferee = call.a;
    call.detached.add(transferee);
    await this.finish(call, failure.outcome);
    void transfer.progress.final(failure.status, failure.reason);
    if (transferee.ended || transferee.media.closed) return;
    if (transfer.recall) this.dropLeg(transferee);
    else await this.transfers.recall(transferee, transfer);
  }

  private async noAnswer(call: Call): Promise<void> {
    if (call.state !== 'ringing') return;
    for (const branch of call.branches) {
      if (branch.settled) continue;
      branch.settled = true;
      void this.o.stack.cancel(branch.tx);
      void branch.leg.media.close('no answer');
    }
    if (await this.handOff(call, 'no-answer')) return; // [voicemail hook]
    await this.unanswered(call, { status: 480, reason: call.failure([480]).reason, outcome: 'missed' });
  }

  /** [voicemail hook] Ringing failed: the callee's voicemail takes the caller's leg (false: it does not). */
  private async handOff(call: Call, reason: 'no-answer' | 'busy'): Promise<boolean> {
    const handoff = this.o.handoff;
    if (!handoff || call.callee.userId === null || !(await handoff.wants(call.callee, reason))) return false;
    if (call.state !== 'ringing' || !call.aTx || call.aTx.finalResponse) return false;
    call.handedOff = true;
    await this.finish(call, 'missed');
    handoff.take({ request: call.aTx.request, tx: call.aTx, caller: call.a.party, callee: call.callee, media: call.a.media, answer: call.aAnswer, reason });
    return true;
  }

  private async callerCancelled(call: Call): Promise<void> {
    if (call.state === 'ended' || call.connected) return;
    if (call.state === 'answered') {
      // The caller gave up while the callee's answer was being connected: hang up the callee.
      await this.hangUp(call, call.a, 'cancelled');
      return;
    }
    for (const branch of call.branches) {
      if (branch.settled) continue;
      branch.settled = true;
      void this.o.stack.cancel(branch.tx);
      void branch.leg.media.close('caller cancelled');
    }
    await this.finish(call, 'cancelled');
  }

  // ── in a call ──────────────────────────────────────────────────────────────────────────

  private async inDialog(call: Call, leg: CallLeg, request: SipRequest, tx: AnyServerTransaction): Promise<void> {
    switch (request.method) {
      case 'BYE':
        if (call.state === 'ringing' && leg === call.a && !call.aTx) {
          // A transferee hung up while the transfer target was ringing.
          void call.transfer?.progress.final(487, 'Request Terminated');
          await this.callerCancelled(call);
        } else if (call.returned && leg === call.returned.referrer && call.other(leg)) {
          // A phone that hangs up when told its transfer failed: the transferee is not dropped but
          // rings the transferor back.
          const transfer = call.returned;
          const transferee = call.other(leg)!;
          call.detached.add(transferee);
          await this.hangUp(call, leg, 'answered');
          tx.respond(200);
          await this.transfers.recall(transferee, transfer);
          return;
        } else {
          await this.hangUp(call, leg, 'answered');
        }
        tx.respond(200);
        return;
      case 'REFER':
        return this.transfers.refer(call, leg, request, tx);
      case 'INVITE':
      case 'UPDATE':
        return this.reoffer(call, leg, request, tx);
      case 'INFO': {
        const digit = request.contentType?.subtype === 'dtmf-relay' ? dtmfFromInfo(request.body.toString('utf8')) : null;
        tx.respond(200);
        const other = call.other(leg);
        if (digit && other) await other.media.sendDtmf(digit);
        return;
      }
      case 'OPTIONS':
        tx.respond(200, undefined, { headers: { Allow: ALLOW } });
        return;
      default:
        tx.respond(501, undefined, { headers: { Allow: ALLOW } });
    }
  }

  /**
   * A re-INVITE (or UPDATE with SDP): answered from that party's media leg. An offer of
   * sendonly/inactive puts the call on hold: the other party hears music until resumed.
   */
  private async reoffer(call: Call, leg: CallLeg, request: SipRequest, tx: AnyServerTransaction): Promise<void> {
    if (offerless(request)) {
      if (!(tx instanceof InviteServerTransaction)) {
        tx.respond(200, undefined, { headers: { Contact: this.legContact(leg) } });
        return;
      }
      // A re-INVITE without an offer: ours goes in the 200, the answer comes in the ACK.
      let offer: string;
      try {
        offer = await leg.media.createOffer();
      } catch (error) {
        refuseOffer(tx, error);
        return;
      }
      tx.respond(200, undefined, { headers: { Contact: this.legContact(leg), Allow: ALLOW }, body: offer, contentType: SDP });
      this.answerInAck(tx, leg, (negotiated) => void this.settleDirection(call, leg, negotiated));
      return;
    }
    let result;
    try {
      result = await leg.media.answerOffer(request.body.toString('utf8'));
    } catch (error) {
      refuseOffer(tx, error);
      return;
    }
    await this.settleDirection(call, leg, result.negotiated);
    if (leg === call.a) call.aAnswer = result.answer;
    tx.respond(200, undefined, { headers: { Contact: this.legContact(leg), Allow: ALLOW }, body: result.answer, contentType: SDP });
  }

  /**
   * What a party's new SDP settled: sending only, or nothing, puts the call on hold (the other
   * party hears music; in a room the others stop hearing them); sending again resumes it.
   */
  private async settleDirection(call: Call, leg: CallLeg, negotiated: NonNullable<CallLeg['negotiated']>): Promise<void> {
    leg.negotiated = negotiated;
    const holding = negotiated.remoteDirection === 'sendonly' || negotiated.remoteDirection === 'inactive';
    if (call.room && holding !== leg.holding) {
      // On hold in a room: the others stop hearing them (the room goes on without them).
      leg.holding = holding;
      await this.conferences.setMuted(call.room.room, call.room.participant, holding);
    }
    const other = call.other(leg);
    if (other && holding !== leg.holding && call.state === 'answered') {
      leg.holding = holding;
      if (holding) {
        await this.o.media.unbridge(leg.media).catch(() => undefined);
        void other.media.play({ file: 'music/hold.wav' }, { loop: true }).catch(() => undefined);
      } else if (!other.holding) {
        await other.media.stopPlayback().catch(() => undefined);
        await this.o.media.bridge(leg.media, other.media);
      }
    }
  }

  /** Ends an answered call: BYE to the other side, media closed, history written first. */
  async hangUp(call: Call, from: CallLeg | null, outcome: CallOutcome): Promise<void> {
    if (call.state === 'ended') return;
    await this.finish(call, call.connected ? 'answered' : outcome === 'answered' ? 'failed' : outcome);
    // The BYE to the other party goes out without holding up the answer to this one: a slow or
    // vanished far end must not keep the party that hung up waiting (it would retransmit its BYE).
    for (const leg of [call.a, call.b]) {
      if (!leg || leg === from || leg.ended || !leg.dialog || call.detached.has(leg)) continue;
      if (leg === call.a && !call.connected && call.aTx) {
        // The caller never had our 200: its INVITE gets a final answer, not a BYE.
        if (!call.aTx.finalResponse && !call.aTx.terminated) call.aTx.respond(480, 'The call ended before it was connected');
        continue;
      }
      this.sendBye(leg, leg.dialog).catch((error: unknown) => this.o.logger('warn', 'could not send BYE', { call: call.id, error: String(error) }));
    }
  }

  /** Marks the call ended: timers stopped, media closed, dialogs forgotten, history written. */
  async finish(call: Call, outcome: CallOutcome): Promise<void> {
    if (call.state === 'ended') return;
    call.state = 'ended';
    call.wake();
    if (call.ringTimer) clearTimeout(call.ringTimer);
    this.calls.delete(call.id);
    this.unfollow(call);
    if (call.room) void this.conferences.leave(call.room.room, call.room.participant);
    for (const leg of call.legs()) {
      if (leg.dialog) this.dialogs.delete(leg.dialog.key);
      if (leg === call.a && call.handedOff) continue; // [voicemail hook] voicemail owns it now
      void leg.media.close('call ended').catch(() => undefined);
    }
    if (call.historyId) {
      try {
        await this.o.store.callHistory.end(call.a.party.tenantId, call.historyId, outcome);
      } catch (error) {
        this.o.logger('error', 'could not write the end of a call to history', { call: call.id, error: String(error) });
      }
    }
    this.o.observer?.callState({ callId: call.id, caller: call.a.party, callee: call.answeredBy ?? call.callee, state: 'ended' }); // [presence hook]
    const users = [call.a.party.userId, call.callee.userId].filter((u): u is string => u !== null);
    this.o.notifier?.callsChanged(call.a.party.tenantId, users);
    this.o.logger('info', 'call ended', { call: call.id, outcome, from: call.a.party.number, to: call.callee.number });
  }

  private async sendBye(leg: CallLeg, dialog: Dialog): Promise<void> {
    leg.ended = true;
    const bye = dialog.createRequest('BYE');
    dialog.terminate();
    await this.o.stack.sendRequest(bye, leg.requestOptions()).final;
  }

  /** A leg whose media died or went silent ends the call (the endpoint vanished). */
  watchMedia(call: Call, leg: CallLeg): void {
    this.owners.set(leg, call);
    // The leg may have moved to another call (a transfer) by the time its media fails.
    const current = (): Call => this.owners.get(leg) ?? call;
    leg.media.on('inactive', () => {
      const now = current();
      if (leg.holding || now.other(leg)?.holding) return;
      this.o.logger('info', 'no media from a party: ending the call', { call: now.id, party: leg.party.number });
      void this.hangUp(now, null, 'failed');
    });
    leg.media.on('error', (error) => {
      const now = current();
      this.o.logger('error', 'media failed: ending the call', { call: now.id, error: error.message });
      void this.hangUp(now, null, 'failed');
    });
  }

  // ── calls through the trunk (trunk.ts) ─────────────────────────────────────────────────

  /** An outside number: one INVITE to the tenant's carrier; its early media, or our ringback, meanwhile. */
  private async callOutside(request: SipRequest, tx: InviteServerTransaction, origin: CallOrigin, number: string): Promise<void> {
    const line = this.o.trunks ? await this.o.trunks.outsideLine(origin.from.tenantId, number, origin.from) : NO_TRUNK;
    if (!isCallTarget(line)) {
      tx.respond(line.status, line.reason);
      return;
    }
    const callee: Party = { tenantId: origin.from.tenantId, userId: null, number, name: null };
    const call = await this.startCall(request, tx, origin, callee, outsideFailure(number));
    if (call) await this.addBranch(call, line);
  }

  /** A carrier delivered a call to a DID: it rings the extension, or goes on to an outside number. */
  private callFromTrunk(request: SipRequest, tx: InviteServerTransaction, inbound: InboundCall): Promise<void> {
    this.o.logger('info', 'call from the trunk', { did: inbound.did, from: inbound.origin.from.number, to: inbound.route.number });
    if (inbound.route.kind === 'extension') return this.ringExtension(request, tx, inbound.origin, inbound.route.number);
    return this.callOutside(request, tx, inbound.origin, inbound.route.number);
  }

  // ── directed pickup (**<ext>, *8<ext>) [pickup hook] ───────────────────────────────────

  /** Answers on the caller's device a call ringing at extension `number`; its ringing branches are cancelled. */
  private async pickUp(request: SipRequest, tx: InviteServerTransaction, caller: DeviceAccount, number: string | null): Promise<void> {
    const ringing = (): Call | undefined =>
      [...this.calls.values()].find(
        (c) => c.state === 'ringing' && !c.transfer && c.aTx !== null && c.callee.userId !== null && c.callee.tenantId === caller.tenant.id && c.callee.number === number && c.a.party.userId !== caller.user.id,
      );
    if (!ringing()) {
      tx.respond(404, `No call is ringing at extension ${number ?? '(none given)'}`);
      return;
    }
    const answered = await this.answerLeg(request, tx, caller);
    if (!answered) return;
    const call = ringing();
    if (!call) {
      void answered.leg.media.close('nothing to pick up');
      tx.respond(404, 'The call was answered or ended meanwhile');
      return;
    }
    call.state = 'answered';
    call.answeredAt = Date.now();
    if (call.ringTimer) clearTimeout(call.ringTimer);
    for (const branch of call.branches) {
      if (branch.settled) continue;
      branch.settled = true;
      void this.o.stack.cancel(branch.tx, { reason: COMPLETED_ELSEWHERE });
      void branch.leg.media.close('picked up');
    }
    const b = answered.leg;
    call.b = b;
    this.own(call, b);
    this.watchMedia(call, b);
    await call.a.media.stopPlayback().catch(() => undefined);
    if (call.ended) {
      void b.media.close('caller gave up');
      tx.respond(487, 'The caller hung up');
      return;
    }
    await this.o.media.bridge(call.a.media, b.media);
    if (call.historyId) await this.o.store.callHistory.answer(call.a.party.tenantId, call.historyId);
    call.connected = true;
    // [presence hook] The rung extension is free again; the picker is the one on the call.
    call.answeredBy = b.party;
    this.o.observer?.callState({ callId: call.id, caller: call.a.party, callee: call.callee, state: 'ended' });
    this.o.observer?.callState({ callId: call.id, caller: call.a.party, callee: b.party, state: 'answered' });
    this.answerCaller(call);
    tx.respond(200, undefined, { headers: { Contact: this.answerContact(tx), Allow: ALLOW }, body: answered.answer, contentType: SDP });
    b.dialog?.confirm();
    this.o.logger('info', 'call picked up', { call: call.id, ringing: number, by: b.party.number });
  }

  // ── the echo test (*43) ────────────────────────────────────────────────────────────────

  private async echoTest(request: SipRequest, tx: InviteServerTransaction, caller: DeviceAccount): Promise<void> {
    const id = `call-${this.nextId++}`;
    const media = this.o.media.createLeg({ kind: legKind(tx.flow.protocol), group: id });
    let answer: string;
    try {
      answer = (await media.answerOffer(request.body.toString('utf8'))).answer;
    } catch (error) {
      void media.close('offer rejected');
      refuseOffer(tx, error);
      return;
    }
    const party: Party = { tenantId: caller.tenant.id, userId: caller.user.id, number: caller.extension!, name: caller.user.name };
    const leg = new CallLeg(`${id}-a`, 'uas', party, media, tx.flow, { flow: tx.flow });
    leg.dialog = Dialog.asUas(request, { localTag: tx.localTag, localContact: this.answerContact(tx), flow: tx.flow, confirmed: true });
    const call = new Call(id, leg, tx, { tenantId: party.tenantId, userId: null, number: '*43', name: 'Echo test' });
    call.state = 'answered';
    call.connected = true;
    this.calls.set(id, call);
    this.dialogs.set(leg.dialog.key, { call, leg });
    this.watchMedia(call, leg);
    await media.echo(true);
    tx.respond(200, undefined, { headers: { Contact: this.answerContact(tx), Allow: ALLOW }, body: answer, contentType: SDP });
  }

  // ── calls from a leg that is already connected (transfers.ts) ──────────────────────────

  /**
   * A call from a leg that is already connected (the transferee): history, ringback to them, the
   * ring timer, then the target's branches. A target with nothing to ring fails at once.
   */
  async ringFromLeg(call: Call, reach: (c: Call) => Promise<number>): Promise<void> {
    const a = call.a;
    const record = await this.o.store.callHistory.start(a.party.tenantId, {
      direction: a.party.userId === null ? 'inbound' : 'internal',
      from: { number: a.party.number, name: a.party.name, userId: a.party.userId },
      to: { number: call.callee.number, name: call.callee.name, userId: call.callee.userId },
    });
    call.historyId = record.id;
    if (call.ended) {
      await this.o.store.callHistory.end(a.party.tenantId, record.id, 'cancelled').catch(() => undefined);
      return;
    }
    void a.media.play({ tone: 'ringback' }, { loop: true }).catch(() => undefined);
    call.ringTimer = setTimeout(() => void this.noAnswer(call), this.ringTimeoutMs);
    const tried = await reach(call);
    if (tried === 0 && call.state === 'ringing') {
      if (call.ringTimer) clearTimeout(call.ringTimer);
      await this.unanswered(call, call.failure([480]));
    }
  }

  /** Rings every registered device of an extension for `call`; how many were rung. */
  ringDevices(call: Call, number: string): number {
    const targets = this.o.location.bindings(call.callee.tenantId, number).filter((b) => this.sendOptionsFor(b) !== null);
    for (const binding of targets) void this.ring(call, binding);
    return targets.length;
  }

  // ── legs that move between calls ───────────────────────────────────────────────────────

  /**
   * A new INVITE answered on a media leg of the caller's kind (no 200 yet); null when refused
   * (answered). An INVITE without an offer gets ours as `answer`, answered by its ACK.
   */
  async answerLeg(request: SipRequest, tx: InviteServerTransaction, caller: DeviceAccount): Promise<{ leg: CallLeg; answer: string } | null> {
    const delayed = offerless(request);
    const id = `leg-${this.nextId++}`;
    const media = this.o.media.createLeg({ kind: legKind(tx.flow.protocol), group: id });
    let answer: string;
    const leg = new CallLeg(`${id}-a`, 'uas', this.partyOf(caller), media, tx.flow, { flow: tx.flow });
    try {
      if (delayed) {
        answer = await media.createOffer();
        this.answerInAck(tx, leg);
      } else {
        const result = await media.answerOffer(request.body.toString('utf8'));
        answer = result.answer;
        leg.negotiated = result.negotiated;
      }
    } catch (error) {
      void media.close('offer rejected');
      refuseOffer(tx, error);
      return null;
    }
    if (tx.finalResponse) {
      void media.close('caller cancelled');
      return null;
    }
    leg.dialog = Dialog.asUas(request, { localTag: tx.localTag, localContact: this.answerContact(tx), flow: tx.flow });
    return { leg, answer };
  }

  /** A leg leaves `call` (it goes on in another call or a room): unbridged, no longer hung up or closed by it. */
  async detach(call: Call, leg: CallLeg): Promise<void> {
    call.detached.add(leg);
    await this.o.media.unbridge(leg.media).catch(() => undefined);
  }

  /** A new call made of a leg that is already connected (the transferee), toward `callee`. */
  adopt(leg: CallLeg, callee: Party): Call {
    const call = new Call(`call-${this.nextId++}`, leg, null, callee);
    this.calls.set(call.id, call);
    this.own(call, leg);
    return call;
  }

  /** Requests in the leg's dialog, and its media failures, go to `call` from now on. */
  own(call: Call, leg: CallLeg): void {
    this.owners.set(leg, call);
    if (leg.dialog) this.dialogs.set(leg.dialog.key, { call, leg });
  }

  /** The leg named by a Replaces header; its tags are taken in either order (phones differ in whose view they give). */
  dialogNamed(replaces: Replaces): { call: Call; leg: CallLeg } | null {
    return this.dialogs.get(`${replaces.callId}|${replaces.toTag}|${replaces.fromTag}`) ?? this.dialogs.get(`${replaces.callId}|${replaces.fromTag}|${replaces.toTag}`) ?? null;
  }

  /** Hangs up a leg that is in no call any more (the recall was not answered either). */
  dropLeg(leg: CallLeg): void {
    if (leg.dialog && !leg.ended) {
      this.dialogs.delete(leg.dialog.key);
      this.sendBye(leg, leg.dialog).catch((error: unknown) => this.o.logger('warn', 'could not send BYE', { error: String(error) }));
    }
    void leg.media.close('transfer failed').catch(() => undefined);
  }

  // ── helpers ────────────────────────────────────────────────────────────────────────────

  private async recordMissed(origin: CallOrigin, callee: Party, outcome: CallOutcome): Promise<void> {
    const { from } = origin;
    const record = await this.o.store.callHistory.start(from.tenantId, {
      direction: origin.direction,
      from: { number: from.number, name: from.name, userId: from.userId },
      to: { number: callee.number, name: callee.name, userId: callee.userId },
    });
    await this.o.store.callHistory.end(from.tenantId, record.id, outcome);
    this.o.notifier?.callsChanged(from.tenantId, [from.userId, callee.userId].filter((u): u is string => u !== null));
  }

  /** The caller as a party of the call: their extension and name. */
  private partyOf(caller: DeviceAccount): Party {
    return { tenantId: caller.tenant.id, userId: caller.user.id, number: caller.extension!, name: caller.user.name };
  }

  /** How to reach a registered contact: its live connection, or its source address for UDP. */
  private sendOptionsFor(binding: Binding): SendOptions | null {
    if (binding.flowId) {
      const protocol: TransportProtocol = binding.transport === 'wss' ? 'ws' : binding.transport;
      const flow = this.o.stack.transport(protocol)?.flow(binding.flowId);
      return flow && !flow.closed ? { flow } : null;
    }
    return { destination: { protocol: binding.transport, address: binding.sourceAddress, port: binding.sourcePort } };
  }

  private contactFor(flow: Flow | null, protocol?: string): Address {
    return ourContact(this.o.stack, flow?.protocol ?? protocol ?? 'udp');
  }

  /** Our Contact toward `leg` within its dialog: the one the dialog was made with. */
  legContact(leg: CallLeg): Address {
    return leg.dialog?.localContact ?? this.contactFor(leg.flow);
  }

  /** Our Contact in the dialog `tx`'s request makes (a SIPS one when that request asked for it). */
  answerContact(tx: AnyServerTransaction): Address {
    return ourContact(this.o.stack, tx.flow.protocol, tx.request);
  }
}

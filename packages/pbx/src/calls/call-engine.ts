import type { MediaEngine, LegKind } from '@switchboard/media';
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
  type InviteServerTransaction,
  type SendOptions,
  type SipRequest,
  type SipResponse,
  type SipStack,
  type TransportProtocol,
} from '@switchboard/sip';
import { classify, DEFAULT_PLAN, type NumberingPlan } from '../dialplan/dialplan.js';
import type { DeviceAuthenticator } from '../registrar/device-auth.js';
import type { Binding, LocationService } from '../registrar/location.js';
import type { CallOutcome, DeviceAccount } from '../store/records.js';
import type { Repositories } from '../store/store.js';
import type { PbxLogger } from '../util/logger.js';
import { CallLeg, type Party } from './call-leg.js';

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
  /** Unanswered calls give up after this long (default 30 s). */
  ringTimeoutMs?: number;
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE';
const COMPLETED_ELSEWHERE = 'SIP;cause=200;text="Call completed elsewhere"';
const SDP = 'application/sdp';

type CallState = 'ringing' | 'answered' | 'ended';

/** A forked attempt to reach one registered device of the callee. */
interface Branch {
  binding: Binding;
  leg: CallLeg;
  request: SipRequest;
  tx: InviteClientTransaction;
  settled: boolean;
}

/**
 * A call between two parties through the server (B2BUA): the caller's leg (we are its UAS) and
 * the callee's leg (we are its UAC), with media anchored here and bridged between them.
 */
class Call {
  state: CallState = 'ringing';
  b: CallLeg | null = null;
  readonly branches: Branch[] = [];
  historyId: string | null = null;
  ringTimer: NodeJS.Timeout | null = null;
  answeredAt: number | null = null;
  /** Our SDP answer to the caller (sent with the 180 as early media, again in the 200). */
  aAnswer = '';

  constructor(
    readonly id: string,
    readonly a: CallLeg,
    readonly aTx: InviteServerTransaction,
    readonly callee: Party,
  ) {}

  other(leg: CallLeg): CallLeg | null {
    return leg === this.a ? this.b : this.a;
  }
}

function legKind(protocol: string): LegKind {
  return protocol === 'ws' || protocol === 'wss' ? 'webrtc' : 'rtp';
}

/** The digit of an INFO application/dtmf-relay body ("Signal=5"). */
function dtmfFromInfo(body: string): string | null {
  const match = /^\s*Signal\s*=\s*([0-9*#A-Da-d])\s*$/im.exec(body);
  return match ? match[1]!.toUpperCase() : null;
}

/**
 * Calls between extensions: authenticates the caller, reads the dial plan, rings every
 * registered device of the callee at once, bridges the first to answer and cancels the rest,
 * and carries hold, DTMF and hang-up across. Writes call history before acknowledging the end.
 */
export class CallEngine {
  private readonly calls = new Map<string, Call>();
  /** Dialog key (Call-ID|our tag|their tag) to the leg and its call. */
  private readonly dialogs = new Map<string, { call: Call; leg: CallLeg }>();
  private readonly plan: NumberingPlan;
  private readonly ringTimeoutMs: number;
  private nextId = 1;

  constructor(private readonly o: CallEngineOptions) {
    this.plan = o.plan ?? DEFAULT_PLAN;
    this.ringTimeoutMs = o.ringTimeoutMs ?? 30_000;
  }

  get activeCalls(): number {
    return this.calls.size;
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

  /** A new INVITE (outside any dialog). */
  async handleInvite(request: SipRequest, tx: InviteServerTransaction): Promise<void> {
    const flow = tx.flow;
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
    const dialled = request.uri.kind === 'sip' ? (request.uri.user ?? '') : request.uri.kind === 'tel' ? request.uri.number : '';
    const destination = classify(dialled, this.plan, { canDialExternal: caller.user.canDialExternal, canDialInternational: false, canDialPremium: false });
    switch (destination.kind) {
      case 'refused':
        tx.respond(destination.status, destination.reason);
        return;
      case 'extension':
        return this.callExtension(request, tx, caller, destination.number);
      case 'feature':
        if (destination.feature === 'echo') return this.echoTest(request, tx, caller);
        tx.respond(501, 'This feature code is not available yet');
        return;
      case 'room':
        tx.respond(501, 'Conference rooms are not available yet');
        return;
      case 'external':
        tx.respond(503, 'No outside line is configured');
        return;
    }
  }

  // ── calls to an extension ────────────────────────────────────────────────────────────

  private async callExtension(request: SipRequest, tx: InviteServerTransaction, caller: DeviceAccount, number: string): Promise<void> {
    const tenantId = caller.tenant.id;
    const calleeUser = await this.o.store.users.findByExtension(tenantId, number);
    if (!calleeUser) {
      tx.respond(404, `Extension ${number} does not exist`);
      return;
    }
    const callee: Party = { tenantId, userId: calleeUser.id, number, name: calleeUser.name };
    const targets = this.o.location.bindings(tenantId, number).filter((b) => b.deviceId !== caller.device.id && this.sendOptionsFor(b) !== null);
    if (targets.length === 0) {
      await this.recordMissed(caller, callee, 'missed');
      tx.respond(480, `Nobody is available at extension ${number}`);
      return;
    }
    const offer = request.body.toString('utf8');
    if (offer.trim() === '') {
      tx.respond(488, 'An INVITE without an SDP offer is not supported');
      return;
    }

    const id = `call-${this.nextId++}`;
    const aMedia = this.o.media.createLeg({ kind: legKind(tx.flow.protocol), group: id });
    const aParty: Party = { tenantId, userId: caller.user.id, number: caller.extension!, name: caller.user.name };
    const a = new CallLeg(`${id}-a`, 'uas', aParty, aMedia, tx.flow, { flow: tx.flow });
    let answer: string;
    try {
      const result = await aMedia.answerOffer(offer);
      answer = result.answer;
      a.negotiated = result.negotiated;
    } catch (error) {
      void aMedia.close('offer rejected');
      this.o.logger('warn', 'caller offer not acceptable', { error: String(error) });
      tx.respond(488, 'None of the offered audio formats can be used');
      return;
    }
    a.dialog = Dialog.asUas(request, { localTag: tx.localTag, localContact: this.contactFor(tx.flow), flow: tx.flow });
    const call = new Call(id, a, tx, callee);
    call.aAnswer = answer;
    this.calls.set(id, call);
    this.dialogs.set(a.dialog.key, { call, leg: a });
    this.watchMedia(call, a);
    tx.on('cancelled', () => void this.callerCancelled(call));

    const record = await this.o.store.callHistory.start(tenantId, {
      direction: 'internal',
      from: { number: aParty.number, name: aParty.name, userId: aParty.userId },
      to: { number, name: callee.name, userId: callee.userId },
    });
    call.historyId = record.id;

    // Ringback as early media: the caller hears it whatever kind of phone or browser it is.
    tx.respond(180, undefined, { headers: { Contact: this.contactFor(tx.flow), Allow: ALLOW }, body: answer, contentType: SDP });
    void aMedia.play({ tone: 'ringback' }, { loop: true }).catch(() => undefined);

    for (const binding of targets) void this.ring(call, binding, aParty);
    call.ringTimer = setTimeout(() => void this.noAnswer(call), this.ringTimeoutMs);
  }

  /** Sends the INVITE to one registered device of the callee. */
  private async ring(call: Call, binding: Binding, from: Party): Promise<void> {
    const options = this.sendOptionsFor(binding);
    if (!options) return;
    const media = this.o.media.createLeg({ kind: binding.transport === 'ws' || binding.transport === 'wss' ? 'webrtc' : 'rtp', group: call.id });
    let offer: string;
    try {
      offer = await media.createOffer();
    } catch (error) {
      void media.close('offer failed');
      this.o.logger('error', 'could not create an offer for a callee device', { error: String(error) });
      return;
    }
    if (call.state !== 'ringing') {
      void media.close('call already settled');
      return;
    }
    const domain = binding.aor.replace(/^sip:[^@]*@/, '');
    const caller = address(sipUri({ user: from.number, host: domain }), from.name ? { displayName: from.name } : {});
    const request = createRequest({
      method: 'INVITE',
      uri: parseUri(binding.contact),
      from: caller,
      to: address(sipUri({ user: call.callee.number, host: domain }), call.callee.name ? { displayName: call.callee.name } : {}),
      callId: newCallId(),
      contact: this.contactFor(options.flow ?? null, binding.transport),
      headers: { Allow: ALLOW, 'P-Asserted-Identity': caller },
      body: offer,
      contentType: SDP,
    });
    const leg = new CallLeg(`${call.id}-b${call.branches.length + 1}`, 'uac', call.callee, media, options.flow ?? null, options);
    const tx = this.o.stack.sendRequest(request, options) as InviteClientTransaction;
    const branch: Branch = { binding, leg, request, tx, settled: false };
    call.branches.push(branch);
    tx.on('response', (response) => void this.onBranchResponse(call, branch, response).catch((error: unknown) => this.o.logger('error', 'callee response handling failed', { call: call.id, error: String(error) })));
  }

  private async onBranchResponse(call: Call, branch: Branch, response: SipResponse): Promise<void> {
    if (response.status < 200) return;
    if (response.status >= 300) {
      branch.settled = true;
      void branch.leg.media.close('branch failed');
      if (call.state === 'ringing' && call.branches.every((b) => b.settled)) await this.allBranchesFailed(call);
      return;
    }
    // 2xx: a dialog with this device.
    const dialog = Dialog.asUac(branch.request, response, { localContact: this.contactFor(branch.leg.flow, branch.binding.transport), ...(branch.leg.flow ? { flow: branch.leg.flow } : {}) });
    branch.leg.dialog = dialog;
    void this.o.stack.sendAck(dialog.createAck(branch.request), branch.leg.requestOptions());
    if (branch.settled) return; // a retransmitted 2xx; the stack re-ACKs
    branch.settled = true;
    if (call.state !== 'ringing') {
      // Answered too late (another device won, or the caller gave up): hang this one up.
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
    try {
      b.negotiated = await b.media.applyAnswer(response.body.toString('utf8'));
    } catch (error) {
      this.o.logger('warn', 'callee answer not acceptable', { error: String(error) });
      await this.hangUp(call, null, 'failed');
      return;
    }
    await call.a.media.stopPlayback().catch(() => undefined);
    await this.o.media.bridge(call.a.media, b.media);
    if (call.historyId) await this.o.store.callHistory.answer(call.a.party.tenantId, call.historyId);
    call.aTx.respond(200, undefined, {
      headers: { Contact: this.contactFor(call.a.flow), Allow: ALLOW },
      body: call.aAnswer,
      contentType: SDP,
    });
    call.a.dialog?.confirm();
  }

  private async allBranchesFailed(call: Call): Promise<void> {
    const statuses = call.branches.map((b) => b.tx.finalResponse?.status ?? 408);
    let status = 480;
    let reason = `Nobody answered at extension ${call.callee.number}`;
    let outcome: CallOutcome = 'missed';
    if (statuses.some((s) => s === 486 || s === 600)) {
      status = 486;
      reason = `Extension ${call.callee.number} is busy`;
      outcome = 'busy';
    } else if (statuses.length > 0 && statuses.every((s) => s === 603)) {
      status = 603;
      reason = 'The call was declined';
      outcome = 'declined';
    }
    await this.finish(call, outcome);
    call.aTx.respond(status, reason);
  }

  private async noAnswer(call: Call): Promise<void> {
    if (call.state !== 'ringing') return;
    for (const branch of call.branches) {
      if (branch.settled) continue;
      branch.settled = true;
      void this.o.stack.cancel(branch.tx);
      void branch.leg.media.close('no answer');
    }
    await this.finish(call, 'missed');
    call.aTx.respond(480, `Nobody answered at extension ${call.callee.number}`);
  }

  private async callerCancelled(call: Call): Promise<void> {
    if (call.state !== 'ringing') return;
    for (const branch of call.branches) {
      if (branch.settled) continue;
      branch.settled = true;
      void this.o.stack.cancel(branch.tx);
      void branch.leg.media.close('caller cancelled');
    }
    await this.finish(call, 'cancelled');
  }

  // ── in a call ───────────────────────────────────────────────────────────────────────

  private async inDialog(call: Call, leg: CallLeg, request: SipRequest, tx: AnyServerTransaction): Promise<void> {
    switch (request.method) {
      case 'BYE':
        await this.hangUp(call, leg, 'answered');
        tx.respond(200);
        return;
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
    const offer = request.body.toString('utf8');
    if (offer.trim() === '') {
      tx.respond(200, undefined, { headers: { Contact: this.contactFor(leg.flow) } });
      return;
    }
    let result;
    try {
      result = await leg.media.answerOffer(offer);
    } catch {
      tx.respond(488, 'None of the offered audio formats can be used');
      return;
    }
    leg.negotiated = result.negotiated;
    const holding = result.negotiated.remoteDirection === 'sendonly' || result.negotiated.remoteDirection === 'inactive';
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
    if (leg === call.a) call.aAnswer = result.answer;
    tx.respond(200, undefined, { headers: { Contact: this.contactFor(leg.flow), Allow: ALLOW }, body: result.answer, contentType: SDP });
  }

  /** Ends an answered call: BYE to the other side, media closed, history written first. */
  private async hangUp(call: Call, from: CallLeg | null, outcome: CallOutcome): Promise<void> {
    if (call.state === 'ended') return;
    const wasAnswered = call.state === 'answered';
    await this.finish(call, wasAnswered ? 'answered' : outcome);
    for (const leg of [call.a, call.b]) {
      if (!leg || leg === from || leg.ended) continue;
      if (leg.dialog) await this.sendBye(leg, leg.dialog);
    }
  }

  /** Marks the call ended: timers stopped, media closed, dialogs forgotten, history written. */
  private async finish(call: Call, outcome: CallOutcome): Promise<void> {
    if (call.state === 'ended') return;
    call.state = 'ended';
    if (call.ringTimer) clearTimeout(call.ringTimer);
    this.calls.delete(call.id);
    for (const leg of [call.a, call.b, ...call.branches.map((b) => b.leg)]) {
      if (!leg) continue;
      if (leg.dialog) this.dialogs.delete(leg.dialog.key);
      void leg.media.close('call ended').catch(() => undefined);
    }
    if (call.historyId) {
      try {
        await this.o.store.callHistory.end(call.a.party.tenantId, call.historyId, outcome);
      } catch (error) {
        this.o.logger('error', 'could not write the end of a call to history', { call: call.id, error: String(error) });
      }
    }
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
  private watchMedia(call: Call, leg: CallLeg): void {
    leg.media.on('inactive', () => {
      if (leg.holding || call.other(leg)?.holding) return;
      this.o.logger('info', 'no media from a party: ending the call', { call: call.id, party: leg.party.number });
      void this.hangUp(call, null, 'failed');
    });
    leg.media.on('error', (error) => {
      this.o.logger('error', 'media failed: ending the call', { call: call.id, error: error.message });
      void this.hangUp(call, null, 'failed');
    });
  }

  // ── the echo test (*43) ─────────────────────────────────────────────────────────────

  private async echoTest(request: SipRequest, tx: InviteServerTransaction, caller: DeviceAccount): Promise<void> {
    const id = `call-${this.nextId++}`;
    const media = this.o.media.createLeg({ kind: legKind(tx.flow.protocol), group: id });
    let answer: string;
    try {
      answer = (await media.answerOffer(request.body.toString('utf8'))).answer;
    } catch {
      void media.close('offer rejected');
      tx.respond(488, 'None of the offered audio formats can be used');
      return;
    }
    const party: Party = { tenantId: caller.tenant.id, userId: caller.user.id, number: caller.extension!, name: caller.user.name };
    const leg = new CallLeg(`${id}-a`, 'uas', party, media, tx.flow, { flow: tx.flow });
    leg.dialog = Dialog.asUas(request, { localTag: tx.localTag, localContact: this.contactFor(tx.flow), flow: tx.flow, confirmed: true });
    const call = new Call(id, leg, tx, { tenantId: party.tenantId, userId: null, number: '*43', name: 'Echo test' });
    call.state = 'answered';
    this.calls.set(id, call);
    this.dialogs.set(leg.dialog.key, { call, leg });
    this.watchMedia(call, leg);
    await media.echo(true);
    tx.respond(200, undefined, { headers: { Contact: this.contactFor(tx.flow), Allow: ALLOW }, body: answer, contentType: SDP });
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────

  private async recordMissed(caller: DeviceAccount, callee: Party, outcome: CallOutcome): Promise<void> {
    const record = await this.o.store.callHistory.start(caller.tenant.id, {
      direction: 'internal',
      from: { number: caller.extension!, name: caller.user.name, userId: caller.user.id },
      to: { number: callee.number, name: callee.name, userId: callee.userId },
    });
    await this.o.store.callHistory.end(caller.tenant.id, record.id, outcome);
    this.o.notifier?.callsChanged(caller.tenant.id, [caller.user.id, ...(callee.userId ? [callee.userId] : [])]);
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
    const p = (flow?.protocol ?? protocol ?? 'udp') as TransportProtocol;
    const usable: TransportProtocol = p === 'wss' ? 'ws' : p;
    const uri = this.o.stack.transport(usable) ? this.o.stack.contactUri(usable, 'switchboard') : this.o.stack.contactUri('udp', 'switchboard');
    return address(uri);
  }
}


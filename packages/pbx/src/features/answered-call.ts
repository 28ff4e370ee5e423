import type { Leg, LegKind, MediaEngine, PlaySource } from '@switchboard/media';
import { Dialog, InviteServerTransaction, type AnyServerTransaction, type SipRequest, type SipStack } from '@switchboard/sip';
import type { Party } from '../calls/call-leg.js';
import { answerFromAck, offerless } from '../calls/offerless.js';
import type { CallObserver } from '../presence/call-observer.js';
import { ourContact } from '../util/contact.js';
import type { PbxLogger } from '../util/logger.js';

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE';
const SDP = 'application/sdp';

export interface ServerCallContext {
  stack: SipStack;
  media: MediaEngine;
  logger: PbxLogger;
  observer?: CallObserver | undefined;
}

/** What answers the caller: a fresh INVITE (its offer is answered here) or a leg the call engine handed over. */
export interface AnswerInit {
  request: SipRequest;
  tx: InviteServerTransaction;
  caller: Party;
  /** Who the caller reached, for presence ("*97", "voicemail"). */
  service: Party;
  handedOver?: { media: Leg; answer: string };
}

type DigitListener = (digit: string) => void;

let nextId = 1;

/**
 * A call the server answers itself (voicemail, the mailbox menu, DND codes): one SIP dialog with
 * the caller (we are its UAS) and one media leg that plays prompts, records and hears digits.
 * ```
 *   answer() ──200──> talking ──BYE either way / media gone──> ended
 * ```
 */
export class AnsweredCall {
  readonly id = `svc-${nextId++}`;
  private endedFlag = false;
  private readonly digitListeners = new Set<DigitListener>();
  private resolveEnded!: () => void;
  /** Resolves when the call is over (the caller hung up, or we did). */
  readonly ended: Promise<void> = new Promise((resolve) => (this.resolveEnded = resolve));

  private constructor(
    private readonly ctx: ServerCallContext,
    private readonly registry: AnsweredCalls,
    readonly media: Leg,
    readonly dialog: Dialog,
    readonly caller: Party,
    private readonly service: Party,
  ) {
    media.on('dtmf', (digit) => this.digit(digit));
    media.on('inactive', () => void this.hangUp('no media from the caller'));
    media.on('error', () => void this.hangUp('media failed'));
    media.on('closed', () => this.markEnded());
  }

  /** Answers the caller with 200 and our SDP; null when it could not (the caller has its answer, or gave up). */
  static async answer(ctx: ServerCallContext, registry: AnsweredCalls, init: AnswerInit): Promise<AnsweredCall | null> {
    const { request, tx } = init;
    // An INVITE without an offer gets ours in the 200 (a handed-over leg made it already).
    const delayed = offerless(request);
    let media: Leg;
    let answer: string;
    if (init.handedOver) {
      ({ media, answer } = init.handedOver);
    } else {
      media = ctx.media.createLeg({ kind: legKind(tx.flow.protocol) });
      try {
        answer = delayed ? await media.createOffer() : (await media.answerOffer(request.body.toString('utf8'))).answer;
      } catch {
        void media.close('offer rejected');
        if (!tx.finalResponse) tx.respond(488, 'None of the offered audio formats can be used');
        return null;
      }
    }
    if (tx.finalResponse || tx.terminated) {
      void media.close('caller gave up');
      return null;
    }
    const contact = ourContact(ctx.stack, tx.flow.protocol, request);
    const dialog = Dialog.asUas(request, { localTag: tx.localTag, localContact: contact, flow: tx.flow, confirmed: true });
    const call = new AnsweredCall(ctx, registry, media, dialog, init.caller, init.service);
    registry.add(call);
    await media.stopPlayback().catch(() => undefined);
    tx.respond(200, undefined, { headers: { Contact: contact, Allow: ALLOW }, body: answer, contentType: SDP });
    if (delayed) answerFromAck(tx, media, { failed: (why) => void call.hangUp(why) });
    ctx.observer?.callState({ callId: call.id, caller: init.caller, callee: init.service, state: 'answered' });
    return call;
  }

  get isEnded(): boolean {
    return this.endedFlag;
  }

  onDigit(listener: DigitListener): () => void {
    this.digitListeners.add(listener);
    return () => this.digitListeners.delete(listener);
  }

  /** Plays and waits; 'closed' when the caller hung up meanwhile. */
  async play(source: PlaySource): Promise<string> {
    if (this.endedFlag) return 'closed';
    return this.media.play(source).catch(() => 'closed');
  }

  /** Plays `source` until it ends or a digit arrives, then waits `waitAfterMs` for one; the digit, or null. */
  async playForDigit(source: PlaySource, waitAfterMs = 0): Promise<string | null> {
    if (this.endedFlag) return null;
    return new Promise((resolve) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const finish = (value: string | null) => {
        if (settled) return;
        settled = true;
        off();
        if (timer) clearTimeout(timer);
        resolve(value);
      };
      const off = this.onDigit((digit) => {
        void this.media.stopPlayback().catch(() => undefined);
        finish(digit);
      });
      void this.ended.then(() => finish(null));
      void this.play(source).then(() => {
        if (!settled) timer = setTimeout(() => finish(null), waitAfterMs);
      });
    });
  }

  /** Ends the call from our side: BYE, media closed. Safe twice. */
  async hangUp(why = 'done'): Promise<void> {
    if (this.endedFlag) return;
    this.markEnded();
    this.ctx.logger('info', 'server call ended', { call: this.id, why });
    const bye = this.dialog.createRequest('BYE');
    this.dialog.terminate();
    await this.media.close(why).catch(() => undefined);
    await this.ctx.stack.sendRequest(bye, this.dialog.sendOptions()).final;
  }

  /** A request in this call's dialog. */
  handle(request: SipRequest, tx: AnyServerTransaction): void {
    const check = this.dialog.receiveRequest(request);
    if (!check.ok) {
      tx.respond(check.status, check.reason);
      return;
    }
    switch (request.method) {
      case 'BYE':
        this.markEnded();
        this.dialog.terminate();
        tx.respond(200);
        void this.media.close('caller hung up').catch(() => undefined);
        return;
      case 'INVITE':
      case 'UPDATE':
        void this.reoffer(request, tx);
        return;
      case 'INFO': {
        const match = /^\s*Signal\s*=\s*([0-9*#A-Da-d])\s*$/im.exec(request.body.toString('utf8'));
        tx.respond(200);
        if (match) this.digit(match[1]!.toUpperCase());
        return;
      }
      case 'OPTIONS':
        tx.respond(200, undefined, { headers: { Allow: ALLOW } });
        return;
      default:
        tx.respond(501, undefined, { headers: { Allow: ALLOW } });
    }
  }

  private async reoffer(request: SipRequest, tx: AnyServerTransaction): Promise<void> {
    if (offerless(request)) {
      if (!(tx instanceof InviteServerTransaction)) {
        tx.respond(200, undefined, { headers: { Contact: this.dialog.localContact } });
        return;
      }
      // A re-INVITE without an offer: ours in the 200, the answer in the ACK.
      const offer = await this.media.createOffer().catch(() => null);
      if (offer === null) {
        tx.respond(500, 'The call could not make an SDP offer');
        return;
      }
      tx.respond(200, undefined, { headers: { Contact: this.dialog.localContact, Allow: ALLOW }, body: offer, contentType: SDP });
      answerFromAck(tx, this.media, { failed: (why) => void this.hangUp(why) });
      return;
    }
    try {
      const { answer } = await this.media.answerOffer(request.body.toString('utf8'));
      tx.respond(200, undefined, { headers: { Contact: this.dialog.localContact, Allow: ALLOW }, body: answer, contentType: SDP });
    } catch {
      tx.respond(488, 'None of the offered audio formats can be used');
    }
  }

  private digit(digit: string): void {
    for (const listener of [...this.digitListeners]) {
      try {
        listener(digit);
      } catch (error) {
        this.ctx.logger('error', 'digit handling failed', { call: this.id, error: String(error) });
      }
    }
  }

  private markEnded(): void {
    if (this.endedFlag) return;
    this.endedFlag = true;
    this.registry.remove(this);
    this.ctx.observer?.callState({ callId: this.id, caller: this.caller, callee: this.service, state: 'ended' });
    this.resolveEnded();
  }
}

/** The server-answered calls by dialog, so their in-dialog requests reach them. */
export class AnsweredCalls {
  private readonly byDialog = new Map<string, AnsweredCall>();

  add(call: AnsweredCall): void {
    this.byDialog.set(call.dialog.key, call);
  }

  remove(call: AnsweredCall): void {
    if (this.byDialog.get(call.dialog.key) === call) this.byDialog.delete(call.dialog.key);
  }

  get size(): number {
    return this.byDialog.size;
  }

  /** False when the dialog is not one of these calls. */
  handleInDialog(request: SipRequest, tx: AnyServerTransaction): boolean {
    const call = this.byDialog.get(`${request.callId}|${request.toTag ?? ''}|${request.fromTag ?? ''}`);
    if (!call) return false;
    call.handle(request, tx);
    return true;
  }

  /** As CallEngine.endUnacknowledged, for a call the server answered itself. */
  endUnacknowledged(key: string, why: string): boolean {
    const call = this.byDialog.get(key);
    if (!call) return false;
    void call.hangUp(why);
    return true;
  }

  /** Hangs up every call (shutdown). */
  async close(): Promise<void> {
    await Promise.all([...this.byDialog.values()].map((c) => c.hangUp('server shutting down')));
  }
}

export function legKind(protocol: string): LegKind {
  return protocol === 'ws' || protocol === 'wss' ? 'webrtc' : 'rtp';
}

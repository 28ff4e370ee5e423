import type { MediaEngine } from '@switchboard/media';
import { InviteServerTransaction, type AnyServerTransaction, type DigestAlgorithm, type Flow, type SipRequest, type SipStack } from '@switchboard/sip';
import { CallEngine, type CallNotifier } from './calls/call-engine.js';
import { TrunkService } from './calls/trunk.js';
import type { Store } from './store/store.js';
import { AuthGuard } from './registrar/auth-guard.js';
import { DeviceAuthenticator } from './registrar/device-auth.js';
import { LocationService } from './registrar/location.js';
import { Registrar } from './registrar/registrar.js';
import type { PbxLogger } from './util/logger.js';
import { PresenceService } from './presence/presence-service.js';
import { DialogPackage } from './subscriptions/dialog-package.js';
import { attachConferenceKey } from './conference/conference-key.js';
import { SubscriptionServer } from './subscriptions/subscription-server.js';
import { AnsweredCalls } from './features/answered-call.js';
import { DndRefusal, DndService } from './features/dnd-service.js';
import { FeatureCodes } from './features/feature-codes.js';
import type { FeatureNotifier } from './features/feature-notifier.js';
import { MessageSummaryPackage } from './voicemail/message-summary.js';
import { VoicemailService } from './voicemail/voicemail-service.js';
import { Mailbox } from './voicemail/mailbox.js';

export interface PbxOptions {
  stack: SipStack;
  store: Store;
  logger: PbxLogger;
  /** Digest realm for every device (usernames are server-wide, docs/decisions/0002). */
  realm: string;
  /** Nonce key; keep it across restarts so nonces issued before a restart stay valid. */
  secret: Buffer | string;
  /** Methods the PBX answers, for Allow headers. */
  allow?: readonly string[];
  /** Media threads for calls; without it the PBX registers devices but refuses calls. */
  media?: MediaEngine;
  notifier?: CallNotifier;
  /** Unanswered calls give up after this long (default 30 s). */
  ringTimeoutMs?: number;
  /** Digest algorithms to challenge with, in order (default ['MD5']; see DeviceAuthenticator). */
  digestAlgorithms?: readonly DigestAlgorithm[];
  /** Voicemail messages, greetings and spoken prompts go here; without it (or media) there is no voicemail. */
  voicemailDir?: string;
  /** Told when a user's DND or voicemail changed (portal events). */
  featureNotifier?: FeatureNotifier;
}

const ALLOW = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'INFO', 'REFER', 'NOTIFY', 'SUBSCRIBE', 'UPDATE'];

/**
 * The phone system on top of the SIP stack: it takes every request the stack does not answer by
 * itself and hands it to the registrar or the call engine. Owns the location service.
 */
export class Pbx {
  readonly location: LocationService;
  readonly registrar: Registrar;
  readonly auth: DeviceAuthenticator;
  readonly guard: AuthGuard;
  readonly calls: CallEngine | null;
  /** Outside lines (calls out, DIDs in, carrier registrations); with calls only. */
  readonly trunks: TrunkService | null;
  /** SUBSCRIBE/NOTIFY (RFC 6665): the dialog package (BLF) and message-summary (MWI). */
  readonly subscriptions: SubscriptionServer;
  /** The dialog event package; other features plug their BLF resources in with `registerDialogResource`. */
  readonly dialogs: DialogPackage;
  /** Every extension's presence (idle, ringing, busy, dnd, offline). */
  readonly presence: PresenceService;
  /** Do Not Disturb per user. */
  readonly dnd: DndService;
  /** Voicemail (with media and a voicemail folder). */
  readonly voicemail: VoicemailService | null;
  /** Every user's mailbox (with a voicemail folder): the portal's voicemail API uses it. */
  readonly mailbox: Mailbox | null;
  /** Calls the server answers itself (voicemail, *97, *78/*79). */
  readonly answered = new AnsweredCalls();
  private upkeep: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly o: PbxOptions) {
    this.location = new LocationService();
    this.guard = new AuthGuard({ logger: o.logger });
    this.auth = new DeviceAuthenticator({ realm: o.realm, secret: o.secret, store: o.store, guard: this.guard, ...(o.digestAlgorithms ? { algorithms: o.digestAlgorithms } : {}) });
    this.registrar = new Registrar({ store: o.store, auth: this.auth, guard: this.guard, location: this.location, logger: o.logger });
    this.subscriptions = new SubscriptionServer({ stack: o.stack, auth: this.auth, logger: o.logger });
    this.dialogs = new DialogPackage();
    this.subscriptions.addPackage(this.dialogs);
    this.presence = new PresenceService({
      location: this.location,
      userOf: async (tenantId, extension) => (await o.store.users.findByExtension(tenantId, extension))?.id ?? null,
      isDnd: (tenantId, userId) => this.dnd.isOn(tenantId, userId),
      dialogs: this.dialogs,
      dialogChanged: (key) => this.subscriptions.changed(key),
    });
    this.dnd = new DndService({ store: o.store, logger: o.logger, presence: this.presence, notifier: o.featureNotifier });
    const messageSummary = new MessageSummaryPackage(o.store);
    this.subscriptions.addPackage(messageSummary);
    this.mailbox = o.voicemailDir
      ? new Mailbox({ store: o.store, dir: o.voicemailDir, notifier: o.featureNotifier, mailboxChanged: (key) => this.subscriptions.changed(key) })
      : null;
    this.voicemail =
      o.media && this.mailbox
        ? new VoicemailService({ stack: o.stack, store: o.store, media: o.media, logger: o.logger, mailbox: this.mailbox, calls: this.answered, dnd: this.dnd, observer: this.presence })
        : null;
    this.trunks = o.media ? new TrunkService({ stack: o.stack, store: o.store, logger: o.logger }) : null;
    this.calls = o.media
      ? new CallEngine({
          stack: o.stack,
          store: o.store,
          media: o.media,
          location: this.location,
          auth: this.auth,
          logger: o.logger,
          ...(o.notifier ? { notifier: o.notifier } : {}),
          ...(this.trunks ? { trunks: this.trunks } : {}),
          ...(o.ringTimeoutMs !== undefined ? { ringTimeoutMs: o.ringTimeoutMs } : {}),
          observer: this.presence,
          handoff: this.voicemail ?? new DndRefusal(this.dnd),
          features: new FeatureCodes({ stack: o.stack, media: o.media, logger: o.logger, calls: this.answered, dnd: this.dnd, voicemail: this.voicemail, observer: this.presence }),
        })
      : null;
    // [conference key] `*38` as a BLF resource: lit while the subscriber's room is live.
    if (this.calls) attachConferenceKey(this.calls.conferences, this.dialogs, (key) => this.subscriptions.changed(key));
  }

  /** Restores registrations from the store and starts taking requests. */
  async start(): Promise<void> {
    await this.restore();
    await this.dnd.load();
    this.o.stack.onRequest((request, tx) => this.dispatch(request, tx));
    this.o.stack.on('flowClosed', (flow) => this.onFlowClosed(flow));
    await this.trunks?.start();
    this.upkeep = setInterval(() => {
      void this.registrar.purgeExpired().catch((error: unknown) => this.o.logger('warn', 'registration upkeep failed', { error: String(error) }));
      // Trunk settings changed with the CLI while running: registrations follow within 30 s.
      void this.trunks?.sync().catch((error: unknown) => this.o.logger('warn', 'trunk registration upkeep failed', { error: String(error) }));
    }, 30_000);
    this.upkeep.unref();
  }

  /** Stops upkeep and unregisters trunks (a bounded wait); safe to call twice. The stack and store belong to the caller. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.upkeep) clearInterval(this.upkeep);
    await Promise.all([this.trunks?.close(), this.subscriptions.close(), this.answered.close()]);
    await this.voicemail?.settle();
    this.presence.close();
  }

  /**
   * Registrations survive a restart. Bindings over a connection (TCP, TLS, WebSocket) are not
   * restored: that connection is gone, and those devices register again when they reconnect.
   */
  private async restore(): Promise<void> {
    const store = this.o.store;
    const restored = [];
    for (const registration of await store.registrations.listAllActive()) {
      if (registration.flowId !== null) continue;
      const device = await store.devices.get(registration.tenantId, registration.deviceId);
      if (!device) continue;
      const extension = await store.extensions.forUser(registration.tenantId, device.userId);
      if (extension === null) continue;
      restored.push({ registration, extension, userId: device.userId, deviceKind: device.kind });
    }
    this.location.restore(restored);
    this.o.logger('info', 'registrations restored', { count: restored.length });
  }

  private dispatch(request: SipRequest, tx: AnyServerTransaction): void {
    const work = this.route(request, tx);
    work.catch((error: unknown) => {
      this.o.logger('error', 'request handling failed', { method: request.method, callId: request.callId, error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      if (!tx.finalResponse && !tx.terminated) tx.respond(500, 'Server Internal Error');
    });
  }

  private async route(request: SipRequest, tx: AnyServerTransaction): Promise<void> {
    if (tx instanceof InviteServerTransaction) this.watchAnswer(request, tx);
    if (request.toTag !== undefined && request.method !== 'REGISTER') {
      // Inside a dialog: the call it belongs to answers, or it is gone (§12.2.2: 481).
      if (this.calls?.handleInDialog(request, tx)) return;
      if (this.subscriptions.handleInDialog(request, tx)) return;
      if (this.answered.handleInDialog(request, tx)) return;
      if (request.method === 'OPTIONS') tx.respond(200, undefined, { headers: { Allow: (this.o.allow ?? ALLOW).join(', ') } });
      else tx.respond(481, 'Call/Transaction Does Not Exist');
      return;
    }
    switch (request.method) {
      case 'INVITE':
        if (!this.calls || !(tx instanceof InviteServerTransaction)) {
          tx.respond(503, 'Calls are not available');
          return;
        }
        return this.calls.handleInvite(request, tx);
      case 'BYE':
      case 'INFO':
      case 'UPDATE':
        tx.respond(481, 'Call/Transaction Does Not Exist');
        return;
      case 'REGISTER':
        return this.registrar.handle(request, tx);
      case 'SUBSCRIBE':
        return this.subscriptions.handleSubscribe(request, tx);
      case 'OPTIONS':
        // Keep-alive pings and capability queries to the server itself.
        tx.respond(200, undefined, { headers: { Allow: (this.o.allow ?? ALLOW).join(', '), Accept: 'application/sdp', 'Accept-Language': 'en' } });
        return;
      default:
        tx.respond(501, 'Not Implemented', { headers: { Allow: (this.o.allow ?? ALLOW).join(', ') } });
    }
  }

  /**
   * A party that will never acknowledge our 2xx to its INVITE or re-INVITE has left the call:
   * 64*T1 passed without an ACK (§13.3.1.4), or, for a new call, a CANCEL crossed the 2xx (JsSIP
   * then sends neither the ACK nor the BYE that §9.1 asks of it, and the callee would stay
   * connected to nobody; decision 0007). The call ends as if that party had hung up, with a BYE
   * to it as well. A CANCEL that crossed the 2xx of a re-INVITE only gave up that re-INVITE.
   */
  private watchAnswer(request: SipRequest, tx: InviteServerTransaction): void {
    const end = (why: string) => {
      const status = tx.finalResponse?.status ?? 0;
      if (status < 200 || status >= 300) return; // Timer H after a refusal: there is no call
      // The dialog as our in-dialog lookups name it (the To tag is ours: tx.localTag).
      const key = `${request.callId}|${tx.localTag}|${request.fromTag ?? ''}`;
      if (!this.calls?.endUnacknowledged(key, why)) this.answered.endUnacknowledged(key, why);
    };
    if (request.toTag === undefined) tx.on('cancelledAfterAnswer', () => end('a CANCEL crossed our answer'));
    tx.on('ackTimeout', () => end('no ACK came for our answer'));
  }

  private onFlowClosed(flow: Flow): void {
    void this.registrar.flowClosed(flow).catch((error: unknown) => this.o.logger('warn', 'could not drop bindings of a closed connection', { error: String(error) }));
  }
}

import {
  contactExpires,
  contactInstance,
  uriToString,
  type AnyServerTransaction,
  type Flow,
  type SipRequest,
} from '@switchboard/sip';
import type { Repositories } from '../store/store.js';
import type { DeviceAccount, RegistrationInput, RegistrationTransport } from '../store/records.js';
import { bindingKeyOf } from '../store/registrations.js';
import type { PbxLogger } from '../util/logger.js';
import type { AuthGuard } from './auth-guard.js';
import type { DeviceAuthenticator } from './device-auth.js';
import type { Binding, LocationService } from './location.js';

export interface RegistrarOptions {
  store: Repositories;
  auth: DeviceAuthenticator;
  guard: AuthGuard;
  location: LocationService;
  logger: PbxLogger;
  /** RFC 3261 §10.3 step 7: shorter requests get 423 with Min-Expires (default 60 s). */
  minExpires?: number;
  /** Longer requests are shortened to this (default 3600 s). */
  maxExpires?: number;
  defaultExpires?: number;
  now?: () => number;
}

const TRANSPORTS: Readonly<Record<string, RegistrationTransport>> = { udp: 'udp', tcp: 'tcp', tls: 'tls', ws: 'ws', wss: 'wss' };

/**
 * The registrar (RFC 3261 §10.3): authenticates each device with digest, lets it bind only its
 * own extension, keeps several contacts per address of record, and writes every change to the
 * store before the 200 OK so registrations survive a crash and a restart. Contacts are reached
 * through the flow the REGISTER arrived on (its source address for UDP, its connection for
 * TCP/TLS/WebSocket), which is what works behind NAT.
 */
export class Registrar {
  private readonly minExpires: number;
  private readonly maxExpires: number;
  private readonly defaultExpires: number;
  private readonly now: () => number;

  constructor(private readonly o: RegistrarOptions) {
    this.minExpires = o.minExpires ?? 60;
    this.maxExpires = o.maxExpires ?? 3600;
    this.defaultExpires = o.defaultExpires ?? 3600;
    this.now = o.now ?? (() => Date.now());
  }

  async handle(request: SipRequest, tx: AnyServerTransaction): Promise<void> {
    const flow = tx.flow;
    const source = flow.remote.address;
    const verdict = this.o.guard.check(source);
    if (verdict.action === 'block') {
      // Blocked addresses get no answer at all: a scanner learns nothing and spends its time.
      return;
    }
    if (verdict.delayMs > 0) await new Promise((r) => setTimeout(r, verdict.delayMs));

    const auth = await this.o.auth.authenticate(request, source, { proxy: false, toTag: tx.localTag });
    if (!auth.ok) {
      tx.send(auth.response);
      return;
    }
    const account = auth.account;
    if (account.extension === null) {
      tx.respond(403, 'No extension is assigned to this device');
      return;
    }
    const toUser = request.to.uri.kind === 'sip' ? request.to.uri.user : undefined;
    if (toUser !== account.extension && toUser !== account.device.sipUsername) {
      this.o.logger('warn', 'security: device tried to register another address', { event: 'register_foreign_aor', address: source, device: account.device.sipUsername, to: toUser });
      tx.respond(403, 'This device may only register its own extension');
      return;
    }
    const aor = `sip:${account.extension}@${account.tenant.sipDomain}`;

    const contacts = request.contacts;
    if (request.isWildcardContact) {
      if (request.expires !== 0 || request.getAll('contact').length !== 1) {
        tx.respond(400, 'Contact * needs Expires: 0 and no other contact');
        return;
      }
      await this.removeAllOfDevice(account);
      this.reply(tx, account);
      return;
    }

    const changes: Array<{ kind: 'save' | 'refresh'; binding: Binding } | { kind: 'remove'; key: string }> = [];
    for (const contact of contacts) {
      const requested = contactExpires(contact) ?? request.expires ?? this.defaultExpires;
      if (requested !== 0 && requested < this.minExpires) {
        tx.respond(423, undefined, { headers: { 'Min-Expires': this.minExpires } });
        return;
      }
      const contactText = uriToString(contact.uri);
      const instanceId = contactInstance(contact) ?? null;
      const regIdText = contact.params.get('reg-id');
      const regId = regIdText !== undefined && /^\d{1,9}$/.test(regIdText) ? Number(regIdText) : null;
      const key = bindingKeyOf({ instanceId, regId, contact: contactText });
      if (requested === 0) {
        changes.push({ kind: 'remove', key });
        continue;
      }
      const existing = this.o.location.get(account.tenant.id, account.extension, key);
      // §10.3 step 7: an older or repeated CSeq of the same Call-ID does not update the binding.
      if (existing && existing.callId === request.callId && existing.cseq >= request.cseq.seq) continue;
      const binding = this.binding(account, aor, key, contactText, Math.min(requested, this.maxExpires), instanceId, regId, request, flow);
      changes.push({ kind: existing && sameBinding(existing, binding) ? 'refresh' : 'save', binding });
    }

    // Durable first: the 200 OK promises the binding exists. The writes of one REGISTER (and, on
    // SQLite, of every REGISTER handled in the same turn) commit together.
    await Promise.all(changes.map((change) => this.write(account.tenant.id, aor, change)));
    for (const change of changes) {
      if (change.kind === 'remove') this.o.location.remove(account.tenant.id, account.extension, change.key);
      else this.o.location.put(change.binding);
    }
    this.reply(tx, account);
  }

  private async write(tenantId: string, aor: string, change: { kind: 'save' | 'refresh'; binding: Binding } | { kind: 'remove'; key: string }): Promise<void> {
    const registrations = this.o.store.registrations;
    if (change.kind === 'remove') {
      await registrations.remove(tenantId, aor, change.key);
      return;
    }
    const b = change.binding;
    // A refresh writes only its expiry and CSeq; a binding the store lost meanwhile is written whole.
    if (change.kind === 'refresh' && (await registrations.refresh(tenantId, aor, b.key, { expiresAt: new Date(b.expiresAt), cseq: b.cseq }))) return;
    await registrations.save(tenantId, toInput(b));
  }

  /** Forgets expired bindings in memory and in the store. */
  async purgeExpired(): Promise<number> {
    const expired = this.o.location.purgeExpired();
    await Promise.all(expired.map((b) => this.o.store.registrations.remove(b.tenantId, b.aor, b.key)));
    return expired.length;
  }

  /** A TCP/TLS/WebSocket connection closed: its bindings are unreachable, forget them. */
  async flowClosed(flow: Flow): Promise<void> {
    await Promise.all(this.o.location.dropFlow(flow.id).map((b) => this.o.store.registrations.remove(b.tenantId, b.aor, b.key)));
  }

  private async removeAllOfDevice(account: DeviceAccount): Promise<void> {
    const extension = account.extension!;
    const mine = this.o.location.bindings(account.tenant.id, extension).filter((b) => b.deviceId === account.device.id);
    await Promise.all(mine.map((b) => this.o.store.registrations.remove(account.tenant.id, b.aor, b.key)));
    for (const b of mine) this.o.location.remove(account.tenant.id, extension, b.key);
  }

  private binding(
    account: DeviceAccount,
    aor: string,
    key: string,
    contact: string,
    expires: number,
    instanceId: string | null,
    regId: number | null,
    request: SipRequest,
    flow: Flow,
  ): Binding {
    const via = request.topVia;
    // Reach the device where its packets really come from (RFC 3581), not where it says it is.
    const sourceAddress = via.received ?? flow.remote.address;
    const sourcePort = typeof via.rport === 'number' ? via.rport : flow.remote.port;
    return {
      key,
      tenantId: account.tenant.id,
      extension: account.extension!,
      aor,
      deviceId: account.device.id,
      deviceKind: account.device.kind,
      userId: account.user.id,
      contact,
      expiresAt: this.now() + expires * 1000,
      transport: TRANSPORTS[flow.protocol] ?? 'udp',
      sourceAddress,
      sourcePort,
      flowId: flow.reliable ? flow.id : null,
      instanceId,
      regId,
      callId: request.callId,
      cseq: request.cseq.seq,
      userAgent: request.userAgent ?? null,
    };
  }

  /** 200 OK listing every current contact of the device's extension with its remaining time. */
  private reply(tx: AnyServerTransaction, account: DeviceAccount): void {
    const now = this.now();
    const contacts = this.o.location.bindings(account.tenant.id, account.extension!).map((b) => {
      const seconds = Math.max(0, Math.round((b.expiresAt - now) / 1000));
      return `<${b.contact}>;expires=${seconds}`;
    });
    tx.respond(200, undefined, { headers: [...contacts.map((c) => ['Contact', c] as const), ['Date', new Date(now).toUTCString()]] });
  }
}

/** True when a refresh changes nothing of the binding but its expiry and CSeq. */
function sameBinding(a: Binding, b: Binding): boolean {
  return (
    a.deviceId === b.deviceId &&
    a.contact === b.contact &&
    a.transport === b.transport &&
    a.sourceAddress === b.sourceAddress &&
    a.sourcePort === b.sourcePort &&
    a.flowId === b.flowId &&
    a.instanceId === b.instanceId &&
    a.regId === b.regId &&
    a.callId === b.callId &&
    a.userAgent === b.userAgent
  );
}

function toInput(b: Binding): RegistrationInput {
  return {
    deviceId: b.deviceId,
    aor: b.aor,
    contact: b.contact,
    instanceId: b.instanceId,
    regId: b.regId,
    expiresAt: new Date(b.expiresAt),
    transport: b.transport,
    sourceAddress: b.sourceAddress,
    sourcePort: b.sourcePort,
    flowId: b.flowId,
    callId: b.callId,
    cseq: b.cseq,
    userAgent: b.userAgent,
  };
}

import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { address, createRequest, DigestClient, newCallId, sipUri, type Address, type SipRequest, type SipStack } from '@switchboard/sip';
import type { Repositories } from '../store/store.js';
import type { Trunk } from '../store/records.js';
import type { PbxLogger } from '../util/logger.js';
import type { Party } from './call-leg.js';
import { NO_TRUNK, type CallOrigin, type CallTarget, type FailureWords, type NoOutsideLine } from './call-target.js';
import { TrunkRegistration } from './trunk-registration.js';
import { trunkSignalling } from './trunk-signalling.js';

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE';
const SDP = 'application/sdp';
/** How long a trunk host's addresses are trusted before they are looked up again. */
const ADDRESS_TTL_MS = 60_000;

export interface TrunkServiceOptions {
  stack: SipStack;
  store: Repositories;
  logger: PbxLogger;
  /** Host name to addresses (default: the system resolver, every address). */
  resolve?: (host: string) => Promise<string[]>;
  /** Registration expiry asked of carriers (default 600 s). */
  registrationExpiresSeconds?: number;
  /** First retry after a failed registration (default 30 s). */
  registrationRetrySeconds?: number;
}

/** An INVITE the tenant's carrier delivered for one of its DIDs. */
export interface InboundCall {
  tenantId: string;
  did: string;
  origin: CallOrigin;
  /** Ring an extension, or send the call on to an outside number through the trunk. */
  route: { kind: 'extension'; number: string } | { kind: 'outside'; number: string };
}

const systemResolve = async (host: string): Promise<string[]> => (await lookup(host, { all: true })).map((a) => a.address);

/** IPv4 addresses arrive as `::ffff:a.b.c.d` on dual-stack sockets. */
function plainAddress(address: string): string {
  return address.toLowerCase().replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/, '');
}

function family(address: string): 'ipv4' | 'ipv6' {
  return isIP(address) === 6 ? 'ipv6' : 'ipv4';
}

/** Whether `address` is one of `entries` (addresses and CIDR ranges, as the store keeps them). Only carriers' calls for a DID ask. */
function inList(entries: readonly string[], address: string): boolean {
  if (entries.length === 0) return false;
  const list = new BlockList();
  for (const entry of entries) {
    const [base, prefix] = entry.split('/') as [string, string | undefined];
    if (prefix === undefined) list.addAddress(base, family(base));
    else list.addSubnet(base, Number(prefix), family(base));
  }
  return list.check(address, family(address));
}

/** The user part of a SIP or tel URI, or null. */
function userOf(uri: SipRequest['uri']): string | null {
  if (uri.kind === 'sip') return uri.user ?? null;
  if (uri.kind === 'tel') return uri.number;
  return null;
}

/**
 * The tenants' outside lines (docs/trunks.md). Outbound: the INVITE to the carrier, with the
 * tenant's caller ID and the trunk's credentials for a challenge. Inbound: recognises an INVITE
 * from a carrier to one of its tenant's DIDs. Keeps trunk registrations up.
 *
 * Trunk settings are read from the store per call, so `switchboard trunk set` applies to the
 * next call; registrations follow on the next `sync()` (the PBX runs it every 30 s).
 */
export class TrunkService {
  private readonly registrations = new Map<string, TrunkRegistration>();
  private readonly addressCache = new Map<string, { addresses: string[]; until: number }>();
  private readonly resolve: (host: string) => Promise<string[]>;
  private closed = false;
  /** Syncs run one after the other, so two never start the same registration twice. */
  private syncing: Promise<void> = Promise.resolve();

  constructor(private readonly o: TrunkServiceOptions) {
    this.resolve = o.resolve ?? systemResolve;
  }

  // ── inbound ─────────────────────────────────────────────────────────────────────────

  /**
   * The call when `request` is a carrier delivering a call to a DID: the Request-URI's user (IP
   * trunks) or the To user (registered trunks send to our Contact) is a DID, and the source
   * address is one of that tenant's trunk host addresses, or in its inbound list (addresses and
   * ranges the carrier delivers calls from). Anything else is null, and goes on to
   * the device authentication every phone's INVITE gets. A request carrying credentials is a
   * device answering our challenge, never the trunk.
   */
  async inbound(request: SipRequest, source: string): Promise<InboundCall | null> {
    if (request.has('authorization') || request.has('proxy-authorization')) return null;
    const candidates = [userOf(request.uri), userOf(request.to.uri)].filter((u, i, all): u is string => u !== null && u !== '' && all.indexOf(u) === i);
    let did = null;
    for (const candidate of candidates) {
      did = await this.o.store.dids.find(candidate);
      if (did) break;
    }
    if (!did) return null;
    const trunk = await this.o.store.trunks.get(did.tenantId);
    if (!trunk || !(await this.isTrunkAddress(trunk, source))) {
      this.o.logger('warn', 'security: a call for a DID from an address that is not the trunk', { event: 'did_untrusted_source', address: source, did: did.number, trunk: trunk?.host ?? null });
      return null;
    }
    const identity = request.pAssertedIdentities[0] ?? request.from;
    const number = userOf(identity.uri) ?? 'anonymous';
    const from: Party = { tenantId: did.tenantId, userId: null, number, name: identity.displayName ?? null };
    return {
      tenantId: did.tenantId,
      did: did.number,
      origin: { from, direction: 'inbound' },
      route: did.extension !== null ? { kind: 'extension', number: did.extension } : { kind: 'outside', number: did.forwardTo! },
    };
  }

  /**
   * Whether `source` is one of the trunk host's addresses (names are looked up, then cached for a
   * minute) or in the trunk's inbound list.
   */
  private async isTrunkAddress(trunk: Trunk, source: string): Promise<boolean> {
    const wanted = plainAddress(source);
    if (inList(trunk.inboundFrom, wanted)) return true;
    if (isIP(trunk.host) !== 0) return plainAddress(trunk.host) === wanted;
    const cached = this.addressCache.get(trunk.host);
    let addresses = cached && cached.until > Date.now() ? cached.addresses : null;
    if (!addresses) {
      try {
        addresses = (await this.resolve(trunk.host)).map(plainAddress);
      } catch (error) {
        this.o.logger('warn', 'could not look up the trunk host', { host: trunk.host, error: String(error) });
        addresses = [];
      }
      this.addressCache.set(trunk.host, { addresses, until: Date.now() + ADDRESS_TTL_MS });
    }
    return addresses.includes(wanted);
  }

  // ── outbound ────────────────────────────────────────────────────────────────────────

  /**
   * Where an outside call of the tenant goes: its trunk, or what to answer the caller when there
   * is none or it cannot be used (the reason for the admin is logged).
   */
  async outsideLine(tenantId: string, number: string, caller: Party): Promise<CallTarget | NoOutsideLine> {
    const trunk = await this.o.store.trunks.get(tenantId);
    if (!trunk) return NO_TRUNK;
    const line = trunkSignalling(this.o.stack, trunk, trunk.username ?? 'switchboard');
    if (typeof line === 'string') {
      this.o.logger('error', 'an outside call cannot use the trunk', { tenant: tenantId, host: trunk.host, error: line });
      return { status: 503, reason: 'The outside line is not set up on this server (SIP over TLS is off)' };
    }
    const params = line.uriParams;
    const requestUri = sipUri({ user: number, host: trunk.host, port: trunk.port, params });
    // Over TLS the carrier is always reached at its host, checked by name: the INVITE, and the
    // requests within the call once the INVITE's connection has closed (its Contact is often a
    // bare address its certificate does not name). Over UDP and TCP, by Contact as usual.
    const resolved = line.protocol === 'tls' ? await this.o.stack.resolve(requestUri) : null;
    const sendOptions = resolved !== null && typeof resolved !== 'string' ? { destination: resolved } : {};
    // The carrier sees the tenant's number, not the extension (it would refuse an unknown one).
    const identity = address(sipUri({ user: trunk.callerIdNumber ?? trunk.username ?? caller.number, host: trunk.host }), trunk.callerIdName ? { displayName: trunk.callerIdName } : {});
    const contact: Address = address(line.contact);
    return {
      kind: 'rtp',
      sendOptions,
      contact,
      ...(trunk.username !== null && trunk.password !== null ? { credentials: new DigestClient({ username: trunk.username, password: trunk.password }) } : {}),
      earlyMedia: true,
      trunk: trunk.host,
      srtp: trunk.srtp,
      invite: (offer) =>
        createRequest({
          method: 'INVITE',
          uri: requestUri,
          from: identity,
          to: address(sipUri({ user: number, host: trunk.host })),
          callId: newCallId(),
          contact,
          headers: { Allow: ALLOW, 'P-Asserted-Identity': identity },
          body: offer,
          contentType: SDP,
        }),
    };
  }

  // ── registrations ───────────────────────────────────────────────────────────────────

  /** Starts registering every trunk that has credentials and registration on. */
  start(): Promise<void> {
    return this.sync();
  }

  /** Brings registrations in line with the store: new trunks register, changed ones re-register, removed ones unregister. */
  sync(): Promise<void> {
    const next = this.syncing.then(() => this.reconcile());
    this.syncing = next.catch(() => undefined);
    return next;
  }

  private async reconcile(): Promise<void> {
    if (this.closed) return;
    const wanted = new Map((await this.o.store.trunks.listAll()).filter((t) => t.username !== null && t.register).map((t) => [t.tenantId, t]));
    const stopping: Promise<void>[] = [];
    for (const [tenantId, registration] of this.registrations) {
      const trunk = wanted.get(tenantId);
      if (trunk && registration.matches(trunk)) continue;
      this.registrations.delete(tenantId);
      stopping.push(registration.stop());
    }
    await Promise.all(stopping);
    for (const [tenantId, trunk] of wanted) {
      if (this.registrations.has(tenantId) || this.closed) continue;
      const registration = new TrunkRegistration({
        stack: this.o.stack,
        trunk,
        logger: this.o.logger,
        ...(this.o.registrationExpiresSeconds !== undefined ? { expiresSeconds: this.o.registrationExpiresSeconds } : {}),
        ...(this.o.registrationRetrySeconds !== undefined ? { retrySeconds: this.o.registrationRetrySeconds } : {}),
      });
      this.registrations.set(tenantId, registration);
      registration.start();
    }
  }

  /** The tenant's trunk registration, when its trunk registers. */
  registration(tenantId: string): TrunkRegistration | null {
    return this.registrations.get(tenantId) ?? null;
  }

  /** Unregisters every trunk (bounded wait); safe to call twice. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = [...this.registrations.values()];
    this.registrations.clear();
    await Promise.all(all.map((r) => r.stop()));
  }
}

/** What the caller hears when the outside call fails, from the carrier's final status. */
export function outsideFailure(number: string): FailureWords {
  return (statuses) => {
    const status = statuses[0] ?? 408;
    switch (status) {
      case 486:
      case 600:
        return { status: 486, reason: `${number} is busy`, outcome: 'busy' };
      case 603:
        return { status: 603, reason: 'The call was declined', outcome: 'declined' };
      case 404:
      case 604:
        return { status: 404, reason: `The number ${number} does not exist`, outcome: 'failed' };
      case 484:
        return { status: 484, reason: 'The number is incomplete', outcome: 'failed' };
      case 480:
      case 487:
        return { status: 480, reason: `Nobody answered at ${number}`, outcome: 'missed' };
      case 401:
      case 403:
      case 407:
        return { status: 403, reason: 'The carrier refused the call (check the trunk settings: switchboard trunk show)', outcome: 'failed' };
      case 408:
      case 503:
        return { status: 503, reason: 'The outside line is not answering', outcome: 'failed' };
      default:
        return { status: 502, reason: `The outside line failed (the carrier answered ${status})`, outcome: 'failed' };
    }
  };
}

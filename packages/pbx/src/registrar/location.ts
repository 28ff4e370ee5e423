import type { DeviceKind, Registration, RegistrationTransport } from '../store/records.js';
import { bindingKeyOf } from '../store/registrations.js';

/** One registered contact of an extension (RFC 3261 §10.3), with how to reach it again. */
export interface Binding {
  /** Stable per device contact: `+sip.instance`/reg-id when sent, else the Contact URI. */
  key: string;
  tenantId: string;
  extension: string;
  aor: string;
  deviceId: string;
  deviceKind: DeviceKind;
  userId: string;
  contact: string;
  expiresAt: number;
  transport: RegistrationTransport;
  sourceAddress: string;
  sourcePort: number;
  /** The connection it registered over (TCP, TLS, WebSocket): requests go back through it. */
  flowId: string | null;
  instanceId: string | null;
  regId: number | null;
  callId: string;
  cseq: number;
  userAgent: string | null;
}

type Listener = (tenantId: string, extension: string) => void;

function aorKey(tenantId: string, extension: string): string {
  return `${tenantId}|${extension}`;
}

/**
 * The location service: every live binding in memory, indexed by extension and by flow, so the
 * call engine finds all devices to ring without a database round trip. The registrar keeps it
 * in step with the store, which is what survives a restart.
 */
export class LocationService {
  private readonly byAor = new Map<string, Map<string, Binding>>();
  private readonly byFlow = new Map<string, Set<Binding>>();
  private readonly listeners = new Set<Listener>();

  constructor(private readonly now: () => number = () => Date.now()) {}

  /** Called with (tenant, extension) whenever that extension's bindings change. */
  onChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads persisted registrations on start-up. Bindings over connections are restored too:
   *  their connection is gone, so they stay unreachable until the device registers again. */
  restore(registrations: ReadonlyArray<{ registration: Registration; extension: string; userId: string; deviceKind: DeviceKind }>): void {
    for (const { registration: r, extension, userId, deviceKind } of registrations) {
      this.put({
        key: bindingKeyOf(r),
        tenantId: r.tenantId,
        extension,
        aor: r.aor,
        deviceId: r.deviceId,
        deviceKind,
        userId,
        contact: r.contact,
        expiresAt: r.expiresAt.getTime(),
        transport: r.transport,
        sourceAddress: r.sourceAddress,
        sourcePort: r.sourcePort,
        flowId: r.flowId,
        instanceId: r.instanceId,
        regId: r.regId,
        callId: r.callId,
        cseq: r.cseq,
        userAgent: r.userAgent,
      }, false);
    }
  }

  /** Live (unexpired) bindings of an extension. */
  bindings(tenantId: string, extension: string): Binding[] {
    const map = this.byAor.get(aorKey(tenantId, extension));
    if (!map) return [];
    const now = this.now();
    const live: Binding[] = [];
    for (const b of map.values()) {
      if (b.expiresAt > now) live.push(b);
    }
    return live;
  }

  get(tenantId: string, extension: string, key: string): Binding | undefined {
    return this.byAor.get(aorKey(tenantId, extension))?.get(key);
  }

  isRegistered(tenantId: string, extension: string): boolean {
    return this.bindings(tenantId, extension).length > 0;
  }

  put(binding: Binding, notify = true): void {
    const k = aorKey(binding.tenantId, binding.extension);
    let map = this.byAor.get(k);
    if (!map) {
      map = new Map();
      this.byAor.set(k, map);
    }
    const previous = map.get(binding.key);
    if (previous) this.unindexFlow(previous);
    map.set(binding.key, binding);
    if (binding.flowId) {
      let set = this.byFlow.get(binding.flowId);
      if (!set) {
        set = new Set();
        this.byFlow.set(binding.flowId, set);
      }
      set.add(binding);
    }
    if (notify) this.emit(binding.tenantId, binding.extension);
  }

  remove(tenantId: string, extension: string, key: string): Binding | undefined {
    const map = this.byAor.get(aorKey(tenantId, extension));
    const binding = map?.get(key);
    if (!map || !binding) return undefined;
    map.delete(key);
    this.unindexFlow(binding);
    if (map.size === 0) this.byAor.delete(aorKey(tenantId, extension));
    this.emit(tenantId, extension);
    return binding;
  }

  /** A connection closed: the bindings that lived on it can no longer be reached. */
  dropFlow(flowId: string): Binding[] {
    const set = this.byFlow.get(flowId);
    if (!set) return [];
    const dropped = [...set];
    for (const b of dropped) this.remove(b.tenantId, b.extension, b.key);
    this.byFlow.delete(flowId);
    return dropped;
  }

  /** Forgets expired bindings; returns them so the caller can remove them from the store. */
  purgeExpired(): Binding[] {
    const now = this.now();
    const expired: Binding[] = [];
    for (const map of this.byAor.values()) {
      for (const b of map.values()) if (b.expiresAt <= now) expired.push(b);
    }
    for (const b of expired) this.remove(b.tenantId, b.extension, b.key);
    return expired;
  }

  get size(): number {
    let n = 0;
    for (const map of this.byAor.values()) n += map.size;
    return n;
  }

  private unindexFlow(binding: Binding): void {
    if (!binding.flowId) return;
    const set = this.byFlow.get(binding.flowId);
    set?.delete(binding);
    if (set && set.size === 0) this.byFlow.delete(binding.flowId);
  }

  private emit(tenantId: string, extension: string): void {
    for (const l of this.listeners) {
      try {
        l(tenantId, extension);
      } catch {
        // A listener's bug must not break registration.
      }
    }
  }
}

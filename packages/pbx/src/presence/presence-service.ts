import type { Party } from '../calls/call-leg.js';
import type { LocationService } from '../registrar/location.js';
import type { DialogInfoEntry } from '../subscriptions/dialog-info.js';
import type { DialogPackage, DialogStateSource } from '../subscriptions/dialog-package.js';
import type { CallObserver, ObservedCall } from './call-observer.js';

/** An extension's state for BLF keys and the directory. */
export type PresenceState = 'idle' | 'ringing' | 'busy' | 'dnd' | 'offline';

/** Told when an extension's presence changed (for the portal's `presence` events). */
export type PresenceListener = (change: { tenantId: string; extension: string; userId: string; state: PresenceState }) => void;

export interface PresenceServiceOptions {
  location: LocationService;
  /** The user holding an extension, or null when the tenant has no such extension. */
  userOf: (tenantId: string, extension: string) => Promise<string | null>;
  /** Whether the user has Do Not Disturb on (kept in memory by the DND service). */
  isDnd: (tenantId: string, userId: string) => boolean;
  /** The dialog package to register extensions with (BLF lamps on phones). */
  dialogs?: DialogPackage;
  /** A dialog source changed: the subscription server sends its NOTIFYs. */
  dialogChanged?: (key: string) => void;
}

interface ExtensionDialog {
  id: string;
  state: DialogInfoEntry['state'];
  direction: 'initiator' | 'recipient';
  other: { number: string; name: string | null };
  endedAt?: number;
}

interface ExtensionState {
  tenantId: string;
  extension: string;
  userId: string;
  /** Call id to the dialog as this extension sees it. */
  dialogs: Map<string, ExtensionDialog>;
  last: PresenceState | null;
}

/** Terminated dialogs stay in the dialog-info for this long, so every watcher sees the end. */
const KEEP_TERMINATED_MS = 10_000;

/**
 * Presence of every extension: from the calls the call engine reports (ringing / busy), Do Not
 * Disturb, and registrations (idle / offline). It is also the dialog-state source of extensions
 * for the dialog event package (RFC 4235), so BLF lamps on phones follow the same calls.
 */
export class PresenceService implements CallObserver {
  private readonly extensions = new Map<string, ExtensionState>();
  private readonly listeners = new Set<PresenceListener>();
  private readonly unsubscribe: Array<() => void> = [];

  constructor(private readonly o: PresenceServiceOptions) {
    this.unsubscribe.push(o.location.onChange((tenantId, extension) => this.recompute(tenantId, extension)));
    if (o.dialogs) {
      this.unsubscribe.push(
        o.dialogs.registerDialogResource(async (userPart, subscriber) => {
          if (!/^[0-9]+$/.test(userPart)) return null;
          const userId = await o.userOf(subscriber.tenant.id, userPart);
          if (userId === null) return null;
          this.entry(subscriber.tenant.id, userPart, userId);
          return this.sourceFor(subscriber.tenant.id, userPart);
        }),
      );
    }
  }

  onChange(listener: PresenceListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The extension's presence now. `userId` is needed for DND (null: look it up from what we saw). */
  stateOf(tenantId: string, extension: string, userId: string | null = null): PresenceState {
    const entry = this.extensions.get(keyOf(tenantId, extension));
    const live = entry ? [...entry.dialogs.values()].filter((d) => d.state !== 'terminated') : [];
    if (live.some((d) => d.state === 'confirmed' || d.direction === 'initiator')) return 'busy';
    if (live.some((d) => d.state === 'early')) return 'ringing';
    const user = userId ?? entry?.userId ?? null;
    if (user !== null && this.o.isDnd(tenantId, user)) return 'dnd';
    return this.o.location.isRegistered(tenantId, extension) ? 'idle' : 'offline';
  }

  /** CallObserver: a call to or from an extension changed. */
  callState(call: ObservedCall): void {
    this.track(call, call.caller, 'initiator', call.callee);
    this.track(call, call.callee, 'recipient', call.caller);
  }

  /** The user's DND changed (the DND service calls this). */
  dndChanged(tenantId: string, extension: string, userId: string): void {
    this.entry(tenantId, extension, userId);
    this.recompute(tenantId, extension);
  }

  close(): void {
    for (const off of this.unsubscribe.splice(0)) off();
  }

  private track(call: ObservedCall, party: Party, direction: 'initiator' | 'recipient', other: Party): void {
    if (party.userId === null) return;
    const entry = this.entry(party.tenantId, party.number, party.userId);
    const now = Date.now();
    for (const [id, d] of entry.dialogs) if (d.endedAt !== undefined && now - d.endedAt > KEEP_TERMINATED_MS) entry.dialogs.delete(id);
    const state = call.state === 'ended' ? 'terminated' : call.state === 'answered' ? 'confirmed' : 'early';
    const existing = entry.dialogs.get(call.callId);
    if (!existing && state === 'terminated') return;
    entry.dialogs.set(call.callId, {
      id: call.callId,
      state,
      direction,
      other: { number: other.number, name: other.name },
      ...(state === 'terminated' ? { endedAt: now } : {}),
    });
    this.o.dialogChanged?.(dialogKeyOf(party.tenantId, party.number));
    this.recompute(party.tenantId, party.number);
  }

  private entry(tenantId: string, extension: string, userId: string): ExtensionState {
    const key = keyOf(tenantId, extension);
    let entry = this.extensions.get(key);
    if (!entry || entry.userId !== userId) {
      entry = { tenantId, extension, userId, dialogs: entry?.dialogs ?? new Map<string, ExtensionDialog>(), last: entry?.last ?? null };
      this.extensions.set(key, entry);
    }
    return entry;
  }

  private recompute(tenantId: string, extension: string): void {
    const entry = this.extensions.get(keyOf(tenantId, extension));
    const bindings = this.o.location.bindings(tenantId, extension);
    const userId = entry?.userId ?? bindings[0]?.userId ?? null;
    if (userId === null) return;
    const state = this.stateOf(tenantId, extension, userId);
    const tracked = entry ?? this.entry(tenantId, extension, userId);
    if (tracked.last === state) return;
    const before = tracked.last;
    tracked.last = state;
    // DND shows on BLF lamps as a busy line (there is no DND state in RFC 4235).
    if (before === 'dnd' || state === 'dnd') this.o.dialogChanged?.(dialogKeyOf(tenantId, extension));
    for (const listener of [...this.listeners]) {
      try {
        listener({ tenantId, extension, userId, state });
      } catch {
        // A listener's bug must not stop presence.
      }
    }
  }

  private sourceFor(tenantId: string, extension: string): DialogStateSource {
    return {
      key: dialogKeyOf(tenantId, extension),
      entity: (domain) => `sip:${extension}@${domain}`,
      info: (domain) => {
        const entry = this.extensions.get(keyOf(tenantId, extension));
        const dialogs: DialogInfoEntry[] = [...(entry?.dialogs.values() ?? [])].map((d) => ({
          id: d.id,
          state: d.state,
          direction: d.direction,
          remote: { uri: `sip:${d.other.number}@${domain}`, display: d.other.name },
        }));
        if (entry && this.o.isDnd(tenantId, entry.userId) && !dialogs.some((d) => d.state !== 'terminated')) {
          dialogs.push({ id: 'dnd', state: 'confirmed' });
        }
        return { dialogs };
      },
    };
  }
}

function keyOf(tenantId: string, extension: string): string {
  return `${tenantId}|${extension}`;
}

/** The dialog-package resource key of an extension. */
export function dialogKeyOf(tenantId: string, extension: string): string {
  return `ext:${tenantId}|${extension}`;
}

import type { DeviceAccount } from '../store/records.js';

/**
 * An event package the subscription server serves (RFC 6665 §7): `dialog` (RFC 4235, BLF lamps),
 * `message-summary` (RFC 3842, the message-waiting lamp).
 */
export interface EventPackage {
  /** The Event header token, e.g. "dialog". */
  readonly event: string;
  /** The body type of its NOTIFYs, e.g. "application/dialog-info+xml". */
  readonly contentType: string;
  /** Subscription lifetime when the SUBSCRIBE names none (RFC 6665 §7.2: the package says). */
  readonly defaultExpires: number;
  /**
   * What `subscriber` asks to watch with the Request-URI user part `user`; null when there is no
   * such resource (answered 404), or a refusal the subscriber is told (e.g. 403).
   */
  resolve(user: string, subscriber: DeviceAccount): Promise<WatchedResource | Refusal | null>;
}

export interface Refusal {
  refused: number;
  reason: string;
}

/** One thing subscribers watch: its change key and its current state as a NOTIFY body. */
export interface WatchedResource {
  /** Identifies the resource for change notices (`SubscriptionServer.changed(key)`). */
  readonly key: string;
  /** The full current state, as the NOTIFY body for one subscription (its own version counter). */
  body(view: SubscriptionView): string | Promise<string>;
}

/** What a body renderer may know about the subscription it renders for. */
export interface SubscriptionView {
  /** Counts NOTIFYs in this subscription from 0 (RFC 4235 §4.1 `version`). */
  readonly version: number;
  readonly tenantId: string;
  readonly domain: string;
}

export function isRefusal(value: WatchedResource | Refusal | null): value is Refusal {
  return value !== null && 'refused' in value;
}

import type { DeviceAccount } from '../store/records.js';
import { dialogInfoXml, type DialogInfo } from './dialog-info.js';
import type { EventPackage, Refusal, SubscriptionView, WatchedResource } from './event-package.js';

/**
 * Something whose dialogs a BLF key can watch: an extension (presence), a conference key (`*38`)...
 * `key` names it for change notices: call `DialogPackage.changed(key)` (or the subscription
 * server's) whenever `info()` would answer differently.
 */
export interface DialogStateSource {
  readonly key: string;
  /** The SIP URI the NOTIFYs name as `entity`. */
  entity(domain: string): string;
  /** The dialogs now (remote URIs in `domain`). */
  info(domain: string): DialogInfo;
}

/**
 * Finds the source for a Request-URI user part, as seen by `subscriber`; null when this matcher
 * does not know the name (the next one is asked). Async allowed (a store lookup).
 */
export type DialogResourceMatcher = (userPart: string, subscriber: DeviceAccount) => DialogStateSource | null | Promise<DialogStateSource | null>;

/**
 * The dialog event package (RFC 4235) with a pluggable registry of what can be watched: presence
 * registers extensions; other features (the conference key) register their own names. Matchers
 * are asked in the order registered; the first non-null answer wins.
 */
export class DialogPackage implements EventPackage {
  readonly event = 'dialog';
  readonly contentType = 'application/dialog-info+xml';
  readonly defaultExpires = 3600;
  private readonly matchers: DialogResourceMatcher[] = [];

  /** Adds a matcher; returns a function that removes it. */
  registerDialogResource(match: DialogResourceMatcher): () => void {
    this.matchers.push(match);
    return () => {
      const i = this.matchers.indexOf(match);
      if (i >= 0) this.matchers.splice(i, 1);
    };
  }

  async resolve(user: string, subscriber: DeviceAccount): Promise<WatchedResource | Refusal | null> {
    for (const match of [...this.matchers]) {
      const source = await match(user, subscriber);
      if (source) {
        return {
          key: source.key,
          body: (view: SubscriptionView) => dialogInfoXml(source.entity(view.domain), view.version, source.info(view.domain)),
        };
      }
    }
    return null;
  }
}

import { parseReplaces, unescape, type Address, type Replaces, type SipStack } from '@switchboard/sip';
import type { PbxLogger } from '../util/logger.js';
import type { CallLeg } from './call-leg.js';

/** What a REFER asks for: the dialled target, and for an attended transfer the dialog it replaces. */
export interface ReferTarget {
  dialled: string;
  replaces: Replaces | null;
}

/**
 * Reads `Refer-To` (RFC 3515 §2.1): the target's user part, and an embedded `Replaces` URI header
 * (RFC 3891 §5: `?Replaces=callid%3Bto-tag%3D..%3Bfrom-tag%3D..`). Null when it names no one.
 */
export function referTarget(referTo: Address): ReferTarget | null {
  const uri = referTo.uri;
  const dialled = uri.kind === 'sip' ? (uri.user ?? '') : uri.kind === 'tel' ? uri.number : '';
  if (uri.kind !== 'sip') return dialled === '' ? null : { dialled, replaces: null };
  const header = uri.headers.find((h) => h.name.toLowerCase() === 'replaces');
  let replaces: Replaces | null = null;
  if (header?.value) {
    try {
      replaces = parseReplaces(unescape(header.value));
    } catch {
      return null;
    }
  }
  if (dialled === '' && !replaces) return null;
  return { dialled: unescape(dialled), replaces };
}

/**
 * The implicit subscription a REFER creates (RFC 3515 §2.4.4): NOTIFYs in the referrer's dialog
 * with `Event: refer` and a `message/sipfrag` status line, sent one at a time in order; the one
 * with a final status ends the subscription.
 */
export class ReferProgress {
  private queue: Promise<void> = Promise.resolve();
  private done = false;

  constructor(
    private readonly stack: SipStack,
    private readonly leg: CallLeg,
    private readonly logger: PbxLogger,
  ) {}

  get finished(): boolean {
    return this.done;
  }

  /** 100 Trying, 180 Ringing…: the subscription stays active. */
  progress(status: number, reason: string): void {
    if (!this.done) void this.send(status, reason, 'active;expires=60');
  }

  /** The target's final answer: the last NOTIFY. */
  final(status: number, reason: string): Promise<void> {
    if (this.done) return this.queue;
    this.done = true;
    return this.send(status, reason, 'terminated;reason=noresource');
  }

  private send(status: number, reason: string, state: string): Promise<void> {
    this.queue = this.queue.then(async () => {
      const dialog = this.leg.dialog;
      if (!dialog || this.leg.ended) return;
      const notify = dialog.createRequest('NOTIFY', {
        headers: { Event: 'refer', 'Subscription-State': state },
        body: `SIP/2.0 ${status} ${reason}\r\n`,
        contentType: 'message/sipfrag;version=2.0',
      });
      const response = await this.stack.sendRequest(notify, this.leg.requestOptions()).final;
      if (response.status >= 300) this.logger('info', 'the referrer refused a NOTIFY', { status: response.status });
    }).catch((error: unknown) => this.logger('warn', 'could not send a refer NOTIFY', { error: String(error) }));
    return this.queue;
  }
}

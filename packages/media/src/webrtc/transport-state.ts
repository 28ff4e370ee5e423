import type { TransportState } from '../transport/types.js';

/**
 * Life of a WebRTC leg:
 *
 * ```
 *   new ──► connecting ──► connected
 *    │          │              │
 *    │          └──► failed ◄──┘
 *    │                 │
 *    └───────────► closed ◄───── (from every state, by close())
 * ```
 *
 * `connecting` starts once both descriptions are known (ICE and DTLS run), `connected` means
 * SRTP keys are in place, `failed` means the path is gone (ICE or DTLS failed, the peer went
 * silent or ended DTLS) and only close() remains.
 */
const ALLOWED: Readonly<Record<TransportState, readonly TransportState[]>> = {
  new: ['connecting', 'closed'],
  connecting: ['connected', 'failed', 'closed'],
  connected: ['failed', 'closed'],
  failed: ['closed'],
  closed: [],
};

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
}

export class TransportStateMachine {
  private current: TransportState = 'new';

  constructor(private readonly onChange: (state: TransportState) => void) {}

  get state(): TransportState {
    return this.current;
  }

  canMoveTo(next: TransportState): boolean {
    return ALLOWED[this.current].includes(next);
  }

  /** Moves to `next` and reports it; refuses moves the diagram does not have. */
  transition(next: TransportState): void {
    if (!this.canMoveTo(next)) throw new IllegalTransitionError(`a WebRTC leg cannot go from ${this.current} to ${next}`);
    this.current = next;
    this.onChange(next);
  }
}

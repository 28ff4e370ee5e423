/** Where a throwing listener is reported: it must never break the emitter or its caller. */
export type ListenerErrorSink = (error: unknown, event: string) => void;

const defaultSink: ListenerErrorSink = (error, event) => {
  console.error(`[sip] a "${event}" listener threw:`, error);
};

/**
 * A typed event emitter: `Emitter<{ close: []; message: [SipMessage] }>`. `on` returns the
 * function that removes the listener. A listener that throws is reported, and the others still run.
 */
/** The argument list of an event in an event map such as `{ close: []; data: [Buffer] }`. */
export type EventArgs<Events, K extends keyof Events> = Events[K] extends unknown[] ? Events[K] : never;

export class Emitter<Events extends object> {
  /** Made at the first listener: most emitters (a completed transaction) never get one. */
  private listeners: Map<keyof Events, Set<unknown>> | undefined;
  protected listenerErrorSink: ListenerErrorSink = defaultSink;

  on<K extends keyof Events>(event: K, listener: (...args: EventArgs<Events, K>) => void): () => void {
    const listeners = (this.listeners ??= new Map<keyof Events, Set<unknown>>());
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => this.off(event, listener);
  }

  once<K extends keyof Events>(event: K, listener: (...args: EventArgs<Events, K>) => void): () => void {
    const off = this.on(event, (...args: EventArgs<Events, K>) => {
      off();
      listener(...args);
    });
    return off;
  }

  off<K extends keyof Events>(event: K, listener: (...args: EventArgs<Events, K>) => void): void {
    const listeners = this.listeners;
    const set = listeners?.get(event);
    if (!listeners || !set?.delete(listener) || set.size > 0) return;
    // Emptied: let the set go, and the map with its last one (a transaction kept 32 s after its TU let go).
    listeners.delete(event);
    if (listeners.size === 0) this.listeners = undefined;
  }

  listenerCount<K extends keyof Events>(event: K): number {
    return this.listeners?.get(event)?.size ?? 0;
  }

  protected emit<K extends keyof Events>(event: K, ...args: EventArgs<Events, K>): void {
    const set = this.listeners?.get(event);
    if (!set || set.size === 0) return;
    for (const listener of [...set]) {
      try {
        (listener as (...a: EventArgs<Events, K>) => void)(...args);
      } catch (error) {
        this.listenerErrorSink(error, String(event));
      }
    }
  }

  protected removeAllListeners(): void {
    this.listeners = undefined;
  }
}

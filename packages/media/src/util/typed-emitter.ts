/**
 * A small event emitter typed by an event map (`{ closed: (reason: string) => void }`).
 * A listener that throws cannot break the emitter or the listeners after it: the error goes
 * to `onListenerError` (by default a process warning), so one faulty consumer of a leg's
 * events never stops its media.
 */
// Listener signatures vary per event; `never[]` keeps every function assignable without `any`.
type Listener = (...args: never[]) => void;

export class TypedEmitter<Events extends { [K in keyof Events]: Listener }> {
  private readonly listeners = new Map<keyof Events, Set<Listener>>();

  constructor(private readonly onListenerError: (error: unknown, event: keyof Events) => void = defaultListenerError) {}

  on<E extends keyof Events>(event: E, listener: Events[E]): this {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
    return this;
  }

  once<E extends keyof Events>(event: E, listener: Events[E]): this {
    const wrapper = ((...args: Parameters<Events[E]>) => {
      this.off(event, wrapper);
      (listener as (...a: Parameters<Events[E]>) => void)(...args);
    }) as unknown as Events[E];
    return this.on(event, wrapper);
  }

  off<E extends keyof Events>(event: E, listener: Events[E]): this {
    this.listeners.get(event)?.delete(listener);
    return this;
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    // A Set may be iterated while listeners come and go (deleted ones are skipped): no copy per packet.
    for (const listener of set) {
      try {
        (listener as (...a: Parameters<Events[E]>) => void)(...args);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }

  listenerCount(event: keyof Events): number {
    return this.listeners.get(event)?.size ?? 0;
  }

  removeAllListeners(): void {
    this.listeners.clear();
  }
}

function defaultListenerError(error: unknown, event: PropertyKey): void {
  process.emitWarning(`a listener of "${String(event)}" threw: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
}

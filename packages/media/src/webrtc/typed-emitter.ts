/** Listener signatures by event name, e.g. `{ rtp: (packet: RtpPacket) => void }` (an interface works too). */
export type EventMap<Events> = { [E in keyof Events]: (...args: never[]) => void };

/**
 * A minimal event emitter typed by an event map. A listener that throws does not stop the
 * others nor the emitter: its error goes to `onListenerError`.
 */
export class TypedEmitter<Events extends EventMap<Events>> {
  private readonly listeners = new Map<keyof Events, Set<Events[keyof Events]>>();

  constructor(private readonly onListenerError: (error: unknown, event: keyof Events) => void) {}

  on<E extends keyof Events>(event: E, listener: Events[E]): void {
    let set = this.listeners.get(event);
    if (!set) {
      set = new Set();
      this.listeners.set(event, set);
    }
    set.add(listener);
  }

  off<E extends keyof Events>(event: E, listener: Events[E]): void {
    this.listeners.get(event)?.delete(listener);
  }

  emit<E extends keyof Events>(event: E, ...args: Parameters<Events[E]>): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const listener of set) {
      try {
        (listener as (...args: Parameters<Events[E]>) => void)(...args);
      } catch (error) {
        this.onListenerError(error, event);
      }
    }
  }

  removeAll(): void {
    this.listeners.clear();
  }
}

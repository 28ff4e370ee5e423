/**
 * The smallest external store React can read with `useSyncExternalStore`: state lives in a
 * plain object that is replaced (never mutated) on every change, so `getSnapshot` is stable
 * between changes. A listener that throws cannot stop the others from hearing the change.
 */
export class Store<T> {
  private state: T;
  private readonly listeners = new Set<() => void>();

  constructor(initial: T) {
    this.state = initial;
  }

  readonly getSnapshot = (): T => this.state;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  protected update(patch: Partial<T>): void {
    this.state = { ...this.state, ...patch };
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        console.error('store listener failed', error);
      }
    }
  }
}

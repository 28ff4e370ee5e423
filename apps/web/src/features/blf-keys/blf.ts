import type { BlfKey } from '@switchboard/api';

/** The feature code that picks up the call ringing at an extension (directed pickup). */
export function directedPickup(extension: string): string {
  return `**${extension}`;
}

const savedEvent = 'switchboard:blf-keys-saved';

/** Tells the side panel that Settings saved a new layout (both are on screen at once). */
export function announceLayoutSaved(keys: BlfKey[]): void {
  window.dispatchEvent(new CustomEvent<BlfKey[]>(savedEvent, { detail: keys }));
}

export function onLayoutSaved(listener: (keys: BlfKey[]) => void): () => void {
  const handler = (event: Event) => {
    if (event instanceof CustomEvent) listener(event.detail as BlfKey[]);
  };
  window.addEventListener(savedEvent, handler);
  return () => window.removeEventListener(savedEvent, handler);
}

/** Moves the key at `index` by `step` places (−1 up, +1 down); out-of-range moves change nothing. */
export function moveKey(keys: readonly BlfKey[], index: number, step: -1 | 1): BlfKey[] {
  const to = index + step;
  if (index < 0 || index >= keys.length || to < 0 || to >= keys.length) return [...keys];
  const next = [...keys];
  const [moved] = next.splice(index, 1);
  if (moved) next.splice(to, 0, moved);
  return next;
}

import type { DirectoryEntry, PresenceState } from '@switchboard/api';
import type { DotColor } from './StatusDot.js';

/** How each presence state looks and reads, wherever a person is listed. */
export const presenceLooks: Record<PresenceState, { color: DotColor; text: string }> = {
  idle: { color: 'green', text: 'Available' },
  ringing: { color: 'yellow', text: 'Ringing' },
  busy: { color: 'red', text: 'On a call' },
  dnd: { color: 'red', text: 'Do not disturb' },
  offline: { color: 'grey', text: 'Offline' },
};

/** A directory search: by name (any part, any case) or by extension digits. */
export function matchesQuery(entry: DirectoryEntry, query: string): boolean {
  const q = query.trim().toLowerCase();
  return !q || entry.name.toLowerCase().includes(q) || entry.extension.includes(q);
}

import { phoneActions } from './actions.js';
import type { ActionId, PhoneContext } from './actions.js';

/**
 * Where a key press happened, as far as shortcuts care:
 * - `typing`: a text input, textarea, select or contenteditable, or anything inside an element
 *   marked `data-shortcuts="off"` (a dialog with its own keys): shortcuts stay out of the way;
 * - `control`: a button or link, which keeps Enter and Space for itself;
 * - `page`: anywhere else.
 */
export type KeyTarget = 'typing' | 'control' | 'page';

const nonTextInputs = new Set(['button', 'submit', 'reset', 'checkbox', 'radio', 'range', 'color', 'file', 'image']);

export function classifyTarget(target: EventTarget | null): KeyTarget {
  if (!(target instanceof Element)) return 'page';
  if (target.closest('[data-shortcuts="off"]')) return 'typing';
  if (target instanceof HTMLInputElement) return nonTextInputs.has(target.type) ? 'control' : 'typing';
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return 'typing';
  if (target instanceof HTMLElement && target.isContentEditable) return 'typing';
  if (target.closest('[contenteditable=""], [contenteditable="true"], [contenteditable="plaintext-only"]')) return 'typing';
  if (target.closest('button, a[href], summary, [role="button"], [role="link"], [role="tab"], [role="menuitem"], [role="option"]')) return 'control';
  return 'page';
}

export interface KeyPress {
  key: string;
  target: KeyTarget;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/**
 * The action a key press runs in the given situation, or null when the key is not the
 * softphone's (the browser or the focused control keeps it).
 */
export function routeKey(press: KeyPress, context: PhoneContext): ActionId | null {
  // Browser and system shortcuts (Ctrl+R, Cmd+1, Alt+Left) are never taken.
  if (press.ctrlKey || press.metaKey || press.altKey) return null;
  // "Shortcuts are automatically disabled when you are typing in other areas of the portal."
  if (press.target === 'typing') return null;
  // A focused button or link answers Enter itself (keyboard users expect it to).
  if (press.target === 'control' && press.key === 'Enter') return null;
  const action = phoneActions.find((a) => a.when === context && a.keys.includes(press.key));
  return action ? action.id : null;
}

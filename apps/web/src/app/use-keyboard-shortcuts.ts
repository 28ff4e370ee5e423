import { useEffect, useRef } from 'react';
import { dialFieldId } from '../features/phone/index.js';
import { classifyTarget, routeKey } from '../phone/keyboard.js';
import type { Phone } from '../phone/phone.js';
import { goToTab } from './routes.js';
import type { Tab } from './routes.js';

/** Focuses the number field once it is on screen (it may be one render away after a tab switch). */
function focusDialField(triesLeft = 10): void {
  const field = document.getElementById(dialFieldId);
  if (field instanceof HTMLInputElement) {
    field.focus();
    field.setSelectionRange(field.value.length, field.value.length);
  } else if (triesLeft > 0) {
    setTimeout(() => focusDialField(triesLeft - 1), 16);
  }
}

/**
 * The guide's keyboard table, for the whole portal: one keydown listener that asks the phone's
 * key router what a key means now and runs that named action.
 */
export function useKeyboardShortcuts(phone: Phone, tab: Tab): void {
  const currentTab = useRef(tab);
  currentTab.current = tab;

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.isComposing) return;
      const action = routeKey(
        { key: event.key, target: classifyTarget(event.target), ctrlKey: event.ctrlKey, metaKey: event.metaKey, altKey: event.altKey },
        phone.context(),
      );
      if (!action) return;
      const onPhoneTab = currentTab.current === 'phone';
      if (action === 'dialDigit') {
        // "Digit keys automatically go to the dialer": from any tab, into the number field.
        event.preventDefault();
        phone.typeDigit(event.key);
        if (!onPhoneTab) goToTab('phone');
        focusDialField();
        return;
      }
      // Enter and Backspace work the dialer only where the dialer is on screen.
      if ((action === 'call' || action === 'deleteDigit') && !onPhoneTab) return;
      if (phone.perform(action, event.key)) event.preventDefault();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [phone]);
}

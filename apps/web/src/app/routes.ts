import { useEffect, useState } from 'react';

/**
 * The portal's tabs. Routing is by URL hash (#/contacts), so switching tabs never reloads the
 * page (a call in progress is untouched) and the server needs no catch-all route.
 */
export type Tab = 'phone' | 'contacts' | 'voicemail' | 'settings';

export const tabs: readonly { id: Tab; label: string }[] = [
  { id: 'phone', label: 'Phone' },
  { id: 'contacts', label: 'Contacts' },
  { id: 'voicemail', label: 'Voicemail' },
  { id: 'settings', label: 'Settings' },
];

export function tabHref(tab: Tab): string {
  return `#/${tab}`;
}

function tabFromHash(hash: string): Tab {
  const id = hash.replace(/^#\/?/, '');
  return tabs.find((t) => t.id === id)?.id ?? 'phone';
}

export function goToTab(tab: Tab): void {
  if (tabFromHash(location.hash) !== tab) location.hash = tabHref(tab);
}

export function useTab(): Tab {
  const [tab, setTab] = useState<Tab>(() => tabFromHash(location.hash));
  useEffect(() => {
    const onChange = () => setTab(tabFromHash(location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return tab;
}

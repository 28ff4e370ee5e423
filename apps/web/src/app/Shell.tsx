import { Suspense, lazy, useEffect, useState } from 'react';
import type { Me } from '@switchboard/api';
import { LiveRegion } from '../components/LiveRegion.js';
import { DndSetting } from '../features/dnd/index.js';
import { CallStrip, IncomingCall } from '../features/phone/index.js';
import { api } from '../lib/api.js';
import { EventsSocket } from '../lib/events-socket.js';
import { PortalEventsContext } from '../lib/portal-events.js';
import type { Phone } from '../phone/phone.js';
import { PhoneContext, usePhone } from '../phone/use-phone.js';
import { PhonePage } from './PhonePage.js';
import { tabHref, tabs, useTab } from './routes.js';
import { SidePanel } from './SidePanel.js';
import { useKeyboardShortcuts } from './use-keyboard-shortcuts.js';

// The Phone tab is in the first download; the others load when first opened.
const ContactsPage = lazy(() => import('../features/contacts/ContactsPage.js'));
const SettingsPage = lazy(() => import('../features/settings/SettingsPage.js'));
const VoicemailPage = lazy(() => import('../features/voicemail/VoicemailPage.js'));
const BlfKeyEditor = lazy(() => import('../features/blf-keys/BlfKeyEditor.js'));
const GreetingSettings = lazy(() => import('../features/voicemail/GreetingSettings.js'));

function Announcer() {
  const [{ announcement }] = usePhone();
  return <LiveRegion message={announcement} />;
}

/** The signed-in portal: tabs, the side panel, the incoming-call overlay, and the phone engine. */
export function Shell({ me, phone, onSignOut }: { me: Me; phone: Phone; onSignOut: () => void }) {
  const tab = useTab();
  const [events] = useState(() => new EventsSocket());
  useKeyboardShortcuts(phone, tab);

  useEffect(() => {
    events.start();
    return () => events.close();
  }, [events]);

  // The call screen names a dialled extension the way the directory does.
  useEffect(() => {
    let names = new Map<string, string>();
    phone.setNameLookup((number) => names.get(number) ?? null);
    api
      .directory()
      .then(({ entries }) => {
        names = new Map(entries.map((e) => [e.extension, e.name]));
      })
      .catch(() => undefined);
  }, [phone]);

  return (
    <PhoneContext.Provider value={phone}>
      <PortalEventsContext.Provider value={events}>
        <div className="shell">
          <a className="skip-link" href="#main">
            Skip to content
          </a>
          <header className="topbar">
            <span className="brand">Switchboard</span>
            <nav className="tabs" aria-label="Portal">
              {tabs.map((t) => (
                <a key={t.id} className="tab" href={tabHref(t.id)} aria-current={t.id === tab ? 'page' : undefined}>
                  {t.label}
                </a>
              ))}
            </nav>
            <div className="account">
              <span className="account-name">
                {me.user.name}
                {me.extension ? <span className="account-ext"> · Ext. {me.extension}</span> : null}
              </span>
              <button type="button" className="button button-quiet button-small" onClick={onSignOut}>
                Sign out
              </button>
            </div>
          </header>
          {tab !== 'phone' ? <CallStrip phoneHref={tabHref('phone')} /> : null}
          <div className="workspace">
            <main id="main" className="main" tabIndex={-1}>
              {tab === 'phone' ? <PhonePage /> : null}
              <Suspense fallback={<p className="loading">Loading…</p>}>
                {tab === 'contacts' ? <ContactsPage /> : null}
                {tab === 'voicemail' ? <VoicemailPage /> : null}
                {tab === 'settings' ? (
                  <SettingsPage
                    me={me}
                    onSignOut={onSignOut}
                    sections={
                      <>
                        <DndSetting />
                        <BlfKeyEditor />
                        <GreetingSettings />
                      </>
                    }
                  />
                ) : null}
              </Suspense>
            </main>
            <SidePanel />
          </div>
          <IncomingCall />
          <Announcer />
        </div>
      </PortalEventsContext.Provider>
    </PhoneContext.Provider>
  );
}

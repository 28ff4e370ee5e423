import { useCallback, useEffect, useRef, useState } from 'react';
import type { Me } from '@switchboard/api';
import { SignInPage } from '../features/sign-in/index.js';
import { ApiFailure, api, onSessionEnded } from '../lib/api.js';
import { createBrowserPhone } from '../phone/browser-phone.js';
import type { Phone } from '../phone/phone.js';
import { Shell } from './Shell.js';

type Session =
  | { state: 'checking' }
  | { state: 'signed-out'; notice: string | null }
  | { state: 'unreachable'; message: string }
  | { state: 'signed-in'; me: Me; phone: Phone };

/** The sign-in gate: the portal for a signed-in user, else the sign-in page. */
export function App() {
  const [session, setSession] = useState<Session>({ state: 'checking' });

  const signedIn = useCallback((me: Me) => {
    const phone = createBrowserPhone();
    phone.onSignedOut(() => setSession({ state: 'signed-out', notice: 'Your session has ended. Please sign in again.' }));
    setSession({ state: 'signed-in', me, phone });
    void phone.start(me);
  }, []);

  /** Asks the server who is signed in; `isCurrent` drops answers for an effect already cleaned up. */
  const check = useCallback(
    (isCurrent: () => boolean = () => true) => {
      setSession({ state: 'checking' });
      api
        .me()
        .then((me) => {
          if (isCurrent()) signedIn(me);
        })
        .catch((failure: unknown) => {
          if (!isCurrent()) return;
          if (failure instanceof ApiFailure && failure.code === 'unauthorized') setSession({ state: 'signed-out', notice: null });
          else setSession({ state: 'unreachable', message: failure instanceof ApiFailure ? failure.message : 'The portal could not start.' });
        });
    },
    [signedIn],
  );

  useEffect(() => {
    let current = true;
    check(() => current);
    return () => {
      current = false;
    };
  }, [check]);

  // A request that finds the session gone (expired, signed out elsewhere) brings back the sign-in page.
  const current = useRef(session);
  current.current = session;
  useEffect(
    () =>
      onSessionEnded(() => {
        const now = current.current;
        if (now.state !== 'signed-in') return;
        now.phone.stop();
        setSession({ state: 'signed-out', notice: 'Your session has ended. Please sign in again.' });
      }),
    [],
  );

  const signOut = useCallback(() => {
    if (session.state === 'signed-in') session.phone.stop();
    // Wait for the server to end the session, so that a reload cannot bring it back.
    api
      .logout()
      .then(() => setSession({ state: 'signed-out', notice: 'You have signed out.' }))
      .catch(() => setSession({ state: 'signed-out', notice: 'You have signed out here, but the server could not be told. Sign out again when it is reachable.' }));
  }, [session]);

  switch (session.state) {
    case 'checking':
      return <p className="loading loading-page">Loading Switchboard…</p>;
    case 'unreachable':
      return (
        <main className="sign-in">
          <div className="sign-in-card">
            <p className="brand">Switchboard</p>
            <p className="notice notice-error" role="alert">
              {session.message}
            </p>
            <button type="button" className="button button-primary button-wide" onClick={() => check()}>
              Try again
            </button>
          </div>
        </main>
      );
    case 'signed-out':
      return <SignInPage onSignedIn={signedIn} notice={session.notice} />;
    case 'signed-in':
      return <Shell me={session.me} phone={session.phone} onSignOut={signOut} />;
  }
}

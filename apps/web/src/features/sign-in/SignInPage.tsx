import { useState } from 'react';
import type { Me } from '@switchboard/api';
import { ApiFailure, api } from '../../lib/api.js';

/** Email and password; every failure gets a sentence that says what to do. */
export function SignInPage({ onSignedIn, notice }: { onSignedIn: (me: Me) => void; notice?: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit() {
    if (!email.trim() || !password) {
      setError('Enter your email and password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onSignedIn(await api.login({ email: email.trim(), password }));
    } catch (failure) {
      setError(failure instanceof ApiFailure ? failure.message : 'Sign-in failed. Try again in a moment.');
      setBusy(false);
    }
  }

  return (
    <main className="sign-in">
      <form
        className="sign-in-card"
        aria-labelledby="sign-in-title"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
        noValidate
      >
        <p className="brand">Switchboard</p>
        <h1 id="sign-in-title">Sign in</h1>
        {notice && !error ? <p className="notice notice-info">{notice}</p> : null}
        {error ? (
          <p className="notice notice-error" role="alert">
            {error}
          </p>
        ) : null}
        <label className="field">
          <span>Email</span>
          <input type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} autoFocus />
        </label>
        <label className="field">
          <span>Password</span>
          <input type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <button type="submit" className="button button-primary button-wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

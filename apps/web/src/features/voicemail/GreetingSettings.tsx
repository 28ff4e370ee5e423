import type { VoicemailSettings } from '@switchboard/api';
import { useEffect, useId, useState } from 'react';
import { ApiFailure, api } from '../../lib/api.js';

const maxBytes = 2 * 1024 * 1024;

type Status = { tone: 'info' | 'error'; text: string } | null;

const sentenceOf = (failure: unknown): string => (failure instanceof ApiFailure ? failure.message : 'That did not work. Try again.');

/**
 * Settings → Voicemail: whether callers who find you busy may leave a message, and your
 * greeting (upload a WAV, record one by phone from the mailbox, or go back to the spoken default).
 */
export default function GreetingSettings() {
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<Status>(null);
  const [settings, setSettings] = useState<VoicemailSettings | null>(null);
  const [settingsStatus, setSettingsStatus] = useState<Status>(null);
  const fieldId = useId();
  const whenBusyId = useId();

  useEffect(() => {
    let live = true;
    api.voicemailSettings().then(
      (loaded) => live && setSettings(loaded),
      (failure: unknown) => live && setSettingsStatus({ tone: 'error', text: sentenceOf(failure) }),
    );
    return () => {
      live = false;
    };
  }, []);

  const run = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setStatus(null);
    try {
      await what();
      setStatus({ tone: 'info', text: done });
      setSettings(await api.voicemailSettings());
    } catch (failure) {
      setStatus({ tone: 'error', text: sentenceOf(failure) });
    } finally {
      setBusy(false);
    }
  };
  const upload = () => {
    if (!file) return;
    if (file.size > maxBytes) {
      setStatus({ tone: 'error', text: 'That recording is larger than 2 MB. Use a shorter one (mono WAV, 8, 16 or 48 kHz).' });
      return;
    }
    void run(() => api.uploadGreeting(file), 'Your greeting is saved. Callers hear it before the beep.');
  };
  const setWhenBusy = async (whenBusy: boolean) => {
    setSettingsStatus(null);
    // The box follows the click at once; it goes back if the server refuses.
    const before = settings;
    if (before) setSettings({ ...before, whenBusy });
    try {
      setSettings(await api.setVoicemailWhenBusy(whenBusy));
      setSettingsStatus({ tone: 'info', text: whenBusy ? 'Callers who find you busy can now leave a message.' : 'Callers who find you busy now hear a busy tone.' });
    } catch (failure) {
      setSettings(before);
      setSettingsStatus({ tone: 'error', text: sentenceOf(failure) });
    }
  };

  return (
    <section className="card" aria-labelledby="greeting-heading">
      <h2 id="greeting-heading">Voicemail</h2>
      <div className="setting-row">
        <input
          id={whenBusyId}
          type="checkbox"
          checked={settings?.whenBusy ?? false}
          disabled={settings === null}
          onChange={(e) => void setWhenBusy(e.target.checked)}
        />
        <label htmlFor={whenBusyId}>When I am busy, callers can leave a message</label>
      </div>
      <p className="setting-help">Calls you do not answer, and calls while Do Not Disturb is on, always go to voicemail. Without this, a caller who finds you busy hears a busy tone.</p>
      {settingsStatus ? (
        <p className={settingsStatus.tone === 'error' ? 'form-error' : 'form-ok'} role={settingsStatus.tone === 'error' ? 'alert' : 'status'}>
          {settingsStatus.text}
        </p>
      ) : null}

      <h3>Greeting</h3>
      <p>
        Callers hear your greeting before they leave a message.{' '}
        {settings === null ? null : settings.ownGreeting ? 'You have your own greeting.' : 'You use the spoken default, which says your name.'}
      </p>
      <p>Upload a WAV recording (mono PCM, 8, 16 or 48 kHz, at most 2 MB), or record one by phone: dial *97, then press 9.</p>
      <div className="greeting-upload">
        <label htmlFor={fieldId}>Greeting recording</label>
        <input id={fieldId} type="file" accept="audio/wav,audio/x-wav,.wav" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
      </div>
      <div className="card-actions">
        <button type="button" className="button button-primary" disabled={!file || busy} onClick={upload}>
          Upload greeting
        </button>
        <button type="button" className="button button-secondary" disabled={busy} onClick={() => void run(() => api.resetGreeting(), 'Callers now hear the spoken default greeting.')}>
          Use the default greeting
        </button>
      </div>
      {status ? (
        <p className={status.tone === 'error' ? 'form-error' : 'form-ok'} role={status.tone === 'error' ? 'alert' : 'status'}>
          {status.text}
        </p>
      ) : null}
    </section>
  );
}

import { useId, useState } from 'react';
import { ApiFailure, api } from '../../lib/api.js';

const maxBytes = 2 * 1024 * 1024;

/** Settings → Voicemail greeting: upload a WAV recording, or go back to the spoken default. */
export default function GreetingSettings() {
  const [file, setFile] = useState<File | null>(null);
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ tone: 'info' | 'error'; text: string } | null>(null);
  const fieldId = useId();

  const run = async (what: () => Promise<unknown>, done: string) => {
    setBusy(true);
    setStatus(null);
    try {
      await what();
      setStatus({ tone: 'info', text: done });
    } catch (failure) {
      setStatus({ tone: 'error', text: failure instanceof ApiFailure ? failure.message : 'That did not work. Try again.' });
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

  return (
    <section className="card" aria-labelledby="greeting-heading">
      <h2 id="greeting-heading">Voicemail greeting</h2>
      <p>Callers hear your greeting before they leave a message. Upload a WAV recording (mono PCM, 8, 16 or 48 kHz, at most 2 MB), or use the spoken default with your name.</p>
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

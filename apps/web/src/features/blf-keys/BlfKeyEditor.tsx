import { useEffect, useId, useState } from 'react';
import type { BlfKey } from '@switchboard/api';
import { ApiFailure, api } from '../../lib/api.js';
import { useResource } from '../../lib/use-resource.js';
import { announceLayoutSaved, moveKey } from './blf.js';

/** Settings → BLF keys: the order, labels and monitored extensions of the side panel's keys. */
export default function BlfKeyEditor() {
  const layout = useResource(() => api.blfKeys());
  const directory = useResource(() => api.directory());
  const [draft, setDraft] = useState<BlfKey[] | null>(null);
  const [adding, setAdding] = useState('');
  const [status, setStatus] = useState<{ tone: 'info' | 'error'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);
  const addId = useId();

  useEffect(() => {
    if (layout.data && draft === null) setDraft(layout.data.keys);
  }, [layout.data, draft]);

  if (layout.failure === 'not_found') {
    return (
      <section className="card" aria-labelledby="blf-heading">
        <h2 id="blf-heading">BLF keys</h2>
        <p>Busy Lamp Field keys are not available yet.</p>
      </section>
    );
  }

  const keys = draft ?? [];
  const change = (next: BlfKey[]) => {
    setDraft(next);
    setStatus(null);
  };
  const candidates = (directory.data?.entries ?? []).filter((e) => !keys.some((k) => k.extension === e.extension));
  const save = async () => {
    setSaving(true);
    try {
      const saved = await api.saveBlfKeys(keys.map((k) => ({ extension: k.extension, label: k.label.trim() || k.extension })));
      setDraft(saved.keys);
      layout.set(saved);
      announceLayoutSaved(saved.keys);
      setStatus({ tone: 'info', text: 'Your BLF keys are saved.' });
    } catch (failure) {
      setStatus({ tone: 'error', text: failure instanceof ApiFailure ? failure.message : 'Your BLF keys could not be saved. Try again.' });
    } finally {
      setSaving(false);
    }
  };

  return (
    <section className="card" aria-labelledby="blf-heading">
      <h2 id="blf-heading">BLF keys</h2>
      <p>The keys in the side panel: each watches an extension and calls it when clicked.</p>
      {layout.error ? <p className="notice notice-error">{layout.error}</p> : null}
      <ol className="blf-editor" aria-label="BLF key layout">
        {keys.map((key, index) => (
          <li key={key.extension} className="blf-editor-row">
            <label className="visually-hidden" htmlFor={`blf-label-${key.extension}`}>
              Label for {key.extension}
            </label>
            <input
              id={`blf-label-${key.extension}`}
              value={key.label}
              maxLength={40}
              onChange={(e) => change(keys.map((k, i) => (i === index ? { ...k, label: e.target.value } : k)))}
            />
            <span className="blf-ext">{key.extension}</span>
            <button type="button" className="button button-quiet button-small" aria-label={`Move ${key.label || key.extension} up`} disabled={index === 0} onClick={() => change(moveKey(keys, index, -1))}>
              Up
            </button>
            <button type="button" className="button button-quiet button-small" aria-label={`Move ${key.label || key.extension} down`} disabled={index === keys.length - 1} onClick={() => change(moveKey(keys, index, 1))}>
              Down
            </button>
            <button type="button" className="button button-quiet button-small" aria-label={`Remove ${key.label || key.extension}`} onClick={() => change(keys.filter((_, i) => i !== index))}>
              Remove
            </button>
          </li>
        ))}
      </ol>
      {draft !== null && keys.length === 0 ? <p>No keys. Add an extension below.</p> : null}
      <div className="blf-editor-add">
        <label htmlFor={addId}>Add a key</label>
        <select id={addId} value={adding} onChange={(e) => setAdding(e.target.value)}>
          <option value="">Choose an extension…</option>
          {candidates.map((e) => (
            <option key={e.extension} value={e.extension}>
              {e.name} ({e.extension})
            </option>
          ))}
        </select>
        <button
          type="button"
          className="button button-secondary button-small"
          disabled={!adding}
          onClick={() => {
            const entry = candidates.find((e) => e.extension === adding);
            if (!entry) return;
            change([...keys, { extension: entry.extension, label: entry.name }]);
            setAdding('');
          }}
        >
          Add
        </button>
      </div>
      <div className="card-actions">
        <button type="button" className="button button-primary" disabled={saving || draft === null} onClick={() => void save()}>
          Save BLF keys
        </button>
        {status ? (
          <p className={status.tone === 'error' ? 'form-error' : 'form-ok'} role={status.tone === 'error' ? 'alert' : 'status'}>
            {status.text}
          </p>
        ) : null}
      </div>
    </section>
  );
}

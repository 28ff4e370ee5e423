import { useState } from 'react';
import { ApiFailure, api } from '../../lib/api.js';
import { usePortalEvent } from '../../lib/portal-events.js';
import { useResource } from '../../lib/use-resource.js';

export interface Dnd {
  /** null until known (or when the server does not offer it: `unavailable`). */
  enabled: boolean | null;
  unavailable: boolean;
  saving: boolean;
  error: string | null;
  set(enabled: boolean): void;
}

/**
 * Do Not Disturb: `GET /api/me/dnd`, then `dnd` events (a phone's `*78` / `*79`, another tab),
 * and `PUT /api/me/dnd` to change it.
 */
export function useDnd(): Dnd {
  const state = useResource(() => api.dnd());
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const { set: setState, reload } = state;
  usePortalEvent('dnd', (event) => setState({ enabled: event.enabled }));
  usePortalEvent('calls.changed', reload);
  return {
    enabled: state.data?.enabled ?? null,
    unavailable: state.failure === 'not_found' && state.data === null,
    saving,
    error: error ?? (state.data === null ? state.error : null),
    set(enabled: boolean) {
      setSaving(true);
      setError(null);
      api
        .setDnd(enabled)
        .then((saved) => setState(saved))
        .catch((failure: unknown) => setError(failure instanceof ApiFailure ? failure.message : 'Do Not Disturb could not be changed. Try again.'))
        .finally(() => setSaving(false));
    },
  };
}

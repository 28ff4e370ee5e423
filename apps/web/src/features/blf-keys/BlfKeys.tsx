import { useEffect, useState } from 'react';
import type { BlfKey, PresenceState } from '@switchboard/api';
import { Panel } from '../../components/Panel.js';
import { StatusDot } from '../../components/StatusDot.js';
import { presenceLooks } from '../../components/presence.js';
import { api } from '../../lib/api.js';
import { usePortalEvent } from '../../lib/portal-events.js';
import { useResource } from '../../lib/use-resource.js';
import { usePhone } from '../../phone/use-phone.js';
import { directedPickup, onLayoutSaved } from './blf.js';

/**
 * The user's BLF (Busy Lamp Field) keys with live presence: the layout from
 * `GET /api/me/blf-keys`, states from `GET /api/presence` and `presence` events. A click calls
 * the extension; on a key that is ringing it picks that call up (directed pickup, `**<ext>`).
 */
export function BlfKeys() {
  const [{ status }, phone] = usePhone();
  const layout = useResource(() => api.blfKeys());
  const presence = useResource(() => api.presence());
  const [live, setLive] = useState<Record<string, PresenceState>>({});
  usePortalEvent('presence', (event) => setLive((now) => ({ ...now, [event.extension]: event.state })));
  // After the event stream reconnects, states may have been missed: load them again.
  const { reload: reloadPresence } = presence;
  usePortalEvent('calls.changed', reloadPresence);
  const ready = status === 'ready';
  useEffect(() => {
    if (ready) reloadPresence();
  }, [ready, reloadPresence]);
  const { set: setLayout } = layout;
  useEffect(() => onLayoutSaved((keys) => setLayout({ keys })), [setLayout]);

  const stateOf = (extension: string): PresenceState => {
    const known = live[extension] ?? presence.data?.entries.find((e) => e.extension === extension)?.state;
    return known ?? 'offline';
  };
  const press = (key: BlfKey, state: PresenceState) => {
    if (state === 'ringing') void phone.call(directedPickup(key.extension), `${key.label} (pick up)`);
    else void phone.call(key.extension, key.label);
  };

  if (layout.failure === 'not_found') {
    return (
      <Panel title="BLF Keys">
        <p className="empty">Busy Lamp Field keys are not available yet.</p>
      </Panel>
    );
  }
  const keys = layout.data?.keys ?? [];
  return (
    <Panel title="BLF Keys">
      {layout.error ? <p className="panel-error">{layout.error}</p> : null}
      {layout.data && keys.length === 0 ? <p className="empty">No keys yet. Add some in Settings.</p> : null}
      <ul className="blf-keys" aria-label="BLF keys">
        {keys.map((key) => {
          const state = stateOf(key.extension);
          const looks = presenceLooks[state];
          const action = state === 'ringing' ? `Pick up the call ringing at ${key.label}` : `Call ${key.label}`;
          return (
            <li key={key.extension}>
              <button
                type="button"
                className={`blf-key blf-${state}`}
                data-presence={state}
                aria-label={`${key.label}, ${key.extension}: ${looks.text}`}
                title={action}
                onClick={() => press(key, state)}
              >
                <StatusDot color={looks.color} />
                <span className="blf-label">{key.label}</span>
                <span className="blf-ext">{key.extension}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </Panel>
  );
}

import { useEffect, useState } from 'react';
import type { PresenceState } from '@switchboard/api';
import { Panel } from '../../components/Panel.js';
import { StatusDot } from '../../components/StatusDot.js';
import { matchesQuery, presenceLooks } from '../../components/presence.js';
import { api } from '../../lib/api.js';
import { usePortalEvent } from '../../lib/portal-events.js';
import { useResource } from '../../lib/use-resource.js';
import { usePhone } from '../../phone/use-phone.js';

/** Every extension of the organisation, searchable; click one to call it. */
export function Directory() {
  const [{ status }, phone] = usePhone();
  const directory = useResource(() => api.directory());
  // Load again once this phone is registered, so that its own presence is current.
  const { reload } = directory;
  const ready = status === 'ready';
  useEffect(() => {
    if (ready) reload();
  }, [ready, reload]);
  const [query, setQuery] = useState('');
  const [live, setLive] = useState<Record<string, PresenceState>>({});
  usePortalEvent('presence', (event) => setLive((now) => ({ ...now, [event.extension]: event.state })));
  const entries = (directory.data?.entries ?? []).filter((e) => matchesQuery(e, query));

  return (
    <Panel title="Directory">
      <div className="search">
        <label htmlFor="directory-search" className="visually-hidden">
          Search directory
        </label>
        <input id="directory-search" type="search" placeholder="Search name or extension" value={query} onChange={(e) => setQuery(e.target.value)} />
      </div>
      {directory.error ? <p className="panel-error">{directory.error}</p> : null}
      {directory.data && entries.length === 0 ? <p className="empty">No one matches “{query}”.</p> : null}
      <ul className="list" aria-label="Directory">
        {entries.map((entry) => {
          const state = presenceLooks[live[entry.extension] ?? entry.presence];
          return (
            <li key={entry.userId}>
              <button type="button" className="list-item" title={`Call ${entry.name}`} onClick={() => void phone.call(entry.extension, entry.name)}>
                <span className="list-icon" role="img" aria-label={state.text}>
                  <StatusDot color={state.color} />
                </span>
                <span className="list-main">
                  <span className="list-name">{entry.name}</span>
                </span>
                <span className="list-meta">{entry.extension}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </Panel>
  );
}

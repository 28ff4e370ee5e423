import { useState } from 'react';
import type { PresenceState } from '@switchboard/api';
import { Icon } from '../../components/Icon.js';
import { StatusDot } from '../../components/StatusDot.js';
import { matchesQuery, presenceLooks } from '../../components/presence.js';
import { api } from '../../lib/api.js';
import { usePortalEvent } from '../../lib/portal-events.js';
import { useResource } from '../../lib/use-resource.js';
import { usePhoneEngine } from '../../phone/use-phone.js';

/** The Contacts tab: the organisation's directory as a table, with a call button per person. */
export default function ContactsPage() {
  const phone = usePhoneEngine();
  const directory = useResource(() => api.directory());
  const [query, setQuery] = useState('');
  const [live, setLive] = useState<Record<string, PresenceState>>({});
  usePortalEvent('presence', (event) => setLive((now) => ({ ...now, [event.extension]: event.state })));
  const entries = (directory.data?.entries ?? []).filter((e) => matchesQuery(e, query));

  return (
    <div className="page">
      <header className="page-header">
        <h1>Contacts</h1>
        <div className="search">
          <label htmlFor="contacts-search" className="visually-hidden">
            Search contacts
          </label>
          <input id="contacts-search" type="search" placeholder="Search name or extension" value={query} onChange={(e) => setQuery(e.target.value)} />
        </div>
      </header>
      {directory.error ? <p className="notice notice-error">{directory.error}</p> : null}
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Extension</th>
            <th scope="col">Status</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {entries.map((entry) => {
            const state = presenceLooks[live[entry.extension] ?? entry.presence];
            return (
              <tr key={entry.userId}>
                <td>{entry.name}</td>
                <td className="numeric">{entry.extension}</td>
                <td>
                  <StatusDot color={state.color} /> {state.text}
                </td>
                <td className="actions">
                  <button type="button" className="button button-secondary button-small" aria-label={`Call ${entry.name}`} onClick={() => void phone.call(entry.extension, entry.name)}>
                    <Icon name="phone" size={16} />
                    Call {entry.extension}
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {directory.data && entries.length === 0 ? <p className="empty">No one matches “{query}”.</p> : null}
    </div>
  );
}

import { useEffect, useState } from 'react';
import type { ConferenceRoom } from '@switchboard/api';
import { api } from '../../lib/api.js';
import { usePortalEvent } from '../../lib/portal-events.js';

/**
 * Who is in the conference room and who is speaking: `GET /api/conference` when the call joins
 * the room, then every `conference` event.
 */
export function ConferenceRoster({ room }: { room: string }) {
  const [current, setCurrent] = useState<ConferenceRoom | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api
      .conference()
      .then(({ room: loaded }) => {
        if (live) setCurrent(loaded);
      })
      .catch(() => {
        if (live) setError('The list of people in the room could not be loaded.');
      });
    return () => {
      live = false;
    };
  }, [room]);
  usePortalEvent('conference', (event) => {
    setCurrent(event.room);
    setError(null);
  });
  const shown = current?.number === room ? current : null;
  const people = shown?.participants ?? [];
  return (
    <section className="roster" aria-label="In the room">
      <h2 className="roster-title">
        In the room{shown ? ` (${people.length} of ${shown.capacity})` : ''}
      </h2>
      {error ? <p className="panel-error">{error}</p> : null}
      <ul className="roster-list" aria-label="Participants">
        {people.map((p) => {
          const who = p.you ? `${p.name ?? p.number} (you)` : (p.name ?? p.number);
          const states = [p.speaking ? 'speaking' : null, p.muted ? 'muted' : null].filter(Boolean).join(', ');
          return (
            <li key={p.id} className={`roster-person${p.speaking ? ' roster-speaking' : ''}`} aria-label={states ? `${who}, ${states}` : who}>
              <span className="roster-dot" aria-hidden="true" />
              <span className="roster-name">{who}</span>
              {p.name ? <span className="roster-number">{p.number}</span> : null}
              {p.speaking ? <span className="roster-tag">Speaking</span> : null}
              {p.muted ? <span className="roster-tag roster-tag-muted">Muted</span> : null}
            </li>
          );
        })}
      </ul>
    </section>
  );
}

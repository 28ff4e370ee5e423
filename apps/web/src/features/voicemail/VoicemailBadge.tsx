import { useState } from 'react';
import { Panel } from '../../components/Panel.js';
import { api } from '../../lib/api.js';
import { usePortalEvent } from '../../lib/portal-events.js';
import { useResource } from '../../lib/use-resource.js';

/**
 * The side panel's Voicemail entry: a badge with the number of new messages (from
 * `GET /api/voicemail`, then every `voicemail` event) and the way to the Voicemail tab.
 */
export function VoicemailBadge({ voicemailHref }: { voicemailHref: string }) {
  const box = useResource(() => api.voicemail());
  const [pushed, setPushed] = useState<number | null>(null);
  usePortalEvent('voicemail', (event) => setPushed(event.unread));
  // After a reconnect events may have been missed: ask again.
  const { reload } = box;
  usePortalEvent('calls.changed', () => {
    setPushed(null);
    reload();
  });
  if (box.failure === 'not_found' && pushed === null) {
    return (
      <Panel title="Voicemail">
        <p className="empty">Voicemail is not available yet.</p>
      </Panel>
    );
  }
  const unread = pushed ?? box.data?.unread ?? null;
  return (
    <Panel title="Voicemail" badge={unread ? <span className="badge" data-testid="voicemail-badge" aria-label={`${unread} new`}>{unread}</span> : null}>
      {box.error && unread === null ? <p className="panel-error">{box.error}</p> : null}
      {unread !== null ? <p className="empty">{unread === 0 ? 'No new messages.' : `${unread} new message${unread === 1 ? '' : 's'}.`}</p> : null}
      <a className="panel-link" href={voicemailHref}>
        Open Voicemail
      </a>
    </Panel>
  );
}

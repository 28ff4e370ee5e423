import { useState } from 'react';
import { Panel } from '../../components/Panel.js';
import { usePortalEvent } from '../../lib/portal-events.js';

/**
 * Placeholder until voicemail lands on the server: shows the count of new messages once the
 * server pushes a `voicemail` event, and says plainly that voicemail is not set up before that.
 */
export function VoicemailBadge() {
  const [unread, setUnread] = useState<number | null>(null);
  usePortalEvent('voicemail', (event) => setUnread(event.unread));
  return (
    <Panel
      title="Voicemail"
      badge={unread ? <span className="badge" aria-label={`${unread} new`}>{unread}</span> : null}
    >
      <p className="empty" data-placeholder={unread === null ? 'voicemail' : undefined}>
        {unread === null ? 'Voicemail is not available yet.' : unread === 0 ? 'No new messages.' : `${unread} new message${unread === 1 ? '' : 's'}.`}
      </p>
    </Panel>
  );
}

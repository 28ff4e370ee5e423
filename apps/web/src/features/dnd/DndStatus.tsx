import { useState } from 'react';
import { Panel } from '../../components/Panel.js';
import { StatusDot } from '../../components/StatusDot.js';
import { usePortalEvent } from '../../lib/portal-events.js';

/**
 * Placeholder until Do Not Disturb lands on the server: follows `dnd` events when they come,
 * and otherwise says the feature is not available yet.
 */
export function DndStatus() {
  const [enabled, setEnabled] = useState<boolean | null>(null);
  usePortalEvent('dnd', (event) => setEnabled(event.enabled));
  return (
    <Panel title="DND Status">
      {enabled === null ? (
        <p className="empty" data-placeholder="dnd">
          Do Not Disturb is not available yet.
        </p>
      ) : (
        <p className={enabled ? 'dnd-on' : 'dnd-off'}>
          <StatusDot color={enabled ? 'red' : 'green'} /> {enabled ? 'Do Not Disturb is on' : 'Do Not Disturb is off'}
        </p>
      )}
    </Panel>
  );
}

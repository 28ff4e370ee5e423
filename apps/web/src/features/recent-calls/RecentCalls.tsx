import { useEffect } from 'react';
import type { RecentCall } from '@switchboard/api';
import { Icon } from '../../components/Icon.js';
import type { IconName } from '../../components/Icon.js';
import { Panel } from '../../components/Panel.js';
import { api } from '../../lib/api.js';
import { usePortalEvent } from '../../lib/portal-events.js';
import { useResource } from '../../lib/use-resource.js';
import { usePhoneEngine } from '../../phone/use-phone.js';

function describe(call: RecentCall): { icon: IconName; text: string } {
  if (call.outcome === 'missed') return { icon: 'missed', text: 'Missed' };
  if (call.direction === 'inbound') return { icon: 'incoming', text: call.outcome === 'answered' ? 'Incoming' : `Incoming, ${call.outcome}` };
  return { icon: 'outgoing', text: call.outcome === 'answered' ? 'Outgoing' : `Outgoing, ${call.outcome}` };
}

function when(iso: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const today = new Date();
  const sameDay = at.toDateString() === today.toDateString();
  return sameDay ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : at.toLocaleDateString([], { month: 'short', day: 'numeric' });
}

/** The last 20 calls; click one to dial it. Refreshed after every call and on `calls.changed`. */
export function RecentCalls() {
  const phone = usePhoneEngine();
  const recent = useResource(() => api.recentCalls());
  const { reload } = recent;
  useEffect(() => phone.onCallEnded(reload), [phone, reload]);
  usePortalEvent('calls.changed', reload);
  const calls = recent.data?.calls ?? [];

  return (
    <Panel title="Recent Calls">
      {recent.error ? <p className="panel-error">{recent.error}</p> : null}
      {!recent.loading && !recent.error && calls.length === 0 ? <p className="empty">No calls yet.</p> : null}
      <ul className="list" aria-label="Recent calls">
        {calls.slice(0, 20).map((call) => {
          const { icon, text } = describe(call);
          // A conference call is rejoined by dialling its room number (the guide's "Leaving & Rejoining").
          const who = call.room ? `Conference room ${call.room}` : (call.name ?? call.number);
          const number = call.room ?? call.number;
          return (
            <li key={`${call.number}-${call.at}`}>
              <button type="button" className={`list-item${call.outcome === 'missed' ? ' list-item-missed' : ''}`} title={`Call ${who}`} onClick={() => void phone.call(number, call.room ? who : call.name)}>
                <span className="list-icon" role="img" aria-label={text}>
                  <Icon name={icon} size={16} />
                </span>
                <span className="list-main">
                  <span className="list-name">{who}</span>
                  {call.name && !call.room ? <span className="list-sub">{call.number}</span> : null}
                </span>
                <span className="list-meta">{when(call.at)}</span>
              </button>
            </li>
          );
        })}
      </ul>
    </Panel>
  );
}

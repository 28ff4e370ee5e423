import { Panel } from '../../components/Panel.js';
import { StatusDot } from '../../components/StatusDot.js';
import { useDnd } from './use-dnd.js';
import type { Dnd } from './use-dnd.js';

/** The switch itself, in the side panel and in Settings. */
export function DndSwitch({ dnd }: { dnd: Dnd }) {
  if (dnd.enabled === null) return null;
  return (
    <button type="button" className={`switch${dnd.enabled ? ' switch-on' : ''}`} role="switch" aria-checked={dnd.enabled} disabled={dnd.saving} onClick={() => dnd.set(!dnd.enabled)}>
      <span className="switch-track" aria-hidden="true">
        <span className="switch-thumb" />
      </span>
      Do Not Disturb
    </button>
  );
}

/** The side panel's DND Status: what it is now, an indicator while it is on, and the switch. */
export function DndStatus() {
  const dnd = useDnd();
  if (dnd.unavailable) {
    return (
      <Panel title="DND Status">
        <p className="empty">Do Not Disturb is not available yet.</p>
      </Panel>
    );
  }
  return (
    <Panel title="DND Status" badge={dnd.enabled ? <span className="badge badge-dnd" data-testid="dnd-indicator">DND</span> : null}>
      {dnd.enabled !== null ? (
        <p className={dnd.enabled ? 'dnd-on' : 'dnd-off'} data-testid="dnd-status">
          <StatusDot color={dnd.enabled ? 'red' : 'green'} /> {dnd.enabled ? 'Do Not Disturb is on' : 'Do Not Disturb is off'}
        </p>
      ) : null}
      <DndSwitch dnd={dnd} />
      {dnd.error ? <p className="panel-error">{dnd.error}</p> : null}
    </Panel>
  );
}

/** Settings → Do Not Disturb. */
export function DndSetting() {
  const dnd = useDnd();
  return (
    <section className="card" aria-labelledby="dnd-heading">
      <h2 id="dnd-heading">Do Not Disturb</h2>
      {dnd.unavailable ? (
        <p>Do Not Disturb is not available yet.</p>
      ) : (
        <>
          <p>While it is on, your calls go to voicemail (or get busy if you have none). Desk phones turn it on with *78 and off with *79.</p>
          <DndSwitch dnd={dnd} />
          {dnd.error ? <p className="form-error">{dnd.error}</p> : null}
        </>
      )}
    </section>
  );
}

/** While the side panel is collapsed: the DND indicator alone, so it still shows. */
export function DndIndicator() {
  const dnd = useDnd();
  if (!dnd.enabled) return null;
  return (
    <span className="badge badge-dnd" role="status" title="Do Not Disturb is on">
      DND
    </span>
  );
}

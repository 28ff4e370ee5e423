import { useState } from 'react';
import { Icon } from '../components/Icon.js';
import { BlfKeys } from '../features/blf-keys/index.js';
import { Directory } from '../features/directory/index.js';
import { DndIndicator, DndStatus } from '../features/dnd/index.js';
import { RecentCalls } from '../features/recent-calls/index.js';
import { VoicemailBadge } from '../features/voicemail/index.js';
import { tabHref } from './routes.js';

const storageKey = 'switchboard.side-panel-collapsed';

/** The collapsible side panel, on every tab (the guide's "Side Panel" table). */
export function SidePanel() {
  const [collapsed, setCollapsed] = useState(() => localStorage.getItem(storageKey) === 'true');
  const toggle = () => {
    setCollapsed(!collapsed);
    localStorage.setItem(storageKey, String(!collapsed));
  };
  return (
    <aside className={`side-panel${collapsed ? ' side-panel-collapsed' : ''}`} aria-label="Side panel">
      <button
        type="button"
        className="side-panel-toggle"
        aria-expanded={!collapsed}
        aria-controls="side-panel-content"
        aria-label={collapsed ? 'Expand side panel' : 'Collapse side panel'}
        title={collapsed ? 'Expand side panel' : 'Collapse side panel'}
        onClick={toggle}
      >
        <Icon name={collapsed ? 'chevronLeft' : 'chevronRight'} />
      </button>
      {collapsed ? <DndIndicator /> : null}
      <div id="side-panel-content" className="side-panel-content" hidden={collapsed}>
        <BlfKeys />
        <RecentCalls />
        <Directory />
        <VoicemailBadge voicemailHref={tabHref('voicemail')} />
        <DndStatus />
      </div>
    </aside>
  );
}

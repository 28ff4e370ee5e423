import { Panel } from '../../components/Panel.js';

/**
 * Placeholder: BLF (Busy Lamp Field) keys need key layouts and presence subscriptions from the
 * server, which arrive in a later release. The panel says so rather than showing fake keys.
 */
export function BlfKeys() {
  return (
    <Panel title="BLF Keys">
      <p className="empty" data-placeholder="blf-keys">
        Busy Lamp Field keys are not available yet.
      </p>
    </Panel>
  );
}

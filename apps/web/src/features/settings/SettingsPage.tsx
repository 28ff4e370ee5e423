import type { ReactNode } from 'react';
import type { Me } from '@switchboard/api';
import { shortcutRows } from '../../phone/actions.js';
import type { PhoneContext } from '../../phone/actions.js';
import { usePhone } from '../../phone/use-phone.js';

const whenText: Record<PhoneContext, string> = {
  idle: 'Not on a call',
  incoming: 'Incoming call ringing',
  'in-call': 'On a call',
};

/**
 * The Settings tab: the account, notifications, the keyboard shortcuts (from the one action
 * table), and the sections other features add (`sections`: Do Not Disturb, BLF keys, greeting).
 */
export default function SettingsPage({ me, onSignOut, sections }: { me: Me; onSignOut: () => void; sections?: ReactNode }) {
  const [{ notifications }, phone] = usePhone();
  const rows = shortcutRows();
  return (
    <div className="page">
      <header className="page-header">
        <h1>Settings</h1>
      </header>

      <section className="card" aria-labelledby="account-heading">
        <h2 id="account-heading">Account</h2>
        <dl className="facts">
          <dt>Name</dt>
          <dd>{me.user.name}</dd>
          <dt>Email</dt>
          <dd>{me.user.email}</dd>
          <dt>Extension</dt>
          <dd>{me.extension ?? 'None assigned'}</dd>
          <dt>Organisation</dt>
          <dd>{me.tenant.name}</dd>
        </dl>
        <button type="button" className="button button-secondary" onClick={onSignOut}>
          Sign out
        </button>
      </section>

      <section className="card" aria-labelledby="notifications-heading">
        <h2 id="notifications-heading">Notifications</h2>
        {notifications === 'granted' ? <p>Incoming calls show a system notification while the portal is in the background.</p> : null}
        {notifications === 'denied' ? <p>Notifications are blocked for this site. Allow them in your browser's site settings to be told about calls while the portal is in the background.</p> : null}
        {notifications === 'unsupported' ? <p>This browser does not support notifications.</p> : null}
        {notifications === 'default' ? (
          <>
            <p>Get a system notification for incoming calls while the portal is in the background.</p>
            <button type="button" className="button button-secondary" onClick={() => void phone.requestNotifications()}>
              Turn on notifications
            </button>
          </>
        ) : null}
      </section>

      {sections}

      <section className="card" aria-labelledby="shortcuts-heading">
        <h2 id="shortcuts-heading">Keyboard shortcuts</h2>
        <p>Shortcuts are turned off while you type in other fields, such as search boxes.</p>
        <table className="table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Key</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row, i) => (
              <tr key={row.id}>
                <td>{rows[i - 1]?.when === row.when ? '' : whenText[row.when]}</td>
                <td>
                  <kbd>{row.keyLabel}</kbd>
                </td>
                <td>{row.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

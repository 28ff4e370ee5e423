import { useState } from 'react';
import { Icon } from '../../components/Icon.js';
import { usePhone } from '../../phone/use-phone.js';

/** "Your browser blocked sound" with a one-click fix. */
export function SoundBlockedBanner() {
  const [{ soundBlocked }, phone] = usePhone();
  if (!soundBlocked) return null;
  return (
    <div className="banner banner-warning" role="alert">
      <Icon name="speaker" />
      <p>Your browser is blocking sound on this page, so you would not hear calls ring.</p>
      <button type="button" className="button button-secondary" onClick={() => void phone.enableSound()}>
        Enable sound
      </button>
    </div>
  );
}

const offerDismissedKey = 'switchboard.notifications-offer-dismissed';

/**
 * Offers system notifications for calls that arrive while the tab is in the background: once the
 * phone is Ready, and asked only when the user clicks (browsers ignore unprompted requests).
 */
export function NotificationsOffer() {
  const [{ notifications, status }, phone] = usePhone();
  const [dismissed, setDismissed] = useState(() => localStorage.getItem(offerDismissedKey) === 'true');
  if (notifications !== 'default' || status !== 'ready' || dismissed) return null;
  return (
    <div className="banner banner-info">
      <Icon name="bell" />
      <p>Get notified of incoming calls while this tab is in the background.</p>
      <div className="banner-actions">
        <button type="button" className="button button-secondary" onClick={() => void phone.requestNotifications()}>
          Turn on notifications
        </button>
        <button
          type="button"
          className="button button-quiet"
          onClick={() => {
            localStorage.setItem(offerDismissedKey, 'true');
            setDismissed(true);
          }}
        >
          Not now
        </button>
      </div>
    </div>
  );
}

/** The latest thing the phone has to tell (a call that failed, a number to type). */
export function PhoneNotice() {
  const [{ notice }, phone] = usePhone();
  if (!notice) return null;
  return (
    <div className={`notice notice-${notice.tone}`} role={notice.tone === 'error' ? 'alert' : undefined}>
      <p>{notice.text}</p>
      <button type="button" className="icon-button" aria-label="Dismiss message" onClick={() => phone.dismissNotice()}>
        <Icon name="close" size={16} />
      </button>
    </div>
  );
}

import type { ReactNode } from 'react';
import { usePhone } from '../../phone/use-phone.js';
import { NotificationsOffer, PhoneNotice, SoundBlockedBanner } from './Banners.js';
import { Dialer } from './Dialer.js';
import { InCall } from './InCall.js';
import { StatusLine } from './StatusLine.js';

/**
 * The Phone tab's softphone: status on top, then the dialer or the call in progress.
 * `footer` is where the app puts the audio device selector (another feature).
 */
export function Softphone({ footer }: { footer?: ReactNode }) {
  const [{ status, call }] = usePhone();
  const onCall = call !== null && call.state !== 'incoming';
  return (
    <div className="softphone">
      <StatusLine status={status} />
      <SoundBlockedBanner />
      <NotificationsOffer />
      <div className="softphone-card">
        <PhoneNotice />
        {onCall ? <InCall call={call} /> : <Dialer />}
        {footer ? <div className="softphone-footer">{footer}</div> : null}
      </div>
    </div>
  );
}

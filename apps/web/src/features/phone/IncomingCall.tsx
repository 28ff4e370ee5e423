import { useEffect, useId, useRef } from 'react';
import { Icon } from '../../components/Icon.js';
import { actionById } from '../../phone/actions.js';
import { usePhone } from '../../phone/use-phone.js';

/** The overlay for a ringing call, on every tab: caller, Answer (Enter) and Decline (Escape). */
export function IncomingCall() {
  const [{ call, soundBlocked }, phone] = usePhone();
  const answerButton = useRef<HTMLButtonElement>(null);
  const titleId = useId();
  const ringing = call?.state === 'incoming';

  useEffect(() => {
    if (!ringing) return;
    // Take the focus for Enter/Escape, unless the user is typing somewhere.
    const focused = document.activeElement;
    const typing = focused instanceof HTMLInputElement || focused instanceof HTMLTextAreaElement || focused instanceof HTMLSelectElement || (focused instanceof HTMLElement && focused.isContentEditable);
    if (!typing) answerButton.current?.focus();
  }, [ringing]);

  if (!call || !ringing) return null;
  const { name, number } = call.remote;
  return (
    <div className="incoming-backdrop">
      <div className="incoming" role="alertdialog" aria-labelledby={titleId} aria-describedby={`${titleId}-caller`}>
        <p className="incoming-title" id={titleId}>
          Incoming call
        </p>
        <div id={`${titleId}-caller`} className="incoming-caller">
          <p className="incoming-name" data-testid="incoming-name">
            {name ?? number}
          </p>
          {name ? <p className="incoming-number">{number}</p> : null}
        </div>
        {soundBlocked ? (
          <p className="incoming-sound">
            The ringtone is blocked by your browser.{' '}
            <button type="button" className="link-button" onClick={() => void phone.enableSound()}>
              Enable sound
            </button>
          </p>
        ) : null}
        <div className="incoming-actions">
          <button type="button" ref={answerButton} className="button button-call" onClick={() => void phone.answer()}>
            <Icon name="phone" />
            {actionById('answer').label}
          </button>
          <button type="button" className="button button-hangup" onClick={() => phone.decline()}>
            <Icon name="hangUp" />
            {actionById('decline').label}
          </button>
        </div>
        <p className="hint">Enter answers · Escape declines</p>
      </div>
    </div>
  );
}

import { Icon } from '../../components/Icon.js';
import { actionById } from '../../phone/actions.js';
import { usePhone } from '../../phone/use-phone.js';
import { CallTimer } from './CallTimer.js';

/** On tabs other than Phone, a reminder of the call in progress with a way back to it. */
export function CallStrip({ phoneHref }: { phoneHref: string }) {
  const [{ call, consultation }, phone] = usePhone();
  if (!call || call.state === 'incoming') return null;
  const who = call.room ? `conference room ${call.room}` : (call.remote.name ?? call.remote.number);
  const held = consultation ? (consultation.original.room ? `conference room ${consultation.original.room}` : (consultation.original.remote.name ?? consultation.original.remote.number)) : null;
  return (
    <div className="call-strip" role="region" aria-label="Current call">
      <span className="call-strip-who">
        {call.held ? 'On hold with' : 'In call with'} <strong>{who}</strong>
        {held ? (
          <>
            {' '}
            · on hold: <strong>{held}</strong>
          </>
        ) : null}
      </span>
      {call.answeredAt !== null ? <CallTimer since={call.answeredAt} /> : <span>{call.state === 'ringing' ? 'Ringing…' : 'Calling…'}</span>}
      <a className="button button-quiet" href={phoneHref}>
        Back to call
      </a>
      <button type="button" className="button button-hangup button-small" onClick={() => phone.hangUp()}>
        <Icon name="hangUp" size={16} />
        {actionById('hangUp').label}
      </button>
    </div>
  );
}

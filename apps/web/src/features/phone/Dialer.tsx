import { Icon } from '../../components/Icon.js';
import { actionById } from '../../phone/actions.js';
import { usePhone } from '../../phone/use-phone.js';
import { DialPad } from './DialPad.js';

/** The id of the number field, so that digits typed anywhere can focus it. */
export const dialFieldId = 'dial-number';

export function Dialer() {
  const [{ dial, lastDialled, status }, phone] = usePhone();
  const call = actionById('call');
  return (
    <form
      className="dialer"
      onSubmit={(e) => {
        e.preventDefault();
        void phone.placeCall();
      }}
    >
      <div className="dial-field">
        <label htmlFor={dialFieldId} className="visually-hidden">
          Number or extension
        </label>
        <input
          id={dialFieldId}
          className="dial-input"
          type="tel"
          inputMode="tel"
          autoComplete="off"
          placeholder="Enter a number"
          value={dial}
          onChange={(e) => phone.setDial(e.target.value)}
        />
        <button
          type="button"
          className="icon-button"
          aria-label="Delete last digit"
          disabled={dial === ''}
          onMouseDown={(e) => e.preventDefault()}
          onClick={() => phone.deleteDigit()}
        >
          <Icon name="backspace" />
        </button>
      </div>
      <DialPad label="Dial pad" onPress={(key) => phone.typeDigit(key)} />
      <button type="submit" className="button button-call" disabled={status === 'in-call'}>
        <Icon name="phone" />
        {call.label}
      </button>
      {dial === '' && lastDialled ? <p className="hint">Press Call to redial {lastDialled}.</p> : null}
    </form>
  );
}

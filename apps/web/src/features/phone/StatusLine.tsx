import { StatusDot } from '../../components/StatusDot.js';
import { microphoneSteps, statusTexts } from '../../phone/status.js';
import type { PhoneStatus } from '../../phone/status.js';

/** The connection status at the top of the Phone tab, with what to do when it is not Ready. */
export function StatusLine({ status }: { status: PhoneStatus }) {
  const text = statusTexts[status];
  return (
    <div className={`status-line status-${text.color}`}>
      <p className="status-label" data-testid="phone-status">
        <StatusDot color={text.color} />
        <span className="visually-hidden">Status: </span>
        {text.label}
      </p>
      {text.detail ? <p className="status-detail">{text.detail}</p> : null}
      {status === 'mic-denied' ? <MicrophoneSteps /> : null}
    </div>
  );
}

/** The guide's three steps for a microphone that was blocked. */
export function MicrophoneSteps() {
  return (
    <div className="mic-steps" role="region" aria-label="How to allow the microphone">
      <p>To allow the microphone:</p>
      <ol>
        {microphoneSteps.map((step) => (
          <li key={step}>{step}</li>
        ))}
      </ol>
    </div>
  );
}

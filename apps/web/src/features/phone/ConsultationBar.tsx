import { transferLabels } from '../../phone/actions.js';
import type { ConsultationSnapshot } from '../../phone/consultation.js';
import { usePhone } from '../../phone/use-phone.js';

function heldTitle(consultation: ConsultationSnapshot): string {
  const { original } = consultation;
  if (original.room) return `Conference room ${original.room}`;
  const { name, number } = original.remote;
  return name ? `${name} (${number})` : number;
}

function progressText(consultation: ConsultationSnapshot): string | null {
  switch (consultation.state) {
    case 'dialling':
      return `Calling ${consultation.destination}… You can speak with them once they answer.`;
    case 'completing':
      return 'Transferring…';
    case 'merging':
      return 'Starting the conference…';
    case 'sending':
      return `Adding ${consultation.destination} to the conference…`;
    default:
      return null;
  }
}

/**
 * An attended transfer in progress (the guide's steps 1–5): who is on hold, and what to do once
 * the recipient answers — Complete Transfer, Merge to Conference, or Cancel; in a conference,
 * Send to Conference or Cancel.
 */
export function ConsultationBar({ consultation }: { consultation: ConsultationSnapshot }) {
  const [, phone] = usePhone();
  const talking = consultation.state === 'talking';
  const progress = progressText(consultation);
  return (
    <section className="consultation" aria-label="Attended transfer">
      <p className="consultation-held">
        <span className="held-tag">On hold</span> {heldTitle(consultation)}
      </p>
      {progress ? <p className="consultation-progress">{progress}</p> : null}
      {consultation.message ? (
        <p className="notice notice-error" role="alert">
          {consultation.message}
        </p>
      ) : null}
      <div className="consultation-actions">
        {consultation.purpose === 'transfer' ? (
          <>
            <button type="button" className="button button-primary" disabled={!talking} onClick={() => phone.completeTransfer()}>
              {transferLabels.complete}
            </button>
            <button type="button" className="button button-secondary" disabled={!talking} onClick={() => phone.mergeToConference()}>
              {transferLabels.merge}
            </button>
          </>
        ) : (
          <button type="button" className="button button-primary" disabled={!talking} onClick={() => phone.sendToConference()}>
            {transferLabels.sendToConference}
          </button>
        )}
        <button type="button" className="button button-quiet" disabled={!talking && consultation.state !== 'dialling'} onClick={() => phone.cancelConsultation()}>
          {transferLabels.cancel}
        </button>
      </div>
    </section>
  );
}

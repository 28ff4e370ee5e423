import { useEffect, useId, useRef, useState } from 'react';
import { keepTabInside } from '../../components/focus-trap.js';
import { actionById, transferLabels } from '../../phone/actions.js';
import type { CallSnapshot } from '../../phone/call.js';
import { usePhone } from '../../phone/use-phone.js';

/**
 * Transfer: a destination and the guide's two modes. Blind Transfer sends a REFER now; Attended
 * Transfer holds the call and places a consultation call (the call screen then offers Complete
 * Transfer, Merge to Conference and Cancel). In a conference the dialog is Add Participant: the
 * room is held while you consult, then Send to Conference.
 */
export function TransferDialog({ call, onClose }: { call: CallSnapshot; onClose: () => void }) {
  const [, phone] = usePhone();
  const [destination, setDestination] = useState('');
  const field = useRef<HTMLInputElement>(null);
  const titleId = useId();
  const noteId = useId();
  const inRoom = call.room !== null;

  useEffect(() => {
    field.current?.focus();
  }, []);

  const sending = call.transfer.state === 'sending';
  const empty = !destination.trim();
  const attended = () => {
    if (empty) return;
    void phone.attendedTransfer(destination);
    onClose();
  };

  return (
    <div className="dialog-backdrop">
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        aria-describedby={noteId}
        // The dialog's own keys (typing, Enter, Escape) are not phone shortcuts.
        data-shortcuts="off"
        onKeyDown={(e) => {
          keepTabInside(e);
          if (e.key === 'Escape') {
            e.stopPropagation();
            onClose();
          }
        }}
      >
        <h2 id={titleId}>{inRoom ? transferLabels.addParticipant : `${actionById('transfer').label} call`}</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (empty) return;
            if (inRoom) attended();
            else phone.blindTransfer(destination);
          }}
        >
          <label htmlFor="transfer-destination">Destination extension or number</label>
          <input
            id="transfer-destination"
            ref={field}
            type="tel"
            inputMode="tel"
            autoComplete="off"
            value={destination}
            onChange={(e) => setDestination(e.target.value)}
          />
          {call.transfer.state === 'failed' ? (
            <p className="notice notice-error" role="alert">
              {call.transfer.message}
            </p>
          ) : null}
          <div className="dialog-actions">
            {inRoom ? null : (
              <button type="submit" className="button button-primary" disabled={empty || sending}>
                {transferLabels.blind}
              </button>
            )}
            <button type={inRoom ? 'submit' : 'button'} className={`button ${inRoom ? 'button-primary' : 'button-secondary'}`} disabled={empty || sending} onClick={inRoom ? undefined : attended}>
              {transferLabels.attended}
            </button>
            <button type="button" className="button button-quiet" onClick={onClose}>
              {transferLabels.cancel}
            </button>
          </div>
          <p className="hint" id={noteId}>
            {inRoom
              ? `Your conference is held while you talk to them; then click ${transferLabels.sendToConference} to drop them in.`
              : `${transferLabels.blind} hands the call over now. ${transferLabels.attended} holds the caller while you speak with the recipient first.`}
          </p>
        </form>
      </div>
    </div>
  );
}

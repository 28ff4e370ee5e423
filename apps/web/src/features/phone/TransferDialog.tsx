import { useEffect, useId, useRef, useState } from 'react';
import { keepTabInside } from '../../components/focus-trap.js';
import { transferLabels } from '../../phone/actions.js';
import type { CallSnapshot } from '../../phone/call.js';
import { usePhone } from '../../phone/use-phone.js';

/**
 * Transfer: a destination and the guide's two modes. Blind Transfer sends a REFER now.
 * Attended Transfer needs a consultation call on the server, which comes in a later
 * release: its button is shown disabled with that said, and never pretends to work.
 */
export function TransferDialog({ call, onClose }: { call: CallSnapshot; onClose: () => void }) {
  const [, phone] = usePhone();
  const [destination, setDestination] = useState('');
  const field = useRef<HTMLInputElement>(null);
  const titleId = useId();
  const noteId = useId();

  useEffect(() => {
    field.current?.focus();
  }, []);

  const sending = call.transfer.state === 'sending';

  return (
    <div className="dialog-backdrop">
      <div
        className="dialog"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
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
        <h2 id={titleId}>Transfer call</h2>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (destination.trim()) phone.blindTransfer(destination);
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
            <button type="submit" className="button button-primary" disabled={!destination.trim() || sending}>
              {transferLabels.blind}
            </button>
            <button type="button" className="button button-secondary" disabled aria-describedby={noteId}>
              {transferLabels.attended}
            </button>
            <button type="button" className="button button-quiet" onClick={onClose}>
              Cancel
            </button>
          </div>
          <p className="hint" id={noteId}>
            Attended Transfer (speaking with the recipient first) is not available yet. Use Blind Transfer to hand the call over now.
          </p>
        </form>
      </div>
    </div>
  );
}

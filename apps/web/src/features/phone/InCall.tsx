import { useRef, useState } from 'react';
import type { Ref } from 'react';
import { Icon } from '../../components/Icon.js';
import type { IconName } from '../../components/Icon.js';
import { actionById, toggleLabels, transferLabels } from '../../phone/actions.js';
import type { CallSnapshot } from '../../phone/call.js';
import { usePhone } from '../../phone/use-phone.js';
import { CallTimer } from './CallTimer.js';
import { ConferenceRoster } from './ConferenceRoster.js';
import { ConsultationBar } from './ConsultationBar.js';
import { DialPad } from './DialPad.js';
import { TransferDialog } from './TransferDialog.js';

/** The header of a call: the guide's "In Conference — Room 999XX" in a room, else the other party. */
export function callTitle(call: CallSnapshot): string {
  return call.room ? `In Conference — Room ${call.room}` : (call.remote.name ?? call.remote.number);
}

function stateText(call: CallSnapshot): string {
  switch (call.state) {
    case 'calling':
      return 'Calling…';
    case 'ringing':
      return 'Ringing…';
    case 'answering':
      return 'Connecting…';
    default:
      return call.held ? 'On hold' : '';
  }
}

function ControlButton(props: { label: string; icon: IconName; onClick: () => void; disabled?: boolean; active?: boolean; expanded?: boolean; tone?: 'danger'; buttonRef?: Ref<HTMLButtonElement> }) {
  const { label, icon, onClick, disabled, active, expanded, tone, buttonRef } = props;
  return (
    <button
      ref={buttonRef}
      type="button"
      className={`control${active ? ' control-active' : ''}${tone === 'danger' ? ' control-danger' : ''}`}
      onClick={onClick}
      disabled={disabled}
      aria-expanded={expanded}
    >
      <Icon name={icon} />
      <span>{label}</span>
    </button>
  );
}

/** The call in progress: who, how long, and the guide's in-call controls. */
export function InCall({ call }: { call: CallSnapshot }) {
  const [{ consultation }, phone] = usePhone();
  const [keypadOpen, setKeypadOpen] = useState(false);
  const [transferOpen, setTransferOpen] = useState(false);
  const transferButton = useRef<HTMLButtonElement>(null);
  const active = call.state === 'active';
  const name = call.room ? null : call.remote.name;
  const progress = stateText(call);
  const consulting = consultation !== null;

  return (
    <div className="in-call">
      <div className="in-call-party">
        <div className="avatar" aria-hidden="true">
          <Icon name="user" size={28} />
        </div>
        <p className="in-call-name" data-testid="call-party">
          {callTitle(call)}
        </p>
        {name ? <p className="in-call-number">{call.remote.number}</p> : null}
        <p className="in-call-progress">
          {call.answeredAt !== null && active ? <CallTimer since={call.answeredAt} /> : null}
          {progress ? <span className={call.held ? 'held-tag' : ''}>{progress}</span> : null}
        </p>
      </div>

      {consultation ? <ConsultationBar consultation={consultation} /> : null}
      {call.transfer.state === 'sending' ? <p className="notice notice-info">Transferring to {call.transfer.target}…</p> : null}
      {call.transfer.state === 'failed' ? (
        <p className="notice notice-error" role="alert">
          {call.transfer.message}
        </p>
      ) : null}

      <div className="controls" role="group" aria-label="Call controls">
        <ControlButton
          label={call.muted ? toggleLabels.mute.on : toggleLabels.mute.off}
          icon={call.muted ? 'micOff' : 'mic'}
          active={call.muted}
          disabled={call.state === 'incoming'}
          onClick={() => phone.toggleMute()}
        />
        <ControlButton
          label={call.held ? toggleLabels.hold.on : toggleLabels.hold.off}
          icon={call.held ? 'play' : 'pause'}
          active={call.held}
          disabled={!active || call.holdPending || consulting}
          onClick={() => phone.toggleHold()}
        />
        <ControlButton
          label={call.room ? transferLabels.addParticipant : actionById('transfer').label}
          icon="transfer"
          disabled={!active || consulting}
          buttonRef={transferButton}
          onClick={() => setTransferOpen(true)}
        />
        <ControlButton label={actionById('keypad').label} icon="keypad" disabled={!active} active={keypadOpen} expanded={keypadOpen} onClick={() => setKeypadOpen((open) => !open)} />
      </div>

      {keypadOpen && active ? (
        <div className="dtmf">
          <output className="dtmf-sent" aria-label="Tones sent">
            {call.dtmf || '\u00a0'}
          </output>
          <DialPad label="Keypad" onPress={(key) => phone.sendDtmf(key)} />
        </div>
      ) : null}

      {call.room && active ? <ConferenceRoster room={call.room} /> : null}
      <button type="button" className="button button-hangup" onClick={() => phone.hangUp()}>
        <Icon name="hangUp" />
        {actionById('hangUp').label}
      </button>

      {transferOpen && active && !consulting ? (
        <TransferDialog
          call={call}
          onClose={() => {
            setTransferOpen(false);
            // Back to where the keyboard user was.
            transferButton.current?.focus();
          }}
        />
      ) : null}
    </div>
  );
}

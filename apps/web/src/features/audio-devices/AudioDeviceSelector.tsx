import { useId, useState } from 'react';
import { Icon } from '../../components/Icon.js';
import type { DeviceOption, DeviceRole } from '../../phone/audio-devices.js';
import { useAudioDevices } from '../../phone/use-phone.js';

const roles: { role: DeviceRole; label: string; output: boolean }[] = [
  { role: 'microphone', label: 'Microphone', output: false },
  { role: 'speaker', label: 'Speaker', output: true },
  { role: 'ringer', label: 'Ringer', output: true },
];

/**
 * The speaker icon at the bottom of the softphone: expands a selector for microphone, speaker
 * and ringer. Clicking it also refreshes the device list (a headset just plugged in).
 */
export function AudioDeviceSelector() {
  const [devices, phone] = useAudioDevices();
  const [open, setOpen] = useState(false);
  const panelId = useId();

  return (
    <div className="audio-devices">
      <button
        type="button"
        className="icon-button audio-devices-toggle"
        aria-label="Audio devices"
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => {
          setOpen(!open);
          void phone.devices.refresh();
        }}
      >
        <Icon name="speaker" />
        <span className="audio-devices-caption" aria-hidden="true">Audio devices</span>
      </button>
      {open ? (
        <div className="audio-devices-panel" id={panelId}>
          {roles.map(({ role, label, output }) => {
            const options: DeviceOption[] = output ? devices.speakers : devices.microphones;
            const disabled = output && !devices.canChooseOutput;
            const selected = devices.selected[role];
            const known = selected === null || options.some((o) => o.id === selected);
            return (
              <label key={role} className="field">
                <span>{label}</span>
                <select
                  value={known ? (selected ?? '') : ''}
                  disabled={disabled}
                  onChange={(e) => phone.devices.select(role, e.target.value || null)}
                >
                  <option value="">System default</option>
                  {options.map((o) => (
                    <option key={o.id} value={o.id}>
                      {o.label}
                    </option>
                  ))}
                </select>
              </label>
            );
          })}
          {!devices.canChooseOutput ? <p className="hint">This browser always plays sound on the system's default output.</p> : null}
        </div>
      ) : null}
    </div>
  );
}

import { Store } from '../lib/store.js';

export type DeviceRole = 'microphone' | 'speaker' | 'ringer';

export interface DeviceOption {
  id: string;
  label: string;
}

export interface AudioDevicesSnapshot {
  microphones: DeviceOption[];
  speakers: DeviceOption[];
  /** The chosen device per role; null is the system default. */
  selected: Record<DeviceRole, string | null>;
  /** False where the browser cannot route audio to a chosen output (no setSinkId). */
  canChooseOutput: boolean;
}

const storageKey = 'switchboard.audio-devices';

export interface DeviceLister {
  list(): Promise<MediaDeviceInfo[]>;
  onChange(listener: () => void): void;
  canChooseOutput: boolean;
}

export const browserDevices: DeviceLister = {
  list: async () => (navigator.mediaDevices?.enumerateDevices ? navigator.mediaDevices.enumerateDevices() : []),
  onChange: (listener) => navigator.mediaDevices?.addEventListener('devicechange', listener),
  canChooseOutput: typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype,
};

function readSelection(storage: Storage | null): Record<DeviceRole, string | null> {
  const none = { microphone: null, speaker: null, ringer: null };
  try {
    const saved = JSON.parse(storage?.getItem(storageKey) ?? 'null') as Partial<Record<DeviceRole, unknown>> | null;
    if (!saved) return none;
    const pick = (v: unknown) => (typeof v === 'string' && v ? v : null);
    return { microphone: pick(saved.microphone), speaker: pick(saved.speaker), ringer: pick(saved.ringer) };
  } catch {
    return none;
  }
}

/**
 * The microphones and outputs this browser has, and which one the user chose for each role.
 * The choice is kept in localStorage; the lists refresh on `devicechange` and on demand.
 */
export class AudioDevices extends Store<AudioDevicesSnapshot> {
  private readonly changeListeners = new Set<(role: DeviceRole, id: string | null) => void>();

  constructor(
    private readonly lister: DeviceLister = browserDevices,
    private readonly storage: Storage | null = typeof localStorage === 'undefined' ? null : localStorage,
  ) {
    super({ microphones: [], speakers: [], selected: readSelection(storage), canChooseOutput: lister.canChooseOutput });
    lister.onChange(() => void this.refresh());
  }

  async refresh(): Promise<void> {
    let devices: MediaDeviceInfo[];
    try {
      devices = await this.lister.list();
    } catch {
      return;
    }
    const options = (kind: MediaDeviceKind, noun: string) =>
      devices
        .filter((d) => d.kind === kind && d.deviceId !== 'default' && d.deviceId !== 'communications' && d.deviceId !== '')
        .map((d, i) => ({ id: d.deviceId, label: d.label || `${noun} ${i + 1}` }));
    this.update({ microphones: options('audioinput', 'Microphone'), speakers: options('audiooutput', 'Speaker') });
  }

  select(role: DeviceRole, id: string | null): void {
    const selected = { ...this.getSnapshot().selected, [role]: id };
    this.update({ selected });
    try {
      this.storage?.setItem(storageKey, JSON.stringify(selected));
    } catch {
      // Private browsing may refuse storage; the choice still holds until the page closes.
    }
    for (const listener of [...this.changeListeners]) listener(role, id);
  }

  /** Tells the phone about a new choice, so a live call can switch at once. */
  onSelect(listener: (role: DeviceRole, id: string | null) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }
}

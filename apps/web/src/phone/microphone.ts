/** Why the microphone cannot be used, each with its own message in the portal. */
export type MicrophoneProblem = 'denied' | 'missing' | 'unavailable' | 'insecure';

export class MicrophoneError extends Error {
  constructor(readonly problem: MicrophoneProblem, cause?: unknown) {
    super(`microphone ${problem}`, { cause });
    this.name = 'MicrophoneError';
  }
}

export interface MicrophoneAccess {
  /** Opens the microphone (the chosen one, else the default); throws {@link MicrophoneError}. */
  open(deviceId: string | null): Promise<MediaStream>;
  /** Calls back when the user changes the site's microphone permission (where the browser tells). */
  onPermissionChange(listener: (state: PermissionState) => void): void;
}

const voice: MediaTrackConstraints = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

function classify(error: unknown): MicrophoneProblem {
  const name = error instanceof DOMException || error instanceof Error ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError' || name === 'PermissionDeniedError') return 'denied';
  if (name === 'NotFoundError' || name === 'DevicesNotFoundError' || name === 'OverconstrainedError') return 'missing';
  return 'unavailable';
}

/** The browser's microphone, through getUserMedia. */
export const browserMicrophone: MicrophoneAccess = {
  async open(deviceId) {
    if (!window.isSecureContext || !navigator.mediaDevices?.getUserMedia) throw new MicrophoneError('insecure');
    try {
      return await navigator.mediaDevices.getUserMedia({ audio: deviceId ? { ...voice, deviceId: { exact: deviceId } } : voice });
    } catch (error) {
      const problem = classify(error);
      // A remembered device that was unplugged: fall back to the default microphone.
      if (deviceId && problem === 'missing') return browserMicrophone.open(null);
      throw new MicrophoneError(problem, error);
    }
  },
  onPermissionChange(listener) {
    navigator.permissions
      ?.query({ name: 'microphone' })
      .then((status) => status.addEventListener('change', () => listener(status.state)))
      .catch(() => undefined);
  },
};

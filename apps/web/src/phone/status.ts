import type { CallSnapshot } from './call.js';
import type { MicrophoneProblem } from './microphone.js';

/** Where the connection to the phone system stands. */
export type ConnectionState = 'idle' | 'connecting' | 'registered' | 'disconnected' | 'no-extension';

export type MicrophoneState = 'unknown' | 'ok' | MicrophoneProblem;

/**
 * What the status line at the top of the Phone tab says. The first four are the guide's
 * "Connection Status" table; the others say why the phone cannot be Ready.
 */
export type PhoneStatus =
  | 'ready'
  | 'connecting'
  | 'disconnected'
  | 'in-call'
  | 'mic-denied'
  | 'mic-missing'
  | 'mic-unavailable'
  | 'insecure'
  | 'no-extension';

export type StatusColor = 'green' | 'yellow' | 'red';

export interface StatusText {
  label: string;
  color: StatusColor;
  /** What it means or what to do, shown under the status when it needs saying. */
  detail: string | null;
}

export const statusTexts: Record<PhoneStatus, StatusText> = {
  ready: { label: 'Ready', color: 'green', detail: null },
  connecting: { label: 'Connecting...', color: 'yellow', detail: null },
  disconnected: { label: 'Disconnected', color: 'red', detail: 'Not connected — try refreshing the page. The phone also keeps trying to reconnect by itself.' },
  'in-call': { label: 'In Call', color: 'green', detail: null },
  'mic-denied': { label: 'Microphone blocked', color: 'red', detail: 'The softphone needs your microphone. Allow it for this site to make and receive calls.' },
  'mic-missing': { label: 'No microphone found', color: 'red', detail: 'Connect a microphone or headset, then refresh the page.' },
  'mic-unavailable': { label: 'Microphone unavailable', color: 'red', detail: 'Your microphone could not be started. It may be in use by another application: close it, then refresh the page.' },
  insecure: { label: 'Secure connection needed', color: 'red', detail: 'Browsers allow the microphone only on secure pages. Open the portal with https://.' },
  'no-extension': { label: 'No extension', color: 'red', detail: 'Your account has no extension yet, so the softphone cannot connect. Ask your administrator to assign one.' },
};

/** The guide's steps for a denied microphone, word for word. */
export const microphoneSteps = [
  "Click the lock/site-info icon in your browser's address bar",
  'Find the microphone permission and change it to Allow',
  'Refresh the page',
] as const;

const liveStates = new Set(['calling', 'ringing', 'answering', 'active']);

export function deriveStatus(connection: ConnectionState, microphone: MicrophoneState, call: CallSnapshot | null): PhoneStatus {
  if (call && liveStates.has(call.state)) return 'in-call';
  if (microphone === 'denied') return 'mic-denied';
  if (microphone === 'missing') return 'mic-missing';
  if (microphone === 'unavailable') return 'mic-unavailable';
  if (microphone === 'insecure') return 'insecure';
  if (connection === 'no-extension') return 'no-extension';
  if (connection === 'registered') return microphone === 'ok' ? 'ready' : 'connecting';
  if (connection === 'disconnected') return 'disconnected';
  return 'connecting';
}

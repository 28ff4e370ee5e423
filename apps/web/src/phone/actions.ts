/**
 * The softphone's commands, each with its label and its key binding, in one place. The
 * keyboard router, the buttons' accessible names and the shortcut table in Settings all read
 * this table, so the user guide's "Keyboard Shortcuts" section is written down exactly once.
 */

/** Which situation a binding applies in (the guide's "When" column). */
export type PhoneContext = 'idle' | 'incoming' | 'in-call';

export type ActionId =
  | 'dialDigit'
  | 'call'
  | 'deleteDigit'
  | 'answer'
  | 'decline'
  | 'sendDtmf'
  | 'hangUp'
  | 'toggleMute'
  | 'toggleHold'
  | 'transfer'
  | 'keypad';

export interface PhoneAction {
  id: ActionId;
  /** The button's visible text and accessible name. */
  label: string;
  when: PhoneContext;
  /** `KeyboardEvent.key` values that run it; empty when it is a button only. */
  keys: readonly string[];
  /** How the shortcut table names the keys. */
  keyLabel: string;
  /** What it does, in the guide's words. */
  description: string;
}

export const dialKeys = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const;

export const phoneActions: readonly PhoneAction[] = [
  { id: 'dialDigit', label: 'Dial', when: 'idle', keys: dialKeys, keyLabel: '0–9, *, #', description: 'Types digits into the dialer (auto-focuses the number field)' },
  { id: 'call', label: 'Call', when: 'idle', keys: ['Enter'], keyLabel: 'Enter', description: 'Places the call' },
  { id: 'deleteDigit', label: 'Delete', when: 'idle', keys: ['Backspace'], keyLabel: 'Backspace', description: 'Deletes the last digit' },
  { id: 'answer', label: 'Answer', when: 'incoming', keys: ['Enter'], keyLabel: 'Enter', description: 'Answers the call' },
  { id: 'decline', label: 'Decline', when: 'incoming', keys: ['Escape'], keyLabel: 'Escape', description: 'Declines the call' },
  { id: 'sendDtmf', label: 'Keypad', when: 'in-call', keys: dialKeys, keyLabel: '0–9, *, #', description: 'Sends DTMF tones (e.g., for IVR menus)' },
  { id: 'hangUp', label: 'Hang Up', when: 'in-call', keys: ['Escape'], keyLabel: 'Escape', description: 'Hangs up' },
  { id: 'toggleMute', label: 'Mute', when: 'in-call', keys: ['m', 'M'], keyLabel: 'M', description: 'Toggles mute' },
  { id: 'toggleHold', label: 'Hold', when: 'in-call', keys: ['h', 'H'], keyLabel: 'H', description: 'Toggles hold' },
  { id: 'transfer', label: 'Transfer', when: 'in-call', keys: [], keyLabel: '', description: 'Opens the transfer dialog' },
  { id: 'keypad', label: 'Keypad', when: 'in-call', keys: [], keyLabel: '', description: 'Shows the DTMF dial pad' },
];

/** Labels that change with state (the guide: "Click again to unmute / resume"). */
export const toggleLabels = {
  mute: { off: 'Mute', on: 'Unmute' },
  hold: { off: 'Hold', on: 'Resume' },
} as const;

/** The guide's words for transfers and conferences ("Transferring a Call", "Conference Calls"). */
export const transferLabels = {
  blind: 'Blind Transfer',
  attended: 'Attended Transfer',
  complete: 'Complete Transfer',
  merge: 'Merge to Conference',
  cancel: 'Cancel',
  /** The Transfer button's label while in a conference. */
  addParticipant: 'Add Participant',
  sendToConference: 'Send to Conference',
} as const;

export function actionById(id: ActionId): PhoneAction {
  const action = phoneActions.find((a) => a.id === id);
  if (!action) throw new Error(`unknown phone action ${id}`);
  return action;
}

/** The rows of the guide's keyboard table, in its order. */
export function shortcutRows(): PhoneAction[] {
  return phoneActions.filter((a) => a.keys.length > 0);
}

import type { SipMessage } from '../message/message.js';
import { dialogKey, type Dialog } from './dialog.js';

/** Dialogs by id, and the lookups that route in-dialog requests and responses to them. */
export class DialogRegistry {
  private readonly dialogs = new Map<string, Dialog>();

  get size(): number {
    return this.dialogs.size;
  }

  add(dialog: Dialog): void {
    this.dialogs.set(dialog.key, dialog);
  }

  remove(dialog: Dialog): void {
    if (this.dialogs.get(dialog.key) === dialog) this.dialogs.delete(dialog.key);
  }

  /** The dialog a received request belongs to: our tag is its To tag (§12.2.2). */
  forRequest(request: SipMessage): Dialog | undefined {
    const local = request.toTag;
    const remote = request.fromTag;
    return local === undefined || remote === undefined ? undefined : this.dialogs.get(dialogKey(request.callId, local, remote));
  }

  /** The dialog a received response belongs to: our tag is its From tag. */
  forResponse(response: SipMessage): Dialog | undefined {
    const local = response.fromTag;
    const remote = response.toTag;
    return local === undefined || remote === undefined ? undefined : this.dialogs.get(dialogKey(response.callId, local, remote));
  }

  values(): IterableIterator<Dialog> {
    return this.dialogs.values();
  }
}

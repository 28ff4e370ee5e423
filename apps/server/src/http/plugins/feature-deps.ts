import type { DndService, Mailbox } from '@switchboard/pbx';

/**
 * The PBX services behind the presence, DND and voicemail routes. Composition passes the running
 * PBX's (`sip.pbx.dnd`, `sip.pbx.mailbox`); without them DND is kept in the store only and
 * voicemail answers 503.
 */
export interface FeatureDeps {
  dnd?: DndService | undefined;
  mailbox?: Mailbox | null | undefined;
}

/**
 * The dialog event package's body (RFC 4235 §4): `application/dialog-info+xml`, always sent as
 * full state. Pure: callers give the dialogs, this writes the XML.
 */

/** RFC 4235 §3.7.1 states we use: early (ringing or dialling), confirmed (talking), terminated. */
export type DialogInfoState = 'trying' | 'early' | 'confirmed' | 'terminated';

export interface DialogInfoEntry {
  /** Unique per dialog within the entity. */
  id: string;
  state: DialogInfoState;
  /** initiator: the entity placed the call; recipient: it is being called. */
  direction?: 'initiator' | 'recipient';
  /** The other party, when known (`<remote><identity>`). */
  remote?: { uri: string; display: string | null };
}

/** What one dialog-state source reports for an entity (an extension, a conference key...). */
export interface DialogInfo {
  dialogs: readonly DialogInfoEntry[];
}

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** The dialog-info document for `entity` (a SIP URI), with this subscription's `version`. */
export function dialogInfoXml(entity: string, version: number, info: DialogInfo): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${version}" state="full" entity="${escapeXml(entity)}">`,
  ];
  for (const d of info.dialogs) {
    lines.push(`  <dialog id="${escapeXml(d.id)}"${d.direction ? ` direction="${d.direction}"` : ''}>`);
    lines.push(`    <state>${d.state}</state>`);
    if (d.remote) {
      const display = d.remote.display ? ` display="${escapeXml(d.remote.display)}"` : '';
      lines.push(`    <remote><identity${display}>${escapeXml(d.remote.uri)}</identity></remote>`);
    }
    lines.push('  </dialog>');
  }
  lines.push('</dialog-info>', '');
  return lines.join('\r\n');
}

import { type Address, withParam } from '../message/address.js';
import type { ExtraHeaders } from '../message/builders.js';
import { MAX_CSEQ } from '../message/headers/cseq.js';
import { SipRequest, type HeaderInput, type SipResponse } from '../message/message.js';
import type { Uri } from '../message/uri.js';
import type { Flow } from '../transport/transport.js';

/** Dialog identifiers as seen from this side (§12). */
export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/**
 * ```
 *   1xx with To tag           2xx
 *  ------------> Early ----------------> Confirmed
 *                  |  non-2xx final        |  BYE / terminate()
 *                  +-------------------> Terminated <--+
 * ```
 */
export enum DialogState {
  Early = 'Early',
  Confirmed = 'Confirmed',
  Terminated = 'Terminated',
}

const ALLOWED: Readonly<Record<DialogState, readonly DialogState[]>> = {
  [DialogState.Early]: [DialogState.Confirmed, DialogState.Terminated],
  [DialogState.Confirmed]: [DialogState.Terminated],
  [DialogState.Terminated]: [],
};

/** Methods that refresh the remote target (RFC 3261 §12.2, RFC 3311, RFC 6665). */
const TARGET_REFRESH = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY']);
/** Methods whose requests carry our Contact (target refresh, plus REFER per RFC 3515 §2.4.1). */
const NEEDS_CONTACT = new Set(['INVITE', 'UPDATE', 'SUBSCRIBE', 'NOTIFY', 'REFER']);

export class DialogError extends Error {
  override readonly name = 'DialogError';
}

export interface InDialogRequestOptions {
  body?: Buffer | string;
  contentType?: string;
  headers?: ExtraHeaders;
}

export function dialogKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

function addHeaders(request: SipRequest, headers: ExtraHeaders | undefined): void {
  if (!headers) return;
  const entries: ReadonlyArray<readonly [string, HeaderInput]> = Array.isArray(headers)
    ? (headers as ReadonlyArray<readonly [string, HeaderInput]>)
    : Object.entries(headers as Record<string, HeaderInput>);
  for (const [name, value] of entries) request.add(name, value);
}

/**
 * A dialog (RFC 3261 §12): the state two UAs share after an INVITE, SUBSCRIBE or REFER, and the
 * source of every request sent inside it (BYE, re-INVITE, INFO, NOTIFY, REFER, ACK for 2xx).
 */
export class Dialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: Address;
  readonly remoteUri: Address;
  /** §12.1.1: a dialog created over TLS with a sips Request-URI. */
  readonly secure: boolean;
  /** Where the dialog was set up; in-dialog requests can reuse it (connection reuse, NAT). */
  flow: Flow | undefined;
  remoteTarget: Uri;
  routeSet: readonly Address[];
  /** Our Contact, sent in target refresh requests. */
  localContact: Address;
  private localSeqValue: number | undefined;
  private remoteSeqValue: number | undefined;
  private stateValue: DialogState;

  private constructor(init: {
    callId: string;
    localTag: string;
    remoteTag: string;
    localUri: Address;
    remoteUri: Address;
    remoteTarget: Uri;
    routeSet: readonly Address[];
    localContact: Address;
    localSeq: number | undefined;
    remoteSeq: number | undefined;
    secure: boolean;
    state: DialogState;
    flow: Flow | undefined;
  }) {
    this.callId = init.callId;
    this.localTag = init.localTag;
    this.remoteTag = init.remoteTag;
    this.localUri = init.localUri;
    this.remoteUri = init.remoteUri;
    this.remoteTarget = init.remoteTarget;
    this.routeSet = init.routeSet;
    this.localContact = init.localContact;
    this.localSeqValue = init.localSeq;
    this.remoteSeqValue = init.remoteSeq;
    this.secure = init.secure;
    this.stateValue = init.state;
    this.flow = init.flow;
  }

  /**
   * The UAC side (§12.1.2), from the request we sent and a 1xx (with To tag) or 2xx answer.
   * Route set: Record-Route of the response, reversed. Remote target: its Contact.
   */
  static asUac(request: SipRequest, response: SipResponse, options: { localContact: Address; flow?: Flow }): Dialog {
    const remoteTag = response.toTag;
    const localTag = request.fromTag;
    if (remoteTag === undefined || localTag === undefined) throw new DialogError('a dialog needs a From tag and a To tag');
    const contact = response.contacts[0];
    return new Dialog({
      callId: request.callId,
      localTag,
      remoteTag,
      localUri: request.from,
      remoteUri: response.to,
      remoteTarget: contact?.uri ?? request.uri,
      routeSet: [...response.recordRoutes].reverse(),
      localContact: options.localContact,
      localSeq: request.cseq.seq,
      remoteSeq: undefined,
      secure: request.uri.kind === 'sip' && request.uri.scheme === 'sips' && options.flow?.secure === true,
      state: response.status >= 200 ? DialogState.Confirmed : DialogState.Early,
      flow: options.flow,
    });
  }

  /**
   * The UAS side (§12.1.1), from the request received and the To tag of our response.
   * Route set: Record-Route of the request, in order. Remote target: its Contact.
   */
  static asUas(request: SipRequest, options: { localTag: string; localContact: Address; flow?: Flow; confirmed?: boolean }): Dialog {
    const remoteTag = request.fromTag;
    if (remoteTag === undefined) throw new DialogError('a dialog needs a From tag (RFC 2543 peers cannot make dialogs here)');
    const contact = request.contacts[0];
    if (!contact) throw new DialogError(`a ${request.method} that creates a dialog must have a Contact`);
    return new Dialog({
      callId: request.callId,
      localTag: options.localTag,
      remoteTag,
      localUri: withParam(request.to, 'tag', options.localTag),
      remoteUri: request.from,
      remoteTarget: contact.uri,
      routeSet: request.recordRoutes,
      localContact: options.localContact,
      localSeq: undefined,
      remoteSeq: request.cseq.seq,
      secure: request.uri.kind === 'sip' && request.uri.scheme === 'sips' && options.flow?.secure === true,
      state: options.confirmed ? DialogState.Confirmed : DialogState.Early,
      flow: options.flow,
    });
  }

  /**
   * The subscriber's dialog when the first NOTIFY arrives before (or instead of) the 2xx to our
   * SUBSCRIBE (RFC 6665 §4.1.2.4): ids from the SUBSCRIBE and the NOTIFY, route set from the
   * NOTIFY's Record-Route as a UAS takes it (§12.1.1), remote target from its Contact.
   */
  static fromNotify(subscribe: SipRequest, notify: SipRequest, options: { localContact: Address; flow?: Flow }): Dialog {
    const localTag = subscribe.fromTag;
    const remoteTag = notify.fromTag;
    if (localTag === undefined || remoteTag === undefined || notify.toTag !== localTag) throw new DialogError('the NOTIFY does not belong to this SUBSCRIBE');
    const contact = notify.contacts[0];
    if (!contact) throw new DialogError('a NOTIFY that creates a dialog must have a Contact');
    return new Dialog({
      callId: subscribe.callId,
      localTag,
      remoteTag,
      localUri: subscribe.from,
      remoteUri: notify.from,
      remoteTarget: contact.uri,
      routeSet: notify.recordRoutes,
      localContact: options.localContact,
      localSeq: subscribe.cseq.seq,
      remoteSeq: notify.cseq.seq,
      secure: subscribe.uri.kind === 'sip' && subscribe.uri.scheme === 'sips' && options.flow?.secure === true,
      state: DialogState.Confirmed,
      flow: options.flow,
    });
  }

  get id(): DialogId {
    return { callId: this.callId, localTag: this.localTag, remoteTag: this.remoteTag };
  }

  get key(): string {
    return dialogKey(this.callId, this.localTag, this.remoteTag);
  }

  get state(): DialogState {
    return this.stateValue;
  }

  get localSeq(): number | undefined {
    return this.localSeqValue;
  }

  get remoteSeq(): number | undefined {
    return this.remoteSeqValue;
  }

  private transition(to: DialogState): void {
    if (this.stateValue === to) return;
    if (!ALLOWED[this.stateValue].includes(to)) throw new DialogError(`illegal dialog transition ${this.stateValue} -> ${to}`);
    this.stateValue = to;
  }

  confirm(): void {
    this.transition(DialogState.Confirmed);
  }

  terminate(): void {
    this.transition(DialogState.Terminated);
  }

  /**
   * A request inside the dialog (§12.2.1.1): From/To with tags, Call-ID, the next local CSeq,
   * Request-URI and Route from the remote target and route set (loose or strict routing).
   */
  createRequest(method: string, options: InDialogRequestOptions = {}): SipRequest {
    if (this.stateValue === DialogState.Terminated && method !== 'BYE') throw new DialogError(`dialog terminated: cannot send ${method}`);
    if (method === 'ACK' || method === 'CANCEL') throw new DialogError(`${method} takes the CSeq of the request it refers to: use createAck or the stack's cancel`);
    const seq = this.nextLocalSeq();
    return this.build(method, seq, options, NEEDS_CONTACT.has(method));
  }

  /**
   * The ACK for a 2xx to `invite` (§13.2.2.4): built like any in-dialog request but with the
   * INVITE's CSeq number and the INVITE's credentials.
   */
  createAck(invite: SipRequest, options: InDialogRequestOptions = {}): SipRequest {
    const ack = this.build('ACK', invite.cseq.seq, options, false);
    for (const key of ['authorization', 'proxy-authorization']) for (const value of invite.getAll(key)) ack.add(key, value);
    return ack;
  }

  private nextLocalSeq(): number {
    // §12.2.1.1: an empty local sequence number (UAS side) starts anywhere below 2**31.
    const next = this.localSeqValue === undefined ? 1 + Math.floor(Math.random() * 10_000) : this.localSeqValue + 1;
    if (next > MAX_CSEQ) throw new DialogError('CSeq space exhausted');
    this.localSeqValue = next;
    return next;
  }

  private build(method: string, seq: number, options: InDialogRequestOptions, withContact: boolean): SipRequest {
    let requestUri: Uri = this.remoteTarget;
    let routes: readonly Address[] = this.routeSet;
    const first = routes[0];
    if (first && !(first.uri.kind === 'sip' && first.uri.params.has('lr'))) {
      // Strict routing (§12.2.1.1): the first route becomes the Request-URI, the remote target the last route.
      requestUri = first.uri;
      routes = [...routes.slice(1), { uri: this.remoteTarget, params: first.params.without('lr') }];
    }
    const request = new SipRequest(method, requestUri);
    request.set('Max-Forwards', 70);
    if (routes.length > 0) request.set('Route', routes);
    request.set('From', this.localUri.params.get('tag') === this.localTag ? this.localUri : withParam(this.localUri, 'tag', this.localTag));
    request.set('To', withParam(this.remoteUri, 'tag', this.remoteTag));
    request.set('Call-ID', this.callId);
    request.set('CSeq', { seq, method });
    if (withContact) request.set('Contact', this.localContact);
    addHeaders(request, options.headers);
    request.setBody(options.body ?? Buffer.alloc(0), options.body === undefined ? undefined : options.contentType);
    return request;
  }

  /**
   * Checks and records a request received in this dialog (§12.2.2). Returns 500 for an
   * out-of-order CSeq (the caller answers it); refreshes the remote target.
   */
  receiveRequest(request: SipRequest): { ok: true } | { ok: false; status: 500; reason: string } {
    if (request.method !== 'ACK' && request.method !== 'CANCEL') {
      const seq = request.cseq.seq;
      if (this.remoteSeqValue !== undefined && seq < this.remoteSeqValue) return { ok: false, status: 500, reason: 'CSeq out of order' };
      this.remoteSeqValue = seq;
    }
    const contact = request.contacts[0];
    if (contact && TARGET_REFRESH.has(request.method)) this.remoteTarget = contact.uri;
    return { ok: true };
  }

  /**
   * Records a response to a request we sent in this dialog: a 2xx confirms an early dialog
   * (§13.2.2.4, recomputing its route set) and a 2xx to a target refresh updates the remote target.
   */
  receiveResponse(response: SipResponse): void {
    const ok = response.status >= 200 && response.status < 300;
    if (!ok) return;
    if (this.stateValue === DialogState.Early && response.cseq.method === 'INVITE') {
      this.routeSet = [...response.recordRoutes].reverse();
      this.confirm();
    }
    const contact = response.contacts[0];
    if (contact && TARGET_REFRESH.has(response.cseq.method)) this.remoteTarget = contact.uri;
  }

  /** Send options for the stack: reuse the dialog's flow when it is still open. */
  sendOptions(): { flow?: Flow } {
    return this.flow && !this.flow.closed ? { flow: this.flow } : {};
  }
}

// Messages (RFC 3261 §7, §19, §20, §25)
export { SipSyntaxError, quote, unquote, escape, unescape, isToken } from './message/syntax.js';
export { Params, type Param, parseHeaderParams } from './message/params.js';
export { parseUri, uriToString, uriEquals, sipUri, formatHost, socketHost, parseHostPort, type Uri, type SipUri, type TelUri, type OtherUri } from './message/uri.js';
export { address, addressToString, parseAddress, parseAddressList, withParam, type Address } from './message/address.js';
export { parseViaList, viaToString, createVia, withViaParams, isRfc3261Branch, MAGIC_COOKIE, type Via } from './message/headers/via.js';
export { parseCSeq, cseqToString, MAX_CSEQ, type CSeq } from './message/headers/cseq.js';
export { parseContactList, contactExpires, contactQ, contactInstance, type ContactList } from './message/headers/contact.js';
export { parseMediaType, mediaTypeToString, isMediaType, type MediaType } from './message/headers/media-type.js';
export { parseAuthValue, type AuthValue } from './message/headers/auth.js';
export { parseDeltaSeconds, MAX_DELTA_SECONDS } from './message/headers/numeric.js';
export { parseSipDate, formatSipDate } from './message/headers/date.js';
export type { EventHeader, SubscriptionState, SessionExpires, Reason, Replaces } from './message/headers/value-with-params.js';
export { parseReplaces } from './message/headers/value-with-params.js';
export { headerKey, canonicalName, COMPACT_FORMS } from './message/header-names.js';
export { type TypedHeaders, type TypedHeaderKey } from './message/header-definitions.js';
export { SipMessage, SipRequest, SipResponse, isRequest, type HeaderField, type HeaderInput } from './message/message.js';
export { parseMessage, DEFAULT_PARSE_LIMITS, type ParseLimits, type ParseOptions, type ParseResult, type ParseSuccess, type ParseFailure, type ReplyContext } from './message/parser.js';
export { createRequest, createResponse, createErrorResponse, type RequestInit, type ResponseOptions, type ExtraHeaders } from './message/builders.js';
export { newTag, newBranch, newCallId } from './message/ids.js';
export { reasonPhrase } from './message/reason-phrases.js';

// Utilities
export { Emitter, type ListenerErrorSink } from './util/emitter.js';
export { silentLogger, type SipLogger } from './util/logger.js';

// Transports (RFC 3261 §18, RFC 7118)
export { type Transport, type TransportProtocol, type TransportEvents, type Flow, type Endpoint, type SendResult, isFlow, defaultPort } from './transport/transport.js';
export { UdpTransport, type UdpTransportOptions } from './transport/udp-transport.js';
export { TcpTransport, type TcpTransportOptions, type TlsOptions } from './transport/tcp-transport.js';
export { WsTransport, type WsTransportOptions, type WebSocketLike } from './transport/ws-transport.js';
export { StreamFramer, type FrameEvent } from './transport/stream-framer.js';

// Transactions (RFC 3261 §17, RFC 6026)
export { systemClock, FakeClock, type Clock, type TimerHandle } from './transaction/clock.js';
export { DEFAULT_TIMERS, type TimerSettings } from './transaction/timers.js';
export { TransactionError, type Channel } from './transaction/transaction.js';
export { ClientTransaction, type ClientTransactionEvents } from './transaction/client-transaction.js';
export { ServerTransaction, type ServerTransactionEvents } from './transaction/server-transaction.js';
export { InviteClientTransaction, InviteClientState, createNon2xxAck } from './transaction/invite-client-transaction.js';
export { NonInviteClientTransaction, NonInviteClientState } from './transaction/non-invite-client-transaction.js';
export { InviteServerTransaction, InviteServerState, type InviteServerTransactionEvents } from './transaction/invite-server-transaction.js';
export { NonInviteServerTransaction, NonInviteServerState } from './transaction/non-invite-server-transaction.js';
export { TransactionLayer, serverKey, clientKey, type AnyClientTransaction, type AnyServerTransaction } from './transaction/transaction-layer.js';

// Dialogs (RFC 3261 §12)
export { Dialog, DialogState, DialogError, dialogKey, type DialogId, type InDialogRequestOptions } from './dialog/dialog.js';
export { DialogRegistry } from './dialog/dialog-registry.js';

// UA core
export { SipStack, type SipStackOptions, type SipStackEvents, type SendOptions, type RequestHandler, type TraceEvent } from './core/sip-stack.js';
export { resolveDestination, targetOf, systemResolver, type Destination, type HostResolver } from './core/destination.js';
export { createCancel, stampedVia } from './core/routing.js';

// Digest authentication (RFC 3261 §22, RFC 7616, RFC 8760)
export { computeHa1, computeDigestResponse, digestHash, parseAlgorithm, DIGEST_ALGORITHMS, type DigestAlgorithm, type DigestResponseInput } from './auth/digest.js';
export { DigestAuthenticator, type DigestAuthenticatorOptions, type DigestCredentials, type DigestResult, type DigestFailure } from './auth/digest-server.js';
export { DigestClient, type ClientCredentials } from './auth/digest-client.js';

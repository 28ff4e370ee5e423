/**
 * The portal API: what apps/server answers and apps/web reads. All routes live under /api and
 * answer JSON. Every failure is an {@link ApiError} with a stable code and a sentence a user
 * can read. The session is an httpOnly, SameSite=Lax cookie set by POST /api/auth/login.
 *
 *   GET  /api/health                  -> Health                 (no session needed)
 *   POST /api/auth/login   LoginRequest -> Me, sets the cookie   401 invalid_credentials, 429 rate_limited
 *   POST /api/auth/logout             -> 204, clears the cookie
 *   GET  /api/me                      -> Me                      401 unauthorized
 *   GET  /api/directory               -> DirectoryResponse
 *   GET  /api/calls/recent            -> RecentCallsResponse     (last 20, deduplicated by number, newest first)
 *   GET  /api/calls?cursor=&limit=    -> CallHistoryPage         (newest first)
 *   GET  /api/events  (WebSocket)     -> a stream of PortalEvent, one JSON object per message
 *   GET  /sip         (WebSocket, subprotocol "sip") -> SIP over WebSocket, RFC 7118
 */

export type ErrorCode =
  | 'invalid_credentials'
  | 'rate_limited'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'validation_failed'
  | 'conflict'
  | 'unavailable'
  | 'internal';

export interface ApiError {
  error: { code: ErrorCode; message: string };
}

export interface Health {
  status: 'ok';
  version: string;
}

export interface LoginRequest {
  email: string;
  password: string;
}

export type Role = 'admin' | 'user';

export interface UserSummary {
  id: string;
  name: string;
  email: string;
  role: Role;
  canDialExternal: boolean;
}

export interface TenantSummary {
  id: string;
  name: string;
  sipDomain: string;
}

/**
 * Short-lived SIP credentials for the browser softphone (never a desk phone's password).
 * The page connects to `ws(s)://<portal host>/sip` and registers `uri` with these.
 */
export interface BrowserSipCredentials {
  /** e.g. "sip:101@demo.switchboard.test" */
  uri: string;
  authorizationUser: string;
  password: string;
  displayName: string;
  /** Path of the SIP WebSocket on the portal's own origin. */
  wsPath: string;
  /** ISO 8601; fetch /api/me again before this passes. */
  expiresAt: string;
}

export interface Me {
  user: UserSummary;
  tenant: TenantSummary;
  /** The user's extension number, or null when none is assigned (then the phone cannot register). */
  extension: string | null;
  sip: BrowserSipCredentials | null;
}

export type PresenceState = 'idle' | 'ringing' | 'busy' | 'dnd' | 'offline';

export interface DirectoryEntry {
  userId: string;
  name: string;
  extension: string;
  presence: PresenceState;
}

export interface DirectoryResponse {
  entries: DirectoryEntry[];
}

export type CallDirection = 'inbound' | 'outbound' | 'internal';
export type CallOutcome = 'answered' | 'missed' | 'busy' | 'declined' | 'failed' | 'cancelled';

export interface CallParty {
  number: string;
  name: string | null;
}

export interface CallRecord {
  id: string;
  /** Direction from the signed-in user's point of view. */
  direction: CallDirection;
  from: CallParty;
  to: CallParty;
  /** ISO 8601 */
  startedAt: string;
  answeredAt: string | null;
  endedAt: string | null;
  durationSeconds: number;
  outcome: CallOutcome;
  /** Conference room number ("999XX") when the call was in a room. */
  room: string | null;
}

/** One row of the Recent Calls panel: the other party of the user's latest call with them. */
export interface RecentCall {
  number: string;
  name: string | null;
  direction: CallDirection;
  outcome: CallOutcome;
  at: string;
  durationSeconds: number;
  room: string | null;
}

export interface RecentCallsResponse {
  calls: RecentCall[];
}

export interface CallHistoryPage {
  items: CallRecord[];
  nextCursor: string | null;
}

/** Pushed on /api/events. More kinds arrive with presence, voicemail and DND. */
export type PortalEvent =
  | { type: 'calls.changed' }
  | { type: 'presence'; extension: string; state: PresenceState }
  | { type: 'voicemail'; unread: number }
  | { type: 'dnd'; enabled: boolean };

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
 *   GET  /api/presence                -> PresenceResponse        (every extension of the tenant)
 *   GET  /api/me/blf-keys             -> BlfKeysResponse         (the user's layout, or the default one)
 *   PUT  /api/me/blf-keys  BlfKeysResponse -> BlfKeysResponse     400 validation_failed
 *   GET  /api/me/dnd                  -> DndState
 *   PUT  /api/me/dnd       DndState   -> DndState
 *   GET  /api/voicemail               -> VoicemailListResponse   (newest first)
 *   GET  /api/voicemail/:id/audio     -> audio/wav (?download=1 adds Content-Disposition: attachment)
 *   PATCH /api/voicemail/:id  VoicemailUpdate -> VoicemailMessage
 *   DELETE /api/voicemail/:id         -> 204
 *   PUT  /api/voicemail/greeting  (body: audio/wav, PCM 8/16/48 kHz mono, at most 2 MB) -> 204
 *   DELETE /api/voicemail/greeting    -> 204 (back to the spoken default)
 *   GET  /api/voicemail/settings      -> VoicemailSettings
 *   PATCH /api/voicemail/settings  VoicemailSettingsUpdate -> VoicemailSettings
 *   GET  /api/conference              -> ConferenceResponse      (the room the user is in, else the one they own)
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
  /** Direction from the signed-in user's point of view: inbound or outbound ("internal" is the stored kind, not a view). */
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

/** Pushed on /api/events. */
export type PortalEvent =
  | { type: 'calls.changed' }
  | { type: 'presence'; extension: string; state: PresenceState }
  | { type: 'voicemail'; unread: number }
  | { type: 'dnd'; enabled: boolean }
  | { type: 'conference'; room: ConferenceRoom | null };

// ── presence and BLF keys ──────────────────────────────────────────────────────────────

export interface PresenceEntry {
  extension: string;
  state: PresenceState;
}

export interface PresenceResponse {
  entries: PresenceEntry[];
}

/** One BLF key: a monitored extension and the label on the key. Clicking it calls the extension (or picks up its ringing call). */
export interface BlfKey {
  extension: string;
  label: string;
}

export interface BlfKeysResponse {
  keys: BlfKey[];
}

// ── Do Not Disturb ─────────────────────────────────────────────────────────────────────

export interface DndState {
  enabled: boolean;
}

// ── voicemail ──────────────────────────────────────────────────────────────────────────

export interface VoicemailMessage {
  id: string;
  from: CallParty;
  /** ISO 8601 */
  receivedAt: string;
  durationSeconds: number;
  heard: boolean;
}

export interface VoicemailListResponse {
  messages: VoicemailMessage[];
  unread: number;
}

export interface VoicemailUpdate {
  heard: boolean;
}

export interface VoicemailSettings {
  /** A caller who finds the user busy (every device busy or declining) may leave a message; false: they hear busy. */
  whenBusy: boolean;
  /** Callers hear the user's own greeting (uploaded, or recorded by phone with *97 then 9); false: the spoken default. */
  ownGreeting: boolean;
}

export interface VoicemailSettingsUpdate {
  whenBusy: boolean;
}

// ── conference rooms ───────────────────────────────────────────────────────────────────

export interface ConferenceParticipant {
  id: string;
  name: string | null;
  number: string;
  speaking: boolean;
  muted: boolean;
  /** This participant is the signed-in user. */
  you: boolean;
}

export interface ConferenceRoom {
  /** "999XX" */
  number: string;
  /** At most this many people (10). */
  capacity: number;
  participants: ConferenceParticipant[];
}

export interface ConferenceResponse {
  room: ConferenceRoom | null;
}

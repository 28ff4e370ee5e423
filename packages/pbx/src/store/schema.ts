/**
 * The tables of the store as Kysely sees them. Column names are snake_case, as in the database;
 * repositories translate rows into the camelCase domain records of `records.ts`.
 *
 * Portable choices, so one set of migrations serves SQLite and PostgreSQL:
 * - ids are random UUIDs stored as text;
 * - instants are ISO 8601 UTC text (`Date#toISOString()`, fixed width), so text order is time order;
 * - booleans are integers 0/1 (better-sqlite3 cannot bind booleans).
 */

export interface TenantsTable {
  id: string;
  name: string;
  sip_domain: string;
  created_at: string;
}

export interface UsersTable {
  id: string;
  tenant_id: string;
  name: string;
  /** Lower-cased; unique across the whole server, since sign-in asks for an email alone. */
  email: string;
  password_hash: string | null;
  role: 'admin' | 'user';
  can_dial_external: number;
  can_dial_international: number;
  can_dial_premium: number;
  created_at: string;
}

export interface ExtensionsTable {
  tenant_id: string;
  number: string;
  user_id: string;
  created_at: string;
}

export interface DevicesTable {
  id: string;
  tenant_id: string;
  user_id: string;
  kind: 'browser' | 'desk_phone' | 'softphone';
  label: string;
  /** Unique across the whole server: the registrar finds a device (and its tenant) from it alone. */
  sip_username: string;
  /** Kept in clear: digest authentication (MD5 and SHA-256, any realm) needs it. */
  sip_password: string;
  /** Browser credentials expire; other devices have null. */
  expires_at: string | null;
  created_at: string;
}

export interface RegistrationsTable {
  id: string;
  tenant_id: string;
  device_id: string;
  aor: string;
  /** `instance_id|reg_id` for RFC 5626 flows, else the contact URI: what identifies a binding. */
  binding_key: string;
  contact: string;
  instance_id: string | null;
  reg_id: number | null;
  expires_at: string;
  transport: string;
  source_address: string;
  source_port: number;
  flow_id: string | null;
  call_id: string;
  cseq: number;
  user_agent: string | null;
  updated_at: string;
}

export interface SessionsTable {
  id: string;
  token_hash: string;
  tenant_id: string;
  user_id: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  remote_address: string | null;
  user_agent: string | null;
}

export interface CallRecordsTable {
  id: string;
  tenant_id: string;
  direction: 'inbound' | 'outbound' | 'internal';
  from_number: string;
  from_name: string | null;
  from_user_id: string | null;
  to_number: string;
  to_name: string | null;
  to_user_id: string | null;
  started_at: string;
  answered_at: string | null;
  ended_at: string | null;
  /** Null while the call is in progress. */
  outcome: 'answered' | 'missed' | 'busy' | 'declined' | 'failed' | 'cancelled' | null;
  room: string | null;
}

export interface UserSettingsTable {
  tenant_id: string;
  user_id: string;
  key: string;
  /** JSON text. */
  value: string;
  updated_at: string;
}

/** A tenant's outside line (one per tenant). */
export interface TrunksTable {
  tenant_id: string;
  /** The carrier's SIP server: a host name or an IP address. */
  host: string;
  port: number;
  transport: 'udp' | 'tcp' | 'tls';
  /** Digest username and password (in clear: digest needs it); both null for an IP-based trunk. */
  username: string | null;
  password: string | null;
  /** 1: REGISTER with the carrier (when there is a username); 0: credentials only answer challenges. */
  register: number;
  /** 1: our offers to the carrier are SDES-SRTP (RTP/SAVP, required); 0: RTP. */
  srtp: number;
  /** Addresses and CIDR ranges the carrier's calls may also come from, comma-separated; null: its host's only. */
  inbound_from: string | null;
  caller_id_number: string | null;
  caller_id_name: string | null;
  created_at: string;
  updated_at: string;
}

/** Inbound numbers. Unique across the server: the carrier's INVITE names the number alone. */
export interface DidsTable {
  number: string;
  tenant_id: string;
  /** The extension number it rings (whoever holds it at the time), or null when forwarded. */
  extension: string | null;
  /** An outside number the call is sent on to through the trunk, or null. */
  forward_to: string | null;
  created_at: string;
}

/** One voicemail message; its audio is `<voicemail dir>/<file>`. */
export interface VoicemailMessagesTable {
  id: string;
  tenant_id: string;
  user_id: string;
  from_number: string;
  from_name: string | null;
  received_at: string;
  duration_ms: number;
  /** Relative to the voicemail folder. */
  file: string;
  heard: number;
}

/** A user's mailbox settings; no row: the defaults (spoken greeting, voicemail when busy). */
export interface VoicemailBoxesTable {
  tenant_id: string;
  user_id: string;
  /** The user's own greeting (relative to the voicemail folder), or null for the spoken default. */
  greeting_file: string | null;
  when_busy: number;
  updated_at: string;
}

export interface DndStatesTable {
  tenant_id: string;
  user_id: string;
  enabled: number;
  updated_at: string;
}

export interface BlfLayoutsTable {
  tenant_id: string;
  user_id: string;
  /** JSON: [{ "extension": "102", "label": "Bob" }, ...] in key order. */
  keys: string;
  updated_at: string;
}

export interface Database {
  tenants: TenantsTable;
  users: UsersTable;
  extensions: ExtensionsTable;
  devices: DevicesTable;
  registrations: RegistrationsTable;
  sessions: SessionsTable;
  call_records: CallRecordsTable;
  user_settings: UserSettingsTable;
  trunks: TrunksTable;
  dids: DidsTable;
  voicemail_messages: VoicemailMessagesTable;
  voicemail_boxes: VoicemailBoxesTable;
  dnd_states: DndStatesTable;
  blf_layouts: BlfLayoutsTable;
}

/** The store's domain records: what repositories return and accept. Instants are `Date`s. */

export type Role = 'admin' | 'user';
export type DeviceKind = 'browser' | 'desk_phone' | 'softphone';
export type CallDirection = 'inbound' | 'outbound' | 'internal';
export type CallOutcome = 'answered' | 'missed' | 'busy' | 'declined' | 'failed' | 'cancelled';

export interface Tenant {
  id: string;
  name: string;
  sipDomain: string;
  createdAt: Date;
}

export interface User {
  id: string;
  tenantId: string;
  name: string;
  email: string;
  role: Role;
  canDialExternal: boolean;
  /** May dial international prefixes (toll-fraud guard; default off). */
  canDialInternational: boolean;
  /** May dial premium-rate prefixes (toll-fraud guard; default off). */
  canDialPremium: boolean;
  /** False for a user who cannot sign in to the portal (no password set). */
  hasPassword: boolean;
  createdAt: Date;
}

export interface Extension {
  tenantId: string;
  number: string;
  userId: string;
}

export interface Device {
  id: string;
  tenantId: string;
  userId: string;
  kind: DeviceKind;
  label: string;
  sipUsername: string;
  sipPassword: string;
  /** Set for browser credentials only. */
  expiresAt: Date | null;
  createdAt: Date;
}

/** A device with everything the registrar needs to authenticate and route it. */
export interface DeviceAccount {
  device: Device;
  user: User;
  tenant: Tenant;
  extension: string | null;
}

/** One row of a tenant's directory: a user who has an extension. */
export interface DirectoryListing {
  userId: string;
  name: string;
  email: string;
  extension: string;
}

export type RegistrationTransport = 'udp' | 'tcp' | 'tls' | 'ws' | 'wss';

/** What the registrar saves for one binding (RFC 3261 §10, RFC 5626 flows). */
export interface RegistrationInput {
  deviceId: string;
  /** Address of record, e.g. "sip:101@demo.switchboard.test". */
  aor: string;
  /** The Contact URI as the device sent it. */
  contact: string;
  /** `+sip.instance` (RFC 5626), when the device sent one. */
  instanceId: string | null;
  regId: number | null;
  expiresAt: Date;
  transport: RegistrationTransport;
  sourceAddress: string;
  sourcePort: number;
  /** Connection the binding arrived on (connection-oriented transports), to route back through it. */
  flowId: string | null;
  callId: string;
  cseq: number;
  userAgent: string | null;
}

export interface Registration extends RegistrationInput {
  id: string;
  tenantId: string;
  updatedAt: Date;
}

export interface PortalSession {
  id: string;
  tenantId: string;
  userId: string;
  createdAt: Date;
  expiresAt: Date;
  lastSeenAt: Date;
}

export interface CallPartyRecord {
  number: string;
  name: string | null;
  /** The user behind the number, when it is one of the tenant's users. */
  userId: string | null;
}

export interface CallHistoryRecord {
  id: string;
  tenantId: string;
  /** Direction of the call as a whole: inbound from a trunk, outbound to one, or internal. */
  direction: CallDirection;
  from: CallPartyRecord;
  to: CallPartyRecord;
  startedAt: Date;
  answeredAt: Date | null;
  endedAt: Date | null;
  /** Null while the call is in progress. */
  outcome: CallOutcome | null;
  room: string | null;
}

/** A call as one user saw it: direction and outcome from their side, and the other party. */
export interface UserCallView {
  record: CallHistoryRecord;
  direction: CallDirection;
  outcome: CallOutcome;
  other: CallPartyRecord;
  durationSeconds: number;
}

export type TrunkTransport = 'udp' | 'tcp' | 'tls';

/** A tenant's outside line to a carrier (docs/trunks.md). */
export interface Trunk {
  tenantId: string;
  /** The carrier's SIP server: host name or IP address. Inbound calls are trusted from its addresses. */
  host: string;
  port: number;
  transport: TrunkTransport;
  /** Digest credentials; null for an IP-based trunk (the carrier trusts our address). */
  username: string | null;
  password: string | null;
  /** REGISTER with the carrier (only meaningful with a username). */
  register: boolean;
  /** Media to the carrier is SDES-SRTP: our offers are RTP/SAVP, and its answer must be too. */
  srtp: boolean;
  /** Addresses and CIDR ranges (`203.0.113.0/24`) its calls may come from besides the host's addresses. */
  inboundFrom: string[];
  /** The number (and name) outside parties see when the tenant calls out. */
  callerIdNumber: string | null;
  callerIdName: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What `trunks.set` changes; absent fields keep their value (a new trunk needs `host`). */
export interface TrunkSettings {
  host?: string;
  port?: number;
  transport?: TrunkTransport;
  /** Null (or '') makes the trunk IP-based: username and password are cleared together. */
  username?: string | null;
  password?: string | null;
  register?: boolean;
  srtp?: boolean;
  /** Replaces the list; [] clears it. Each entry an IPv4/IPv6 address or CIDR range. */
  inboundFrom?: readonly string[];
  callerIdNumber?: string | null;
  callerIdName?: string | null;
}

/** An inbound number: the carrier delivers calls for it, and it rings an extension or goes on to an outside number. */
export interface Did {
  number: string;
  tenantId: string;
  /** The extension it rings (whoever holds that number when a call comes). */
  extension: string | null;
  /** The outside number the call is sent on to through the trunk. */
  forwardTo: string | null;
  createdAt: Date;
}

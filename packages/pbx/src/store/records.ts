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

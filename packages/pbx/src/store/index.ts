export { Store, Repositories, openStore } from './store.js';
export type { StoreDialect, StoreOptions } from './store.js';
export { StoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
export { hashPassword, verifyPassword, generatePassword } from './password.js';
export { bindingKeyOf } from './registrations.js';
export { viewFor } from './call-history.js';
export type { NewCall } from './call-history.js';
export type { NewUser, UserChanges } from './users.js';
export { normaliseDid, normaliseOutsideNumber, type DidTarget } from './dids.js';
export { normaliseTrunkHost, normaliseCallerId, DEFAULT_TRUNK_PORT } from './trunks.js';
export type { NewDevice, BrowserCredentialPolicy } from './devices.js';
export type { SessionPolicy } from './sessions.js';
export type { VoicemailRecord, NewVoicemail, VoicemailBox } from './voicemail.js';
export { MAX_BLF_KEYS, type BlfKeyRecord } from './blf-layouts.js';
export type { JsonValue } from './settings.js';
export type {
  CallDirection,
  CallHistoryRecord,
  CallOutcome,
  CallPartyRecord,
  Device,
  DeviceAccount,
  DeviceKind,
  Did,
  DirectoryListing,
  Extension,
  PortalSession,
  Registration,
  RegistrationInput,
  RegistrationTransport,
  Role,
  Tenant,
  Trunk,
  TrunkSettings,
  TrunkTransport,
  User,
  UserCallView,
} from './records.js';

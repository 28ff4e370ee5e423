export { Store, Repositories, openStore } from './store.js';
export type { StoreDialect, StoreOptions } from './store.js';
export { StoreError } from './errors.js';
export type { StoreErrorCode } from './errors.js';
export { hashPassword, verifyPassword, generatePassword } from './password.js';
export { bindingKeyOf } from './registrations.js';
export { viewFor } from './call-history.js';
export type { NewCall } from './call-history.js';
export type { NewUser } from './users.js';
export type { NewDevice, BrowserCredentialPolicy } from './devices.js';
export type { SessionPolicy } from './sessions.js';
export type { JsonValue } from './settings.js';
export type {
  CallDirection,
  CallHistoryRecord,
  CallOutcome,
  CallPartyRecord,
  Device,
  DeviceAccount,
  DeviceKind,
  DirectoryListing,
  Extension,
  PortalSession,
  Registration,
  RegistrationInput,
  RegistrationTransport,
  Role,
  Tenant,
  User,
  UserCallView,
} from './records.js';

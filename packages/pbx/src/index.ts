export * from './store/index.js';
export { Pbx, type PbxOptions } from './pbx.js';
export { LocationService, type Binding } from './registrar/location.js';
export { AuthGuard, type AuthGuardOptions, type GuardVerdict } from './registrar/auth-guard.js';
export { DeviceAuthenticator, type DeviceAuthResult } from './registrar/device-auth.js';
export { Registrar, type RegistrarOptions } from './registrar/registrar.js';
export { classify, normaliseDialString, DEFAULT_PLAN, FEATURE_CODES, type Destination, type NumberingPlan, type CallerRights, type FeatureCode } from './dialplan/dialplan.js';
export { silentPbxLogger, type PbxLogger, type PbxLogLevel } from './util/logger.js';
export { CallEngine, type CallEngineOptions, type CallNotifier } from './calls/call-engine.js';

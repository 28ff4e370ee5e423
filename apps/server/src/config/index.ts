export { loadConfig, ConfigError } from './load-config.js';
export type { ConfigSources } from './load-config.js';
export { tlsEnabled, logLevels, sqlitePathOf } from './config.js';
export type { ServerConfig, LogLevel, PortRange } from './config.js';
export { defaultPublicAddress } from './public-address.js';

/** The server's configuration after defaults, the config file, the environment and flags are merged. */

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

export interface PortRange {
  min: number;
  max: number;
}

export interface ServerConfig {
  /** Address every listener binds to. */
  bind: string;
  httpPort: number;
  /** Portal, API and WSS over HTTPS; used only when TLS is configured. */
  httpsPort: number;
  /** SIP over UDP and TCP. */
  sipPort: number;
  /** SIP over TLS; used only when TLS is configured. */
  sipsPort: number;
  rtpPorts: PortRange;
  /** Address announced in SDP and Contact headers. */
  publicAddress: string;
  /** Absolute path of the data folder (SQLite file, self-signed certificate, demo sign-ins). */
  dataDir: string;
  /** PostgreSQL URL, or null for SQLite in the data folder. */
  databaseUrl: string | null;
  /** Absolute paths of a PEM certificate (chain) and key, or null. */
  tlsCert: string | null;
  tlsKey: string | null;
  /** Generate and keep a self-signed certificate in the data folder. */
  tlsSelfSigned: boolean;
  /**
   * Absolute path of a PEM file of CA certificates trusted, besides the usual public ones, when
   * the server connects out over TLS (a carrier with a private CA), or null.
   */
  tlsTrust: string | null;
  /** Create the demo organisation when the store is empty. */
  demo: boolean;
  logLevel: LogLevel;
  /** Log every SIP message sent and received. */
  sipTrace: boolean;
  /** Absolute path of the built portal (apps/web/dist). */
  webRoot: string;
  /** The config file that was read, if any. */
  configFile: string | null;
}

/** The SQLite file used when there is no DATABASE_URL. */
export function sqlitePathOf(config: Pick<ServerConfig, 'dataDir'>): string {
  return `${config.dataDir}/switchboard.sqlite`;
}

/** True when the server should serve HTTPS and SIP over TLS. */
export function tlsEnabled(config: Pick<ServerConfig, 'tlsCert' | 'tlsSelfSigned'>): boolean {
  return config.tlsCert !== null || config.tlsSelfSigned;
}

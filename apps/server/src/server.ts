import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { openStore } from '@switchboard/pbx';
import type { Store } from '@switchboard/pbx';
import type { FastifyInstance } from 'fastify';
import { sqlitePathOf } from './config/index.js';
import type { ServerConfig } from './config/index.js';
import { createDemoOrganisation, loadDemoOrganisation } from './demo/demo-organisation.js';
import type { DemoOrganisation } from './demo/demo-organisation.js';
import { EventHub } from './events/event-hub.js';
import { buildApp } from './http/app.js';
import type { PortalDeps, SipWebSocketHandler } from './http/deps.js';
import { LoginThrottle } from './http/login-throttle.js';
import { LivePresence } from './http/presence.js';
import type { ConferenceDeps } from './http/plugins/conference.js';
import type { FeatureDeps } from './http/plugins/feature-deps.js';
import type { PresenceSource } from './http/presence.js';
import { createLogger } from './logging.js';
import type { Logger } from './logging.js';
import { loadTlsMaterial, TlsFileError } from './tls/certificate.js';
import type { TlsMaterial } from './tls/certificate.js';
import { serverVersion } from './version.js';
import { SipStartError, startSipService } from './sip/sip-service.js';
import type { SipService } from './sip/sip-service.js';

export interface StartOptions {
  logger?: Logger;
  /** Where accepted `/sip` WebSockets go (the SIP stack's WebSocket transport). */
  onSipWebSocket?: SipWebSocketHandler;
  /** Presence for the directory and /api/presence; default: the PBX's live presence. */
  presence?: PresenceSource;
}

export interface BoundAddress {
  address: string;
  port: number;
}

/** A running server: what tests and the composition root hold on to. */
export interface ServerHandle {
  config: ServerConfig;
  store: Store;
  /** The in-process publisher behind /api/events: `events.publish(tenantId, userId | 'all', event)`. */
  events: EventHub;
  logger: Logger;
  http: BoundAddress;
  https: BoundAddress | null;
  tls: TlsMaterial | null;
  /** The demo organisation with its sign-ins, when this store has one. */
  demo: DemoOrganisation | null;
  /** SIP stack and PBX, with the ports SIP is bound to. */
  sip: SipService;
  /** Stops listening, closes sockets and the store; safe to call twice. */
  close(): Promise<void>;
}

/** A start-up failure with a one-line explanation (a port in use, a bad certificate…). */
export class StartError extends Error {
  override readonly name = 'StartError';
}

const upkeepEveryMs = 10 * 60_000;

async function listen(app: FastifyInstance, port: number, host: string, what: string, setting: string): Promise<BoundAddress> {
  try {
    await app.listen({ port, host });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new StartError(`${what} port ${port} on ${host} is already in use; choose another with ${setting}`);
    if (code === 'EACCES') throw new StartError(`not allowed to listen on ${what} port ${port}; choose a port above 1023 with ${setting}`);
    if (code === 'EADDRNOTAVAIL') throw new StartError(`${host} is not an address of this machine; fix SWITCHBOARD_BIND`);
    throw error;
  }
  const address = app.server.address() as AddressInfo;
  return { address: address.address, port: address.port };
}

/**
 * Starts Switchboard: store (migrated), demo organisation on an empty store, HTTP (and HTTPS when
 * TLS is configured). The SIP stack, registrar, call engine and media workers are started at the
 * marked places below.
 */
export async function startServer(config: ServerConfig, options: StartOptions = {}): Promise<ServerHandle> {
  const logger = options.logger ?? createLogger(config.logLevel);
  const closers: Array<() => Promise<void>> = [];
  const closeAll = async (): Promise<void> => {
    for (const close of closers.splice(0).reverse()) {
      try {
        await close();
      } catch (error) {
        logger.warn({ err: error }, 'error while shutting down');
      }
    }
  };

  try {
    mkdirSync(config.dataDir, { recursive: true });
    const store = await openStore({ databaseUrl: config.databaseUrl, sqlitePath: sqlitePathOf(config) });
    closers.push(() => store.close());
    logger.info({ dialect: store.dialect, dataDir: config.dataDir }, 'store open and migrated');

    let demo: DemoOrganisation | null = null;
    if (config.demo && (await store.tenants.count()) === 0) {
      demo = await createDemoOrganisation(store, config.dataDir);
      logger.info({ tenantId: demo.tenant.id, sipDomain: demo.tenant.sipDomain }, 'demo organisation created');
    } else if (config.demo) {
      demo = await loadDemoOrganisation(store, config.dataDir);
    }

    const tls = await loadTlsMaterial(config).catch((error: unknown) => {
      throw error instanceof TlsFileError ? new StartError(error.message) : error;
    });
    const events = new EventHub(logger);
    closers.push(() => Promise.resolve(events.closeAll('server shutting down')));

    const notifier = { callsChanged: (tenantId: string, userIds: readonly string[]) => { for (const userId of userIds) events.publish(tenantId, userId, { type: 'calls.changed' }); } };
    // DND and voicemail changes (portal, *78/*79, a new message) reach the user's pages.
    const featureNotifier = {
      dndChanged: (tenantId: string, userId: string, enabled: boolean) => void events.publish(tenantId, userId, { type: 'dnd', enabled }),
      voicemailChanged: (tenantId: string, userId: string, unread: number) => void events.publish(tenantId, userId, { type: 'voicemail', unread }),
    };
    const sip = await startSipService(config, store, logger, tls, notifier, featureNotifier).catch((error: unknown) => {
      throw error instanceof SipStartError ? new StartError(error.message) : error;
    });
    closers.push(() => sip.close());
    // Every signed-in user of the tenant sees presence changes (BLF keys, directory).
    const stopPresence = sip.pbx.presence.onChange(({ tenantId, extension, state }) => void events.publish(tenantId, 'all', { type: 'presence', extension, state }));
    closers.push(() => Promise.resolve(stopPresence()));

    const deps: PortalDeps & FeatureDeps & ConferenceDeps = {
      store,
      events,
      logger,
      throttle: new LoginThrottle(),
      presence: options.presence ?? new LivePresence(store, sip.pbx.presence),
      dnd: sip.pbx.dnd,
      mailbox: sip.pbx.mailbox,
      // Rooms for GET /api/conference and the conference events.
      conferences: sip.pbx.calls?.conferences ?? null,
      webRoot: config.webRoot,
      version: serverVersion,
      onSipWebSocket: options.onSipWebSocket ?? sip.onSipWebSocket,
    };

    const httpApp = await buildApp({ ...deps, secure: false });
    closers.push(() => httpApp.close());
    const http = await listen(httpApp, config.httpPort, config.bind, 'HTTP', 'SWITCHBOARD_HTTP_PORT');

    let https: BoundAddress | null = null;
    if (tls) {
      const httpsApp = await buildApp({ ...deps, secure: true }, { tls });
      closers.push(() => httpsApp.close());
      https = await listen(httpsApp, config.httpsPort, config.bind, 'HTTPS', 'SWITCHBOARD_HTTPS_PORT');
    }

    const upkeep = setInterval(() => {
      void Promise.all([store.sessions.purgeExpired(), store.devices.purgeExpired()]).catch((error: unknown) =>
        logger.warn({ err: error }, 'store upkeep failed'),
      );
    }, upkeepEveryMs);
    upkeep.unref();
    closers.push(() => Promise.resolve(clearInterval(upkeep)));

    logger.info({ http, https, sip: { udp: sip.udpPort, tcp: sip.tcpPort, tls: sip.tlsPort }, publicAddress: config.publicAddress }, 'switchboard started');
    let closing: Promise<void> | null = null;
    return {
      config,
      store,
      events,
      logger,
      http,
      https,
      tls,
      demo,
      sip,
      close: () => (closing ??= closeAll().then(() => logger.info('switchboard stopped'))),
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

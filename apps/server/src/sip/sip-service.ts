import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MediaEngine } from '@switchboard/media';
import { Pbx, type CallNotifier, type FeatureNotifier, type PbxLogger, type Store } from '@switchboard/pbx';
import { SipStack, TcpTransport, UdpTransport, WsTransport, type SipLogger, type Transport, type TraceEvent } from '@switchboard/sip';
import type { ServerConfig } from '../config/index.js';
import type { SipWebSocketHandler } from '../http/deps.js';
import type { Logger } from '../logging.js';
import type { TlsMaterial } from '../tls/certificate.js';

/** The digest realm every device authenticates in (usernames are server-wide). */
export const SIP_REALM = 'switchboard';

export interface SipService {
  stack: SipStack;
  pbx: Pbx;
  media: MediaEngine;
  /** Hand accepted `/sip` WebSockets here (RFC 7118). */
  onSipWebSocket: SipWebSocketHandler;
  /** Where SIP listens, as bound (ports may have been 0 in tests). */
  udpPort: number;
  tcpPort: number;
  tlsPort: number | null;
  close(): Promise<void>;
}

/** A start-up failure with a one-line explanation (kept separate from StartError to avoid a cycle). */
export class SipStartError extends Error {
  override readonly name = 'SipStartError';
}

/** Opens SIP over UDP and TCP (and TLS when configured), the stack and the PBX on top of it. */
export async function startSipService(config: ServerConfig, store: Store, logger: Logger, tls: TlsMaterial | null, notifier?: CallNotifier, featureNotifier?: FeatureNotifier): Promise<SipService> {
  const transports: Transport[] = [];
  let media: MediaEngine | null = null;
  const closeTransports = async () => {
    for (const t of transports) await t.close().catch(() => undefined);
    await media?.stop();
  };
  try {
    const udp = await listenOrExplain(() => UdpTransport.listen({ address: config.bind, port: config.sipPort, receiveBufferSize: 4 * 1024 * 1024 }), 'SIP (UDP)', config.sipPort, config.bind, 'SWITCHBOARD_SIP_PORT');
    transports.push(udp);
    // TCP on the same port as UDP, as phones expect; with port 0 (tests) take UDP's.
    const tcp = await listenOrExplain(() => TcpTransport.listen({ address: config.bind, port: udp.local.port }), 'SIP (TCP)', udp.local.port, config.bind, 'SWITCHBOARD_SIP_PORT');
    transports.push(tcp);
    let tlsPort: number | null = null;
    if (tls) {
      const sips = await listenOrExplain(() => TcpTransport.listen({ address: config.bind, port: config.sipsPort, tls: { cert: tls.cert, key: tls.key, ...(tls.trusted ? { ca: tls.trusted } : {}) } }), 'SIP (TLS)', config.sipsPort, config.bind, 'SWITCHBOARD_SIPS_PORT');
      transports.push(sips);
      tlsPort = sips.local.port;
    }
    const ws = new WsTransport({ local: { address: config.publicAddress, port: config.httpPort } });
    transports.push(ws);

    const sipLogger: SipLogger = (level, message, fields) => logger[level]({ component: 'sip', ...fields }, message);
    const stack = new SipStack({
      transports,
      hostname: config.publicAddress,
      logger: sipLogger,
      ...(config.sipTrace ? { trace: (event: TraceEvent) => traceMessage(logger, event) } : {}),
    });
    media = await MediaEngine.start({
      rtpPortRange: [config.rtpPorts.min, config.rtpPorts.max],
      bindAddress: config.bind,
      // SDP and ICE candidates need an address: a host name is resolved once, here.
      announcedAddress: await mediaAddress(config.publicAddress),
      // The portal's softphone is a browser: its first call must not wait for werift to load.
      prepareWebRtc: true,
    });
    const pbxLogger: PbxLogger = (level, message, fields) => logger[level]({ component: 'pbx', ...fields }, message);
    const pbx = new Pbx({
      stack,
      store,
      logger: pbxLogger,
      realm: SIP_REALM,
      secret: loadSecret(config.dataDir),
      media,
      voicemailDir: join(config.dataDir, 'voicemail'),
      ...(notifier ? { notifier } : {}),
      ...(featureNotifier ? { featureNotifier } : {}),
    });
    await pbx.start();
    logger.info({ udp: udp.local.port, tcp: tcp.local.port, tls: tlsPort, realm: SIP_REALM }, 'SIP listening');

    const engine = media;
    return {
      stack,
      pbx,
      media: engine,
      udpPort: udp.local.port,
      tcpPort: tcp.local.port,
      tlsPort,
      onSipWebSocket: (c) => {
        ws.accept(c.socket, { address: c.remoteAddress, port: c.remotePort, secure: c.secure });
      },
      close: async () => {
        await pbx.close();
        await stack.close();
        await engine.stop();
      },
    };
  } catch (error) {
    await closeTransports();
    throw error;
  }
}

async function mediaAddress(publicAddress: string): Promise<string> {
  if (isIP(publicAddress) !== 0) return publicAddress;
  try {
    return (await lookup(publicAddress, { family: 4 })).address;
  } catch {
    throw new SipStartError(`SWITCHBOARD_PUBLIC_ADDRESS ${publicAddress} does not resolve to an IPv4 address; give an address or a name this machine can resolve`);
  }
}

async function listenOrExplain<T>(open: () => Promise<T>, what: string, port: number, host: string, setting: string): Promise<T> {
  try {
    return await open();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new SipStartError(`${what} port ${port} on ${host} is already in use; choose another with ${setting}`);
    if (code === 'EACCES') throw new SipStartError(`not allowed to listen on ${what} port ${port}; choose a port above 1023 with ${setting}`);
    if (code === 'EADDRNOTAVAIL') throw new SipStartError(`${host} is not an address of this machine; fix SWITCHBOARD_BIND`);
    throw error;
  }
}

/** The nonce key, kept in the data folder so nonces outlive a restart. */
function loadSecret(dataDir: string): Buffer {
  const path = join(dataDir, 'sip-secret');
  if (existsSync(path)) {
    const text = readFileSync(path, 'utf8').trim();
    if (/^[0-9a-f]{64}$/.test(text)) return Buffer.from(text, 'hex');
  }
  const secret = randomBytes(32);
  writeFileSync(path, secret.toString('hex') + '\n', { mode: 0o600 });
  return secret;
}

/** SWITCHBOARD_SIP_TRACE=1: every SIP message, one log line each. */
function traceMessage(logger: Logger, e: TraceEvent): void {
  logger.info(
    { component: 'sip-trace', direction: e.direction, protocol: e.protocol, local: `${e.local.address}:${e.local.port}`, remote: `${e.remote.address}:${e.remote.port}`, flow: e.flowId },
    e.data.toString('utf8'),
  );
}

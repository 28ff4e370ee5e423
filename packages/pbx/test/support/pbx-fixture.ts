import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaEngine } from '@switchboard/media';
import { SipStack, TcpTransport, UdpTransport, type DigestAlgorithm, type TimerSettings, type Transport } from '@switchboard/sip';
import { Pbx } from '../../src/pbx.js';
import { openStore, type Store } from '../../src/store/index.js';
import type { PbxLogger } from '../../src/util/logger.js';

export interface LogLine {
  level: string;
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** A PBX on real loopback sockets (UDP + TCP, ephemeral ports) over a fresh SQLite store. */
export class PbxFixture {
  private constructor(
    /** Everything the PBX logged, oldest first. */
    readonly logs: LogLine[],
    readonly dir: string,
    readonly store: Store,
    readonly stack: SipStack,
    readonly pbx: Pbx,
    readonly udp: UdpTransport,
    readonly tcp: TcpTransport,
    readonly media: MediaEngine | null,
  ) {}

  static async start(
    options: { dir?: string; media?: boolean; ringTimeoutMs?: number; digestAlgorithms?: readonly DigestAlgorithm[]; sipTimers?: Partial<TimerSettings> } = {},
  ): Promise<PbxFixture> {
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'sb-pbx-'));
    const store = await openStore({ sqlitePath: join(dir, 'switchboard.sqlite') });
    const udp = await UdpTransport.listen({ address: '127.0.0.1', port: 0 });
    const tcp = await TcpTransport.listen({ address: '127.0.0.1', port: udp.local.port });
    const transports: Transport[] = [udp, tcp];
    const stack = new SipStack({ transports, hostname: '127.0.0.1', ...(options.sipTimers ? { timers: options.sipTimers } : {}) });
    const logs: LogLine[] = [];
    const logger: PbxLogger = (level, message, fields) => logs.push({ level, message, fields });
    const media = options.media ? await MediaEngine.start({ workers: 1, rtpPortRange: 'ephemeral', bindAddress: '127.0.0.1', announcedAddress: '127.0.0.1' }) : null;
    const pbx = new Pbx({
      stack,
      store,
      logger,
      realm: 'switchboard',
      secret: 'a test secret of enough length',
      ...(media ? { media } : {}),
      ...(options.ringTimeoutMs !== undefined ? { ringTimeoutMs: options.ringTimeoutMs } : {}),
      ...(options.digestAlgorithms ? { digestAlgorithms: options.digestAlgorithms } : {}),
    });
    await pbx.start();
    return new PbxFixture(logs, dir, store, stack, pbx, udp, tcp, media);
  }

  get port(): number {
    return this.udp.local.port;
  }

  /** A tenant with one user on `extension` and a desk phone; returns its SIP credentials. */
  async addPhone(extension: string, name = `User ${extension}`, tenantName = 'Test Co'): Promise<{ tenantId: string; userId: string; username: string; password: string; domain: string }> {
    let tenant = (await this.store.tenants.list()).find((t) => t.name === tenantName);
    tenant ??= await this.store.tenants.create({ name: tenantName, sipDomain: `${tenantName.toLowerCase().replace(/\W+/g, '-')}.test` });
    const user = await this.store.users.create(tenant.id, { name, email: `u${extension}.${tenant.id.slice(0, 6)}@example.test` });
    await this.store.extensions.assign(tenant.id, extension, user.id);
    const device = await this.store.devices.create(tenant.id, { userId: user.id, kind: 'desk_phone' });
    return { tenantId: tenant.id, userId: user.id, username: device.sipUsername, password: device.sipPassword, domain: tenant.sipDomain };
  }

  /** Stops everything; with `keepData` the store's folder stays for a restart. */
  async close(options: { keepData?: boolean } = {}): Promise<void> {
    await this.pbx.close();
    await this.stack.close();
    await this.media?.stop();
    await this.store.close();
    if (!options.keepData) rmSync(this.dir, { recursive: true, force: true });
  }
}

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MediaEngine } from '@switchboard/media';
import { SipStack, TcpTransport, UdpTransport } from '@switchboard/sip';
import { Baresip, writeToneWav } from '@switchboard/testkit';
import type { FeatureNotifier } from '../../src/features/feature-notifier.js';
import { Pbx } from '../../src/pbx.js';
import { openStore, type Store } from '../../src/store/index.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A PBX with media and voicemail on loopback (ephemeral ports) over a SQLite store in a temp folder. */
export interface FeatureEvent {
  kind: 'dnd' | 'voicemail';
  tenantId: string;
  userId: string;
  value: boolean | number;
}

export class VoicemailFixture {
  readonly phones: Baresip[] = [];
  private constructor(
    /** What the PBX told the portal side (DND and voicemail changes), oldest first. */
    readonly events: FeatureEvent[],
    readonly dir: string,
    readonly store: Store,
    readonly stack: SipStack,
    readonly pbx: Pbx,
    readonly udp: UdpTransport,
    readonly media: MediaEngine,
    readonly tones: string,
  ) {}

  static async start(options: { dir?: string; ringTimeoutMs?: number } = {}): Promise<VoicemailFixture> {
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'sb-vm-'));
    const store = await openStore({ sqlitePath: join(dir, 'switchboard.sqlite') });
    const udp = await UdpTransport.listen({ address: '127.0.0.1', port: 0 });
    const tcp = await TcpTransport.listen({ address: '127.0.0.1', port: udp.local.port });
    const stack = new SipStack({ transports: [udp, tcp], hostname: '127.0.0.1' });
    const media = await MediaEngine.start({ workers: 1, rtpPortRange: 'ephemeral', bindAddress: '127.0.0.1', announcedAddress: '127.0.0.1' });
    const events: FeatureEvent[] = [];
    const featureNotifier: FeatureNotifier = {
      dndChanged: (tenantId, userId, value) => events.push({ kind: 'dnd', tenantId, userId, value }),
      voicemailChanged: (tenantId, userId, value) => events.push({ kind: 'voicemail', tenantId, userId, value }),
    };
    const pbx = new Pbx({
      stack,
      store,
      logger: () => undefined,
      realm: 'switchboard',
      secret: 'a test secret of enough length',
      media,
      voicemailDir: join(dir, 'voicemail'),
      featureNotifier,
      ringTimeoutMs: options.ringTimeoutMs ?? 4000,
    });
    await pbx.start();
    const tones = mkdtempSync(join(tmpdir(), 'sb-vm-tones-'));
    writeToneWav(join(tones, '440.wav'), 440, 30);
    writeToneWav(join(tones, '1000.wav'), 1000, 30);
    return new VoicemailFixture(events, dir, store, stack, pbx, udp, media, tones);
  }

  get port(): number {
    return this.udp.local.port;
  }

  async addUser(extension: string, name: string): Promise<{ tenantId: string; userId: string; username: string; password: string; domain: string }> {
    let tenant = (await this.store.tenants.list())[0];
    tenant ??= await this.store.tenants.create({ name: 'Test Co', sipDomain: 'test-co.test' });
    const user = await this.store.users.create(tenant.id, { name, email: `u${extension}@example.test` });
    await this.store.extensions.assign(tenant.id, extension, user.id);
    const device = await this.store.devices.create(tenant.id, { userId: user.id, kind: 'desk_phone' });
    return { tenantId: tenant.id, userId: user.id, username: device.sipUsername, password: device.sipPassword, domain: tenant.sipDomain };
  }

  /** A registered baresip desk phone for a new user on `extension`, sending a tone. */
  async phone(extension: string, name: string, tone: '440' | '1000' = '440'): Promise<{ phone: Baresip; creds: Awaited<ReturnType<VoicemailFixture['addUser']>> }> {
    const creds = await this.addUser(extension, name);
    const phone = await Baresip.start({
      account: { user: creds.username, domain: `127.0.0.1:${this.port}`, password: creds.password, displayName: name },
      audioSource: join(this.tones, `${tone}.wav`),
    });
    this.phones.push(phone);
    const deadline = Date.now() + 15000;
    while (this.pbx.location.bindings(creds.tenantId, extension).length === 0) {
      if (Date.now() > deadline) throw new Error(`${name} did not register:\n${phone.logText()}`);
      await sleep(50);
    }
    return { phone, creds };
  }

  /** Waits until a voicemail recording (a message, or a greeting recorded by phone) is being written (its `.part` file exists). */
  async recordingStarted(timeoutMs = 30_000, folder: 'messages' | 'greetings' = 'messages'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const root = join(this.dir, 'voicemail', folder);
    for (;;) {
      const parts = readdirSync(root, { recursive: true }).map(String).filter((f) => f.endsWith('.part'));
      if (parts.length > 0) return;
      if (Date.now() > deadline) throw new Error('no recording started');
      await sleep(50);
    }
  }

  async close(options: { keepData?: boolean } = {}): Promise<void> {
    await Promise.all(this.phones.splice(0).map((p) => p.stop()));
    await this.pbx.close();
    await this.stack.close();
    await this.media.stop();
    await this.store.close();
    rmSync(this.tones, { recursive: true, force: true });
    if (!options.keepData) rmSync(this.dir, { recursive: true, force: true });
  }
}


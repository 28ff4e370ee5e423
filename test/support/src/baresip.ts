import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, mkdirSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePortBlock } from './ports.js';
import { readWav, type Pcm } from './wav.js';

/** One event from baresip's ctrl_tcp module (e.g. CALL_INCOMING, CALL_ESTABLISHED, REGISTER_OK). */
export interface BaresipEvent {
  type: string;
  class?: string;
  accountaor?: string;
  direction?: string;
  peeruri?: string;
  peerdisplayname?: string;
  id?: string;
  param?: string;
  [key: string]: unknown;
}

export interface BaresipAccount {
  /** SIP user part, e.g. "101". */
  user: string;
  /** Domain of the address of record; the server's address when phones register to an IP. */
  domain: string;
  password?: string;
  /** Authentication user when it differs from `user`. */
  authUser?: string;
  displayName?: string;
  /** Where to send requests, e.g. "127.0.0.1:5060"; defaults to the domain. */
  proxy?: string;
  transport?: 'udp' | 'tcp' | 'tls';
  /** Register with the server (default true when a password is given). */
  register?: boolean;
  answerMode?: 'manual' | 'auto';
  /** Media encryption, e.g. "srtp-mand" (SDES-SRTP required; needs `module srtp.so` in extraConfig). */
  mediaenc?: string;
}

export interface BaresipOptions {
  account: BaresipAccount;
  /** A WAV file used as the microphone (see writeToneWav). */
  audioSource: string;
  codecs?: Array<'g711' | 'opus'>;
  /** Extra lines for the config file. */
  extraConfig?: string[];
  /** Print every SIP message sent and received into the log (`baresip -s`), see `sipMessages()`. */
  sipTrace?: boolean;
}

const MODULES = '/usr/lib/baresip/modules';

/** Every phone still running, killed if the test process exits without stopping it. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** A baresip desk phone driven through its TCP control socket: the test's "real phone". */
export class Baresip extends EventEmitter {
  /** Every event received so far, oldest first. */
  readonly events: BaresipEvent[] = [];
  private buffer = '';
  private nextToken = 1;
  private readonly pending = new Map<string, (reply: { ok: boolean; data: string }) => void>();

  private constructor(
    readonly dir: string,
    readonly sipPort: number,
    private readonly child: ChildProcess,
    private readonly socket: Socket,
    readonly account: BaresipAccount,
  ) {
    super();
    socket.on('data', (chunk) => this.onData(chunk.toString('utf8')));
  }

  /** Whether baresip is installed; tests skip with a clear message when it is not. */
  static isAvailable(): boolean {
    return spawnSync('sh', ['-c', 'command -v baresip'], { stdio: 'ignore' }).status === 0;
  }

  static async start(options: BaresipOptions): Promise<Baresip> {
    const dir = mkdtempSync(join(tmpdir(), 'sb-baresip-'));
    const cwd = join(dir, 'cwd');
    mkdirSync(cwd);
    // baresip binds the SIP port on UDP+TCP and port+1 for TLS, its control port, and RTP ports.
    const base = await freePortBlock(24);
    const sipPort = base;
    const ctrlPort = base + 3;
    const codecs = options.codecs ?? ['g711'];
    const config = [
      'poll_method epoll',
      `sip_listen 127.0.0.1:${sipPort}`,
      'net_interface 127.0.0.1',
      `audio_player aubridge,sb${sipPort}`,
      `audio_alert aubridge,sb${sipPort}`,
      `audio_source aufile,${options.audioSource}`,
      `rtp_ports ${base + 4}-${base + 23}`,
      `module_path ${MODULES}`,
      ...codecs.map((c) => `module ${c}.so`),
      'module aufile.so',
      'module aubridge.so',
      'module sndfile.so',
      'module_app account.so',
      'module_app menu.so',
      'module_app ctrl_tcp.so',
      `ctrl_tcp_listen 127.0.0.1:${ctrlPort}`,
      ...(options.extraConfig ?? []),
    ];
    writeFileSync(join(dir, 'config'), config.join('\n') + '\n');
    writeFileSync(join(dir, 'accounts'), accountLine(options.account) + '\n');
    const child = spawn('baresip', ['-f', dir, ...(options.sipTrace ? ['-s'] : [])], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    child.once('exit', () => running.delete(child));
    let log = '';
    // With a SIP trace the log carries whole messages: keep more of it.
    const keep = options.sipTrace ? 400_000 : 20_000;
    const keepLog = (d: Buffer) => {
      log = (log + d.toString('utf8')).slice(-keep);
    };
    child.stdout?.on('data', keepLog);
    child.stderr?.on('data', keepLog);
    const socket = await connectWithRetry(ctrlPort, child, () => log);
    const phone = new Baresip(dir, sipPort, child, socket, options.account);
    phone.logText = () => log;
    return phone;
  }

  /**
   * Starts a phone whose account registers with a server and resolves once the server has
   * accepted the registration (stopping the phone if it does not within `timeoutMs`).
   */
  static async startRegistered(options: BaresipOptions, timeoutMs = 20_000): Promise<Baresip> {
    const phone = await Baresip.start(options);
    try {
      await phone.waitRegistered(timeoutMs);
    } catch (error) {
      await phone.stop();
      throw error;
    }
    return phone;
  }

  /** The last lines baresip printed, for failure messages. */
  logText: () => string = () => '';

  /**
   * Resolves once the server has accepted this phone's registration. It asks baresip
   * (`reginfo`) instead of waiting for REGISTER_OK, which can fire before the control socket
   * is connected and then never reaches the test.
   */
  async waitRegistered(timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const reply = await this.command('reginfo');
      // One line per user agent: "> sip:101@host:port   OK  Expires 300s" (OK is coloured).
      if (/^>.*\bOK\b/m.test(withoutColours(reply.data))) return;
      if (Date.now() > deadline) throw new Error(`baresip ${this.account.user} did not register within ${timeoutMs} ms: ${reply.data.trim()}\n${this.logText().slice(-3000)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /**
   * The SIP messages this phone sent or received so far, when started with `sipTrace`: each is
   * the start line and headers as baresip printed them (bodies included).
   */
  sipMessages(): string[] {
    // Each traced message is printed as "#", then "UDP <from> -> <to>", then the message.
    return withoutColours(this.logText())
      .split(/^#\n(?:UDP|TCP|TLS|WS|WSS) \S+ -> \S+\n/m)
      .slice(1)
      .map((m) => m.replace(/\n+$/, ''));
  }

  /** Send a long-form menu command (see baresip's /help) and wait for its reply. */
  async command(command: string, params?: string): Promise<{ ok: boolean; data: string }> {
    const token = String(this.nextToken++);
    const message = JSON.stringify(params === undefined ? { command, token } : { command, params, token });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(token);
        reject(new Error(`baresip did not answer "${command}"`));
      }, 5000);
      this.pending.set(token, (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      this.socket.write(`${Buffer.byteLength(message)}:${message},`);
    });
  }

  /**
   * Resolve with the first event of `type` (matching `predicate`) at or after index `since`
   * in `events`; by default only events that arrive from now on.
   */
  async waitFor(type: string, options: { predicate?: (e: BaresipEvent) => boolean; timeoutMs?: number; since?: number } = {}): Promise<BaresipEvent> {
    const { predicate = () => true, timeoutMs = 15000, since = this.events.length } = options;
    const match = (e: BaresipEvent) => e.type === type && predicate(e);
    const past = this.events.slice(since).find(match);
    if (past) return past;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.off('event', listener);
        const seen = this.events.map((e) => e.type).join(', ');
        reject(new Error(`baresip ${this.account.user}: no ${type} within ${timeoutMs} ms (events: ${seen})\n${this.logText().slice(-3000)}`));
      }, timeoutMs);
      const listener = (e: BaresipEvent) => {
        if (!match(e)) return;
        clearTimeout(timer);
        this.off('event', listener);
        resolve(e);
      };
      this.on('event', listener);
    });
  }

  async dial(uri: string): Promise<void> {
    await this.expectOk('dial', uri);
  }
  async accept(): Promise<void> {
    await this.expectOk('accept');
  }
  async hangup(): Promise<void> {
    await this.command('hangup');
  }
  async hold(): Promise<void> {
    await this.expectOk('hold');
  }
  async resume(): Promise<void> {
    await this.expectOk('resume');
  }
  /** Blind transfer of the current call (REFER). */
  async transfer(uri: string): Promise<void> {
    await this.expectOk('transfer', uri);
  }
  /** Sends DTMF digits one by one, with a gap so each is a separate RFC 4733 event. */
  async sendDtmf(digits: string): Promise<void> {
    for (const digit of digits) {
      await this.expectOk('sndcode', digit);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  /** Digits received as DTMF so far (CALL_DTMF_START events). */
  receivedDtmf(): string {
    return this.events.filter((e) => e.type === 'CALL_DTMF_START').map((e) => e.param ?? '').join('');
  }

  /**
   * What the phone heard in its most recent call: the decoded audio that baresip's sndfile
   * module wrote. Complete once the call has ended; during the call, what was heard so far.
   */
  heardAudio(): Pcm {
    const cwd = join(this.dir, 'cwd');
    const files = readdirSync(cwd)
      .filter((f) => f.endsWith('-dec.wav'))
      .map((f) => ({ f, t: statSync(join(cwd, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    const newest = files[0];
    if (!newest) throw new Error(`baresip ${this.account.user} recorded no call audio`);
    return readWav(join(cwd, newest.f));
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      await this.command('quit').catch(() => undefined);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.child.kill('SIGKILL');
          resolve();
        }, 1500);
        this.child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.socket.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async expectOk(command: string, params?: string): Promise<void> {
    const reply = await this.command(command, params);
    if (!reply.ok) throw new Error(`baresip ${command} ${params ?? ''} failed: ${reply.data}`);
  }

  private onData(text: string): void {
    this.buffer += text;
    for (;;) {
      const colon = this.buffer.indexOf(':');
      if (colon < 0) return;
      const length = Number(this.buffer.slice(0, colon));
      if (!Number.isFinite(length)) {
        this.buffer = '';
        return;
      }
      // Netstring lengths count bytes; replies are ASCII JSON (non-ASCII is escaped), so chars == bytes.
      if (this.buffer.length < colon + 1 + length + 1) return;
      const body = this.buffer.slice(colon + 1, colon + 1 + length);
      this.buffer = this.buffer.slice(colon + 1 + length + 1);
      let message: Record<string, unknown>;
      try {
        message = JSON.parse(body) as Record<string, unknown>;
      } catch {
        continue;
      }
      if (message.response === true && typeof message.token === 'string') {
        this.pending.get(message.token)?.({ ok: message.ok === true, data: typeof message.data === 'string' ? message.data : '' });
        this.pending.delete(message.token);
      } else if (message.event === true) {
        const event = message as unknown as BaresipEvent;
        this.events.push(event);
        this.emit('event', event);
      }
    }
  }
}

/** Text without the terminal colour codes baresip adds. */
function withoutColours(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\x1b\[[0-9;]*m/g, '');
}

function accountLine(a: BaresipAccount): string {
  const transport = a.transport ?? 'udp';
  const name = a.displayName ? `"${a.displayName}" ` : '';
  const params = [`answermode=${a.answerMode ?? 'manual'}`];
  if (a.password !== undefined) params.push(`auth_pass=${a.password}`);
  if (a.authUser !== undefined) params.push(`auth_user=${a.authUser}`);
  if (a.mediaenc !== undefined) params.push(`mediaenc=${a.mediaenc}`);
  if (a.proxy !== undefined) params.push(`outbound="sip:${a.proxy};transport=${transport}"`);
  const register = a.register ?? a.password !== undefined;
  params.push(register ? 'regint=300' : 'regint=0');
  return `${name}<sip:${a.user}@${a.domain};transport=${transport}>;${params.join(';')}`;
}

async function connectWithRetry(port: number, child: ChildProcess, log: () => string): Promise<Socket> {
  const deadline = Date.now() + 8000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`baresip exited (${child.exitCode}):\n${log()}`);
    try {
      return await new Promise<Socket>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => resolve(socket));
        socket.once('error', reject);
      });
    } catch (error) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`baresip control port did not open: ${String(error)}\n${log()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

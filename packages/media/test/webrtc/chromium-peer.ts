/**
 * Headless Debian Chromium as the browser end of a WebRTC leg (flags from
 * notes/webrtc-on-this-machine.md). One browser per test file, one page per call.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { BROWSER_PAGE } from './browser-page.js';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const chromiumMissing = existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} is not installed (apt-get install chromium): browser tests skipped`;

export interface Spectrum {
  frequency: number | null;
  level: number;
  share: number;
}

type PageFunction =
  | 'startPeer'
  | 'makeOffer'
  | 'acceptAnswer'
  | 'answerOffer'
  | 'connectionState'
  | 'setDirection'
  | 'localSecurity'
  | 'dtlsState'
  | 'dominantFrequency'
  | 'insertDtmf'
  | 'inboundStats'
  | 'rtcpSeen'
  | 'closePeer';

/** The browser side of one call, driven through page.evaluate() on the functions of browser-page.ts. */
export class BrowserPeer {
  constructor(readonly page: Page) {}

  private async call<T>(name: PageFunction, ...args: unknown[]): Promise<T> {
    const result: unknown = await this.page.evaluate(
      ({ name, args }) => (globalThis as unknown as Record<string, (...values: unknown[]) => unknown>)[name]!(...args),
      { name, args },
    );
    return result as T;
  }

  start(): Promise<void> {
    return this.call('startPeer');
  }

  makeOffer(): Promise<string> {
    return this.call('makeOffer');
  }

  acceptAnswer(sdp: string): Promise<void> {
    return this.call('acceptAnswer', sdp);
  }

  answerOffer(sdp: string): Promise<string> {
    return this.call('answerOffer', sdp);
  }

  connectionState(): Promise<string> {
    return this.call('connectionState');
  }

  setDirection(direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'): Promise<void> {
    return this.call('setDirection', direction);
  }

  localSecurity(): Promise<{ ufrag: string | null; setup: string | null }> {
    return this.call('localSecurity');
  }

  dtlsState(): Promise<string> {
    return this.call('dtlsState');
  }

  dominantFrequency(ms: number): Promise<Spectrum> {
    return this.call('dominantFrequency', ms);
  }

  insertDtmf(tones: string): Promise<void> {
    return this.call('insertDtmf', tones);
  }

  /** The browser's inbound-rtp statistics for the audio it receives from us. */
  inboundStats(): Promise<{ packetsReceived: number; codec: string | null; ssrc: number | null }> {
    return this.call('inboundStats');
  }

  rtcpSeen(): Promise<{ remoteOutbound: boolean; remoteInbound: boolean }> {
    return this.call('rtcpSeen');
  }

  async waitFor(what: () => Promise<string>, expected: string, timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      last = await what();
      if (last === expected) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`browser state stayed ${last}, expected ${expected}`);
  }

  async close(): Promise<void> {
    if (this.page.isClosed()) return;
    await this.call('closePeer').catch(() => undefined);
    await this.page.close();
  }
}

/** A Chromium whose microphone plays a tone file, and the loopback page server its pages load. */
export class ChromiumHarness {
  private constructor(
    private readonly context: BrowserContext,
    private readonly server: Server,
    private readonly pageUrl: string,
    private readonly dir: string,
  ) {}

  static async launch(micToneHz: number): Promise<ChromiumHarness> {
    const dir = mkdtempSync(join(tmpdir(), 'webrtc-leg-'));
    const wav = join(dir, `mic-${micToneHz}.wav`);
    execFileSync('sox', ['-n', '-r', '48000', '-c', '1', '-b', '16', wav, 'synth', '30', 'sine', String(micToneHz), 'vol', '0.5']);
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(BROWSER_PAGE);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // A persistent context is how Playwright takes a user-data-dir: a fresh one per browser.
    const context = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--use-fake-ui-for-media-stream',
        '--use-fake-device-for-media-stream',
        `--use-file-for-fake-audio-capture=${wav}`,
        '--allow-loopback-in-peer-connection',
        '--autoplay-policy=no-user-gesture-required',
      ],
    });
    return new ChromiumHarness(context, server, `http://127.0.0.1:${port}/`, dir);
  }

  async newPeer(): Promise<BrowserPeer> {
    const page = await this.context.newPage();
    await page.goto(this.pageUrl);
    const peer = new BrowserPeer(page);
    await peer.start();
    return peer;
  }

  async close(): Promise<void> {
    await this.context.close();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

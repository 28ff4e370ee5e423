#!/usr/bin/env node
// Portal performance (issue 5): how much JavaScript the portal makes a browser load, how long
// a signed-in user waits from opening the page to "Ready", and how long from a click on Call
// to the callee's phone ringing. Real server (apps/server/dist, demo organisation, loopback
// only, ephemeral ports), Debian's Chromium driven by Playwright, a real baresip desk phone and
// a second browser as callees. Numbers only, never pass/fail: the machine is shared.
//
//   npm run bench:portal                 # builds, then RUNS=15
//   RUNS=5 node bench/portal/run.mjs     # a quick look (after npm run build)
//
// What is measured:
// 1. Initial JavaScript, gzipped: every script the sign-in page loads before it is usable (the
//    first paint of a new visitor), as requested by the browser, each file gzipped (level 9) from
//    apps/web/dist. Also the JavaScript a signed-in page has loaded when it shows Ready (the
//    Phone tab and the JsSIP chunk, which is loaded after sign-in).
// 2. Page load to Ready: a signed-in user opens the portal in a fresh browser context (cold
//    HTTP cache, session cookie kept); from navigation start (performance.timeOrigin) to the
//    status line showing "Status: Ready" (registered over WebSocket, microphone opened). Median
//    and p95 of RUNS.
// 3. Click on Call to ringing: from the click on Call (a capture listener in the page notes the
//    time) to (a) a baresip desk phone reporting the INVITE (CALL_INCOMING on its control
//    socket), (b) a second signed-in browser showing its incoming-call overlay. The same clock
//    (this machine's) on both ends. Median and p95 of RUNS each, split at the INVITE leaving the
//    caller's page and arriving in the callee's (a wrapped WebSocket in each page notes both).
//
// Aims (issue 5): ≤ 250 KB gzipped, ≤ 1 s to Ready, ≤ 300 ms to ringing.
import { existsSync, readFileSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { register } from 'tsx/esm/api';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const webDist = join(root, 'apps', 'web', 'dist');
const RUNS = Number(process.env.RUNS ?? 15);
const AIMS = { initialKb: 250, readyMs: 1000, ringMs: 300 };

if (!existsSync(join(root, 'apps/server/dist/main.js')) || !existsSync(join(webDist, 'index.html'))) {
  console.error('bench:portal: not built; run "npm run build" first');
  process.exit(1);
}

// The e2e suite's server, browser and desk-phone helpers are TypeScript: load them through tsx.
register();
const { startSwitchboard } = await import('../../test/e2e/support/server.ts');
const { launchBrowser, chromiumMissing } = await import('../../test/e2e/support/browser.ts');
const { startDeskPhone, baresipMissing } = await import('../../test/e2e/support/desk-phone.ts');

if (chromiumMissing) {
  console.error(`bench:portal: ${chromiumMissing}`);
  process.exit(1);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const median = (xs) => quantile(xs, 0.5);
function quantile(xs, q) {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}
const load = () => loadavg().map((l) => l.toFixed(2)).join(' ');

/** gzipped size of a built asset named by its URL path (/assets/x.js), in bytes. */
function gzippedSize(urlPath) {
  const file = join(webDist, decodeURIComponent(urlPath.replace(/^\//, '')));
  return gzipSync(readFileSync(file), { level: 9 }).length;
}

/** The scripts a page requested from our origin, until `until` resolves. */
async function scriptsLoaded(page, origin, until) {
  const scripts = new Set();
  const listener = (request) => {
    const url = new URL(request.url());
    if (url.origin === origin && request.resourceType() === 'script') scripts.add(url.pathname);
  };
  page.on('request', listener);
  await until();
  page.off('request', listener);
  return [...scripts].map((path) => ({ path, gz: gzippedSize(path), raw: readFileSync(join(webDist, path.replace(/^\//, ''))).length }));
}

async function signIn(page, user) {
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/** Waits until the page's status line says Ready. */
function untilReady(page) {
  return page.waitForFunction(() => document.querySelector('[data-testid="phone-status"]')?.textContent === 'Status: Ready', null, { timeout: 30_000 });
}
/**
 * Notes performance.now() (ms since navigation start) when the status line first appears (the
 * app has rendered after sign-in check) and when it first shows Ready.
 */
function watchReady() {
  const w = window;
  const check = () => {
    const status = document.querySelector('[data-testid="phone-status"]');
    if (status && w.benchStatusAt === undefined) w.benchStatusAt = performance.now();
    if (status && status.textContent === 'Status: Ready' && w.benchReadyAt === undefined) w.benchReadyAt = performance.now();
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
}
/** Notes Date.now() at every click on the Call button (capture phase, before the app acts). */
function watchCallClicks() {
  const w = window;
  document.addEventListener(
    'click',
    (event) => {
      const button = event.target instanceof Element ? event.target.closest('button') : null;
      if (button && button.textContent?.trim() === 'Call') w.benchClickAt = Date.now();
    },
    true,
  );
}
/**
 * Notes Date.now() when the page sends an INVITE on its SIP WebSocket, and when one arrives on
 * it (before the SIP stack sees it: this listener is added first).
 */
function watchSipFrames() {
  const w = window;
  const Native = WebSocket;
  w.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (event) => {
        if (typeof event.data === 'string' && event.data.startsWith('INVITE ') && w.benchInviteReceivedAt === undefined) w.benchInviteReceivedAt = Date.now();
      });
    }
    send(data) {
      if (typeof data === 'string' && data.startsWith('INVITE ')) w.benchInviteSentAt = Date.now();
      return super.send(data);
    }
  };
}
/** Notes Date.now() when an incoming-call overlay appears. */
function watchIncoming() {
  const w = window;
  new MutationObserver(() => {
    if (w.benchIncomingAt === undefined && document.querySelector('[role="alertdialog"]')) w.benchIncomingAt = Date.now();
  }).observe(document, { subtree: true, childList: true });
}

const server = await startSwitchboard();
const browsers = [];
const phones = [];
const results = { loadavgStart: load() };
try {
  const browser = await launchBrowser({ toneHz: 440 });
  browsers.push(browser);
  const alice = server.user('101');
  const bob = server.user('102');

  // 1. Initial JavaScript (a new visitor's sign-in page), and what a signed-in page has by Ready.
  {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    const origin = new URL(server.url).origin;
    const initial = await scriptsLoaded(page, origin, async () => {
      await page.goto('/', { waitUntil: 'load' });
      await page.getByRole('button', { name: 'Sign in' }).waitFor();
      await sleep(500);
    });
    const signedIn = await scriptsLoaded(page, origin, async () => {
      await signIn(page, alice);
      await untilReady(page);
    });
    results.initial = initial;
    results.afterSignIn = signedIn;
    await context.close();
  }

  // A signed-in session to reuse (the cookie), as a returning user has.
  const session = await (async () => {
    const context = await browser.newContext({ baseURL: server.url });
    const page = await context.newPage();
    await page.goto('/');
    await signIn(page, alice);
    await untilReady(page);
    const state = await context.storageState();
    await context.close();
    return state;
  })();

  // 2. Page load to Ready, RUNS times with a cold cache (a fresh context each), then RUNS
  // reloads of one page (warm cache), with where the time went.
  const loadToReady = async (page) => {
    await page.waitForFunction(() => window.benchReadyAt !== undefined, null, { timeout: 30_000 });
    return page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const jssip = performance.getEntriesByType('resource').find((r) => r.name.includes('jssip'));
      return { ready: window.benchReadyAt, domContentLoaded: nav?.domContentLoadedEventEnd ?? NaN, status: window.benchStatusAt, jssip: jssip?.responseEnd ?? NaN };
    });
  };
  results.ready = [];
  for (let i = 0; i < RUNS; i++) {
    const context = await browser.newContext({ baseURL: server.url, storageState: session });
    await context.addInitScript(watchReady);
    const page = await context.newPage();
    await page.goto('/');
    results.ready.push(await loadToReady(page));
    await context.close();
    await sleep(300);
  }
  results.readyWarm = [];
  {
    const context = await browser.newContext({ baseURL: server.url, storageState: session });
    await context.addInitScript(watchReady);
    const page = await context.newPage();
    await page.goto('/');
    await loadToReady(page);
    for (let i = 0; i < RUNS; i++) {
      await sleep(300);
      await page.reload();
      results.readyWarm.push(await loadToReady(page));
    }
    await context.close();
  }

  // 3. Click on Call to ringing: (a) a desk phone, (b) a second browser.
  const callerContext = await browser.newContext({ baseURL: server.url });
  await callerContext.addInitScript(watchCallClicks);
  await callerContext.addInitScript(watchSipFrames);
  const caller = await callerContext.newPage();
  await caller.goto('/');
  await signIn(caller, alice);
  await untilReady(caller);
  const callButton = caller.getByRole('button', { name: 'Call', exact: true });
  const hangUp = async () => {
    await caller.getByRole('button', { name: 'Hang Up' }).click();
    await callButton.waitFor();
  };
  const clickedAt = () => caller.evaluate(() => window.benchClickAt);

  results.ringDeskPhone = [];
  results.ringDeskPhoneParts = [];
  if (baresipMissing) {
    results.ringDeskPhoneSkipped = baresipMissing;
  } else {
    const phone = await startDeskPhone(server, '103', { toneHz: 1000 });
    phones.push(phone);
    for (let i = 0; i < RUNS; i++) {
      const mark = phone.events.length;
      await caller.getByLabel('Number or extension').fill('103');
      const incoming = new Promise((resolve, reject) => {
        phone.waitFor('CALL_INCOMING', { since: mark, timeoutMs: 20_000 }).then(() => resolve(Date.now()), reject);
      });
      await callButton.click();
      const rangAt = await incoming;
      const inviteSentAt = await caller.evaluate(() => window.benchInviteSentAt);
      const clicked = await clickedAt();
      results.ringDeskPhone.push(rangAt - clicked);
      results.ringDeskPhoneParts.push({ offer: inviteSentAt - clicked, rest: rangAt - inviteSentAt });
      await hangUp();
      await phone.waitFor('CALL_CLOSED', { since: mark });
      await sleep(300);
    }
  }

  results.ringBrowser = [];
  {
    const context = await browser.newContext({ baseURL: server.url });
    await context.addInitScript(watchIncoming);
    await context.addInitScript(watchSipFrames);
    const callee = await context.newPage();
    results.ringBrowserParts = [];
    await callee.goto('/');
    await signIn(callee, bob);
    await untilReady(callee);
    const overlay = callee.getByRole('alertdialog', { name: 'Incoming call' });
    for (let i = 0; i < RUNS; i++) {
      await callee.evaluate(() => {
        window.benchIncomingAt = undefined;
        window.benchInviteReceivedAt = undefined;
      });
      await caller.getByLabel('Number or extension').fill('102');
      await callButton.click();
      await callee.waitForFunction(() => window.benchIncomingAt !== undefined, null, { timeout: 20_000 });
      const shownAt = await callee.evaluate(() => window.benchIncomingAt);
      const inviteReceivedAt = await callee.evaluate(() => window.benchInviteReceivedAt);
      const inviteSentAt = await caller.evaluate(() => window.benchInviteSentAt);
      const clicked = await clickedAt();
      results.ringBrowser.push(shownAt - clicked);
      results.ringBrowserParts.push({ offer: inviteSentAt - clicked, server: inviteReceivedAt - inviteSentAt, callee: shownAt - inviteReceivedAt });
      await hangUp();
      await overlay.waitFor({ state: 'hidden' });
      await sleep(300);
    }
    await context.close();
  }
  await callerContext.close();
  results.loadavgEnd = load();
} finally {
  await Promise.all(phones.map((p) => p.stop()));
  await Promise.all(browsers.map((b) => b.close()));
  await server.stop();
}

// ── report ────────────────────────────────────────────────────────────────────────────────
const kb = (bytes) => (bytes / 1024).toFixed(1);
const sum = (files, key) => files.reduce((total, f) => total + f[key], 0);
const stat = (xs) => `median ${median(xs).toFixed(0)} ms, p95 ${quantile(xs, 0.95).toFixed(0)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)}, n=${xs.length})`;
const verdict = (value, aim) => (value <= aim ? 'meets the aim' : 'misses the aim');

const initialGz = sum(results.initial, 'gz');
const lines = [
  `bench:portal ${new Date().toISOString()} — ${cpus().length} CPU(s), load average ${results.loadavgStart} at start, ${results.loadavgEnd} at end`,
  '',
  `Initial JavaScript (sign-in page): ${kb(initialGz)} KB gzipped (${kb(sum(results.initial, 'raw'))} KB raw) — aim ≤ ${AIMS.initialKb} KB: ${verdict(initialGz / 1024, AIMS.initialKb)}`,
  ...results.initial.map((f) => `  ${f.path}  ${kb(f.gz)} KB gz`),
  `JavaScript loaded by Ready after sign-in: +${kb(sum(results.afterSignIn, 'gz'))} KB gzipped`,
  ...results.afterSignIn.map((f) => `  ${f.path}  ${kb(f.gz)} KB gz`),
  '',
  ...[
    ['cold cache', results.ready],
    ['warm cache', results.readyWarm],
  ].flatMap(([label, runs]) => {
    const ready = runs.map((r) => r.ready);
    const part = (key) => median(runs.map((r) => r[key])).toFixed(0);
    return [
      `Page load → Ready (signed in, ${label}): ${stat(ready)} — aim ≤ ${AIMS.readyMs} ms: ${verdict(median(ready), AIMS.readyMs)}`,
      `  medians: DOMContentLoaded ${part('domContentLoaded')} ms, status line shown ${part('status')} ms, JsSIP chunk loaded ${part('jssip')} ms, Ready ${part('ready')} ms`,
    ];
  }),
  results.ringDeskPhoneSkipped
    ? `Click on Call → desk phone ringing: skipped (${results.ringDeskPhoneSkipped})`
    : `Click on Call → desk phone (baresip) ringing: ${stat(results.ringDeskPhone)} — aim ≤ ${AIMS.ringMs} ms: ${verdict(median(results.ringDeskPhone), AIMS.ringMs)}`,
  ...(results.ringDeskPhoneSkipped
    ? []
    : [`  medians: click → INVITE sent by the browser ${median(results.ringDeskPhoneParts.map((p) => p.offer)).toFixed(0)} ms, → phone reports the call ${median(results.ringDeskPhoneParts.map((p) => p.rest)).toFixed(0)} ms`]),
  `Click on Call → browser callee's overlay: ${stat(results.ringBrowser)} — aim ≤ ${AIMS.ringMs} ms: ${verdict(median(results.ringBrowser), AIMS.ringMs)}`,
  `  medians: click → INVITE sent by the caller's browser ${median(results.ringBrowserParts.map((p) => p.offer)).toFixed(0)} ms, → INVITE received by the callee's browser ${median(results.ringBrowserParts.map((p) => p.server)).toFixed(0)} ms, → overlay shown ${median(results.ringBrowserParts.map((p) => p.callee)).toFixed(0)} ms`,
];
console.log(lines.join('\n'));

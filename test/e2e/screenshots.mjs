#!/usr/bin/env node
// Screenshots of the Phone tab's states for the docs (docs/screenshots/*.png), taken from the
// real app: the built server with its demo organisation on loopback, Debian's Chromium, and
// baresip desk phones as the other parties. Not a test: it only takes pictures.
//
//   npm run build && node test/e2e/screenshots.mjs
//
// Each picture is the whole portal window (1100×720). Keep them small (< 150 KB each).
import { mkdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(root, 'docs', 'screenshots');
mkdirSync(out, { recursive: true });

register();
const { startSwitchboard } = await import('./support/server.ts');
const { launchBrowser, chromiumMissing } = await import('./support/browser.ts');
const { startDeskPhone, baresipMissing } = await import('./support/desk-phone.ts');
if (chromiumMissing || baresipMissing) {
  console.error(`screenshots: ${chromiumMissing ?? baresipMissing}`);
  process.exit(1);
}

const viewport = { width: 1100, height: 720 };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const server = await startSwitchboard();
const browsers = [];
const phones = [];
const taken = [];

async function shoot(page, name) {
  // Let transitions and the live timer settle, and keep the caret out of the picture.
  // No hover highlight left by the last click: the pointer rests in an empty corner.
  await page.mouse.move(viewport.width - 4, viewport.height - 4);
  await sleep(400);
  const path = join(out, `${name}.png`);
  await page.screenshot({ path, caret: 'hide', animations: 'disabled' });
  taken.push({ name, kb: statSync(path).size / 1024 });
  console.log(`  ${name}.png  ${(statSync(path).size / 1024).toFixed(0)} KB`);
}

function statusIs(page, text) {
  return page.waitForFunction((t) => document.querySelector('[data-testid="phone-status"]')?.textContent === `Status: ${t}`, text, { timeout: 30_000 });
}

async function signIn(page, user) {
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

try {
  const browser = await launchBrowser({ toneHz: 440 });
  browsers.push(browser);
  const alice = server.user('101');
  const context = await browser.newContext({ baseURL: server.url, viewport });
  const page = await context.newPage();

  // Signed out: the sign-in page, with the email typed.
  await page.goto('/');
  await page.getByLabel('Email').fill(alice.email);
  await shoot(page, 'sign-in');

  // Ready, with a number being typed.
  await page.getByLabel('Password').fill(alice.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await statusIs(page, 'Ready');
  // The notification offer is a one-time banner: leave it out of the pictures if there is one.
  const notNow = page.getByRole('button', { name: /not now|dismiss/i });
  if (await notNow.count()) await notNow.first().click();
  await shoot(page, 'ready');

  // Dialling: Bob's desk phone rings and is not answered.
  const bobsPhone = await startDeskPhone(server, '102', { toneHz: 1000 });
  phones.push(bobsPhone);
  await page.keyboard.type('102');
  await page.keyboard.press('Enter');
  await bobsPhone.waitFor('CALL_INCOMING', { since: 0, timeoutMs: 20_000 });
  await sleep(600);
  await shoot(page, 'dialling');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Call', exact: true }).waitFor();

  // Incoming: Dan calls from his desk phone.
  const dansPhone = await startDeskPhone(server, '104', { toneHz: 1000 });
  phones.push(dansPhone);
  await dansPhone.dial(`sip:101@${dansPhone.account.domain}`);
  const overlay = page.getByRole('alertdialog', { name: 'Incoming call' });
  await overlay.waitFor({ timeout: 20_000 });
  await shoot(page, 'incoming');

  // In call, with its timer running.
  await page.keyboard.press('Enter');
  await page.getByRole('timer').waitFor({ timeout: 15_000 });
  await sleep(3_200);
  await shoot(page, 'in-call');

  // Keypad open, digits sent.
  await page.getByRole('button', { name: 'Keypad' }).click();
  await page.keyboard.type('42#');
  await shoot(page, 'keypad');
  await page.getByRole('button', { name: 'Keypad' }).click();

  // The transfer dialog, a destination typed.
  await page.getByRole('button', { name: 'Transfer' }).click();
  const dialog = page.getByRole('dialog', { name: 'Transfer call' });
  await dialog.getByLabel('Destination extension or number').fill('103');
  await shoot(page, 'transfer');
  await page.keyboard.press('Escape');
  await page.getByRole('button', { name: 'Hang Up' }).click();
  await page.getByRole('button', { name: 'Call', exact: true }).waitFor();

  // Microphone blocked: the guide's three steps (a browser whose user clicked Block).
  const denied = await launchBrowser({ toneHz: 440, microphone: 'deny' });
  browsers.push(denied);
  const carolPage = await (await denied.newContext({ baseURL: server.url, viewport })).newPage();
  await carolPage.goto('/');
  await signIn(carolPage, server.user('103'));
  await statusIs(carolPage, 'Microphone blocked');
  await shoot(carolPage, 'microphone-blocked');

  // Disconnected: the server goes away.
  await Promise.all(phones.splice(0).map((p) => p.stop()));
  await server.stop();
  await statusIs(page, 'Disconnected');
  await shoot(page, 'disconnected');
} finally {
  await Promise.all(phones.map((p) => p.stop()));
  await Promise.all(browsers.map((b) => b.close()));
  await server.stop();
}

const big = taken.filter((t) => t.kb >= 150);
if (big.length > 0) {
  console.error(`screenshots: over 150 KB: ${big.map((t) => t.name).join(', ')}`);
  process.exit(1);
}
console.log(`${taken.length} screenshots in ${out}`);

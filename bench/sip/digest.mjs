#!/usr/bin/env node
// Digest verification cost: a fresh REGISTER answer verified N times (each with a new nonce-count),
// and challenge generation, using the built package. Prints microseconds per operation.
//   node bench/sip/digest.mjs [count]
import { DigestAuthenticator, DigestClient, computeHa1, createRequest, parseMessage } from '../../packages/sip/dist/index.js';

const count = Number(process.argv[2] ?? 20_000);
const realm = 'pbx.example.com';
const auth = new DigestAuthenticator({ realm, secret: 'bench-secret-0123456789', maxTrackedNonces: count + 10 });
const client = new DigestClient({ username: '101', password: 'secret' });
const ha1 = computeHa1('SHA-256', '101', realm, 'secret');

function register() {
  const r = createRequest({ method: 'REGISTER', uri: `sip:${realm}`, from: `<sip:101@${realm}>`, to: `<sip:101@${realm}>` });
  r.set('Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKbench');
  return r;
}

// Pre-build the authenticated requests (client side is not what we measure).
const challenge = parseMessage(auth.challenge(register()).toBuffer()).message;
const requests = [];
for (let i = 0; i < count; i++) {
  const retry = client.authorize(register(), challenge);
  retry.set('Via', 'SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKbench2');
  requests.push(parseMessage(retry.toBuffer()).message);
}

let ok = 0;
const cpu = process.cpuUsage();
const start = performance.now();
for (const req of requests) if (auth.verify(req, auth.credentials(req), ha1).ok) ok++;
const verifyUs = ((performance.now() - start) / count) * 1000;
const used = process.cpuUsage(cpu);
const verifyCpuUs = (used.user + used.system) / count;
const t = performance.now();
for (let i = 0; i < count; i++) auth.challenges();
const challengeUs = ((performance.now() - t) / count) * 1000;
console.log(`verify (SHA-256, credentials lookup included): ${verifyUs.toFixed(1)} µs wall, ${verifyCpuUs.toFixed(1)} µs CPU per request (${ok}/${count} accepted)`);
console.log(`challenge (SHA-256 + MD5 headers): ${challengeUs.toFixed(1)} µs`);

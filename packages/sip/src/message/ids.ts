import { randomBytes } from 'node:crypto';
import { MAGIC_COOKIE } from './headers/via.js';

// Identifiers come from a pool of random bytes refilled in bulk: one randomBytes call per 512 ids.
let pool = Buffer.alloc(0);
let offset = 0;

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const out = pool.toString('hex', offset, offset + bytes);
  offset += bytes;
  return out;
}

/** `n` random bytes from the pool (not for keys: for nonces, tags and identifiers). */
export function randomPoolBytes(n: number): Buffer {
  if (offset + n > pool.length) {
    pool = randomBytes(4096);
    offset = 0;
  }
  const out = Buffer.from(pool.subarray(offset, offset + n));
  offset += n;
  return out;
}

/** A From/To tag: 64 random bits (§19.3 asks for at least 32). */
export function newTag(): string {
  return randomHex(8);
}

/** A branch with the RFC 3261 magic cookie and 96 random bits (§8.1.1.7). */
export function newBranch(): string {
  return MAGIC_COOKIE + randomHex(12);
}

/** A Call-ID: 128 random bits, optionally `@host` (§8.1.1.4). */
export function newCallId(host?: string): string {
  const id = randomHex(16);
  return host === undefined ? id : `${id}@${host}`;
}

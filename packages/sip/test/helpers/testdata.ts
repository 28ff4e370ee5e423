import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../../..');

/** The shared SIP vectors, reached as `../shared/testdata/sip` from the repository root. */
export const TESTDATA_DIR = resolve(repoRoot, '../shared/testdata/sip');
export const hasTestdata = existsSync(TESTDATA_DIR);
export const MISSING_TESTDATA = `skipped: ${TESTDATA_DIR} not found (a clone outside the Switchboard workplace)`;

if (!hasTestdata) console.warn(`[sip tests] ${MISSING_TESTDATA}`);

export function readVector(folder: string, name: string): Buffer {
  return readFileSync(join(TESTDATA_DIR, folder, name));
}

export function listVectors(folder: string): string[] {
  return readdirSync(join(TESTDATA_DIR, folder)).filter((f) => !f.endsWith('.md')).sort();
}

/** Builds a message from lines joined with CRLF (the body, if any, follows an empty line). */
export function crlf(...lines: string[]): Buffer {
  return Buffer.from(lines.join('\r\n'));
}

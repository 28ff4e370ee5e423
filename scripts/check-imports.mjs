#!/usr/bin/env node
// Imports go one way: apps -> pbx -> {sip, media}; sip and media import nothing of ours;
// apps/web imports only its own code. A relative import may not leave its package.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';

const root = resolve(dirname(new URL(import.meta.url).pathname), '..');
const allowed = {
  'packages/sip': [],
  'packages/media': [],
  'packages/pbx': ['@switchboard/sip', '@switchboard/media'],
  'packages/api': [],
  'apps/server': ['@switchboard/api', '@switchboard/sip', '@switchboard/media', '@switchboard/pbx'],
  'apps/web': ['@switchboard/api'],
  'test/e2e': ['@switchboard/api'],
  'test/support': [],
};
const importRe = /(?:^|[^\w.])(?:import|export)\s[^'"`]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w.])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[^\w.])import\s+['"]([^'"]+)['"]/g;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(ts|tsx|mts|js|mjs)$/.test(name)) yield path;
  }
}

const problems = [];
for (const [pkg, deps] of Object.entries(allowed)) {
  const pkgRoot = join(root, pkg);
  let list;
  try { list = [...files(pkgRoot)]; } catch { continue; }
  for (const file of list) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(importRe)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (!spec) continue;
      const where = relative(root, file);
      if (spec.startsWith('@switchboard/')) {
        const name = spec.split('/').slice(0, 2).join('/');
        // Tests of any layer may use the shared test kit (real endpoints, tone measurement).
        const isTest = /(^|\/)test\//.test(relative(pkgRoot, file)) || pkg === 'test/e2e';
        if (name === '@switchboard/testkit' && isTest) continue;
        if (!deps.includes(name)) problems.push(`${where}: imports ${name}, which ${pkg} may not use`);
      } else if (spec.startsWith('.')) {
        const target = resolve(dirname(file), spec);
        if (!(target + sep).startsWith(pkgRoot + sep)) problems.push(`${where}: relative import ${spec} leaves ${pkg}`);
      }
    }
  }
}
if (problems.length > 0) {
  console.error(`Import direction check failed (${problems.length}):\n` + problems.join('\n'));
  process.exit(1);
}
console.log('Import direction check: ok');

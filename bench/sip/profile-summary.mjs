#!/usr/bin/env node
// Where the time goes in a V8 CPU profile (`node --cpu-prof`): self time by function and by
// file (package), and total (inclusive) time of the heaviest functions, in % of sampled time.
// Percentages are of busy (non-idle) samples; `skip` leaves out the first seconds (start-up).
//   node bench/sip/profile-summary.mjs <file.cpuprofile> [top=25] [skip seconds=0]
import { readFileSync } from 'node:fs';

const [path, topText = '25', skipText = '0'] = process.argv.slice(2);
if (!path) {
  console.error('usage: profile-summary.mjs <file.cpuprofile> [top]');
  process.exit(2);
}
const top = Number(topText);
const profile = JSON.parse(readFileSync(path, 'utf8'));
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

// Sample counts per node, from `skip` seconds on.
const skipUs = Number(skipText) * 1e6;
const hits = new Map();
let at = 0;
let totalSamples = 0;
let idle = 0;
for (const [i, id] of profile.samples.entries()) {
  at += profile.timeDeltas[i] ?? 0;
  if (at < skipUs) continue;
  totalSamples++;
  if (nodes.get(id).callFrame.functionName === '(idle)') idle++;
  else hits.set(id, (hits.get(id) ?? 0) + 1);
}
const seconds = (profile.endTime - profile.startTime - skipUs) / 1e6;

const where = (n) => {
  const url = n.callFrame.url.replace(/^file:\/\//, '');
  const short = url.replace(/^.*\/node_modules\//, 'node_modules/').replace(/^.*\/(packages|apps)\//, '$1/');
  return short || '(native)';
};
const label = (n) => `${n.callFrame.functionName || '(anonymous)'}  ${where(n)}:${n.callFrame.lineNumber + 1}`;
const fileOf = (n) => {
  const w = where(n);
  const m = /^(node_modules\/(@[^/]+\/)?[^/]+|packages\/[^/]+\/dist\/[^/]+(\/[^/]+)?|apps\/[^/]+\/dist\/[^/]+)/.exec(w);
  return m ? m[1] : w.startsWith('node:') ? w.split('/')[0] : w;
};

const selfBy = new Map();
const fileBy = new Map();
const totalBy = new Map();
for (const [id, count] of hits) {
  const n = nodes.get(id);
  selfBy.set(label(n), (selfBy.get(label(n)) ?? 0) + count);
  fileBy.set(fileOf(n), (fileBy.get(fileOf(n)) ?? 0) + count);
  // Inclusive: every distinct function on the stack gets the sample once.
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const l = label(nodes.get(cur));
    if (!seen.has(l)) {
      seen.add(l);
      totalBy.set(l, (totalBy.get(l) ?? 0) + count);
    }
  }
}

const busy = Math.max(1, totalSamples - idle);
const pct = (c) => `${((100 * c) / busy).toFixed(1).padStart(5)} %`;
const print = (title, map, n) => {
  console.log(`\n${title}`);
  for (const [k, c] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) console.log(`  ${pct(c)}  ${k}`);
};
console.log(`${path}: ${totalSamples} samples over ${seconds.toFixed(1)} s, ${((100 * idle) / Math.max(1, totalSamples)).toFixed(1)} % idle; percentages of the busy samples`);
print('self time by file', fileBy, 15);
print('self time by function', selfBy, top);
print('total time by function', totalBy, top);

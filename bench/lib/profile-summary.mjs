#!/usr/bin/env node
// Summarize a V8 CPU profile (from `node --cpu-prof`): self time per area (each
// package, the GC, Node internals), then the functions with the most self time
// and the most inclusive time, with their source locations.
//
//   node --cpu-prof --cpu-prof-dir=bench/results/tmp bench/run.mjs --filter in-process/fanout
//   node bench/lib/profile-summary.mjs bench/results/tmp/CPU.*.cpuprofile [--top 25] [--match text]
//
// --match keeps only the samples whose stack contains a frame whose name or url contains `text`
// (e.g. --match fanoutScenario), so a profile of a whole run can be narrowed to one phase.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
let top = 25;
let match;
const files = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--top') top = Number(args[++i]);
  else if (args[i] === '--match') match = args[++i];
  else files.push(args[i]);
}
if (files.length === 0) {
  console.error('usage: node bench/lib/profile-summary.mjs <file.cpuprofile> [--top n] [--match text]');
  process.exit(2);
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const label = (node) => {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` ${url.replace(/^file:\/\/.*?\/(packages|bench)\//, '$1/')}:${lineNumber + 1}`;
    return `${functionName || '(anonymous)'}${where}`;
  };
  // Sample time: timeDeltas[i] is the time before sample i.
  const selfUs = new Map();
  const totalUs = new Map();
  const byArea = new Map();
  const areaOf = (node) => {
    const { url, functionName } = node.callFrame;
    const pkg = /\/packages\/([^/]+)\//.exec(url);
    if (pkg !== null) return `packages/${pkg[1]}`;
    if (url.includes('/bench/')) return 'bench';
    if (url.startsWith('node:')) return 'node internals';
    if (url === '') return functionName.startsWith('(') ? functionName : 'native / builtins';
    return 'other';
  };
  let kept = 0;
  let all = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    all += dt;
    const stack = [];
    for (let id = profile.samples[i]; id !== undefined; id = parentOf.get(id)) stack.push(byId.get(id));
    if (match !== undefined && !stack.some((n) => label(n).includes(match))) continue;
    kept += dt;
    const leaf = label(stack[0]);
    selfUs.set(leaf, (selfUs.get(leaf) ?? 0) + dt);
    const area = areaOf(stack[0]);
    byArea.set(area, (byArea.get(area) ?? 0) + dt);
    for (const name of new Set(stack.map(label))) totalUs.set(name, (totalUs.get(name) ?? 0) + dt);
  }
  const show = (title, map) => {
    console.log(`\n${title}`);
    for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((100 * us) / kept).toFixed(1).padStart(6)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`);
    }
  };
  console.log(`${file}: ${(kept / 1000).toFixed(0)} ms of samples${match === undefined ? '' : ` matching ${JSON.stringify(match)} (of ${(all / 1000).toFixed(0)} ms)`}`);
  show('self time by area (package, GC, runtime)', byArea);
  show('self time', selfUs);
  show('inclusive time', totalUs);
}

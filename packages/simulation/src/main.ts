#!/usr/bin/env node
/**
 * `npm run sim -- --seeds N [--start S] [--members 3|5] [--steps K]`: run N
 * seeded simulations with a progress line, report violations with the one
 * command that replays each failing seed, and exit 1 when any seed failed.
 */
import { parseArgs } from 'node:util';
import { runSimulation } from './simulation.ts';
import { checkHistory } from './check-history.ts';
import { replayCommand, shrinkSimulation } from './shrink.ts';
import { faultKinds, type FaultKind } from './simulation.ts';
import { brokenModes, type BrokenMode } from '@vivarium/ensemble';

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '20' },
    start: { type: 'string', default: '1' },
    seed: { type: 'string' },
    members: { type: 'string', default: '3' },
    steps: { type: 'string', default: '60' },
    'broken-mode': { type: 'string' },
    clients: { type: 'string', default: '4' },
    faults: { type: 'string' },
    shrink: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
});

function integer(name: string, text: string | undefined): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    process.stderr.write(`vivarium-sim: --${name} must be a non-negative integer, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return value;
}

const members = integer('members', values.members);
if (members !== 3 && members !== 5) {
  process.stderr.write(`vivarium-sim: --members must be 3 or 5, got ${members}\n`);
  process.exit(2);
}
const brokenModeText = values['broken-mode'];
if (brokenModeText !== undefined && !(brokenModes as readonly string[]).includes(brokenModeText)) {
  process.stderr.write(`vivarium-sim: --broken-mode must be one of ${brokenModes.join(', ')}, got ${brokenModeText}\n`);
  process.exit(2);
}
const brokenMode = brokenModeText as BrokenMode | undefined;
const first = values.seed !== undefined ? integer('seed', values.seed) : integer('start', values.start);
const count = values.seed !== undefined ? 1 : integer('seeds', values.seeds);
const steps = integer('steps', values.steps);
const clients = integer('clients', values.clients);
let faults: FaultKind[] | undefined;
if (values.faults !== undefined) {
  const named = values.faults === 'none' ? [] : values.faults.split(',');
  for (const kind of named) {
    if (!(faultKinds as readonly string[]).includes(kind)) {
      process.stderr.write(`vivarium-sim: --faults: unknown fault kind ${JSON.stringify(kind)} (known: ${faultKinds.join(', ')})\n`);
      process.exit(2);
    }
  }
  faults = named as FaultKind[];
}

// crashPointsReached: the mid-step crashes that fired, by where they landed ('flush/after': a flush returned, nothing after it ran).
const totals = { seeds: 0, operations: 0, failed: 0, checkerMs: 0, faults: {} as Record<string, number>, crashPointsReached: {} as Record<string, number> };
const failures: Array<{ seed: number; violations: string[] }> = [];
const started = Date.now();
for (let seed = first; seed < first + count; seed++) {
  const result = await runSimulation({ seed, members, steps, clients, ...(faults === undefined ? {} : { faults }), ...(brokenMode === undefined ? {} : { brokenMode }) });
  const checkStarted = Date.now();
  const violations = [...result.violations, ...checkHistory(result.history)];
  totals.checkerMs += Date.now() - checkStarted;
  totals.seeds++;
  totals.operations += result.operations;
  for (const [kind, n] of Object.entries(result.faults)) totals.faults[kind] = (totals.faults[kind] ?? 0) + n;
  for (const { point } of result.crashPointsReached) {
    const where = `${point.step}/${point.when}`;
    totals.crashPointsReached[where] = (totals.crashPointsReached[where] ?? 0) + 1;
  }
  if (violations.length > 0) {
    totals.failed++;
    failures.push({ seed, violations });
  }
  const elapsed = ((Date.now() - started) / 1000).toFixed(1);
  process.stderr.write(`\rsim: ${totals.seeds}/${count} seeds, ${totals.operations} ops, ${totals.failed} failed, ${elapsed} s   `);
}
process.stderr.write('\n');
for (const failure of failures) {
  const options = { seed: failure.seed, members, steps, clients, ...(faults === undefined ? {} : { faults }), ...(brokenMode === undefined ? {} : { brokenMode }) };
  process.stdout.write(`seed ${failure.seed} FAILED: ${failure.violations.slice(0, 3).join(' | ')}\n  replay: ${replayCommand(options)}\n`);
  if (values.shrink) {
    const shrunk = await shrinkSimulation(options);
    if (shrunk !== undefined) process.stdout.write(`  shrunk (${shrunk.attempts} runs): ${replayCommand(shrunk.options)}\n    ${shrunk.violations[0]?.slice(0, 300) ?? ''}\n`);
  }
}
const summary = { ...totals, members, steps, firstSeed: first, wallSeconds: (Date.now() - started) / 1000, checkerMsPerHistory: totals.checkerMs / Math.max(1, totals.seeds) };
process.stdout.write(values.json ? `${JSON.stringify(summary)}\n` : `sim: ${totals.seeds} seeds on ${members} members, ${totals.operations} operations checked, faults ${JSON.stringify(totals.faults)}, mid-step crashes that fired ${JSON.stringify(totals.crashPointsReached)}, ${totals.failed} with violations\n`);
process.exit(totals.failed > 0 ? 1 : 0);

// Timing helpers for the benchmark harness. Outside the pure core, so the wall
// clock is fine here. Every figure is a warm-up followed by several timed runs,
// reported as median / min / max: never a pass/fail.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// A full GC before each timed run, so one run's garbage is not billed to the next.
// `npm run bench` starts node without --expose-gc; turn it on from inside.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc');

export function gc() {
  collectGarbage();
}

/** Milliseconds since an arbitrary origin, sub-microsecond resolution. */
export function nowMs() {
  return Number(process.hrtime.bigint()) / 1e6;
}

/** Run `fn` once, return the elapsed milliseconds (awaits it when it returns a promise). */
export async function timeMs(fn) {
  const start = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** Same, for synchronous code: no await between the clock reads. */
export function timeSyncMs(fn) {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function stats(values) {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values), samples: [...values] };
}

/**
 * Call `sample(runIndex)` `warmup` times (not reported; runIndex < 0), then
 * `runs` times; each call returns named phases `{ phase: { ms, items } }` (it
 * does its own setup outside the timed sections). Returns, per phase, the stats
 * of the run times in ms and of the rates in items/s.
 *
 * A full GC runs once before the first call. With `gcBetweenRuns` it also runs
 * before every call: use that when each run builds a large state (100k sessions)
 * whose garbage would otherwise land in the next run. It is off by default
 * because on V8 11 (Node 20) a forced full GC made the following small run
 * measurably slower (Engine creates ~30% slower), which steady use never sees.
 */
export async function measure({ warmup = 1, runs = 5, sample, gcBetweenRuns = false }) {
  gc();
  for (let i = 0; i < warmup; i++) {
    if (gcBetweenRuns) gc();
    await sample(-1 - i);
  }
  const byPhase = new Map();
  for (let i = 0; i < runs; i++) {
    if (gcBetweenRuns) gc();
    const phases = await sample(i);
    for (const [phase, { ms, items }] of Object.entries(phases)) {
      let entry = byPhase.get(phase);
      if (entry === undefined) {
        entry = { ms: [], rate: [], items };
        byPhase.set(phase, entry);
      }
      entry.ms.push(ms);
      entry.rate.push(items / (ms / 1000));
    }
  }
  const result = {};
  for (const [phase, entry] of byPhase) {
    result[phase] = { items: entry.items, ms: stats(entry.ms), rate: stats(entry.rate) };
  }
  return result;
}

/** Human-readable rate: 1234567 -> "1.23 M". */
export function formatRate(perSecond) {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k`;
  return perSecond.toFixed(0);
}

/** Human-readable duration from ms: picks ns, µs, ms or s. */
export function formatDuration(ms) {
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 1) return `${ms.toFixed(1)} ms`;
  if (ms >= 0.001) return `${(ms * 1000).toFixed(2)} µs`;
  return `${(ms * 1e6).toFixed(0)} ns`;
}

import { checkHistory } from './check-history.ts';
import { faultKinds, runSimulation, type FaultKind, type SimulationOptions } from './simulation.ts';

export interface ShrinkResult {
  /** The smallest options found that still fail. */
  options: SimulationOptions & { steps: number; clients: number; faults: FaultKind[] };
  violations: string[];
  /** Simulations run while shrinking. */
  attempts: number;
}

/** Whether a run with these options shows any violation (its own or the history checkers'). */
async function violationsOf(options: SimulationOptions): Promise<string[]> {
  const result = await runSimulation(options);
  return [...result.violations, ...checkHistory(result.history)];
}

/**
 * Shrink a failing run to a short one: the fewest steps that still fail
 * (binary search), then fault kinds switched off one at a time while it
 * still fails, then fewer clients. Each candidate is a full seeded run, so
 * what comes out replays exactly. Returns undefined when `options` passes.
 */
export async function shrinkSimulation(options: SimulationOptions, attemptsMax = 60): Promise<ShrinkResult | undefined> {
  let best: ShrinkResult['options'] = { ...options, steps: options.steps ?? 120, clients: options.clients ?? 4, faults: [...(options.faults ?? faultKinds)] };
  let violations = await violationsOf(best);
  if (violations.length === 0) return undefined;
  let attempts = 1;
  const tryOptions = async (candidate: ShrinkResult['options']): Promise<boolean> => {
    if (attempts >= attemptsMax) return false;
    attempts++;
    const found = await violationsOf(candidate);
    if (found.length === 0) return false;
    best = candidate;
    violations = found;
    return true;
  };
  // Steps: the failure may need every step before it, but not the ones after.
  let low = 1;
  let high = best.steps;
  while (low < high && attempts < attemptsMax) {
    const middle = Math.floor((low + high) / 2);
    if (await tryOptions({ ...best, steps: middle })) high = middle;
    else low = middle + 1;
  }
  // Fault kinds: drop each one the failure does not need.
  for (const kind of [...best.faults]) {
    await tryOptions({ ...best, faults: best.faults.filter((k) => k !== kind) });
  }
  // Clients: fewer if possible.
  while (best.clients > 1 && (await tryOptions({ ...best, clients: best.clients - 1 })));
  return { options: best, violations, attempts };
}

/** The one command that replays a (shrunk) run. */
export function replayCommand(options: SimulationOptions & { steps?: number; clients?: number; faults?: readonly FaultKind[] }): string {
  const parts = [`npm run sim -- --seed ${options.seed}`, `--members ${options.members ?? 3}`];
  if (options.steps !== undefined) parts.push(`--steps ${options.steps}`);
  if (options.clients !== undefined) parts.push(`--clients ${options.clients}`);
  if (options.faults !== undefined && options.faults.length < faultKinds.length) parts.push(`--faults ${options.faults.join(',') || 'none'}`);
  if (options.brokenMode !== undefined) parts.push(`--broken-mode ${options.brokenMode}`);
  return parts.join(' ');
}

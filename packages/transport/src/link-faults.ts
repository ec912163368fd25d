/**
 * Faults on directed links between members, and the seeded decision of what a
 * faulty link does with one message. One piece serves both the in-memory
 * network (SimNetwork, on the manual clock) and the fault layer over the real
 * transports (FaultInjectingTransport, on real timers): the same settings mean
 * the same thing, and the same random draws are taken in the same order.
 */
import type { Random } from '@vivarium/store';

/** Faults on one directed link. Probabilities are in [0, 1]; delays in ms (of whichever clock the transport runs on). */
export interface LinkFaults {
  dropProbability: number;
  duplicateProbability: number;
  /** Chance that a message ignores the link's FIFO order and may overtake earlier ones. */
  reorderProbability: number;
  delayMinMs: number;
  delayMaxMs: number;
}

export const healthyLinkFaults: Readonly<LinkFaults> = Object.freeze({ dropProbability: 0, duplicateProbability: 0, reorderProbability: 0, delayMinMs: 0, delayMaxMs: 0 });

/** Whether a link with `faults` passes every message through untouched (no randomness drawn). */
export function isHealthy(faults: LinkFaults): boolean {
  return faults.dropProbability === 0 && faults.duplicateProbability === 0 && faults.reorderProbability === 0 && faults.delayMaxMs === 0;
}

/** One copy of a message to deliver: after `delayMs`, and whether it keeps its place in the link's FIFO order. */
export interface PlannedDelivery {
  delayMs: number;
  keepsOrder: boolean;
}

/**
 * What a link with `faults` does with one message: nothing (dropped), one
 * delivery, or two (duplicated). Draws, in order: drop; the first copy's delay
 * and reorder; duplicate; the second copy's delay and reorder. A probability
 * of 0 draws nothing, so a healthy link consumes no randomness.
 */
export function planDeliveries(random: Random, faults: LinkFaults): PlannedDelivery[] {
  if (chance(random, faults.dropProbability)) return [];
  const first = planCopy(random, faults);
  if (!chance(random, faults.duplicateProbability)) return [first];
  return [first, planCopy(random, faults)];
}

function planCopy(random: Random, faults: LinkFaults): PlannedDelivery {
  const span = faults.delayMaxMs - faults.delayMinMs;
  const delayMs = faults.delayMinMs + (span > 0 ? random.nextInt(span + 1) : 0);
  return { delayMs, keepsOrder: !chance(random, faults.reorderProbability) };
}

function chance(random: Random, probability: number): boolean {
  return probability > 0 && random.nextFloat() < probability;
}

/** Why `faults` is not a valid (partial) LinkFaults, naming the field; undefined when it is. */
export function linkFaultsProblem(faults: Partial<LinkFaults>): string | undefined {
  for (const key of ['dropProbability', 'duplicateProbability', 'reorderProbability'] as const) {
    const value = faults[key];
    if (value !== undefined && !(typeof value === 'number' && value >= 0 && value <= 1)) return `${key} must be in [0, 1], got ${String(value)}`;
  }
  for (const key of ['delayMinMs', 'delayMaxMs'] as const) {
    const value = faults[key];
    if (value !== undefined && !(Number.isInteger(value) && value >= 0)) return `${key} must be an integer >= 0, got ${String(value)}`;
  }
  const known = new Set(Object.keys(healthyLinkFaults));
  const unknown = Object.keys(faults).find((key) => !known.has(key));
  if (unknown !== undefined) return `unknown link fault '${unknown}' (known: ${[...known].join(', ')})`;
  if (faults.delayMinMs !== undefined && faults.delayMaxMs !== undefined && faults.delayMinMs > faults.delayMaxMs) {
    return `delayMinMs (${faults.delayMinMs}) must not exceed delayMaxMs (${faults.delayMaxMs})`;
  }
  return undefined;
}

/** A link's full settings after a partial change; throws a RangeError naming the field when the result is invalid. */
function merged(base: LinkFaults, change: Partial<LinkFaults>): LinkFaults {
  const problem = linkFaultsProblem(change);
  if (problem !== undefined) throw new RangeError(problem);
  const result = { ...base, ...change };
  if (result.delayMinMs > result.delayMaxMs) throw new RangeError(`delayMinMs (${result.delayMinMs}) must not exceed delayMaxMs (${result.delayMaxMs})`);
  return result;
}

/** Plain data for one member's outgoing links: it crosses threads (postMessage) and processes. */
export interface OutgoingLinkFaults {
  defaults: LinkFaults;
  /** [peer id, faults] for links with their own settings. */
  byPeer: ReadonlyArray<readonly [number, LinkFaults]>;
}

/** The fault settings of every directed link: one entry per link that has its own, and a default for the rest. */
export class LinkFaultTable {
  private readonly byLink = new Map<string, LinkFaults>();
  private defaults: LinkFaults = healthyLinkFaults;

  of(from: number, to: number): LinkFaults {
    return this.byLink.get(`${from}->${to}`) ?? this.defaults;
  }

  /** Change the link `from -> to`; fields not given keep the link's current values. */
  set(from: number, to: number, faults: Partial<LinkFaults>): void {
    this.byLink.set(`${from}->${to}`, merged(this.of(from, to), faults));
  }

  /** Change the default every link without its own settings uses. */
  setDefaults(faults: Partial<LinkFaults>): void {
    this.defaults = merged(this.defaults, faults);
  }

  clear(): void {
    this.byLink.clear();
    this.defaults = healthyLinkFaults;
  }

  /** What member `from` needs to apply the faults on its own outgoing links. */
  outgoing(from: number): OutgoingLinkFaults {
    const byPeer: Array<readonly [number, LinkFaults]> = [];
    for (const [key, faults] of this.byLink) {
      const [source, target] = key.split('->').map(Number) as [number, number];
      if (source === from) byPeer.push([target, faults]);
    }
    return { defaults: this.defaults, byPeer };
  }
}

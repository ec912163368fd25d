/**
 * The simulator's fault schedule, for your own code: given an ensemble fixture
 * (@vivarium/testing, manual clock) and a seed, it draws which faults are on and
 * how often they strike (swarm testing, as runSimulation does), then steps time
 * forward, striking at random: partitions, an isolated leader, crashed and
 * restarted members, dropped, delayed and duplicated messages, clock jumps, and
 * faults on the sessions of your clients (expired at once, or their link cut for
 * a while). Then it heals everything and lets time run so your code can show it
 * still makes progress. Your code runs meanwhile (clients made by the fixture,
 * awaiting their calls); the schedule only drives time and faults, and reports
 * what it injected. One seed, one run: the same seed and the same code give the same trace.
 */
import type { ZooKeeperClient } from '@vivarium/client';
import { SeededRandom, type Random } from '@vivarium/store';
import { FixtureError, type EnsembleFixture } from '@vivarium/testing';
import type { FaultKind } from './simulation.ts';

/**
 * What the schedule can inject: the simulator's fault kinds (faultKinds: the same names, the same
 * effects; `satisfies` keeps the names in step with it), plus two
 * on your clients' sessions: 'expireSession' (the leader expires one now) and
 * 'cutClient' (a client's network to every member goes away, for less than its
 * session timeout or for longer, so the servers expire it while it cannot tell).
 */
export const scheduleFaultKinds = ['partitionHalves', 'isolateLeader', 'bridge', 'drop', 'delay', 'duplicate', 'crash', 'restart', 'heal', 'clockJump', 'expireSession', 'cutClient'] as const satisfies ReadonlyArray<FaultKind | 'expireSession' | 'cutClient'>;
export type ScheduleFaultKind = (typeof scheduleFaultKinds)[number];

export interface FaultScheduleOptions {
  /** Draws the rates and every strike. Default: the fixture's seed. */
  seed?: number;
  /** Steps of the fault phase. Default 40. */
  steps?: number;
  /** Simulated time per step. Default 500 ms. */
  stepMs?: number;
  /** Only these kinds may strike (the others' rates are zeroed after drawing, so the draws stay the same). Default: all. */
  faults?: readonly ScheduleFaultKind[];
  /** These kinds are on for every seed and strike at least once, at a step drawn from the seed (progress assertions can rely on them). */
  atLeastOnce?: readonly ScheduleFaultKind[];
  /** The highest per-step strike probability a kind can draw. Default 0.12, as runSimulation. */
  rateMax?: number;
  /**
   * The clients whose sessions 'expireSession' and 'cutClient' pick from, asked at each
   * strike (return the ones that matter most, e.g. the current lock holders). Default: every live client of the fixture.
   */
  clients?: () => readonly ZooKeeperClient[];
  /** Simulated time after the heal, for liveness. Default 10 000 ms. */
  livenessMs?: number;
  /** fixture.checkSafety() (ZAB's invariants) after every step and at the end. Default true. */
  checkSafety?: boolean;
  /** Called after every step of the fault phase, e.g. to check your own invariant. */
  afterStep?: (step: number) => void | Promise<void>;
}

export interface FaultEvent {
  step: number;
  /** Simulated time on the fixture's clock. */
  atMs: number;
  kind: ScheduleFaultKind;
  /** What exactly: which members, which session, how long. */
  detail: string;
}

export interface FaultScheduleReport {
  seed: number;
  /** Per-step strike probability of each kind, as drawn from the seed. */
  rates: Record<ScheduleFaultKind, number>;
  /** How many times each kind struck (a strike with nothing to act on, e.g. no client to cut, is not counted). */
  counts: Record<ScheduleFaultKind, number>;
  events: FaultEvent[];
  /** Sessions the schedule meant to end: expired at once, or cut off for longer than their timeout. */
  sessionsTargeted: number;
  /** Simulated time the schedule ran, fault phase and liveness phase. */
  simulatedMs: number;
}

interface PendingClientHeal {
  client: ZooKeeperClient;
  healAtMs: number;
}

/**
 * Swarm testing: each kind is on for this seed with probability 0.6 (or always,
 * when asked for at least once), with a strike probability per step drawn in
 * (0, rateMax]; kinds not allowed are zeroed after the draw. Pure: the same random state gives the same rates.
 */
export function drawFaultRates(random: Random, options: { rateMax: number; allowed: readonly ScheduleFaultKind[]; required: readonly ScheduleFaultKind[] }): Record<ScheduleFaultKind, number> {
  const rates = {} as Record<ScheduleFaultKind, number>;
  for (const kind of scheduleFaultKinds) {
    const on = random.nextFloat() < 0.6;
    const rate = random.nextFloat() * options.rateMax;
    rates[kind] = on || options.required.includes(kind) ? Math.max(rate, options.rateMax / 100) : 0;
  }
  for (const kind of scheduleFaultKinds) if (!options.allowed.includes(kind)) rates[kind] = 0;
  return rates;
}

/** The kinds that strike at one step: each by its rate, plus those forced at this step. Pure, given the random state. */
export function strikesAt(random: Random, rates: Record<ScheduleFaultKind, number>, forced: readonly ScheduleFaultKind[]): ScheduleFaultKind[] {
  return scheduleFaultKinds.filter((kind) => random.nextFloat() < rates[kind] || forced.includes(kind));
}

/**
 * Run the seeded fault schedule against `fixture` (an in-memory ensemble on the
 * manual clock): `steps` steps of `stepMs` with faults, then a heal (partitions,
 * link faults, cut clients; stopped members restarted), a leader and every member
 * serving, and `livenessMs` more. Your code runs meanwhile on the fixture's clients.
 * Errors from the fixture name the seed; the report says what was injected.
 */
export async function runFaultSchedule(fixture: EnsembleFixture, options: FaultScheduleOptions = {}): Promise<FaultScheduleReport> {
  const seed = options.seed ?? fixture.seed;
  const steps = options.steps ?? 40;
  const stepMs = options.stepMs ?? 500;
  const livenessMs = options.livenessMs ?? 10_000;
  const checkSafety = options.checkSafety ?? true;
  const allowed = options.faults ?? scheduleFaultKinds;
  const required = (options.atLeastOnce ?? []).filter((kind) => allowed.includes(kind));
  if (fixture.clock.kind !== 'manual') throw new FixtureError('runFaultSchedule needs a fixture on the manual clock (the default)', fixture.seed);
  if (!Number.isInteger(steps) || steps < 1) throw new FixtureError(`runFaultSchedule: steps must be an integer >= 1, got ${steps}`, fixture.seed);
  if (!(stepMs > 0)) throw new FixtureError(`runFaultSchedule: stepMs must be > 0, got ${stepMs}`, fixture.seed);
  for (const kind of [...allowed, ...required]) {
    if (!(scheduleFaultKinds as readonly string[]).includes(kind)) throw new FixtureError(`runFaultSchedule: unknown fault kind ${JSON.stringify(kind)}; known: ${scheduleFaultKinds.join(', ')}`, fixture.seed);
  }
  // Forked streams: the draws of one part never shift another's when a test changes a setting.
  const root = new SeededRandom(seed);
  const rates = drawFaultRates(root.fork('rates'), { rateMax: options.rateMax ?? 0.12, allowed, required });
  const strikeRandom = root.fork('strikes');
  const pick = root.fork('targets');
  const forcedAt = new Map<number, ScheduleFaultKind[]>();
  const forceRandom = root.fork('at-least-once');
  for (const kind of required) {
    const step = forceRandom.nextInt(steps);
    forcedAt.set(step, [...(forcedAt.get(step) ?? []), kind]);
  }
  const counts = Object.fromEntries(scheduleFaultKinds.map((kind) => [kind, 0])) as Record<ScheduleFaultKind, number>;
  const events: FaultEvent[] = [];
  const pendingHeals: PendingClientHeal[] = [];
  /** Until when a cut client's connection may still be the one that saw the cut (heal time plus its session timeout). */
  const stalledUntilMs = new Map<ZooKeeperClient, number>();
  const startMs = fixture.clock.nowMs();
  let sessionsTargeted = 0;
  const clientsOf = options.clients ?? (() => fixture.liveClients());

  const record = (step: number, kind: ScheduleFaultKind, detail: string): void => {
    counts[kind]++;
    events.push({ step, atMs: fixture.clock.nowMs(), kind, detail });
  };
  const healDueClients = (all: boolean): void => {
    for (let i = pendingHeals.length - 1; i >= 0; i--) {
      const pending = pendingHeals[i] as PendingClientHeal;
      if (!all && pending.healAtMs > fixture.clock.nowMs()) continue;
      pendingHeals.splice(i, 1);
      // A client closed meanwhile (its actor gave it up) has nothing to heal.
      if (fixture.isClientCut(pending.client)) fixture.healClient(pending.client);
    }
  };

  const strike = async (step: number, kind: ScheduleFaultKind): Promise<void> => {
    const ids = fixture.members.map((m) => m.id);
    switch (kind) {
      case 'partitionHalves': {
        const shuffled = shuffle(pick, ids);
        const cut = 1 + pick.nextInt(ids.length - 1);
        const groups = [shuffled.slice(0, cut), shuffled.slice(cut)];
        fixture.partition(...groups);
        return record(step, kind, JSON.stringify(groups));
      }
      case 'isolateLeader': {
        const leader = fixture.leader();
        if (leader === undefined) return;
        fixture.isolate(leader.id);
        return record(step, kind, `member ${leader.id}`);
      }
      case 'bridge': {
        // One member talks to both halves; the halves cannot talk to each other.
        const shuffled = shuffle(pick, ids);
        const rest = shuffled.slice(1);
        const half = Math.ceil(rest.length / 2);
        for (const a of rest.slice(0, half)) for (const b of rest.slice(half)) {
          fixture.setLinkFaults(a, b, { dropProbability: 1 });
          fixture.setLinkFaults(b, a, { dropProbability: 1 });
        }
        return record(step, kind, `bridge ${shuffled[0]} between ${JSON.stringify(rest.slice(0, half))} and ${JSON.stringify(rest.slice(half))}`);
      }
      case 'drop': {
        const dropProbability = pick.nextFloat() * 0.2;
        fixture.setDefaultFaults({ dropProbability });
        return record(step, kind, `every link drops ${dropProbability.toFixed(3)}`);
      }
      case 'delay': {
        const delayMaxMs = 1 + pick.nextInt(3 * tickTimeOf(fixture));
        fixture.setDefaultFaults({ delayMinMs: 0, delayMaxMs });
        return record(step, kind, `every link delays 0..${delayMaxMs} ms`);
      }
      case 'duplicate': {
        const duplicateProbability = pick.nextFloat() * 0.2;
        fixture.setDefaultFaults({ duplicateProbability });
        return record(step, kind, `every link duplicates ${duplicateProbability.toFixed(3)}`);
      }
      case 'crash': {
        const running = fixture.members.filter((m) => m.isRunning);
        // Keep at least one member up, as the simulator does; a crash loses what was not flushed.
        if (running.length <= 1) return;
        const victim = running[pick.nextInt(running.length)]!;
        victim.crash();
        return record(step, kind, `member ${victim.id}`);
      }
      case 'restart': {
        const down = fixture.members.filter((m) => !m.isRunning);
        if (down.length === 0) return;
        const member = down[pick.nextInt(down.length)]!;
        member.restart();
        return record(step, kind, `member ${member.id}`);
      }
      case 'heal':
        fixture.heal();
        fixture.clearFaults();
        return record(step, kind, 'partitions and link faults');
      case 'clockJump': {
        // Every member's time jumps ahead at once, before any client gets to ping (a pause of the whole machine).
        const jumpMs = tickTimeOf(fixture) * (1 + pick.nextInt(4));
        fixture.ensemble.advance(jumpMs);
        return record(step, kind, `${jumpMs} ms`);
      }
      case 'expireSession': {
        const leader = fixture.leader();
        // Only a session whose client is connected to the leader itself. A real ensemble expires a session only
        // after its timeout without word from the client, and by then the client has given up on its connection
        // (its read timeout is shorter; a follower cut off from the leader steps down sooner still). An expiry
        // forced at once skips that: a client on a lagging follower, or one the schedule cut off, would go on
        // believing in its session while other clients already see its ephemerals gone. That is a fault no real
        // ensemble commits and no recipe could survive. On the leader the client hears it as the expiry commits,
        // before any other member applies it: the order ZooKeeper's timing guarantees.
        const onLeader = new Set(leader?.isRunning === true ? leader.engine.connectionInfo().map((c) => c.sessionId) : []);
        const candidates = clientsOf().filter((c) => c.sessionId !== 0n && c.state === 'connected' && onLeader.has(c.sessionId) && !fixture.isClientCut(c) && !((stalledUntilMs.get(c) ?? -Infinity) > fixture.clock.nowMs()));
        if (leader === undefined || candidates.length === 0) return;
        const victim = candidates[pick.nextInt(candidates.length)]!;
        const hex = `0x${victim.sessionId.toString(16)}`;
        try {
          await fixture.expireSession(victim);
        } catch (error) {
          // Already closing or expired on the leader: nothing to expire. Anything else is a real failure.
          if (error instanceof FixtureError && /no live session/.test(error.message)) return;
          throw error;
        }
        sessionsTargeted++;
        return record(step, kind, `session ${hex} on leader ${leader.id}`);
      }
      case 'cutClient': {
        const candidates = clientsOf().filter((c) => !fixture.isClientCut(c) && c.state !== 'closed' && c.state !== 'expired' && c.state !== 'authFailed');
        if (candidates.length === 0) return;
        const victim = candidates[pick.nextInt(candidates.length)]!;
        const timeoutMs = victim.negotiatedTimeoutMs > 0 ? victim.negotiatedTimeoutMs : 6000;
        // Half the cuts end within the session timeout (the client reconnects to its session), half outlast it.
        const long = pick.nextFloat() < 0.5;
        const forMs = Math.floor(timeoutMs * (long ? 1.5 + pick.nextFloat() : 0.2 + pick.nextFloat() * 0.6));
        fixture.cutClient(victim);
        pendingHeals.push({ client: victim, healAtMs: fixture.clock.nowMs() + forMs });
        stalledUntilMs.set(victim, fixture.clock.nowMs() + forMs + timeoutMs);
        if (long) sessionsTargeted++;
        return record(step, kind, `session 0x${victim.sessionId.toString(16)} for ${forMs} ms${long ? ' (past its timeout)' : ''}`);
      }
    }
  };

  for (let step = 0; step < steps; step++) {
    healDueClients(false);
    for (const kind of strikesAt(strikeRandom, rates, forcedAt.get(step) ?? [])) await strike(step, kind);
    await fixture.clock.advance(stepMs);
    if (checkSafety) fixture.checkSafety();
    await options.afterStep?.(step);
  }

  // Heal everything, then let the code under test show it still makes progress.
  healDueClients(true);
  fixture.heal();
  fixture.clearFaults();
  for (const member of fixture.members) if (!member.isRunning) member.restart();
  await fixture.waitForLeader();
  await fixture.waitForAllServing();
  await fixture.clock.advance(livenessMs);
  if (checkSafety) fixture.checkSafety();
  return { seed, rates, counts, events, sessionsTargeted, simulatedMs: fixture.clock.nowMs() - startMs };
}

/** One line: the seed and what struck, e.g. for a test's failure message. */
export function describeFaultReport(report: FaultScheduleReport): string {
  const struck = scheduleFaultKinds.filter((kind) => report.counts[kind] > 0).map((kind) => `${kind} ${report.counts[kind]}`);
  return `fault schedule seed ${report.seed}: ${struck.length === 0 ? 'no faults' : struck.join(', ')}; ${report.sessionsTargeted} session(s) targeted; ${report.simulatedMs} ms simulated`;
}

function tickTimeOf(fixture: EnsembleFixture): number {
  const running = fixture.members.find((m) => m.isRunning);
  return running?.engine.config.tickTimeMs ?? 2000;
}

function shuffle<T>(random: Random, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

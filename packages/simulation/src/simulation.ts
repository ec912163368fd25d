import type { ZooKeeperClient } from '@vivarium/client';
import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';
import { createEnsemble, type Ensemble, type EnsembleMember } from '@vivarium/server';
import { SeededRandom, storageSteps, type CrashPoint, type Random } from '@vivarium/store';
import type { BrokenMode } from '@vivarium/ensemble';
import type { History, MemberLog, MultiSubOp, Operation, SessionRecord, WatchEvent, ZnodeOp } from '@vivarium/checker';
import { maybeAppliedErrorCodes } from '@vivarium/checker';

export interface SimulationOptions {
  seed: number;
  /** Voting members: 3 or 5. */
  members?: number;
  clients?: number;
  /** Steps of the fault phase; each step runs stepMs of simulated time. */
  steps?: number;
  stepMs?: number;
  tickTimeMs?: number;
  /** A learner further behind than this is sent a snapshot. Default: 3 on every third seed, 1000 otherwise. */
  diffTxnsMax?: number;
  /** Test-only: run a deliberately broken ZAB so the checkers can prove they catch it. */
  brokenMode?: BrokenMode;
  /** Called with the ensemble before the run starts, for debugging a seed. */
  observe?: (ensemble: Ensemble) => void;
  /** Only these fault kinds may strike (the others' rates are zeroed after drawing). Default: all. */
  faults?: readonly FaultKind[];
}

/** The fault kinds whose rates and strikes come from the seed's main stream, in this order (as in every earlier run). */
const mainStreamKinds = ['partitionHalves', 'isolateLeader', 'bridge', 'drop', 'delay', 'duplicate', 'crash', 'restart', 'heal', 'clockJump'] as const;

/**
 * Fault kinds the swarm can enable; each seed draws which are on and how often they strike. 'crashMidStep'
 * arms a crash point: a member dies at a storage call inside one of its later steps (between an append and
 * its flush, after a flush and before the ack, between the truncation and the snapshot of a sync...).
 */
export const faultKinds = [...mainStreamKinds, 'crashMidStep'] as const;
export type FaultKind = (typeof faultKinds)[number];

/** Where a mid-step crash may land, weighted toward the steps of the write path (several entries for one step). */
const crashPointSteps: ReadonlyArray<CrashPoint['step']> = [...storageSteps, 'append', 'flush', 'flush', 'any'];

export interface SimulationResult {
  seed: number;
  members: number;
  operations: number;
  faults: Record<FaultKind, number>;
  /** The crash points that fired (crashMidStep arms them; one fires only when its member reaches it). */
  crashPointsReached: Array<{ member: number; atMs: number; point: CrashPoint }>;
  /** Readable violations found by the run itself (safety assertions, liveness, durability); checkers add theirs. */
  violations: string[];
  history: History;
  /** Same seed and steps give the same hash. */
  traceHash: string;
  simulatedMs: number;
}

const paths = ['/k0', '/k1', '/k2', '/k3', '/q'];

/**
 * One seeded simulation: an ensemble on the manual clock and the in-memory
 * network, several clients running a random workload while a swarm-drawn
 * fault schedule partitions, crashes, restarts and delays members; then a
 * heal and a liveness phase that must make progress. Every client operation
 * is recorded with its call and return times and outcome for the checkers.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationResult> {
  const random: Random = new SeededRandom(options.seed);
  const members = options.members ?? 3;
  const clientCount = options.clients ?? 4;
  const steps = options.steps ?? 120;
  const tickTimeMs = options.tickTimeMs ?? 1000;
  const stepMs = options.stepMs ?? 250;
  // Mid-step crashes draw from their own stream, so adding them changed no earlier seed's schedule
  // up to its first mid-step crash (and not at all where crashMidStep is off).
  const midStepRandom = random.fork('crashMidStep');
  // Swarm testing: each fault kind is on or off for this seed, with its own rate.
  const drawRate = (from: Random): number => (from.nextFloat() < 0.6 ? from.nextFloat() * 0.12 : 0);
  const rates = { ...Object.fromEntries(mainStreamKinds.map((kind) => [kind, drawRate(random)])), crashMidStep: drawRate(midStepRandom) } as Record<FaultKind, number>;
  if (options.faults !== undefined) for (const kind of faultKinds) if (!options.faults.includes(kind)) rates[kind] = 0;
  const faults = Object.fromEntries(faultKinds.map((kind) => [kind, 0])) as Record<FaultKind, number>;
  const violations: string[] = [];
  const operations: Operation[] = [];
  const sessions = new Map<string, SessionRecord>();
  const watchEvents: WatchEvent[] = [];
  const ensemble = createEnsemble({
    members,
    seed: options.seed,
    tickTimeMs,
    initLimitTicks: 5,
    // Every third seed sends snapshots (SNAP) to any learner more than 3 txns behind, so snapshot syncs, and
    // crashes inside them, are exercised; the rest sync by DIFF as a small ensemble mostly does. No draw from
    // the seed's stream, so the other faults are unchanged.
    diffTxnsMax: options.diffTxnsMax ?? (options.seed % 3 === 0 ? 3 : 1000),
    syncLimitTicks: 3,
    ...(options.brokenMode === undefined ? {} : { brokenMode: options.brokenMode }),
    // The runner checks safety itself after each step and records what fails as a violation.
    checkSafetyEveryStep: false,
  });
  options.observe?.(ensemble);
  const startMs = ensemble.clock.nowMs();
  const clients: Array<ZooKeeperClient | undefined> = [];
  const busy: boolean[] = [];
  let nextOpId = 1;

  const safely = async (what: string, action: () => Promise<void> | void): Promise<boolean> => {
    try {
      await action();
      return true;
    } catch (error) {
      violations.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  };

  const openClient = async (index: number): Promise<void> => {
    const running = ensemble.members.filter((m) => m.isServing);
    if (running.length === 0) return;
    const member = running[random.nextInt(running.length)] as EnsembleMember;
    const client = await withDeadline(ensemble, ensemble.client({ member: member.id, sessionTimeoutMs: 6000 }), 30_000);
    clients[index] = client;
    const record: SessionRecord = { session: client.sessionId.toString(16), client: index };
    sessions.set(record.session, record);
    client.onStateChange((state) => {
      if (state === 'expired' && record.expiredAtMs === undefined) record.expiredAtMs = ensemble.clock.nowMs() - startMs;
    });
  };

  /**
   * One watcher per client: the client keeps a set of watchers per path, so reads that watch the same path
   * twice register it once, and each event the server sends is recorded once, as the checker counts them.
   */
  const watchers = new Map<ZooKeeperClient, (event: { type: number; path: string | undefined }) => void>();
  const watcherFor = (index: number, client: ZooKeeperClient) => {
    let watcher = watchers.get(client);
    if (watcher === undefined) {
      const session = client.sessionId.toString(16);
      watcher = (event) => {
        // Node events only: session events (type -1) are the client's own.
        if (event.path !== undefined && event.type > 0) watchEvents.push({ client: index, session, path: event.path, type: event.type, atMs: ensemble.clock.nowMs() - startMs });
      };
      watchers.set(client, watcher);
    }
    return watcher;
  };

  /** Issue one random operation from client `index` and record it when it settles. */
  const issue = (index: number): void => {
    const client = clients[index];
    if (client === undefined || busy[index] === true) return;
    if (client.state === 'expired' || client.state === 'closed') {
      clients[index] = undefined;
      return;
    }
    const op = randomOp(random);
    const record: Operation = {
      id: nextOpId++,
      client: index,
      session: client.sessionId.toString(16),
      op,
      callMs: ensemble.clock.nowMs() - startMs,
      returnMs: Number.POSITIVE_INFINITY,
      outcome: { kind: 'unknown' },
    };
    operations.push(record);
    busy[index] = true;
    void perform(client, op, watcherFor(index, client)).then(
      (value) => {
        record.outcome = { kind: 'ok', value };
        record.returnMs = ensemble.clock.nowMs() - startMs;
        record.zxid = client.lastZxidSeen;
      },
      (error: unknown) => {
        record.returnMs = ensemble.clock.nowMs() - startMs;
        const code = error instanceof ZooKeeperError ? error.code : ErrorCode.systemError;
        // A request refused with SESSIONEXPIRED does not end the session for certain: the leader that marked it
        // closing can lose its quorum before the closeSession txn commits, and the next leader revives it. Only a
        // reconnect answered "expired" (the client's 'expired' state, recorded above) says it is gone.
        // Connection loss, expiry and the like say nothing about whether the write happened: maybe applied.
        record.outcome = maybeAppliedErrorCodes.has(code) ? { kind: 'unknown' } : { kind: 'error', code };
      },
    ).finally(() => {
      busy[index] = false;
    });
  };

  const injectFault = (): void => {
    for (const kind of mainStreamKinds) {
      if (!(random.nextFloat() < rates[kind])) continue;
      faults[kind]++;
      const ids = ensemble.members.map((m) => m.id);
      switch (kind) {
        case 'partitionHalves': {
          const shuffled = shuffle(random, ids);
          const cut = 1 + random.nextInt(ids.length - 1);
          ensemble.partition(shuffled.slice(0, cut), shuffled.slice(cut));
          break;
        }
        case 'isolateLeader': {
          const leader = ensemble.leader();
          if (leader !== undefined) ensemble.isolate(leader.id);
          break;
        }
        case 'bridge': {
          // One member talks to both halves; the halves cannot talk to each other.
          const shuffled = shuffle(random, ids);
          const bridge = shuffled[0] as number;
          const rest = shuffled.slice(1);
          const half = Math.ceil(rest.length / 2);
          for (const a of rest.slice(0, half)) for (const b of rest.slice(half)) {
            ensemble.network.setLinkFaults(a, b, { dropProbability: 1 });
            ensemble.network.setLinkFaults(b, a, { dropProbability: 1 });
          }
          void bridge;
          break;
        }
        case 'drop':
          ensemble.network.setDefaultFaults({ dropProbability: random.nextFloat() * 0.2 });
          break;
        case 'delay': {
          const max = 1 + random.nextInt(3 * tickTimeMs);
          ensemble.network.setDefaultFaults({ delayMinMs: 0, delayMaxMs: max });
          break;
        }
        case 'duplicate':
          ensemble.network.setDefaultFaults({ duplicateProbability: random.nextFloat() * 0.2 });
          break;
        case 'crash': {
          const running = ensemble.members.filter((m) => m.isRunning);
          // Keep at least one member up; a crash loses what was not flushed.
          if (running.length > 1) (running[random.nextInt(running.length)] as EnsembleMember).crash();
          break;
        }
        case 'restart': {
          const down = ensemble.members.filter((m) => !m.isRunning);
          if (down.length > 0) (down[random.nextInt(down.length)] as EnsembleMember).restart();
          break;
        }
        case 'heal':
          ensemble.heal();
          ensemble.network.clearFaults();
          break;
        case 'clockJump':
          // Time jumps ahead at once, without clients getting a chance to ping.
          ensemble.advance(tickTimeMs * (1 + random.nextInt(4)));
          break;
      }
    }
    if (midStepRandom.nextFloat() < rates.crashMidStep) {
      faults.crashMidStep++;
      const running = ensemble.members.filter((m) => m.isRunning);
      // As for 'crash', keep one member up; the point fires only if and when its member reaches it.
      if (running.length > 1) (running[midStepRandom.nextInt(running.length)] as EnsembleMember).armCrashPoint(randomCrashPoint(midStepRandom));
    }
  };

  await safely('start', async () => {
    await ensemble.waitForLeader();
    // The parent of the sequential creates exists before the first recorded operation.
    const setup = await ensemble.client();
    await setup.create('/q', null);
    await setup.close();
    for (let i = 0; i < clientCount; i++) await openClient(i);
  });

  // The fault phase.
  for (let step = 0; step < steps && violations.length === 0; step++) {
    await safely(`step ${step}`, async () => {
      injectFault();
      for (let i = 0; i < clientCount; i++) {
        if (clients[i] === undefined && random.nextFloat() < 0.3) await openClientQuietly(openClient, i);
        if (random.nextFloat() < 0.7) issue(i);
      }
      await ensemble.run(stepMs);
      ensemble.checkSafety();
    });
  }

  // Heal, then a liveness phase that must make progress.
  await safely('liveness', async () => {
    for (const member of ensemble.members) member.disarmCrashPoint();
    ensemble.heal();
    ensemble.network.clearFaults();
    for (const member of ensemble.members) if (!member.isRunning) member.restart();
    await ensemble.waitForLeader(120_000);
    // Let every outstanding operation settle.
    for (let i = 0; i < 200 && busy.some((b) => b); i++) await ensemble.run(stepMs);
    const probe = await withDeadline(ensemble, ensemble.client({ sessionTimeoutMs: 6000 }), 60_000);
    // Progress, as an application sees it: a write that succeeds, retried on CONNECTIONLOSS (a leader change right
    // after the election settled, say); NODEEXISTS is a retry of a create that went through.
    const written = async (): Promise<void> => {
      for (let attempt = 0; ; attempt++) {
        try {
          await probe.create('/liveness', null);
          return;
        } catch (error) {
          if (error instanceof ZooKeeperError && error.code === ErrorCode.nodeExists) return;
          if (!(error instanceof ZooKeeperError && error.code === ErrorCode.connectionLoss) || attempt >= 20) throw error;
        }
      }
    };
    await withDeadline(ensemble, written(), 60_000);
    await ensemble.run(5 * tickTimeMs);
    ensemble.checkSafety();
    const digests = ensemble.members.filter((m) => m.isServing).map((m) => ({ member: m.id, lastZxid: m.engine.lastProcessedZxid, digest: treeDigest(m) }));
    const leaderZxid = ensemble.leader()?.engine.lastProcessedZxid;
    for (const d of digests) {
      const reference = digests.find((x) => x.lastZxid === d.lastZxid);
      if (reference !== undefined && reference.digest !== d.digest) violations.push(`members ${reference.member} and ${d.member} differ at zxid 0x${d.lastZxid.toString(16)}`);
      if (leaderZxid !== undefined && d.lastZxid !== leaderZxid) violations.push(`member ${d.member} not caught up after heal: 0x${d.lastZxid.toString(16)} vs leader 0x${leaderZxid.toString(16)}`);
    }
  });

  // Durability (ZAB's integrity): a txn any member reported committed, even one that led and was truncated since,
  // stays in the history. The final leader holds every committed txn; only what lies under its snapshot is not listed.
  await safely('durability', async () => {
    const leader = ensemble.leader();
    if (leader === undefined) return;
    const held = new Set(leader.storage.readLogAfter(0n).map((txn) => txn.zxid));
    const floor = leader.storage.snapshotZxid;
    const lost = new Set<string>();
    for (const t of ensemble.trace) {
      if (t.event.type === 'committed' && t.event.zxid > floor && !held.has(t.event.zxid)) lost.add(`0x${t.event.zxid.toString(16)} (member ${t.member})`);
    }
    if (lost.size > 0) violations.push(`committed but missing from the final history: ${[...lost].slice(0, 5).join(', ')}`);
  });
  // Give every member the chance to rejoin before its log is read.
  await safely('rejoin', async () => {
    for (let i = 0; i < 40 && !ensemble.members.every((m) => m.isServing); i++) await ensemble.run(stepMs);
  });
  // Only a member serving in the current epoch has been synced with the leader, so only its log says what
  // was committed: after a restart a member replays everything it logged, and its uncommitted tail is
  // truncated only when it next syncs (ZooKeeper's recovery works the same way).
  const memberLogs: MemberLog[] = ensemble.members.filter((member) => member.isServing).map((member) => ({
    member: member.id,
    committed: ensemble.committedHistory(member.id).map((zxid) => ({ zxid, fingerprint: fingerprintOf(member, zxid) })),
    // Its history starts after its snapshot (installed by a SNAP sync, or its own): what lies before is the snapshot's.
    ...(member.storage.snapshotZxid > 0n ? { snapshotZxids: [member.storage.snapshotZxid] } : {}),
    // Which leader established each epoch is one fact for the whole ensemble (the trace records it at the leader).
    establishedEpochs: ensemble.trace.flatMap((t) => (t.event.type === 'established' ? [{ epoch: t.event.epoch, leader: t.event.leader }] : [])),
  }));
  // A session a leader was expiring when it lost its quorum is revived by the next leader with a fresh
  // timeout (as in ZooKeeper) and only then expires: let that timeout pass before reading the final tree.
  await safely('final expiry', async () => {
    await ensemble.run(6000 + 2 * tickTimeMs);
  });
  // The ephemerals left in the healed tree, for the cleanup check (no ended session may own one).
  const finalTree = ensemble.leader()?.engine.database.tree;
  const finalEphemerals = finalTree === undefined ? undefined : [...finalTree.sessionsWithEphemerals()].flatMap(([owner, paths]) => [...paths].map((path) => ({ path, owner: owner.toString(16) })));
  const simulatedMs = ensemble.clock.nowMs() - startMs;
  const traceHash = ensemble.traceHash;
  const crashPointsReached = [...ensemble.crashPointsReached];
  await ensemble.close();
  return {
    seed: options.seed,
    members,
    operations: operations.length,
    faults,
    crashPointsReached,
    violations,
    history: {
      seed: options.seed,
      operations,
      watchEvents,
      sessions: [...sessions.values()],
      members: memberLogs,
      initialNodes: [{ path: '/q', data: null, version: 0 }],
      ...(finalEphemerals === undefined ? {} : { finalEphemerals }),
    },
    traceHash,
    simulatedMs,
  };
}

async function openClientQuietly(open: (index: number) => Promise<void>, index: number): Promise<void> {
  try {
    await open(index);
  } catch {
    // No member could take a session right now: try again on a later step.
  }
}

/** Await `promise` while driving simulated time; fail if it takes longer than `maxMs` of it. */
async function withDeadline<T>(ensemble: Ensemble, promise: Promise<T>, maxMs: number): Promise<T> {
  let settled = false;
  void promise.then(() => { settled = true; }, () => { settled = true; });
  const start = ensemble.clock.nowMs();
  while (!settled) {
    if (ensemble.clock.nowMs() - start > maxMs) throw new Error(`no result within ${maxMs} ms of simulated time`);
    await ensemble.run(100);
  }
  return promise;
}

function randomCrashPoint(random: Random): CrashPoint {
  return {
    step: crashPointSteps[random.nextInt(crashPointSteps.length)] as CrashPoint['step'],
    // The first few calls: a step of the write path makes two or three (append, flush, the engine's output flush).
    nth: 1 + random.nextInt(3),
    when: random.nextFloat() < 0.5 ? 'before' : 'after',
  };
}

function shuffle<T>(random: Random, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = random.nextInt(i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

function randomOp(random: Random): ZnodeOp | { type: 'multi'; ops: MultiSubOp[] } {
  const path = paths[random.nextInt(paths.length)] as string;
  const value = `v${random.nextInt(1000)}`;
  const version = random.nextFloat() < 0.5 ? -1 : random.nextInt(4);
  switch (random.nextInt(8)) {
    case 0:
      return { type: 'create', path, data: value, sequential: false, ephemeral: random.nextFloat() < 0.3 };
    case 1:
      return { type: 'delete', path, version };
    case 2:
    case 3:
      return { type: 'setData', path, data: value, version };
    case 4:
      return random.nextFloat() < 0.5 ? { type: 'getData', path, watch: true } : { type: 'getData', path };
    case 5:
      return random.nextFloat() < 0.5 ? { type: 'exists', path, watch: true } : { type: 'exists', path };
    case 6: {
      const other = paths[random.nextInt(paths.length)] as string;
      return { type: 'multi', ops: [{ type: 'check', path, version }, { type: 'setData', path: other, data: value, version: -1 }] };
    }
    default:
      return { type: 'create', path: '/q/s-', data: value, sequential: true, ephemeral: false };
  }
}

async function perform(client: ZooKeeperClient, op: ZnodeOp | { type: 'multi'; ops: MultiSubOp[] }, watcher: (event: { type: number; path: string | undefined }) => void): Promise<unknown> {
  const bytes = (data: string | null) => (data === null ? null : new TextEncoder().encode(data));
  const text = (data: Uint8Array | null) => (data === null ? null : new TextDecoder().decode(data));
  switch (op.type) {
    case 'create':
      return client.create(op.path, bytes(op.data), { mode: op.sequential ? 'persistentSequential' : op.ephemeral ? 'ephemeral' : 'persistent' });
    case 'delete':
      await client.delete(op.path, op.version);
      return null;
    case 'setData':
      return { version: (await client.setData(op.path, bytes(op.data), op.version)).version };
    case 'getData': {
      const { data, stat } = await client.getData(op.path, op.watch === true ? watcher : undefined);
      return { data: text(data), version: stat.version };
    }
    case 'exists': {
      const stat = await client.exists(op.path, op.watch === true ? watcher : undefined);
      return stat === null ? null : { version: stat.version };
    }
    case 'check':
      throw new Error('check only inside multi');
    case 'multi': {
      const transaction = client.transaction();
      for (const sub of op.ops) {
        if (sub.type === 'check') transaction.check(sub.path, sub.version);
        else if (sub.type === 'setData') transaction.setData(sub.path, bytes(sub.data), sub.version);
        else if (sub.type === 'delete') transaction.delete(sub.path, sub.version);
        else if (sub.type === 'create') transaction.create(sub.path, bytes(sub.data));
      }
      const results = await transaction.commit();
      return results.map((r) => (r.type === 'setData' ? { version: r.stat.version } : null));
    }
  }
}


/** A digest of a member's whole tree: paths, data and versions (not times or session ids). */
function treeDigest(member: EnsembleMember): string {
  let hash = 0x811c9dc5;
  const nodes = [...member.engine.database.tree.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [path, node] of nodes) {
    const text = `${path}|${node.data === null ? '-' : [...node.data].join(',')}|${node.version}|${node.storedCversion}|${node.aversion}|${node.kind}`;
    for (let i = 0; i < text.length; i++) {
      hash ^= text.charCodeAt(i);
      hash = Math.imul(hash, 0x01000193);
    }
  }
  return (hash >>> 0).toString(16);
}

function fingerprintOf(member: EnsembleMember, zxid: bigint): string {
  const txn = member.storage.readLogAfter(zxid - 1n).find((t) => t.zxid === zxid);
  return txn === undefined ? '?' : JSON.stringify(txn.body, (_, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v));
}

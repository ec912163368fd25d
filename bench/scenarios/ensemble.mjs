// Ensemble scenarios (issue 5): Vivarium's in-process ZAB ensemble beside the real ZooKeeper 3.8
// ensemble (one JVM per member, forceSync=no), measured in the same run, the same tickTime,
// initLimit and syncLimit on both sides:
//
//   ensemble/startup-failover: time from createEnsemble (or spawning the JVMs) to the first
//     successful write, then time from killing the leader to the next successful write.
//     Vivarium on the manual clock (in-process client, ensemble.run drives time) and on the
//     system clock (serveTcp + node-zookeeper-client); the real ZooKeeper through the same client.
//   ensemble/writes: write throughput (create and delete, 200 in flight) and commit latency
//     (setData one at a time, p50 / p99) through node-zookeeper-client over TCP, connected to a
//     follower, at 3 and 5 members.
//
// See bench/README.md for what each figure means.
import { createEnsemble } from '@vivarium/server';
import { formatDuration, formatRate, measure } from '../lib/measure.mjs';
import { formatRatio, rateFigure, ratioFigure, timeFigure } from '../lib/figures.mjs';
import { loadRealZooKeeper, realZooKeeperUnavailable } from '../lib/real-zookeeper.mjs';
import { barChart } from '../lib/svg-chart.mjs';
import { closeAll, closeClient, connectClient, ensurePath, latencies, ops, percentile, pipelined, retryUntilSuccess } from '../lib/zk-client.mjs';

const value = Buffer.alloc(100, 0x62);
const depth = 200;
/** tickTime for both systems. ZooKeeper's default is 2000; 200 keeps failovers (tick-driven in Vivarium) short enough to sample. */
const tickTimeMs = 200;
/** ZooKeeper's own defaults in the harness's zoo.cfg (initLimit=10, syncLimit=5); Vivarium's defaults are the same. */
const initLimitTicks = 10;
const syncLimitTicks = 5;
const failoverDeadlineMs = 60_000;

function sizes(full) {
  return full
    ? { memberCounts: [3, 5], zkMemberCounts: [3, 5], writeOps: 20_000, latencyOps: 2_000, jitWarmupOps: 30_000 }
    : { memberCounts: [3, 5], zkMemberCounts: [3], writeOps: 5_000, latencyOps: 500, jitWarmupOps: 10_000 };
}

function check(condition, message) {
  if (!condition) throw new Error(`bench: ${message}`);
}

/** Simulated time is a whole number of ms on the manual clock: say so plainly ("0 ms", "1.41 s"). */
function formatSimulated(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

/** The epoch of the zxid that last modified a znode (node-zookeeper-client gives mzxid as 8 bytes): a failover must raise it. */
function epochOf(stat) {
  return stat.mzxid.readUInt32BE(0);
}

function elapsedMs(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

let seedCounter = 1;
/** ZooKeeper SIGSTOP samples thrown away because the frozen JVM turned out not to be leading (reported in the notes). */
let freezeMisses = 0;

// ------------------------------------------------------------------ Vivarium, manual clock

/**
 * createEnsemble on the manual clock, to the first write through ensemble.client() (connected
 * to a follower); then crash the leader and retry a setData until it succeeds, driving simulated
 * time with ensemble.run(). Wall time and simulated time of both.
 */
async function vivariumManualRun(members, tick) {
  const start = process.hrtime.bigint();
  const ensemble = createEnsemble({ members, tickTimeMs: tick, initLimitTicks, syncLimitTicks, seed: seedCounter++ });
  let client;
  try {
    const simulatedStart = ensemble.clock.nowMs();
    const leader = await ensemble.waitForLeader();
    const follower = ensemble.members.find((m) => m.id !== leader.id);
    client = await ensemble.client({ member: follower.id });
    await client.create('/first', value);
    const startupMs = elapsedMs(start);
    const startupSimulatedMs = ensemble.clock.nowMs() - simulatedStart;

    const crashedAt = process.hrtime.bigint();
    const crashedAtSimulated = ensemble.clock.nowMs();
    leader.crash();
    let done = false;
    let lastError;
    const writer = (async () => {
      for (;;) {
        try {
          await client.setData('/first', value);
          done = true;
          return;
        } catch (error) {
          // CONNECTIONLOSS while the client moves to a serving member: retry on the next turn of the loop.
          lastError = error;
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
    })();
    const stepMs = Math.max(1, tick / 20);
    while (!done) {
      await ensemble.run(stepMs);
      check(ensemble.clock.nowMs() - crashedAtSimulated < failoverDeadlineMs, `manual failover: no write within ${failoverDeadlineMs} simulated ms (${lastError})`);
    }
    await writer;
    const failoverMs = elapsedMs(crashedAt);
    const failoverSimulatedMs = ensemble.clock.nowMs() - crashedAtSimulated;
    check(ensemble.leader() !== undefined && ensemble.leader().id !== leader.id, 'manual failover: no new leader');
    return { startupMs, startupSimulatedMs, failoverMs, failoverSimulatedMs };
  } finally {
    client?.terminate();
    await ensemble.close();
  }
}

// ------------------------------------------------------------------ Vivarium, system clock over TCP

/**
 * Where a Vivarium failover's time goes, from the ensemble's trace: until a survivor steps down
 * (failure detection: syncLimit ticks without a word from the leader), then until a new leader
 * establishes its epoch (election and sync), then until the client's write succeeds.
 */
function failoverBreakdown(ensemble, crashedAtClockMs, writeDoneAtClockMs) {
  const after = ensemble.trace.filter((entry) => entry.atMs >= crashedAtClockMs);
  const stepDown = after.find((entry) => entry.event.type === 'stepDown');
  const established = after.find((entry) => entry.event.type === 'established');
  check(stepDown !== undefined && established !== undefined, 'failover trace: no stepDown or no established event after the crash');
  return {
    detectionMs: stepDown.atMs - crashedAtClockMs,
    electionMs: established.atMs - stepDown.atMs,
    clientMs: writeDoneAtClockMs - established.atMs,
  };
}

async function vivariumSystemRun(members, tick) {
  const start = process.hrtime.bigint();
  const ensemble = createEnsemble({ members, clock: 'system', tickTimeMs: tick, initLimitTicks, syncLimitTicks, seed: seedCounter++ });
  let client;
  let failoverClient;
  try {
    await ensemble.waitForLeader(failoverDeadlineMs);
    const { connectString, ports } = await ensemble.serveTcp();
    client = await connectClient(connectString);
    await ops.create(client, '/first', value);
    const startupMs = elapsedMs(start);
    await closeClient(client);
    client = undefined;

    const leader = ensemble.leader();
    check(leader !== undefined, 'no leader after the first write');
    // The client knows only the followers: the figure is the ensemble's recovery, not a reconnect away from the dead member.
    const followers = ports.filter((_, index) => ensemble.members[index].id !== leader.id).map((port) => `127.0.0.1:${port}`);
    failoverClient = await connectClient(followers.join(','));
    const epochBefore = epochOf(await ops.setData(failoverClient, '/first', value));
    let epochAfter;
    const crashedAt = process.hrtime.bigint();
    const crashedAtClockMs = ensemble.clock.nowMs();
    leader.crash();
    const failures = await retryUntilSuccess(async () => { epochAfter = epochOf(await ops.setData(failoverClient, '/first', value)); }, { deadlineMs: failoverDeadlineMs, what: 'Vivarium write after failover' });
    const failoverMs = elapsedMs(crashedAt);
    check(epochAfter > epochBefore, `Vivarium failover: the write after it has epoch ${epochAfter}, not above ${epochBefore}`);
    const breakdown = failoverBreakdown(ensemble, crashedAtClockMs, ensemble.clock.nowMs());
    check(ensemble.leader() !== undefined && ensemble.leader().id !== leader.id, 'system failover: no new leader');
    return { startupMs, failoverMs, failures, ...breakdown };
  } finally {
    await closeClient(client);
    await closeClient(failoverClient);
    await ensemble.close();
  }
}

// ------------------------------------------------------------------ the real ZooKeeper

/**
 * The real ensemble: spawn to the first write; then two failovers through a client that knows
 * only the followers. First the leader's JVM is SIGKILLed: the kernel closes its sockets, the
 * followers read EOF and start an election at once. Then (after restarting the killed member,
 * so a quorum is left to lose a leader from) the new leader is frozen with SIGSTOP: no socket
 * closes, the followers notice only when syncLimit ticks pass without a word, which is what a
 * partitioned Vivarium member looks like to its peers (a crashed one's links close, as on SIGKILL).
 */
async function zooKeeperRun(startRealEnsemble, members, tick, { freeze }) {
  const start = process.hrtime.bigint();
  let zk;
  let client;
  let frozen;
  try {
    zk = await startRealEnsemble(members, { forceSync: false, tickTimeMs: tick, extraConfig: { initLimit: String(initLimitTicks), syncLimit: String(syncLimitTicks) } });
    client = await connectClient(zk.connectString);
    await ops.create(client, '/first', value);
    const startupMs = elapsedMs(start);
    await closeClient(client);
    client = undefined;

    const leader = await zk.leader();
    client = await connectClient(zk.members.filter((member) => member !== leader).map((member) => member.connectString).join(','));
    let epochBefore = epochOf(await ops.setData(client, '/first', value));
    let epochAfter;
    const killedAt = process.hrtime.bigint();
    // Wait for the JVM to be gone before the first attempt, so no write can still reach the old leader.
    await leader.kill();
    await retryUntilSuccess(async () => { epochAfter = epochOf(await ops.setData(client, '/first', value)); }, { deadlineMs: failoverDeadlineMs, what: 'ZooKeeper write after SIGKILL of the leader' });
    const failoverMs = elapsedMs(killedAt);
    check(epochAfter > epochBefore, `ZooKeeper SIGKILL failover: the write after it has epoch ${epochAfter}, not above ${epochBefore}`);
    await closeClient(client);
    client = undefined;
    if (!freeze) return { startupMs, failoverMs };

    await leader.restart();
    // Seen twice in ~20 samples under load, never reproduced alone: after the freeze a write still
    // succeeded in the old epoch, so the frozen JVM was not leading. Such a sample is not a
    // failover; the member is killed and restarted and the freeze tried again (at most 3 times).
    let freezeFailoverMs;
    for (let attempt = 1; freezeFailoverMs === undefined; attempt++) {
      const second = await zk.leader();
      client = await connectClient(zk.members.filter((member) => member !== second).map((member) => member.connectString).join(','));
      epochBefore = epochOf(await ops.setData(client, '/first', value));
      const frozenAt = process.hrtime.bigint();
      frozen = second;
      process.kill(second.pid, 'SIGSTOP');
      await retryUntilSuccess(async () => { epochAfter = epochOf(await ops.setData(client, '/first', value)); }, { deadlineMs: failoverDeadlineMs, what: 'ZooKeeper write after SIGSTOP of the leader' });
      if (epochAfter > epochBefore) {
        freezeFailoverMs = elapsedMs(frozenAt);
        break;
      }
      freezeMisses++;
      check(attempt < 3, `ZooKeeper SIGSTOP failover: ${attempt} times a write after the freeze kept epoch ${epochAfter}`);
      await closeClient(client);
      client = undefined;
      await second.kill();
      frozen = undefined;
      await second.restart();
    }
    return { startupMs, failoverMs, freezeFailoverMs };
  } finally {
    await closeClient(client);
    // A stopped JVM would sit out SIGTERM's grace period: SIGKILL works on it at once.
    await frozen?.kill();
    await zk?.stop();
  }
}

// ------------------------------------------------------------------ scenario: startup and failover

const asPhase = (ms) => ({ items: 1, ms });
/** ZooKeeper's default tickTime: Vivarium's failover is counted in ticks, so it is measured here too. */
const defaultTickTimeMs = 2000;
const keyOf = (prefix, members, tick) => `${prefix}${members}${tick === tickTimeMs ? '' : `.tick${tick}`}`;

async function manualPhases(phases, members, tick) {
  const manual = await vivariumManualRun(members, tick);
  const k = keyOf('vivManual', members, tick);
  phases[`${k}.startup`] = asPhase(manual.startupMs);
  phases[`${k}.startupSimulated`] = asPhase(manual.startupSimulatedMs);
  phases[`${k}.failover`] = asPhase(manual.failoverMs);
  phases[`${k}.failoverSimulated`] = asPhase(manual.failoverSimulatedMs);
}

async function systemPhases(phases, members, tick) {
  const system = await vivariumSystemRun(members, tick);
  const k = keyOf('vivSystem', members, tick);
  for (const key of ['startupMs', 'failoverMs', 'detectionMs', 'electionMs', 'clientMs']) phases[`${k}.${key}`] = asPhase(system[key]);
}

async function zooKeeperPhases(phases, startRealEnsemble, members, tick, { freeze }) {
  const zk = await zooKeeperRun(startRealEnsemble, members, tick, { freeze });
  const k = keyOf('zk', members, tick);
  phases[`${k}.startupMs`] = asPhase(zk.startupMs);
  phases[`${k}.failoverMs`] = asPhase(zk.failoverMs);
  if (freeze) phases[`${k}.freezeFailoverMs`] = asPhase(zk.freezeFailoverMs);
}

const startupFailoverScenario = {
  name: 'ensemble/startup-failover',
  title: `Ensemble: start-up to first write, and leader kill to next write; Vivarium vs the real ZooKeeper 3.8 (tickTime ${tickTimeMs} and ${defaultTickTimeMs})`,
  skip: () => realZooKeeperUnavailable(),
  async run(ctx) {
    const { memberCounts, zkMemberCounts } = sizes(ctx.full);
    const { startRealEnsemble } = await loadRealZooKeeper();
    // Main part: tickTime 200 everywhere, plus the manual clock at tickTime 2000 (simulated time costs nothing).
    const main = await measure({
      warmup: ctx.warmup,
      runs: ctx.runs,
      sample: async (index) => {
        const phases = {};
        for (const members of memberCounts) for (const tick of [tickTimeMs, defaultTickTimeMs]) await manualPhases(phases, members, tick);
        for (const members of memberCounts) await systemPhases(phases, members, tickTimeMs);
        // A JVM starts cold every time whatever ran before, so the warm-up run leaves ZooKeeper out (it costs seconds).
        if (index >= 0) for (const members of zkMemberCounts) await zooKeeperPhases(phases, startRealEnsemble, members, tickTimeMs, { freeze: true });
        ctx.progress(`tickTime ${tickTimeMs}: ${index < 0 ? 'warm-up' : `run ${index + 1}`} done`);
        return phases;
      },
    });
    // At tickTime 2000 each sample costs seconds (mostly the ZooKeeper JVMs' start), so the default run takes one
    // sample at 3 members only.
    const slowRuns = ctx.full ? ctx.runs : 1;
    const slowMembers = ctx.full ? memberCounts : [3];
    const slowZkMembers = ctx.full ? zkMemberCounts : [3];
    const slow = await measure({
      warmup: 0,
      runs: slowRuns,
      sample: async (index) => {
        const phases = {};
        for (const members of slowMembers) await systemPhases(phases, members, defaultTickTimeMs);
        // The frozen-leader failover takes ~12 s at this tickTime: --full only.
        for (const members of slowZkMembers) await zooKeeperPhases(phases, startRealEnsemble, members, defaultTickTimeMs, { freeze: ctx.full });
        ctx.progress(`tickTime ${defaultTickTimeMs}: run ${index + 1} of ${slowRuns} done`);
        return phases;
      },
    });
    return startupFailoverReport({ ...main, ...slow }, { memberCounts, zkMemberCounts, slowRuns, runs: ctx.runs });
  },
};

function startupFailoverReport(result, { memberCounts, zkMemberCounts, slowRuns, runs }) {
  const figures = [];
  const has = (key) => result[key] !== undefined;
  const ms = (key) => result[key].ms.median;
  const ticks = [tickTimeMs, defaultTickTimeMs];
  for (const members of memberCounts) {
    for (const tick of ticks) {
      const k = keyOf('vivManual', members, tick);
      const t = `Vivarium ${members} members, manual clock, tickTime ${tick}`;
      figures.push(
        timeFigure(`${k}.startup`, `${t}: createEnsemble to first write (wall)`, result[`${k}.startup`]),
        timeFigure(`${k}.startupSimulated`, `${t}: createEnsemble to first write (simulated ms)`, result[`${k}.startupSimulated`]),
        timeFigure(`${k}.failover`, `${t}: leader crash to next write (wall)`, result[`${k}.failover`]),
        timeFigure(`${k}.failoverSimulated`, `${t}: leader crash to next write (simulated ms)`, result[`${k}.failoverSimulated`]),
      );
    }
  }
  for (const members of memberCounts) {
    for (const tick of ticks) {
      const k = keyOf('vivSystem', members, tick);
      if (!has(`${k}.startupMs`)) continue;
      const t = `Vivarium ${members} members, system clock, TCP, tickTime ${tick}`;
      figures.push(
        timeFigure(`${k}.startup`, `${t}: createEnsemble to first write`, result[`${k}.startupMs`]),
        timeFigure(`${k}.failover`, `${t}: leader crash to next write`, result[`${k}.failoverMs`]),
        timeFigure(`${k}.detection`, `${t}: failover part 1, crash to a follower stepping down (syncLimit)`, result[`${k}.detectionMs`]),
        timeFigure(`${k}.election`, `${t}: failover part 2, step-down to new leader established`, result[`${k}.electionMs`]),
        timeFigure(`${k}.client`, `${t}: failover part 3, established to the client's write done`, result[`${k}.clientMs`]),
      );
    }
  }
  for (const members of zkMemberCounts) {
    for (const tick of ticks) {
      const k = keyOf('zk', members, tick);
      if (!has(`${k}.startupMs`)) continue;
      const t = `ZooKeeper 3.8, ${members} JVMs, tickTime ${tick}`;
      figures.push(
        timeFigure(`${k}.startup`, `${t}: spawn to first write`, result[`${k}.startupMs`]),
        timeFigure(`${k}.failover`, `${t}: leader SIGKILL to next write`, result[`${k}.failoverMs`]),
      );
      if (has(`${k}.freezeFailoverMs`)) figures.push(timeFigure(`${k}.freezeFailover`, `${t}: leader SIGSTOP (frozen, sockets open) to next write`, result[`${k}.freezeFailoverMs`]));
    }
  }
  for (const members of zkMemberCounts) {
    for (const tick of ticks) {
      const zk = keyOf('zk', members, tick);
      const sys = keyOf('vivSystem', members, tick);
      const man = keyOf('vivManual', members, tick);
      if (!has(`${zk}.startupMs`) || !has(`${sys}.startupMs`)) continue;
      const t = `${members} members, tickTime ${tick}`;
      figures.push(
        ratioFigure(`ratio.startup.${sys}`, `${t}: start-up, ZooKeeper time / Vivarium system-clock time`, ms(`${zk}.startupMs`), ms(`${sys}.startupMs`)),
        ratioFigure(`ratio.startup.${man}`, `${t}: start-up, ZooKeeper time / Vivarium manual-clock wall time`, ms(`${zk}.startupMs`), ms(`${man}.startup`)),
        ratioFigure(`ratio.failover.${sys}`, `${t}: failover, ZooKeeper SIGKILL time / Vivarium system-clock crash time`, ms(`${zk}.failoverMs`), ms(`${sys}.failoverMs`)),
        ratioFigure(`ratio.failover.${man}`, `${t}: failover, ZooKeeper SIGKILL time / Vivarium manual-clock crash wall time`, ms(`${zk}.failoverMs`), ms(`${man}.failover`)),
      );
      if (has(`${zk}.freezeFailoverMs`)) {
        figures.push(ratioFigure(`ratio.freezeFailover.${sys}`, `${t}: failover, ZooKeeper SIGSTOP time / Vivarium system-clock crash time`, ms(`${zk}.freezeFailoverMs`), ms(`${sys}.failoverMs`)));
      }
    }
  }
  const notRun = '(--full)';
  const rows = [];
  for (const members of memberCounts) {
    for (const tick of ticks) {
      const zk = keyOf('zk', members, tick);
      const sys = keyOf('vivSystem', members, tick);
      const man = keyOf('vivManual', members, tick);
      const zkHas = has(`${zk}.startupMs`);
      const sysHas = has(`${sys}.startupMs`);
      rows.push([
        `${members} members, tickTime ${tick}`,
        zkHas ? formatDuration(ms(`${zk}.startupMs`)) : notRun,
        sysHas ? formatDuration(ms(`${sys}.startupMs`)) : notRun,
        `${formatDuration(ms(`${man}.startup`))} (${formatSimulated(ms(`${man}.startupSimulated`))} simulated)`,
        zkHas && sysHas ? formatRatio(ms(`${zk}.startupMs`) / ms(`${sys}.startupMs`)) : '',
        zkHas ? formatDuration(ms(`${zk}.failoverMs`)) : notRun,
        has(`${zk}.freezeFailoverMs`) ? formatDuration(ms(`${zk}.freezeFailoverMs`)) : notRun,
        sysHas
          ? `${formatDuration(ms(`${sys}.failoverMs`))} (${formatDuration(ms(`${sys}.detectionMs`))} + ${formatDuration(ms(`${sys}.electionMs`))} + ${formatDuration(ms(`${sys}.clientMs`))})`
          : notRun,
        `${formatDuration(ms(`${man}.failover`))} (${formatSimulated(ms(`${man}.failoverSimulated`))} simulated)`,
        zkHas && sysHas ? formatRatio(ms(`${zk}.failoverMs`) / ms(`${sys}.failoverMs`)) : '',
        has(`${zk}.freezeFailoverMs`) && sysHas ? formatRatio(ms(`${zk}.freezeFailoverMs`) / ms(`${sys}.failoverMs`)) : '',
      ]);
    }
  }
  return {
    figures,
    summary: {
      title: 'Medians. Ratios are ZooKeeper time / Vivarium system-clock time: > 1× means Vivarium is faster. Vivarium\'s system-clock failover is split into failure detection + election and sync + the client\'s retry. A SIGKILLed JVM\'s sockets close, so ZooKeeper\'s followers notice at once, as Vivarium\'s do after member.crash() (its links close); a SIGSTOPped one goes silent, as a partitioned Vivarium member does:',
      header: [
        'ensemble',
        'start-up: ZooKeeper',
        'start-up: Vivarium, system clock',
        'start-up: Vivarium, manual clock (wall)',
        'start-up ZK / Vivarium',
        'failover: ZooKeeper, leader SIGKILL',
        'failover: ZooKeeper, leader SIGSTOP',
        'failover: Vivarium crash, system clock',
        'failover: Vivarium crash, manual clock (wall)',
        'failover ZK SIGKILL / Vivarium',
        'failover ZK SIGSTOP / Vivarium',
      ],
      rows,
      footer: [
        slowRuns === 1
          ? `The tickTime ${defaultTickTimeMs} system-clock and ZooKeeper figures are one run each, without warm-up (--full takes ${runs}); "(--full)" marks what only --full measures.`
          : `The tickTime ${defaultTickTimeMs} system-clock and ZooKeeper figures are medians of ${slowRuns} runs without warm-up; "(--full)" marks what only --full measures.`,
      ],
    },
    notes: [
      `Both systems run with the same tickTime (${tickTimeMs} ms, and ZooKeeper's default ${defaultTickTimeMs} ms), initLimit ${initLimitTicks}, syncLimit ${syncLimitTicks}; ZooKeeper with forceSync=no; a fresh ensemble for every sample.`,
      'Start-up: ZooKeeper from spawning the JVMs (startRealEnsemble waits until every member answers srvr with a Mode, polling every 50 ms) to the first create through node-zookeeper-client; Vivarium system clock from createEnsemble through waitForLeader and serveTcp to the first create through the same client over TCP; Vivarium manual clock from createEnsemble through waitForLeader and ensemble.client() (in-process, to a follower) to the first create.',
      'Failover: a client connected to the followers only does one write, then the leader is killed (ZooKeeper: SIGKILL, waiting for the JVM to exit before the first attempt; Vivarium: member.crash()), and the client retries setData every 5 ms until one succeeds. The manual-clock failover advances simulated time in steps of tickTime/20 with ensemble.run() between attempts; its simulated figure is how much protocol time passed.',
      'ZooKeeper SIGSTOP: after the SIGKILL failover the killed member is restarted (so a quorum is left), and the new leader is frozen with SIGSTOP: its sockets stay open, so the followers notice only when their read from it times out (syncLimit × tickTime), as Vivarium\'s do when their leader is partitioned away (isolate()). At tickTime 2000 this runs only with --full.',
      'Every failover is checked: the first write after it must carry a higher epoch in its mzxid than the last write before it (a new leader committed it), and on Vivarium another member must lead.',
      `ZooKeeper SIGSTOP samples redone because a write after the freeze still succeeded in the old epoch (the frozen JVM was not leading): ${freezeMisses}.`,
      'The Vivarium failover parts come from ensemble.trace: crash to the first stepDown event (failure detection), to the new leader\'s established event (election, discovery, sync), to the client\'s write succeeding (reconnect and retry).',
      'A crashed Vivarium member\'s links close, as a killed process\'s sockets do, so its followers step down at once, as ZooKeeper\'s do on a SIGKILL (part 1 is 0). The survivors then decide the election after ZooKeeper\'s finalizeWait (200 ms of the ensemble\'s clock, manual or system; ElectionPacer), not at the next tick.',
      `Vivarium runs in the bench process (the client shares its thread); ZooKeeper runs one JVM per member on loopback.${zkMemberCounts.includes(5) ? '' : ' ZooKeeper with 5 JVMs, and Vivarium with 5 members on the system clock at tickTime 2000, run only with --full.'}`,
    ],
  };
}

// ------------------------------------------------------------------ scenario: write throughput and commit latency

async function writeRun(client, n, latencyCount) {
  const names = Array.from({ length: n }, (_, i) => `/writes/n${i}`);
  const phases = {};
  let start = process.hrtime.bigint();
  await pipelined(n, depth, (i) => ops.create(client, names[i], value));
  phases.create = { items: n, ms: elapsedMs(start) };
  const lat = await latencies(latencyCount, (i) => ops.setData(client, names[i], value));
  phases.setDataP50 = asPhase(percentile(lat, 50));
  phases.setDataP99 = asPhase(percentile(lat, 99));
  start = process.hrtime.bigint();
  await pipelined(n, depth, (i) => ops.delete(client, names[i]));
  phases.delete = { items: n, ms: elapsedMs(start) };
  return phases;
}

const writesScenario = {
  name: 'ensemble/writes',
  title: `Ensemble writes through node-zookeeper-client to a follower: throughput (${depth} in flight) and commit latency; Vivarium vs the real ZooKeeper 3.8`,
  skip: () => realZooKeeperUnavailable(),
  async run(ctx) {
    const { memberCounts, zkMemberCounts, writeOps, latencyOps, jitWarmupOps } = sizes(ctx.full);
    const { startRealEnsemble } = await loadRealZooKeeper();
    const targets = [];
    try {
      for (const members of zkMemberCounts) {
        const target = { key: `zk${members}`, label: `ZooKeeper 3.8, ${members} JVMs`, members };
        targets.push(target);
        const zk = await startRealEnsemble(members, { forceSync: false, tickTimeMs, extraConfig: { initLimit: String(initLimitTicks), syncLimit: String(syncLimitTicks) } });
        target.stop = () => zk.stop();
        const leader = await zk.leader();
        target.client = await connectClient(zk.members.find((m) => m !== leader).connectString);
      }
      for (const members of memberCounts) {
        const target = { key: `viv${members}`, label: `Vivarium, ${members} members`, members };
        targets.push(target);
        const ensemble = createEnsemble({ members, clock: 'system', tickTimeMs, initLimitTicks, syncLimitTicks, seed: seedCounter++ });
        target.stop = () => ensemble.close();
        const leader = await ensemble.waitForLeader(failoverDeadlineMs);
        const { ports } = await ensemble.serveTcp();
        const followerIndex = ensemble.members.findIndex((m) => m.id !== leader.id);
        target.client = await connectClient(`127.0.0.1:${ports[followerIndex]}`);
      }
      for (const target of targets) {
        await ensurePath(target.client, '/writes', value);
        await writeRun(target.client, jitWarmupOps, Math.min(jitWarmupOps, 1_000));
      }
      ctx.progress(`all ensembles up; JIT warm-up done (${jitWarmupOps} creates and deletes per ensemble)`);
      let round = 0;
      const result = await measure({
        warmup: ctx.warmup,
        runs: ctx.runs,
        sample: async () => {
          const phases = {};
          const order = targets.map((_, i) => targets[(i + round) % targets.length]);
          round++;
          for (const target of order) {
            for (const [phase, value_] of Object.entries(await writeRun(target.client, writeOps, latencyOps))) phases[`${target.key}.${phase}`] = value_;
          }
          return phases;
        },
      });
      return writesReport(result, targets, { writeOps, latencyOps, jitWarmupOps });
    } finally {
      await closeAll(targets);
    }
  },
};

function writesReport(result, targets, { writeOps, latencyOps, jitWarmupOps }) {
  const figures = [];
  for (const target of targets) {
    figures.push(
      rateFigure(`${target.key}.create`, `${target.label}: create, ${depth} in flight`, result[`${target.key}.create`]),
      rateFigure(`${target.key}.delete`, `${target.label}: delete, ${depth} in flight`, result[`${target.key}.delete`]),
      timeFigure(`${target.key}.setData.p50`, `${target.label}: setData one at a time, p50 commit latency`, result[`${target.key}.setDataP50`]),
      timeFigure(`${target.key}.setData.p99`, `${target.label}: setData one at a time, p99 commit latency`, result[`${target.key}.setDataP99`]),
    );
  }
  const rate = (key, op) => result[`${key}.${op}`].rate.median;
  const ms = (key, phase) => result[`${key}.${phase}`].ms.median;
  for (const viv of targets.filter((t) => t.key.startsWith('viv'))) {
    const zk = targets.find((t) => t.key === `zk${viv.members}`);
    if (zk === undefined) continue;
    figures.push(
      ratioFigure(`ratio.${viv.members}.create`, `${viv.members} members: create ops/s, Vivarium / ZooKeeper`, rate(viv.key, 'create'), rate(zk.key, 'create')),
      ratioFigure(`ratio.${viv.members}.delete`, `${viv.members} members: delete ops/s, Vivarium / ZooKeeper`, rate(viv.key, 'delete'), rate(zk.key, 'delete')),
      ratioFigure(`ratio.${viv.members}.p50`, `${viv.members} members: setData p50, ZooKeeper / Vivarium`, ms(zk.key, 'setDataP50'), ms(viv.key, 'setDataP50')),
      ratioFigure(`ratio.${viv.members}.p99`, `${viv.members} members: setData p99, ZooKeeper / Vivarium`, ms(zk.key, 'setDataP99'), ms(viv.key, 'setDataP99')),
    );
  }
  const rows = targets.map((target) => {
    const zk = target.key.startsWith('viv') ? targets.find((t) => t.key === `zk${target.members}`) : undefined;
    return [
      target.label,
      `${formatRate(rate(target.key, 'create'))}/s`,
      `${formatRate(rate(target.key, 'delete'))}/s`,
      `${formatDuration(ms(target.key, 'setDataP50'))} / ${formatDuration(ms(target.key, 'setDataP99'))}`,
      zk === undefined ? '' : formatRatio(rate(target.key, 'create') / rate(zk.key, 'create')),
      zk === undefined ? '' : formatRatio(ms(zk.key, 'setDataP50') / ms(target.key, 'setDataP50')),
    ];
  });
  const sizes = [...new Set(targets.map((t) => t.members))].sort((a, b) => a - b);
  const bySystem = (prefix, label, op) => ({
    name: `${label}: ${op}`,
    values: sizes.map((m) => {
      const t = targets.find((x) => x.key === `${prefix}${m}`);
      return t === undefined ? undefined : rate(t.key, op);
    }),
  });
  const charts = [{
    id: 'ensemble-size',
    title: 'Write throughput against ensemble size',
    svg: barChart({
      title: `Writes per second against ensemble size (${depth} in flight, to a follower)`,
      yLabel: 'writes/s',
      categories: sizes.map((m) => `${m} members`),
      series: [bySystem('zk', 'ZooKeeper 3.8', 'create'), bySystem('zk', 'ZooKeeper 3.8', 'delete'), bySystem('viv', 'Vivarium', 'create'), bySystem('viv', 'Vivarium', 'delete')],
    }),
  }];
  return {
    figures,
    charts,
    summary: {
      title: `Medians. Ratios against ZooKeeper with as many members, > 1× means Vivarium is faster:`,
      header: ['ensemble', `create, ${depth} in flight`, `delete, ${depth} in flight`, 'setData p50 / p99', 'create: Vivarium / ZK', 'p50: ZK / Vivarium'],
      rows,
    },
    notes: [
      `One node-zookeeper-client connection per ensemble, to a follower (writes are forwarded to the leader, proposed, acknowledged by a quorum, committed). Per run: ${writeOps} creates of /writes/n<i> with 100-byte values at ${depth} in flight, then ${latencyOps} setData one at a time on those nodes (p50 / p99 of the run), then ${writeOps} deletes at ${depth} in flight.`,
      `ZooKeeper: one JVM per member on loopback, forceSync=no, tickTime ${tickTimeMs}. Vivarium: createEnsemble({ clock: 'system', tickTimeMs: ${tickTimeMs} }) with serveTcp(), in the bench process: the members, their in-memory network and the client share one thread, and members keep their logs in memory.`,
      `Before the timed runs each ensemble gets ${jitWarmupOps} creates, setData and deletes, untimed. The ensembles take turns within a run, starting with a different one each run.`,
    ],
  };
}

export const scenarios = [startupFailoverScenario, writesScenario];

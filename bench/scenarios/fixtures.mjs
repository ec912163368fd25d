// Fixture scenarios (issue 7): what a test pays for @vivarium/testing's fixtures.
//
//   fixtures/lifecycle: time to create and close a standalone server and a 3-member in-memory
//     ensemble (elected, every member serving), bare and with a first in-process client; and a
//     3-member worker ensemble fixture (createEnsemble({ transport: 'worker' }): one worker thread
//     per member, real time), a few per run, skipped with a reason if a single one is too slow.
//   fixtures/failover: time from crashing the leader of a 3-member in-memory ensemble to the next
//     successful write of a client connected to a follower (retrying on CONNECTIONLOSS, as
//     applications do), on the manual clock (wall time, and the simulated time it covers) and
//     on the system clock.
//
//   The same run starts and stops the real ZooKeeper 3.8 (one JVM, and a three-JVM ensemble, each
//     until it serves, then stop()) and reports each fixture against it as a ratio.
//
// The real ZooKeeper's failover (three JVMs) is measured in ensemble/startup-failover, with the same
// tickTime (200 ms) used here for the failovers. See bench/README.md.
import { createEnsemble, createServer, ErrorCode, ZooKeeperError } from '@vivarium/testing';
import { formatRatio, ratioFigure, timeFigure } from '../lib/figures.mjs';
import { loadRealZooKeeper, realZooKeeperUnavailable } from '../lib/real-zookeeper.mjs';
import { formatDuration, measure, nowMs } from '../lib/measure.mjs';

/** The same tickTime as ensemble/startup-failover, so failover figures compare. */
const tickTimeMs = 200;
const payload = new Uint8Array(16);

function sizes(full) {
  return full
    ? { servers: 1000, ensembles: 200, workerEnsembles: 10, manualFailovers: 50, systemFailovers: 3, zooKeeperRuns: 5 }
    : { servers: 200, ensembles: 40, workerEnsembles: 3, manualFailovers: 10, systemFailovers: 1, zooKeeperRuns: 3 };
}

function check(condition, message) {
  if (!condition) throw new Error(`bench: ${message}`);
}

async function serverLifecycle(n, withClient) {
  const start = nowMs();
  for (let i = 0; i < n; i++) {
    const server = await createServer({ seed: i + 1 });
    if (withClient) {
      const client = await server.client();
      check(client.state === 'connected', 'client not connected');
    }
    await server.close();
  }
  return { ms: nowMs() - start, items: n };
}

async function ensembleLifecycle(n, withClient) {
  const start = nowMs();
  for (let i = 0; i < n; i++) {
    const ensemble = await createEnsemble({ seed: i + 1, members: 3 });
    check(ensemble.leader() !== undefined && ensemble.members.every((m) => m.isServing), 'ensemble not ready');
    if (withClient) {
      const client = await ensemble.client();
      check(client.state === 'connected', 'client not connected');
    }
    await ensemble.close();
  }
  return { ms: nowMs() - start, items: n };
}

/** A probe worker ensemble taking longer than this skips the worker lifecycle figure. */
const workerProbeBudgetMs = 15_000;

async function workerEnsembleLifecycle(n, seedBase) {
  const start = nowMs();
  for (let i = 0; i < n; i++) {
    const ensemble = await createEnsemble({ transport: 'worker', seed: seedBase + i, members: 3, tickTimeMs });
    check(ensemble.leader() !== undefined && ensemble.members.every((m) => m.isServing), 'worker ensemble not ready');
    // close() includes its leak check: every worker thread gone, every client port closed.
    await ensemble.close();
  }
  return { ms: nowMs() - start, items: n };
}

/** One real ZooKeeper (one JVM, or three) from spawn until it serves, then stop(): what a test using it pays per fixture. */
async function zooKeeperLifecycle(start) {
  const begin = nowMs();
  const zk = await start();
  await zk.stop();
  return { ms: nowMs() - begin, items: 1 };
}

/** Crash the leader, then write until a write succeeds; returns wall ms and simulated ms (manual clock). */
async function failover(seed, clock) {
  const ensemble = await createEnsemble({ seed, members: 3, tickTimeMs, clock });
  try {
    const leader = ensemble.leader();
    check(leader !== undefined, 'no leader');
    const follower = ensemble.followers()[0];
    const client = await ensemble.client({ member: follower.id, sessionTimeoutMs: 20 * tickTimeMs });
    await client.create('/k', payload);
    const wallStart = nowMs();
    const simulatedStart = ensemble.clock.nowMs();
    leader.crash();
    for (let attempt = 0; ; attempt++) {
      try {
        await ensemble.drive(client.setData('/k', payload), { maxMs: 60_000 });
        break;
      } catch (error) {
        // A write caught by the failover is refused with CONNECTIONLOSS (as ZooKeeper does); retry.
        if (!(error instanceof ZooKeeperError && error.code === ErrorCode.connectionLoss) || attempt > 100) throw error;
      }
    }
    const wallMs = nowMs() - wallStart;
    const simulatedMs = ensemble.clock.nowMs() - simulatedStart;
    check(ensemble.leader() !== undefined && ensemble.leader().id !== leader.id, 'no new leader');
    return { wallMs, simulatedMs };
  } finally {
    await ensemble.close();
  }
}

const lifecycleScenario = {
  name: 'fixtures/lifecycle',
  title: 'Fixture create + close: standalone server, 3-member ensemble in memory (manual clock) and on worker threads; against the real ZooKeeper 3.8 (1 JVM, 3 JVMs) in the same run',
  async run(ctx) {
    const { servers, ensembles } = sizes(ctx.full);
    const options = { warmup: ctx.warmup, runs: ctx.runs };
    const bareServer = await measure({ ...options, sample: async () => ({ fixture: await serverLifecycle(servers, false) }) });
    const clientServer = await measure({ ...options, sample: async () => ({ fixture: await serverLifecycle(servers, true) }) });
    ctx.progress(`servers done (${servers} per run)`);
    const bareEnsemble = await measure({ ...options, sample: async () => ({ fixture: await ensembleLifecycle(ensembles, false) }) });
    const clientEnsemble = await measure({ ...options, sample: async () => ({ fixture: await ensembleLifecycle(ensembles, true) }) });
    ctx.progress(`ensembles done (${ensembles} per run)`);
    const { workerEnsembles } = sizes(ctx.full);
    const probeMs = (await workerEnsembleLifecycle(1, 1_000_000)).ms;
    const workerSkipped = probeMs > workerProbeBudgetMs
      ? `worker ensemble figure skipped: one create + close took ${probeMs.toFixed(0)} ms (> ${workerProbeBudgetMs} ms budget)`
      : undefined;
    let seedBase = 2_000_000;
    const workerEnsemble = workerSkipped !== undefined ? undefined : await measure({
      ...options,
      sample: async () => {
        seedBase += workerEnsembles;
        return { fixture: await workerEnsembleLifecycle(workerEnsembles, seedBase) };
      },
    });
    ctx.progress(workerSkipped ?? `worker ensembles done (${workerEnsembles} per run)`);
    const zooKeeperSkipped = realZooKeeperUnavailable();
    let zooKeeper;
    if (zooKeeperSkipped === undefined) {
      const { startRealZooKeeper, startRealEnsemble } = await loadRealZooKeeper();
      // A JVM starts cold every time: no warm-up, fewer runs (each costs seconds).
      zooKeeper = await measure({
        warmup: 0,
        runs: sizes(ctx.full).zooKeeperRuns,
        sample: async () => ({
          standalone: await zooKeeperLifecycle(() => startRealZooKeeper({ forceSync: false })),
          ensemble: await zooKeeperLifecycle(() => startRealEnsemble(3, { forceSync: false, tickTimeMs })),
        }),
      });
      ctx.progress('real ZooKeeper done');
    }
    const perFixture = (id, label, result) => {
      const phase = result.fixture;
      const each = (ms) => ms / phase.items;
      return timeFigure(id, label, { items: phase.items, ms: { median: each(phase.ms.median), min: each(phase.ms.min), max: each(phase.ms.max), samples: phase.ms.samples.map(each) } });
    };
    const figures = [
      perFixture('server', 'createServer() + close()', bareServer),
      perFixture('server-client', 'createServer() + client() + close()', clientServer),
      perFixture('ensemble', 'createEnsemble({ members: 3 }) (elected, all serving) + close()', bareEnsemble),
      perFixture('ensemble-client', 'createEnsemble({ members: 3 }) + client() + close()', clientEnsemble),
      ...(workerEnsemble === undefined ? [] : [perFixture('worker-ensemble', "createEnsemble({ members: 3, transport: 'worker' }) (elected, all serving; real time) + close()", workerEnsemble)]),
    ];
    let summary;
    if (zooKeeper !== undefined) {
      const zkStandalone = perFixture('zk-standalone', 'ZooKeeper 3.8, 1 JVM: spawn until serving + stop()', { fixture: zooKeeper.standalone });
      const zkEnsemble = perFixture('zk-ensemble', `ZooKeeper 3.8, 3 JVMs (tickTime ${tickTimeMs}): spawn until a leader serves + stop()`, { fixture: zooKeeper.ensemble });
      figures.push(zkStandalone, zkEnsemble);
      const versus = (id, label, zk, vivarium) => ratioFigure(`ratio.${id}`, `${label}: ZooKeeper / Vivarium`, zk.median, vivarium.median);
      const byId = (id) => figures.find((f) => f.id === id);
      const ratios = [
        versus('server', 'createServer() vs 1 JVM', zkStandalone, byId('server')),
        versus('ensemble', 'createEnsemble({ members: 3 }) vs 3 JVMs', zkEnsemble, byId('ensemble')),
        ...(workerEnsemble === undefined ? [] : [versus('worker-ensemble', "createEnsemble({ transport: 'worker' }) vs 3 JVMs", zkEnsemble, byId('worker-ensemble'))]),
      ];
      figures.push(...ratios);
      summary = {
        title: 'Create and close, Vivarium fixture vs the real ZooKeeper 3.8 in the same run (medians)',
        header: ['fixture', 'Vivarium', 'ZooKeeper 3.8', 'ZooKeeper / Vivarium'],
        rows: [
          ['standalone server', byId('server').median, zkStandalone.median, ratios[0].median],
          ['3-member ensemble, in-memory', byId('ensemble').median, zkEnsemble.median, ratios[1].median],
          ...(workerEnsemble === undefined ? [] : [['3-member ensemble, worker threads', byId('worker-ensemble').median, zkEnsemble.median, ratios[2].median]]),
        ].map(([name, viv, zk, ratio]) => [name, formatDuration(viv), formatDuration(zk), formatRatio(ratio)]),
      };
    }
    return {
      figures,
      ...(summary === undefined ? {} : { summary }),
      notes: [
        zooKeeperSkipped === undefined
          ? `ZooKeeper: ${sizes(ctx.full).zooKeeperRuns} runs, no warm-up (a JVM starts cold every time), forceSync=no; start-up is spawn until \`ruok\`/\`srvr\` show it serving (3 JVMs: one leader, every member serving); stop() is SIGTERM and wait for exit. This is what a test pays per fresh ZooKeeper (Curator's TestingServer / TestingCluster do the same in-process minus the JVM start).`
          : `ZooKeeper comparison skipped: ${zooKeeperSkipped}`,
        `Per fixture: the median of ${ctx.runs} runs of ${servers} servers / ${ensembles} ensembles each, divided by the count; min and max the same way.`,
        'Each ensemble is created with a different seed; createEnsemble resolves once a leader is elected and every member serves (its election takes simulated time, not wall time).',
        'close() includes its leak check (clients, client timers, clock subscribers, ports, members, messages).',
        workerSkipped ?? `Worker ensembles: ${workerEnsembles} per run, tickTimeMs ${tickTimeMs}, real time: the figure is thread start-up, a real election and the worker teardown; close() checks every worker thread exited and every client port closed.`,
      ],
    };
  },
};

const failoverScenario = {
  name: 'fixtures/failover',
  title: 'Fixture: kill the leader of a 3-member in-memory ensemble, time to the next successful write',
  async run(ctx) {
    const { manualFailovers, systemFailovers } = sizes(ctx.full);
    const options = { warmup: ctx.warmup, runs: ctx.runs };
    const simulated = [];
    let seed = 1;
    const manual = await measure({
      ...options,
      sample: async (runIndex) => {
        let ms = 0;
        for (let i = 0; i < manualFailovers; i++) {
          const result = await failover(seed++, 'manual');
          ms += result.wallMs;
          if (runIndex >= 0) simulated.push(result.simulatedMs);
        }
        return { failover: { ms, items: manualFailovers } };
      },
    });
    ctx.progress(`manual clock done (${manualFailovers} failovers per run)`);
    const system = await measure({
      ...options,
      sample: async () => {
        let ms = 0;
        for (let i = 0; i < systemFailovers; i++) ms += (await failover(seed++, 'system')).wallMs;
        return { failover: { ms, items: systemFailovers } };
      },
    });
    ctx.progress(`system clock done (${systemFailovers} failover(s) per run)`);
    const perFailover = (id, label, phase) => {
      const each = (ms) => ms / phase.items;
      return timeFigure(id, label, { items: phase.items, ms: { median: each(phase.ms.median), min: each(phase.ms.min), max: each(phase.ms.max), samples: phase.ms.samples.map(each) } });
    };
    const sorted = [...simulated].sort((a, b) => a - b);
    const simulatedFigure = {
      id: 'manual-simulated',
      label: 'manual clock: simulated time covered (not wall time)',
      kind: 'time',
      unit: 'ms',
      median: sorted[sorted.length >> 1],
      min: sorted[0],
      max: sorted[sorted.length - 1],
      samples: simulated,
    };
    return {
      figures: [
        perFailover('manual-wall', 'manual clock: wall time, crash to next write', manual.failover),
        simulatedFigure,
        perFailover('system-wall', 'system clock: wall time, crash to next write', system.failover),
      ],
      notes: [
        `tickTimeMs ${tickTimeMs}, initLimit 10, syncLimit 5 (ZooKeeper's defaults in ticks), as in ensemble/startup-failover.`,
        'The client is connected to a follower; the write that the failover catches fails with CONNECTIONLOSS and is retried, as an application would.',
        'On the manual clock the fixture drives time (drive()) only as far as the write needs: the followers notice the dead leader after syncLimit ticks, elect, and the client reconnects. The simulated figure is over every failover of the timed runs (each one a different seed).',
      ],
    };
  },
};

export const scenarios = [lifecycleScenario, failoverScenario];

// Wire scenario (issue 3): Vivarium's ZooKeeper wire server against the real ZooKeeper 3.8
// standalone (forceSync=no), measured in the same run through the same client
// (node-zookeeper-client 1.1.3), 100-byte values: create, getData, setData, exists, delete at
// 200 requests in flight (ops/s), and the same five ops one at a time (latency p50 / p99).
//
// Three servers, each with its own client connection, measured turn about within every run:
//   - the real ZooKeeper 3.8 (ZooKeeperServerMain, its own JVM),
//   - Vivarium in its own Node process (startWireServer in a child): like for like with the JVM,
//   - Vivarium in the bench's own process: how a test suite embeds it; the client and the
//     server then share one thread.
// See bench/README.md for what each figure means.
import { startWireServer } from '@vivarium/server';
import { measure, formatDuration, formatRate } from '../lib/measure.mjs';
import { formatRatio, rateFigure, ratioFigure, timeFigure } from '../lib/figures.mjs';
import { loadRealZooKeeper, realZooKeeperUnavailable } from '../lib/real-zookeeper.mjs';
import { canReadProcessCpu, processCpuMs } from '../lib/process-cpu.mjs';
import { startVivariumProcess } from '../lib/vivarium-process.mjs';
import { lineChart } from '../lib/svg-chart.mjs';
import { closeAll, connectClient, ensurePath, latencies, ops, percentile, pipelined } from '../lib/zk-client.mjs';

const seed = 1;
const value = Buffer.alloc(100, 0x61);
const depth = 200;
const opNames = ['create', 'getData', 'setData', 'exists', 'delete'];

/** Default: ~1 min for the scenario on 2 cores. --full: 4x the ops per run, 8x the warm-up. */
function sizes(full) {
  return full
    ? { throughputOps: 20_000, latencyOps: 4_000, jitWarmupOps: 40_000 }
    : { throughputOps: 5_000, latencyOps: 1_000, jitWarmupOps: 5_000 };
}

function check(condition, message) {
  if (!condition) throw new Error(`bench: ${message}`);
}

/** Each op through the client, checked: a reply that is an error rejects, and getData must return the value. */
const runOp = {
  create: (client, path) => ops.create(client, path, value),
  getData: async (client, path) => {
    const data = await ops.getData(client, path);
    check(data?.length === value.length, `getData ${path}: ${data?.length} bytes, expected ${value.length}`);
  },
  setData: (client, path) => ops.setData(client, path, value),
  exists: async (client, path) => {
    const stat = await ops.exists(client, path);
    check(stat !== undefined && stat !== null, `exists ${path}: no stat`);
  },
  delete: (client, path) => ops.delete(client, path),
};

function paths(parent, count) {
  return Array.from({ length: count }, (_, i) => `${parent}/n${i}`);
}

/**
 * The five phases at `depth` in flight; { op: { ms, items } }, plus the CPU ms per op that the
 * server process (`serverPid`) and this process used over all five: `serverCpu`, `benchCpu`.
 * Leaves the tree as it found it.
 */
async function throughputRun(client, parent, n, serverPid) {
  const names = paths(parent, n);
  const phases = {};
  const readCpu = serverPid !== undefined && canReadProcessCpu();
  const serverBefore = readCpu ? processCpuMs(serverPid) : 0;
  const benchBefore = processCpuMs();
  for (const op of opNames) {
    const start = process.hrtime.bigint();
    await pipelined(n, depth, (i) => runOp[op](client, names[i]));
    phases[op] = { items: n, ms: Number(process.hrtime.bigint() - start) / 1e6 };
  }
  const ops = n * opNames.length;
  phases.benchCpu = { items: 1, ms: (processCpuMs() - benchBefore) / ops };
  if (readCpu) phases.serverCpu = { items: 1, ms: (processCpuMs(serverPid) - serverBefore) / ops };
  return phases;
}

/** The five phases one request at a time; { op: latencies[] }. */
async function latencyRun(client, parent, n) {
  const names = paths(parent, n);
  const result = {};
  for (const op of opNames) result[op] = await latencies(n, (i) => runOp[op](client, names[i]));
  return result;
}

const wireScenario = {
  name: 'wire/ops',
  title: 'Wire: Vivarium vs the real ZooKeeper 3.8 standalone (forceSync=no), node-zookeeper-client, 100-byte values',
  skip: () => realZooKeeperUnavailable(),
  async run(ctx) {
    const { throughputOps, latencyOps, jitWarmupOps } = sizes(ctx.full);
    const { startRealZooKeeper } = await loadRealZooKeeper();
    const targets = [
      { key: 'zk', label: 'ZooKeeper 3.8' },
      { key: 'vivProcess', label: 'Vivarium, own process' },
      { key: 'vivInProcess', label: 'Vivarium, in the bench process' },
    ];
    const [zkTarget, processTarget, inProcessTarget] = targets;
    try {
      zkTarget.server = await startRealZooKeeper({ forceSync: false });
      zkTarget.stop = () => zkTarget.server.stop();
      zkTarget.connectString = zkTarget.server.connectString;
      zkTarget.pid = zkTarget.server.pid;
      ctx.progress(`real ZooKeeper up on ${zkTarget.connectString} in ${zkTarget.server.startupMs} ms`);
      const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter((a) => a !== '') ?? [];
      processTarget.server = await startVivariumProcess({ seed }, { nodeArgs });
      processTarget.stop = () => processTarget.server.stop();
      processTarget.connectString = processTarget.server.connectString;
      processTarget.pid = processTarget.server.pid;
      inProcessTarget.server = await startWireServer({ clientPortAddress: '127.0.0.1', clock: 'system', seed });
      inProcessTarget.stop = () => inProcessTarget.server.close();
      inProcessTarget.connectString = inProcessTarget.server.connectString;
      for (const target of targets) {
        target.client = await connectClient(target.connectString);
        await ensurePath(target.client, '/bench', value);
        await ensurePath(target.client, '/latency', value);
      }

      // Both JITs (the JVM's and V8's) need more than one run's worth of calls before they settle;
      // the JVM especially (its first 5k creates ran at a third of its later rate). With the
      // warm-up run of measure() that makes two runs' worth, untimed, before the first timed run.
      for (const target of targets) {
        await throughputRun(target.client, '/bench', jitWarmupOps, target.pid);
        await latencyRun(target.client, '/latency', Math.min(jitWarmupOps, 2_000));
      }
      ctx.progress(`JIT warm-up done (${jitWarmupOps} of each op at ${depth} in flight per server)`);

      let round = 0;
      // The last timed run's latencies per server and op, for the distribution charts.
      const lastLatencies = {};
      const result = await measure({
        warmup: ctx.warmup,
        runs: ctx.runs,
        sample: async () => {
          const phases = {};
          // Turn about, starting with a different server each run, so a slow patch on a shared
          // machine does not always land on the same one.
          const order = targets.map((_, i) => targets[(i + round) % targets.length]);
          round++;
          for (const target of order) {
            for (const [op, phase] of Object.entries(await throughputRun(target.client, '/bench', throughputOps, target.pid))) phases[`${target.key}.${op}`] = phase;
            const runLatencies = await latencyRun(target.client, '/latency', latencyOps);
            lastLatencies[target.key] = runLatencies;
            for (const [op, values] of Object.entries(runLatencies)) {
              // measure() keeps a per-run `ms`: a percentile of this run's latencies is one such value.
              phases[`${target.key}.${op}.p50`] = { items: 1, ms: percentile(values, 50) };
              phases[`${target.key}.${op}.p99`] = { items: 1, ms: percentile(values, 99) };
            }
          }
          return phases;
        },
      });
      ctx.progress('measured');
      return { ...report(result, targets, { throughputOps, latencyOps, jitWarmupOps }), charts: latencyCharts(lastLatencies, targets) };
    } finally {
      await closeAll(targets);
    }
  },
};

/** One chart per op: the latency distribution (CDF) of the last timed run, one line per server. */
function latencyCharts(lastLatencies, targets) {
  return opNames.map((op) => ({
    id: `latency-${op}`,
    title: `${op}, one at a time: latency distribution`,
    svg: lineChart({
      title: `${op}, one at a time: latency distribution (last run)`,
      xLabel: 'latency, µs (log)',
      yLabel: '% of requests answered within',
      xLog: true,
      width: 560,
      height: 320,
      series: targets.filter((t) => lastLatencies[t.key] !== undefined).map((t) => {
        const sorted = Float64Array.from(lastLatencies[t.key][op]).sort();
        const points = [];
        for (let k = 0; k <= 100; k++) {
          const i = Math.min(sorted.length - 1, Math.round((k / 100) * (sorted.length - 1)));
          points.push([sorted[i] * 1000, ((i + 1) / sorted.length) * 100]);
        }
        return { name: t.label, dashed: t.key === 'zk', markers: false, points };
      }),
    }),
  }));
}

function report(result, targets, { throughputOps, latencyOps, jitWarmupOps }) {
  const figures = [];
  for (const target of targets) {
    for (const op of opNames) {
      figures.push(rateFigure(`${target.key}.${op}`, `${target.label}: ${op}, ${depth} in flight`, result[`${target.key}.${op}`]));
    }
  }
  for (const target of targets) {
    for (const op of opNames) {
      figures.push(timeFigure(`${target.key}.${op}.p50`, `${target.label}: ${op}, 1 in flight, p50 latency`, result[`${target.key}.${op}.p50`]));
      figures.push(timeFigure(`${target.key}.${op}.p99`, `${target.label}: ${op}, 1 in flight, p99 latency`, result[`${target.key}.${op}.p99`]));
    }
  }
  const cpuLabel = {
    zk: ['ZooKeeper 3.8: JVM CPU per op (the five ops, 200 in flight)', 'ZooKeeper 3.8: bench process (the client) CPU per op'],
    vivProcess: ['Vivarium, own process: server process CPU per op (the five ops, 200 in flight)', 'Vivarium, own process: bench process (the client) CPU per op'],
    vivInProcess: [undefined, 'Vivarium, in the bench process: bench process (client and server) CPU per op'],
  };
  for (const target of targets) {
    const [serverLabel, benchLabel] = cpuLabel[target.key];
    if (serverLabel !== undefined && result[`${target.key}.serverCpu`] !== undefined) figures.push(timeFigure(`${target.key}.serverCpu`, serverLabel, result[`${target.key}.serverCpu`]));
    figures.push(timeFigure(`${target.key}.benchCpu`, benchLabel, result[`${target.key}.benchCpu`]));
  }
  const cpu = (key, which) => result[`${key}.${which}`]?.ms.median;
  const haveServerCpu = cpu('zk', 'serverCpu') !== undefined && cpu('vivProcess', 'serverCpu') !== undefined;
  if (haveServerCpu) {
    figures.push(ratioFigure('ratio.serverCpu', 'server CPU per op: ZooKeeper JVM / Vivarium process', cpu('zk', 'serverCpu'), cpu('vivProcess', 'serverCpu')));
  }
  const rate = (key, op) => result[`${key}.${op}`].rate.median;
  const p50 = (key, op) => result[`${key}.${op}.p50`].ms.median;
  const p99 = (key, op) => result[`${key}.${op}.p99`].ms.median;
  for (const [key, label] of [['vivProcess', 'own process'], ['vivInProcess', 'in the bench process']]) {
    for (const op of opNames) {
      figures.push(ratioFigure(`ratio.${key}.${op}`, `${op}, ${depth} in flight: Vivarium (${label}) ops/s / ZooKeeper ops/s`, rate(key, op), rate('zk', op)));
    }
    for (const op of opNames) {
      figures.push(ratioFigure(`ratio.${key}.${op}.p50`, `${op}, 1 in flight: ZooKeeper p50 / Vivarium (${label}) p50`, p50('zk', op), p50(key, op)));
    }
  }
  const cell = (key, op) => `${formatRate(rate(key, op))}/s`;
  const lat = (key, op) => `${formatDuration(p50(key, op))} / ${formatDuration(p99(key, op))}`;
  const summary = {
    title: `Median throughput at ${depth} in flight, and latency one at a time (p50 / p99); ratios > 1× mean Vivarium is faster:`,
    header: [
      'op',
      'ZooKeeper 3.8',
      'Vivarium, own process',
      'Vivarium, in-process',
      'own process / ZK',
      'in-process / ZK',
      'p50 / p99: ZooKeeper',
      'p50 / p99: Vivarium, own process',
      'p50 / p99: Vivarium, in-process',
      'ZK p50 / own-process p50',
    ],
    rows: opNames.map((op) => [
      op,
      cell('zk', op),
      cell('vivProcess', op),
      cell('vivInProcess', op),
      formatRatio(rate('vivProcess', op) / rate('zk', op)),
      formatRatio(rate('vivInProcess', op) / rate('zk', op)),
      lat('zk', op),
      lat('vivProcess', op),
      lat('vivInProcess', op),
      formatRatio(p50('zk', op) / p50('vivProcess', op)),
    ]),
    footer: [
      haveServerCpu
        ? `CPU per op over the five ops at ${depth} in flight (medians): ZooKeeper's JVM ${formatDuration(cpu('zk', 'serverCpu'))}, Vivarium's server process ${formatDuration(cpu('vivProcess', 'serverCpu'))} (ZooKeeper uses ${formatRatio(cpu('zk', 'serverCpu') / cpu('vivProcess', 'serverCpu'))} as much); the client, node-zookeeper-client, ${formatDuration(cpu('vivProcess', 'benchCpu'))} against Vivarium and ${formatDuration(cpu('zk', 'benchCpu'))} against ZooKeeper; client and Vivarium in one process ${formatDuration(cpu('vivInProcess', 'benchCpu'))}.`
        : 'CPU per op: not measured here (needs /proc).',
    ],
  };
  return {
    figures,
    summary,
    notes: [
      `One node-zookeeper-client 1.1.3 connection per server, 100-byte values. Throughput: ${throughputOps} ops per phase per run, phases in order create, getData, setData, exists, delete on /bench/n0..n${throughputOps - 1}, ${depth} in flight (each of ${depth} promise chains starts its next op when its reply arrives). Latency: ${latencyOps} of each op one at a time under /latency; p50/p99 are of one run's ops, then median/min/max over the runs.`,
      'ZooKeeper 3.8: ZooKeeperServerMain in its own JVM (Debian package, OpenJDK 17), forceSync=no, tickTime 2000, started by test/support/real-zookeeper.ts (compiled into bench/.build/). Its txn log is still written (to the page cache, not fsynced); Vivarium here has no dataDir, so it keeps no log at all.',
      'Vivarium, own process: startWireServer({ clientPortAddress 127.0.0.1, clock: system }) in a child Node process (bench/lib/vivarium-server-main.mjs): client and server each have their own thread, as with the JVM. Vivarium, in the bench process: the same server in the process that runs the client, so one thread does both (how a test suite embeds it).',
      `Before the timed runs each server gets ${jitWarmupOps} of each op at ${depth} in flight and 2000 one at a time, untimed, so both JITs have settled. Within a run the three servers take turns, starting with a different one each run.`,
      'Every op is checked (an error reply fails the run; getData must return the 100 bytes; exists must return a stat).',
      'CPU per op: user + system CPU of the server process (/proc/<pid>/stat, all its threads: the JVM\'s GC and JIT included) and of the bench process (process.cpuUsage()) over the five throughput phases of a run, divided by the ops. Less disturbed by other work on the machine than ops/s.',
    ],
  };
}

export const scenarios = [wireScenario];

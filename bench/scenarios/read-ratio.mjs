// The read-ratio sweep (the ZooKeeper paper's throughput figure): a mixed getData / setData
// workload at 0, 25, 50, 75, 90 and 100% reads against a 3- and a 5-member ensemble, Vivarium
// beside the real ZooKeeper 3.8 ensemble (one JVM per member; 5 JVMs with --full), through the
// same client (node-zookeeper-client), one connection per member (clients spread across the
// ensemble, as in the paper), 200 requests in flight in all.
//
// See bench/README.md for what each figure means.
import { createEnsemble } from '@vivarium/server';
import { formatRate, measure } from '../lib/measure.mjs';
import { formatRatio, rateFigure, ratioFigure } from '../lib/figures.mjs';
import { loadRealZooKeeper, realZooKeeperUnavailable } from '../lib/real-zookeeper.mjs';
import { barChart, lineChart } from '../lib/svg-chart.mjs';
import { closeAll, closeClient, connectClient, ensurePath, ops, pipelined } from '../lib/zk-client.mjs';

const value = Buffer.alloc(100, 0x72);
const depth = 200;
const tickTimeMs = 200;
const initLimitTicks = 10;
const syncLimitTicks = 5;
const readPercents = [0, 25, 50, 75, 90, 100];
/** Nodes the workload reads and writes, picked at random (the same sequence on every system). */
const nodeCount = 1_000;

function sizes(full) {
  return full
    ? { memberCounts: [3, 5], zkMemberCounts: [3, 5], opsPerPoint: 20_000, jitWarmupOps: 30_000 }
    : { memberCounts: [3, 5], zkMemberCounts: [3], opsPerPoint: 3_000, jitWarmupOps: 10_000, runsMax: 3 };
}

function check(condition, message) {
  if (!condition) throw new Error(`bench: ${message}`);
}

/** A fixed op sequence for one read percentage: isRead[i], node[i]. Seeded xorshift, so every system replays it. */
function workload(readPercent, count) {
  let x = 0x9e3779b9 ^ (readPercent * 7919 + 1);
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  const isRead = new Uint8Array(count);
  const node = new Uint16Array(count);
  for (let i = 0; i < count; i++) {
    isRead[i] = next() * 100 < readPercent ? 1 : 0;
    node[i] = Math.floor(next() * nodeCount);
  }
  return { isRead, node };
}

const names = Array.from({ length: nodeCount }, (_, i) => `/rr/n${i}`);

/** `count` ops of the workload at `depth` in flight, the in-flight chains spread round-robin over the clients. */
async function mixedRun(clients, load, count) {
  const start = process.hrtime.bigint();
  let next = 0;
  const chain = async (chainIndex) => {
    const client = clients[chainIndex % clients.length];
    while (next < count) {
      const i = next++;
      if (load.isRead[i] === 1) {
        const data = await ops.getData(client, names[load.node[i]]);
        check(data?.length === value.length, `getData ${names[load.node[i]]}: ${data?.length} bytes`);
      } else {
        await ops.setData(client, names[load.node[i]], value);
      }
    }
  };
  await Promise.all(Array.from({ length: depth }, (_, k) => chain(k)));
  return { items: count, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

async function startZooKeeper(startRealEnsemble, members) {
  const zk = await startRealEnsemble(members, { forceSync: false, tickTimeMs, extraConfig: { initLimit: String(initLimitTicks), syncLimit: String(syncLimitTicks) } });
  const target = { key: `zk${members}`, label: `ZooKeeper 3.8, ${members} JVMs`, system: 'ZooKeeper', members, clients: [] };
  target.stop = async () => {
    for (const client of target.clients) await closeClient(client);
    await zk.stop();
  };
  for (const member of zk.members) target.clients.push(await connectClient(member.connectString));
  return target;
}

let seed = 101;
async function startVivarium(members) {
  const ensemble = createEnsemble({ members, clock: 'system', tickTimeMs, initLimitTicks, syncLimitTicks, seed: seed++ });
  const target = { key: `viv${members}`, label: `Vivarium, ${members} members`, system: 'Vivarium', members, clients: [] };
  target.stop = async () => {
    for (const client of target.clients) await closeClient(client);
    await ensemble.close();
  };
  await ensemble.waitForLeader(60_000);
  const { ports } = await ensemble.serveTcp();
  for (const port of ports) target.clients.push(await connectClient(`127.0.0.1:${port}`));
  return target;
}

async function prepare(target, jitWarmupOps) {
  const client = target.clients[0];
  await ensurePath(client, '/rr', value);
  await pipelined(nodeCount, depth, (i) => ops.create(client, names[i], value));
  // Every member must have the nodes before reads go to it: a sync through each client's member.
  for (const c of target.clients) await new Promise((resolve, reject) => c.exists(names[nodeCount - 1], (error, stat) => (error || !stat ? reject(error ?? new Error('not synced')) : resolve())));
  await mixedRun(target.clients, workload(50, jitWarmupOps), jitWarmupOps);
}

const readRatioScenario = {
  name: 'ensemble/read-ratio',
  title: `Read-ratio sweep (the ZooKeeper paper's figure): getData/setData mix, ${depth} in flight over one client per member; Vivarium vs the real ZooKeeper 3.8 ensemble`,
  skip: () => realZooKeeperUnavailable(),
  async run(ctx) {
    const { memberCounts, zkMemberCounts, opsPerPoint, jitWarmupOps, runsMax = Infinity } = sizes(ctx.full);
    // 6 points × 3 ensembles: the default run caps the runs per point at 3 to stay short.
    const runs = Math.min(ctx.runs, runsMax);
    const { startRealEnsemble } = await loadRealZooKeeper();
    const targets = [];
    const loads = new Map(readPercents.map((p) => [p, workload(p, opsPerPoint)]));
    try {
      for (const members of zkMemberCounts) targets.push(await startZooKeeper(startRealEnsemble, members));
      for (const members of memberCounts) targets.push(await startVivarium(members));
      for (const target of targets) await prepare(target, jitWarmupOps);
      ctx.progress(`${targets.map((t) => t.label).join(', ')} up; ${nodeCount} nodes each; JIT warm-up done (${jitWarmupOps} ops at 50% reads)`);
      const result = {};
      for (const percent of readPercents) {
        let round = 0;
        const point = await measure({
          warmup: ctx.warmup,
          runs,
          sample: async () => {
            const phases = {};
            const order = targets.map((_, i) => targets[(i + round) % targets.length]);
            round++;
            for (const target of order) phases[target.key] = await mixedRun(target.clients, loads.get(percent), opsPerPoint);
            return phases;
          },
        });
        for (const [key, phase] of Object.entries(point)) result[`${key}.${percent}`] = phase;
        ctx.progress(`${percent}% reads: ${targets.map((t) => `${t.label} ${formatRate(point[t.key].rate.median)}/s`).join(', ')}`);
      }
      return report(result, targets, { opsPerPoint, jitWarmupOps, runs });
    } finally {
      await closeAll(targets);
    }
  },
};

function report(result, targets, { opsPerPoint, jitWarmupOps, runs }) {
  const figures = [];
  const rate = (key, percent) => result[`${key}.${percent}`].rate.median;
  for (const target of targets) {
    for (const percent of readPercents) {
      figures.push(rateFigure(`${target.key}.${percent}`, `${target.label}: ${percent}% reads`, result[`${target.key}.${percent}`]));
    }
  }
  const pairs = targets.filter((t) => t.system === 'Vivarium').map((viv) => [viv, targets.find((t) => t.system === 'ZooKeeper' && t.members === viv.members)]).filter(([, zk]) => zk !== undefined);
  for (const [viv, zk] of pairs) {
    for (const percent of readPercents) {
      figures.push(ratioFigure(`ratio.${viv.members}.${percent}`, `${viv.members} members, ${percent}% reads: Vivarium ops/s / ZooKeeper ops/s`, rate(viv.key, percent), rate(zk.key, percent)));
    }
  }
  const header = ['ensemble', ...readPercents.map((p) => `${p}% reads`)];
  const rows = targets.map((t) => [t.label, ...readPercents.map((p) => `${formatRate(rate(t.key, p))}/s`)]);
  for (const [viv, zk] of pairs) rows.push([`${viv.members} members: Vivarium / ZooKeeper`, ...readPercents.map((p) => formatRatio(rate(viv.key, p) / rate(zk.key, p)))]);
  const charts = [
    {
      id: 'sweep',
      title: 'Throughput against the read ratio',
      svg: lineChart({
        title: `Throughput against the read ratio (getData / setData, ${depth} in flight)`,
        xLabel: 'reads (% of requests)',
        yLabel: 'ops/s',
        xTicks: readPercents,
        series: targets.map((t) => ({ name: t.label, dashed: t.system === 'ZooKeeper', points: readPercents.map((p) => [p, rate(t.key, p)]) })),
      }),
    },
    {
      id: 'ensemble-size',
      title: 'Throughput against ensemble size',
      svg: barChart({
        title: 'Throughput against ensemble size (0%, 50%, 100% reads)',
        yLabel: 'ops/s',
        categories: [...new Set(targets.map((t) => t.members))].map((m) => `${m} members`),
        series: ['ZooKeeper', 'Vivarium'].flatMap((system) => [0, 50, 100].map((p) => ({
          name: `${system}, ${p}% reads`,
          values: [...new Set(targets.map((t) => t.members))].map((m) => {
            const t = targets.find((x) => x.system === system && x.members === m);
            return t === undefined ? undefined : rate(t.key, p);
          }),
        }))).filter((s) => s.values.some((v) => v !== undefined)),
      }),
    },
  ];
  return {
    figures,
    charts,
    summary: { title: 'Median ops/s by read ratio; ratios > 1× mean Vivarium serves more:', header, rows },
    notes: [
      `Per point and run: ${opsPerPoint} requests, each a getData (read) or a setData (write, version -1) of a 100-byte value on one of ${nodeCount} nodes /rr/n<i>, picked by a seeded generator so every system replays the same sequence. ${depth} promise chains in flight, spread round-robin over one node-zookeeper-client connection per member (reads are served by the member the client is on; writes go through the leader).`,
      `ZooKeeper: one JVM per member on loopback, forceSync=no, tickTime ${tickTimeMs}. Vivarium: createEnsemble({ clock: 'system', tickTimeMs: ${tickTimeMs} }) with serveTcp(), in the bench process: every member, the in-memory network between them and all the clients share one thread, where ZooKeeper's JVMs and the client spread over the 2 cores.`,
      `${runs} timed runs per point (the default run caps them at 3; --full uses --runs).`,
      'Requests of one session are answered in order (ZooKeeper and Vivarium alike), so a read queued behind a write on the same connection waits for that write to commit: the curves rise with the read ratio only as far as the mix on each connection lets them.',
      `Before the timed runs each ensemble gets ${jitWarmupOps} ops at 50% reads, untimed. Within a run the ensembles take turns, starting with a different one each run.`,
    ],
  };
}

export const scenarios = [readRatioScenario];

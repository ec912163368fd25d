// multi with 1, 10, 100 and 1000 ops per transaction: throughput of the ops inside the multis,
// creates then deletes. The Engine directly (against the bare Map.set floor), and over the wire
// Vivarium's server in its own process against the real ZooKeeper 3.8 standalone, through the
// same client (node-zookeeper-client's transaction().commit()).
//
// See bench/README.md for what each figure means.
import { OpCode, Perm } from '@vivarium/protocol';
import { Engine, ManualClock, SeededRandom } from '@vivarium/store';
import { formatRatio, rateFigure, ratioFigure } from '../lib/figures.mjs';
import { formatRate, measure, timeSyncMs } from '../lib/measure.mjs';
import { realZooKeeperUnavailable } from '../lib/real-zookeeper.mjs';
import { startStandaloneTargets, turnAbout } from '../lib/standalone-targets.mjs';
import { lineChart } from '../lib/svg-chart.mjs';
import { closeAll, ensurePath, pipelined, zookeeper } from '../lib/zk-client.mjs';

const openAcl = [{ perms: Perm.all, id: { scheme: 'world', id: 'anyone' } }];
const payload = new Uint8Array(16);
const value = Buffer.alloc(16, 0x6d);
const multiSizes = [1, 10, 100, 1000];
/** About this many ops in flight over the wire: 200 multis of 1, 20 of 10, 2 of 100, 1 of 1000. */
const opsInFlight = 200;

function sizes(full) {
  return full ? { engineOps: 200_000, wireOps: 40_000 } : { engineOps: 20_000, wireOps: 4_000 };
}

function check(condition, message) {
  if (!condition) throw new Error(`bench: ${message}`);
}

function engineRun(total) {
  const clock = new ManualClock();
  const engine = new Engine({ clock, random: new SeededRandom(1) });
  let errors = 0;
  const sink = (outputs) => { for (const o of outputs) if (o.kind === 'reply' && o.header.err !== 0) errors++; };
  const connection = engine.openConnection({ remoteAddress: '127.0.0.1', sink });
  engine.connect(connection, { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 30_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
  let xid = 1;
  engine.submit(connection, xid++, { type: OpCode.create2, path: '/m', data: payload, acl: openAcl, flags: 0 });
  const paths = Array.from({ length: total }, (_, i) => `/m/n${i}`);
  const phases = {};
  for (const k of multiSizes) {
    const multis = total / k;
    const creates = Array.from({ length: multis }, (_, m) => paths.slice(m * k, m * k + k).map((path) => ({ type: OpCode.create2, path, data: payload, acl: openAcl, flags: 0 })));
    const deletes = Array.from({ length: multis }, (_, m) => paths.slice(m * k, m * k + k).map((path) => ({ type: OpCode.delete, path, version: -1 })));
    phases[`create.${k}`] = { items: total, ms: timeSyncMs(() => { for (let m = 0; m < multis; m++) engine.submit(connection, xid++, { type: OpCode.multi, ops: creates[m] }); }) };
    check(engine.database.tree.get('/m').children.size === total, `engine multi ${k}: children after create`);
    phases[`delete.${k}`] = { items: total, ms: timeSyncMs(() => { for (let m = 0; m < multis; m++) engine.submit(connection, xid++, { type: OpCode.multi, ops: deletes[m] }); }) };
    check(engine.database.tree.get('/m').children.size === 0, `engine multi ${k}: children after delete`);
  }
  check(errors === 0, `engine multi: ${errors} error replies`);
  engine.close();
  const map = new Map();
  phases.floor = { items: total, ms: timeSyncMs(() => { for (let i = 0; i < total; i++) map.set(paths[i], payload); }) };
  return phases;
}

function commit(transaction) {
  return new Promise((resolve, reject) => transaction.commit((error, results) => (error ? reject(error) : resolve(results))));
}

async function wireRun(client, total) {
  const paths = Array.from({ length: total }, (_, i) => `/m/n${i}`);
  const phases = {};
  for (const k of multiSizes) {
    const multis = total / k;
    const depth = Math.max(1, Math.ceil(opsInFlight / k));
    let start = process.hrtime.bigint();
    await pipelined(multis, depth, (m) => {
      const t = client.transaction();
      for (let j = m * k; j < m * k + k; j++) t.create(paths[j], value, zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.PERSISTENT);
      return commit(t);
    });
    phases[`create.${k}`] = { items: total, ms: Number(process.hrtime.bigint() - start) / 1e6 };
    start = process.hrtime.bigint();
    await pipelined(multis, depth, (m) => {
      const t = client.transaction();
      for (let j = m * k; j < m * k + k; j++) t.remove(paths[j], -1);
      return commit(t);
    });
    phases[`delete.${k}`] = { items: total, ms: Number(process.hrtime.bigint() - start) / 1e6 };
  }
  return phases;
}

const multiScenario = {
  name: 'wire/multi',
  title: 'multi with 1, 10, 100, 1000 ops per transaction: ops/s inside multis; Engine vs the Map.set floor, wire vs the real ZooKeeper 3.8',
  async run(ctx) {
    const { engineOps, wireOps } = sizes(ctx.full);
    const engine = await measure({ warmup: ctx.warmup, runs: ctx.runs, sample: () => engineRun(engineOps) });
    ctx.progress(`engine: ${engineOps} ops per multi size per run`);
    const figures = [];
    for (const op of ['create', 'delete']) {
      for (const k of multiSizes) figures.push(rateFigure(`engine.${op}.${k}`, `Engine direct: ${op} in multis of ${k}`, engine[`${op}.${k}`]));
    }
    figures.push(rateFigure('floor', 'floor: bare Map.set per op', engine.floor));
    for (const k of multiSizes) figures.push(ratioFigure(`ratio.floor.${k}`, `Engine create in multis of ${k}: time / Map.set time`, engine.floor.rate.median, engine[`create.${k}`].rate.median));
    const rate = (result, phase) => result[phase].rate.median;
    const series = [{ name: 'Engine direct: create', points: multiSizes.map((k) => [k, rate(engine, `create.${k}`)]) }];
    const rows = multiSizes.map((k) => [String(k), `${formatRate(rate(engine, `create.${k}`))}/s`]);
    const header = ['ops per multi', 'Engine: creates'];
    const notes = [
      `Engine direct: ${engineOps} creates of /m/n<i> (16-byte values) in multis of k, then as many deletes in multis of k, for k = ${multiSizes.join(', ')}, on one connection of an Engine on a ManualClock. The figure counts ops inside multis per second (a multi of 10 counts 10). Floor: Map.set per op.`,
    ];
    const skipReason = realZooKeeperUnavailable();
    if (skipReason === undefined) {
      const targets = [];
      try {
        await startStandaloneTargets(targets);
        for (const target of targets) {
          await ensurePath(target.client, '/m', value);
          await wireRun(target.client, wireOps); // JIT warm-up
        }
        ctx.progress('wire: servers up, JIT warm-up done');
        const order = turnAbout(targets);
        const wire = await measure({
          warmup: ctx.warmup,
          runs: ctx.runs,
          sample: async () => {
            const phases = {};
            for (const target of order()) for (const [phase, v] of Object.entries(await wireRun(target.client, wireOps))) phases[`${target.key}.${phase}`] = v;
            return phases;
          },
        });
        for (const target of targets) {
          for (const op of ['create', 'delete']) {
            for (const k of multiSizes) figures.push(rateFigure(`${target.key}.${op}.${k}`, `${target.label}: ${op} in multis of ${k}`, wire[`${target.key}.${op}.${k}`]));
          }
        }
        for (const op of ['create', 'delete']) {
          for (const k of multiSizes) figures.push(ratioFigure(`ratio.${op}.${k}`, `${op} in multis of ${k}: Vivarium ops/s / ZooKeeper ops/s`, rate(wire, `viv.${op}.${k}`), rate(wire, `zk.${op}.${k}`)));
        }
        for (const target of targets) series.push({ name: `${target.label}: create`, dashed: target.key === 'zk', points: multiSizes.map((k) => [k, rate(wire, `${target.key}.create.${k}`)]) });
        header.push('ZooKeeper: creates', 'Vivarium: creates', 'creates: Viv / ZK', 'ZooKeeper: deletes', 'Vivarium: deletes', 'deletes: Viv / ZK');
        multiSizes.forEach((k, i) => rows[i].push(
          `${formatRate(rate(wire, `zk.create.${k}`))}/s`, `${formatRate(rate(wire, `viv.create.${k}`))}/s`, formatRatio(rate(wire, `viv.create.${k}`) / rate(wire, `zk.create.${k}`)),
          `${formatRate(rate(wire, `zk.delete.${k}`))}/s`, `${formatRate(rate(wire, `viv.delete.${k}`))}/s`, formatRatio(rate(wire, `viv.delete.${k}`) / rate(wire, `zk.delete.${k}`)),
        ));
        notes.push(`Wire: one node-zookeeper-client connection per server; ${wireOps} creates (16-byte values) in multis of k (client.transaction() ... commit()), then the deletes; about ${opsInFlight} ops in flight (${multiSizes.map((k) => Math.max(1, Math.ceil(opsInFlight / k))).join(', ')} multis). ZooKeeper standalone (forceSync=no) and Vivarium's wire server in its own process; one untimed round each first; the servers take turns within a run.`);
      } finally {
        await closeAll(targets);
      }
    } else {
      notes.push(`Wire comparison skipped: ${skipReason}`);
    }
    series.push({ name: 'floor: Map.set', dashed: true, markers: false, points: multiSizes.map((k) => [k, rate(engine, 'floor')]) });
    return {
      figures,
      notes,
      summary: { title: 'Median ops per second inside multis of k ops:', header, rows },
      charts: [{ id: 'sizes', title: 'Ops/s inside multis against ops per multi', svg: lineChart({ title: 'Creates per second inside multis of k ops', xLabel: 'ops per multi (log)', yLabel: 'creates/s (log)', xLog: true, yLog: true, series }) }],
    };
  },
};

export const scenarios = [multiScenario];

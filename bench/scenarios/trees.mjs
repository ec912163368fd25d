// Wide and deep trees: 100k children under one parent (create them, then getChildren of the
// whole list) and a 1000-level path (create the chain, then getData at the bottom). The Engine
// directly beside a floor (a bare Map / Array), and over the wire Vivarium's server in its own
// process against the real ZooKeeper 3.8 standalone, through node-zookeeper-client.
//
// See bench/README.md for what each figure means.
import { OpCode, Perm } from '@vivarium/protocol';
import { Engine, ManualClock, SeededRandom } from '@vivarium/store';
import { formatRatio, perItemTimeFigure, rateFigure, ratioFigure, timeFigure } from '../lib/figures.mjs';
import { formatDuration, formatRate, measure, timeSyncMs } from '../lib/measure.mjs';
import { realZooKeeperUnavailable } from '../lib/real-zookeeper.mjs';
import { startStandaloneTargets, turnAbout } from '../lib/standalone-targets.mjs';
import { closeAll, ensurePath, latencies, ops, percentile, pipelined } from '../lib/zk-client.mjs';

const openAcl = [{ perms: Perm.all, id: { scheme: 'world', id: 'anyone' } }];
const payload = new Uint8Array(16);
const value = Buffer.alloc(16, 0x74);
const depthLevels = 1_000;

function sizes(full) {
  return full
    ? { wide: 100_000, wireWide: 100_000, listCalls: 20, bottomReads: 20_000, wireBottomReads: 2_000 }
    : { wide: 100_000, wireWide: 10_000, listCalls: 5, bottomReads: 20_000, wireBottomReads: 500, wireRunsMax: 3 };
}

function check(condition, message) {
  if (!condition) throw new Error(`bench: ${message}`);
}

/** /d/d/d/... : level i (1-based) is '/d' repeated i times. */
const deepPaths = Array.from({ length: depthLevels }, (_, i) => '/d'.repeat(i + 1));
const bottom = deepPaths[depthLevels - 1];

// ------------------------------------------------------------------ engine

function engineRun(n, listCalls, bottomReads) {
  const engine = new Engine({ clock: new ManualClock(), random: new SeededRandom(1) });
  let errors = 0;
  let lastChildren;
  let lastData;
  const sink = (outputs) => {
    for (const o of outputs) {
      if (o.kind !== 'reply') continue;
      if (o.header.err !== 0) errors++;
      else if (o.requestType === OpCode.getChildren) lastChildren = o.response.children;
      else if (o.requestType === OpCode.getData) lastData = o.response.data;
    }
  };
  const c = engine.openConnection({ remoteAddress: '127.0.0.1', sink });
  engine.connect(c, { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 30_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
  let xid = 1;
  engine.submit(c, xid++, { type: OpCode.create2, path: '/wide', data: payload, acl: openAcl, flags: 0 });
  const paths = Array.from({ length: n }, (_, i) => `/wide/c${i}`);
  const phases = {};
  phases.wideCreate = { items: n, ms: timeSyncMs(() => { for (let i = 0; i < n; i++) engine.submit(c, xid++, { type: OpCode.create2, path: paths[i], data: payload, acl: openAcl, flags: 0 }); }) };
  phases.wideList = { items: listCalls, ms: timeSyncMs(() => { for (let k = 0; k < listCalls; k++) engine.submit(c, xid++, { type: OpCode.getChildren, path: '/wide', watch: false }); }) };
  check(lastChildren?.length === n, `engine wide: getChildren gave ${lastChildren?.length}`);
  phases.deepCreate = { items: depthLevels, ms: timeSyncMs(() => { for (let i = 0; i < depthLevels; i++) engine.submit(c, xid++, { type: OpCode.create2, path: deepPaths[i], data: payload, acl: openAcl, flags: 0 }); }) };
  phases.deepGet = { items: bottomReads, ms: timeSyncMs(() => { for (let k = 0; k < bottomReads; k++) engine.submit(c, xid++, { type: OpCode.getData, path: bottom, watch: false }); }) };
  check(lastData?.length === payload.length, 'engine deep: getData at the bottom');
  check(errors === 0, `engine trees: ${errors} error replies`);
  engine.close();
  return phases;
}

/** The floors: Map.set per child; listing = copying a ready array of n names (the least a getChildren reply can do); a bare Map.get by the 2000-character bottom path. */
function floorRun(n, listCalls, bottomReads) {
  const paths = Array.from({ length: n }, (_, i) => `/wide/c${i}`);
  const names = paths.map((p) => p.slice(6));
  const map = new Map();
  const phases = {};
  phases.mapSet = { items: n, ms: timeSyncMs(() => { for (let i = 0; i < n; i++) map.set(paths[i], payload); }) };
  let listed;
  phases.list = { items: listCalls, ms: timeSyncMs(() => { for (let k = 0; k < listCalls; k++) listed = names.slice(); }) };
  check(listed.length === n, 'floor list');
  const deep = new Map(deepPaths.map((p) => [p, payload]));
  // A fresh copy of the key each time, as a request decoded off the wire would be (its hash not yet cached).
  const keys = Array.from({ length: 64 }, () => `${bottom.slice(0, -1)}d`);
  let found = 0;
  phases.mapGet = { items: bottomReads, ms: timeSyncMs(() => { for (let k = 0; k < bottomReads; k++) if (deep.get(keys[k & 63]) !== undefined) found++; }) };
  check(found === bottomReads, 'floor deep get');
  return phases;
}

// ------------------------------------------------------------------ wire

function getChildren(client, path) {
  return new Promise((resolve, reject) => client.getChildren(path, (e, list) => (e ? reject(e) : resolve(list))));
}

async function wireRun(client, n, listCalls, bottomReads) {
  const paths = Array.from({ length: n }, (_, i) => `/wide/c${i}`);
  const phases = {};
  let start = process.hrtime.bigint();
  await pipelined(n, 200, (i) => ops.create(client, paths[i], value));
  phases.wideCreate = { items: n, ms: Number(process.hrtime.bigint() - start) / 1e6 };
  const listMs = await latencies(listCalls, async () => check((await getChildren(client, '/wide')).length === n, 'wire wide: getChildren length'));
  phases.wideList = { items: 1, ms: percentile(listMs, 50) };
  start = process.hrtime.bigint();
  await pipelined(depthLevels, 200, (i) => ops.create(client, deepPaths[i], value));
  phases.deepCreate = { items: depthLevels, ms: Number(process.hrtime.bigint() - start) / 1e6 };
  const getMs = await latencies(bottomReads, async () => check((await ops.getData(client, bottom))?.length === value.length, 'wire deep: getData'));
  phases.deepGet = { items: 1, ms: percentile(getMs, 50) };
  // Clean up, untimed: the deep chain bottom up (in order on one session), then the children.
  await pipelined(depthLevels, 200, (i) => ops.delete(client, deepPaths[depthLevels - 1 - i]));
  await pipelined(n, 200, (i) => ops.delete(client, paths[i]));
  return phases;
}

const treesScenario = {
  name: 'wire/trees',
  title: 'Wide (100k children) and deep (1000 levels) trees: create, getChildren, getData at the bottom; Engine vs floors, wire vs the real ZooKeeper 3.8',
  async run(ctx) {
    const { wide, wireWide, listCalls, bottomReads, wireBottomReads, wireRunsMax = Infinity } = sizes(ctx.full);
    const options = { warmup: ctx.warmup, runs: ctx.runs };
    const floor = await measure({ ...options, sample: () => floorRun(wide, listCalls, bottomReads) });
    const engine = await measure({ ...options, gcBetweenRuns: true, sample: () => engineRun(wide, listCalls, bottomReads) });
    ctx.progress(`engine: ${wide} children, ${depthLevels} levels per run`);
    const figures = [
      rateFigure('engine.wideCreate', `Engine: create ${wide} children of one parent`, engine.wideCreate, { unit: 'creates/s' }),
      perItemTimeFigure('engine.wideList', `Engine: getChildren of ${wide} children (per call)`, { items: 1, ms: { ...engine.wideList.ms, median: engine.wideList.ms.median / listCalls, min: engine.wideList.ms.min / listCalls, max: engine.wideList.ms.max / listCalls } }),
      rateFigure('engine.deepCreate', `Engine: create a ${depthLevels}-level chain`, engine.deepCreate, { unit: 'creates/s' }),
      rateFigure('engine.deepGet', `Engine: getData at level ${depthLevels}`, engine.deepGet),
      rateFigure('floor.mapSet', 'floor: bare Map.set per child', floor.mapSet, { unit: 'znodes/s' }),
      perItemTimeFigure('floor.list', `floor: copy an array of ${wide} names (per call)`, { items: 1, ms: { ...floor.list.ms, median: floor.list.ms.median / listCalls, min: floor.list.ms.min / listCalls, max: floor.list.ms.max / listCalls } }),
      rateFigure('floor.mapGet', `floor: bare Map.get by the ${bottom.length}-character path`, floor.mapGet),
      ratioFigure('ratio.floor.wideCreate', 'wide create: Engine time / Map.set time', floor.mapSet.rate.median, engine.wideCreate.rate.median),
      ratioFigure('ratio.floor.list', 'getChildren: Engine time / array copy time', engine.wideList.ms.median, floor.list.ms.median),
      ratioFigure('ratio.floor.deepGet', 'deep getData: Engine time / Map.get time', floor.mapGet.rate.median, engine.deepGet.rate.median),
    ];
    const rows = [
      [`create ${wide} children`, `${formatRate(engine.wideCreate.rate.median)}/s`, `${formatRate(floor.mapSet.rate.median)}/s (Map.set)`],
      [`getChildren of ${wide}`, formatDuration(engine.wideList.ms.median / listCalls), `${formatDuration(floor.list.ms.median / listCalls)} (array copy)`],
      [`create ${depthLevels} levels`, `${formatRate(engine.deepCreate.rate.median)}/s`, ''],
      [`getData at level ${depthLevels}`, `${formatRate(engine.deepGet.rate.median)}/s (${formatDuration(engine.deepGet.ms.median / bottomReads)})`, `${formatDuration(floor.mapGet.ms.median / bottomReads)} (Map.get)`],
    ];
    const header = ['what', 'Engine direct', 'floor'];
    const notes = [
      `Engine: one connection of an Engine on a ManualClock. Wide: ${wide} creates of /wide/c<i> (16-byte values), then ${listCalls} getChildren('/wide') (time per call: building the ${wide}-name list and the reply). Deep: creates of /d, /d/d, ... down to ${depthLevels} levels (a ${bottom.length}-character path), then ${bottomReads} getData of the bottom node.`,
      'Floors: a bare Map.set per child; copying a ready array of the names (slice(): the least a getChildren reply can do); Map.get with a freshly built copy of the bottom path as key (its hash not cached, as for a path decoded from a request).',
    ];
    const skipReason = realZooKeeperUnavailable();
    if (skipReason === undefined) {
      const targets = [];
      try {
        await startStandaloneTargets(targets);
        for (const target of targets) {
          await ensurePath(target.client, '/wide', value);
          await wireRun(target.client, Math.min(wireWide, 5_000), 2, 200); // JIT warm-up
        }
        ctx.progress('wire: servers up, JIT warm-up done');
        const order = turnAbout(targets);
        // The JVM takes creates at a few thousand a second: at most 3 runs by default.
        const wire = await measure({
          ...options,
          runs: Math.min(ctx.runs, wireRunsMax),
          sample: async () => {
            const phases = {};
            for (const target of order()) for (const [phase, v] of Object.entries(await wireRun(target.client, wireWide, listCalls, wireBottomReads))) phases[`${target.key}.${phase}`] = v;
            return phases;
          },
        });
        for (const target of targets) {
          figures.push(
            rateFigure(`${target.key}.wideCreate`, `${target.label}: create ${wireWide} children, 200 in flight`, wire[`${target.key}.wideCreate`], { unit: 'creates/s' }),
            timeFigure(`${target.key}.wideList`, `${target.label}: getChildren of ${wireWide} children, p50`, wire[`${target.key}.wideList`]),
            rateFigure(`${target.key}.deepCreate`, `${target.label}: create ${depthLevels} levels, 200 in flight`, wire[`${target.key}.deepCreate`], { unit: 'creates/s' }),
            timeFigure(`${target.key}.deepGet`, `${target.label}: getData at level ${depthLevels}, one at a time, p50`, wire[`${target.key}.deepGet`]),
          );
        }
        const r = (key, phase) => wire[`${key}.${phase}`].rate.median;
        const t = (key, phase) => wire[`${key}.${phase}`].ms.median;
        figures.push(
          ratioFigure('ratio.wideCreate', 'wide create: Vivarium ops/s / ZooKeeper ops/s', r('viv', 'wideCreate'), r('zk', 'wideCreate')),
          ratioFigure('ratio.wideList', 'getChildren: ZooKeeper p50 / Vivarium p50', t('zk', 'wideList'), t('viv', 'wideList')),
          ratioFigure('ratio.deepCreate', 'deep create: Vivarium ops/s / ZooKeeper ops/s', r('viv', 'deepCreate'), r('zk', 'deepCreate')),
          ratioFigure('ratio.deepGet', 'deep getData: ZooKeeper p50 / Vivarium p50', t('zk', 'deepGet'), t('viv', 'deepGet')),
        );
        header.push('wire: ZooKeeper 3.8', 'wire: Vivarium, own process', 'Vivarium vs ZooKeeper');
        rows[0].push(`${formatRate(r('zk', 'wideCreate'))}/s (${wireWide})`, `${formatRate(r('viv', 'wideCreate'))}/s`, formatRatio(r('viv', 'wideCreate') / r('zk', 'wideCreate')));
        rows[1].push(`${formatDuration(t('zk', 'wideList'))} (${wireWide})`, formatDuration(t('viv', 'wideList')), formatRatio(t('zk', 'wideList') / t('viv', 'wideList')));
        rows[2].push(`${formatRate(r('zk', 'deepCreate'))}/s`, `${formatRate(r('viv', 'deepCreate'))}/s`, formatRatio(r('viv', 'deepCreate') / r('zk', 'deepCreate')));
        rows[3].push(`${formatDuration(t('zk', 'deepGet'))} p50`, `${formatDuration(t('viv', 'deepGet'))} p50`, formatRatio(t('zk', 'deepGet') / t('viv', 'deepGet')));
        notes.push(`Wire: one node-zookeeper-client connection per server, 16-byte values. Wide: ${wireWide} creates at 200 in flight, then ${listCalls} getChildren one at a time (p50 of the run). Deep: the ${depthLevels} creates at 200 in flight (one session answers in order, so each parent exists first), then ${wireBottomReads} getData of the bottom one at a time (p50). Then everything is deleted, untimed. ZooKeeper standalone (forceSync=no), Vivarium's wire server in its own process; one untimed round each first; they take turns within a run.${ctx.full ? '' : ` The default run lists ${wireWide} children over the wire (100k with --full) to keep the JVM's part short.`}`);
      } finally {
        await closeAll(targets);
      }
    } else {
      notes.push(`Wire comparison skipped: ${skipReason}`);
    }
    return { figures, notes, summary: { title: 'Medians:', header, rows } };
  },
};

export const scenarios = [treesScenario];

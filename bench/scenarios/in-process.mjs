// In-process scenarios: the store Engine driven directly (synchronous calls),
// and the promise client from createServer() (the path a test suite takes).
// No sockets, no encoding: these measure the engine and the client core.
//
// Each scenario returns figures: { id, label, kind: 'rate' | 'time' | 'ratio', ... }.
// See bench/README.md for what each figure means.
import { OpCode, Perm, Xid } from '@vivarium/protocol';
import { Engine, ManualClock, SeededRandom } from '@vivarium/store';
import { createServer } from '@vivarium/server';
import { perItemTimeFigure, rateFigure, ratioFigure } from '../lib/figures.mjs';
import { formatDuration, formatRate, measure, timeMs, timeSyncMs } from '../lib/measure.mjs';
import { lineChart } from '../lib/svg-chart.mjs';

const openAcl = [{ perms: Perm.all, id: { scheme: 'world', id: 'anyone' } }];
/** Every write carries the same 16-byte value: sizes are not what these scenarios measure. */
const payload = new Uint8Array(16);
const sessionTimeoutMs = 30_000;
const seed = 1;

/**
 * The figures' sizes: the default keeps `npm run bench` well under two minutes on
 * 2 cores; --full is 4x the ops and 1M sessions and watchers. The Engine and the
 * client run the same number of ops, so their ratio compares equal tree sizes.
 */
function sizes(full) {
  return full
    ? { ops: 200_000, sessions: 1_000_000, churnRounds: 5, watchers: 1_000_000 }
    : { ops: 50_000, sessions: 100_000, churnRounds: 5, watchers: 100_000 };
}

// ------------------------------------------------------------------ engine helpers

function newEngine(extra = {}) {
  const clock = new ManualClock();
  const engine = new Engine({ clock, random: new SeededRandom(seed), ...extra });
  const unsubscribe = clock.subscribe(engine);
  return { engine, clock, unsubscribe };
}

function connectRequest() {
  return { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: sessionTimeoutMs, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false };
}

/** Open a connection and create its session; the sink is the caller's (usually a counter). */
function openSession(engine, sink) {
  const connectionId = engine.openConnection({ remoteAddress: '127.0.0.1', sink });
  engine.connect(connectionId, connectRequest());
  return connectionId;
}

function pathsUnder(parent, count, prefix = 'n') {
  return Array.from({ length: count }, (_, i) => `${parent}/${prefix}${i}`);
}

function createRequest(path) {
  return { type: OpCode.create2, path, data: payload, acl: openAcl, flags: 0 };
}

/** Sanity checks stay on: a benchmark that silently measures error replies measures nothing. */
function check(condition, message) {
  if (!condition) throw new Error(`bench: ${message}`);
}

// ------------------------------------------------------------------ scenario 1: ops/s

/** One run against the Engine directly: create, getData, setData, delete, then multi of 10 creates. */
function engineOpsRun(n) {
  const { engine } = newEngine();
  let replies = 0;
  let errors = 0;
  const sink = (outputs) => {
    for (const output of outputs) {
      if (output.kind !== 'reply') continue;
      replies++;
      if (output.header.err !== 0) errors++;
    }
  };
  const connection = openSession(engine, sink);
  let xid = 1;
  engine.submit(connection, xid++, createRequest('/bench'));
  const paths = pathsUnder('/bench', n);
  const phases = {};
  phases.create = { items: n, ms: timeSyncMs(() => { for (let i = 0; i < n; i++) engine.submit(connection, xid++, createRequest(paths[i])); }) };
  phases.getData = { items: n, ms: timeSyncMs(() => { for (let i = 0; i < n; i++) engine.submit(connection, xid++, { type: OpCode.getData, path: paths[i], watch: false }); }) };
  phases.setData = { items: n, ms: timeSyncMs(() => { for (let i = 0; i < n; i++) engine.submit(connection, xid++, { type: OpCode.setData, path: paths[i], data: payload, version: -1 }); }) };
  phases.delete = { items: n, ms: timeSyncMs(() => { for (let i = 0; i < n; i++) engine.submit(connection, xid++, { type: OpCode.delete, path: paths[i], version: -1 }); }) };
  const multis = Math.floor(n / 10);
  phases.multi = {
    items: multis,
    ms: timeSyncMs(() => {
      for (let m = 0; m < multis; m++) {
        const ops = [];
        for (let j = m * 10; j < m * 10 + 10; j++) ops.push(createRequest(paths[j]));
        engine.submit(connection, xid++, { type: OpCode.multi, ops });
      }
    }),
  };
  check(errors === 0, `engine ops: ${errors} error replies`);
  check(replies === 4 * n + multis + 1, `engine ops: ${replies} replies, expected ${4 * n + multis + 1}`);
  check(engine.database.tree.nodeCount === 5 + multis * 10, 'engine ops: unexpected node count after the multi phase');
  engine.close();
  return phases;
}

/** `count` calls of `op(i)`, `depth` of them in flight at any time (a sliding window of promises). */
async function pipelined(count, depth, op) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      await op(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(depth, count) }, worker));
}

/** One run through the promise client of createServer(): the same five phases, `depth` requests in flight. */
async function clientOpsRun(n, depth) {
  const server = createServer({ seed });
  const client = await server.client();
  await client.create('/bench', payload);
  const paths = pathsUnder('/bench', n);
  const phases = {};
  phases.create = { items: n, ms: await timeMs(() => pipelined(n, depth, (i) => client.create(paths[i], payload))) };
  phases.getData = { items: n, ms: await timeMs(() => pipelined(n, depth, (i) => client.getData(paths[i]))) };
  phases.setData = { items: n, ms: await timeMs(() => pipelined(n, depth, (i) => client.setData(paths[i], payload))) };
  phases.delete = { items: n, ms: await timeMs(() => pipelined(n, depth, (i) => client.delete(paths[i]))) };
  const multis = Math.floor(n / 10);
  phases.multi = {
    items: multis,
    ms: await timeMs(() => pipelined(multis, depth, (m) => {
      const transaction = client.transaction();
      for (let j = m * 10; j < m * 10 + 10; j++) transaction.create(paths[j], payload);
      return transaction.commit();
    })),
  };
  check(server.engine.database.tree.nodeCount === 5 + multis * 10, 'client ops: unexpected node count after the multi phase');
  await server.close();
  return phases;
}

/**
 * The floor: what a create costs when it is nothing but storing the znode.
 * `mapSet` is a bare Map.set(path, value) per znode (the physical limit the
 * brief asks for); `minimalTree` adds what any tree must do: allocate the node
 * record and add the name to the parent's child set.
 */
function floorRun(n) {
  const paths = pathsUnder('/bench', n);
  const names = paths.map((p) => p.slice(p.lastIndexOf('/') + 1));
  const phases = {};
  const map = new Map();
  phases.mapSet = { items: n, ms: timeSyncMs(() => { for (let i = 0; i < n; i++) map.set(paths[i], payload); }) };
  check(map.size === n, 'floor: map size');
  const nodes = new Map();
  const parent = { children: new Set() };
  phases.minimalTree = {
    items: n,
    ms: timeSyncMs(() => {
      for (let i = 0; i < n; i++) {
        nodes.set(paths[i], { data: payload, acl: openAcl, czxid: 1n, mzxid: 1n, version: 0, children: new Set() });
        parent.children.add(names[i]);
      }
    }),
  };
  check(nodes.size === n && parent.children.size === n, 'floor: tree size');
  // The other ops' physical limits: a bare Map.get (getData), Map.set over an existing key
  // (setData), Map.delete (delete), each by a freshly built copy of the path as a decoded request
  // would carry (its hash not cached yet).
  const lookups = paths.map((p) => Buffer.from(p).toString());
  let found = 0;
  phases.mapGet = { items: n, ms: timeSyncMs(() => { for (let i = 0; i < n; i++) if (map.get(lookups[i]) !== undefined) found++; }) };
  check(found === n, 'floor: map get');
  const setKeys = paths.map((p) => Buffer.from(p).toString());
  phases.mapSetExisting = { items: n, ms: timeSyncMs(() => { for (let i = 0; i < n; i++) map.set(setKeys[i], payload); }) };
  const deleteKeys = paths.map((p) => Buffer.from(p).toString());
  phases.mapDelete = { items: n, ms: timeSyncMs(() => { for (let i = 0; i < n; i++) map.delete(deleteKeys[i]); }) };
  check(map.size === 0, 'floor: map delete');
  return phases;
}

const opNames = ['create', 'getData', 'setData', 'delete', 'multi'];

const opsScenario = {
  name: 'in-process/ops',
  title: 'In-process ops/s: Engine direct vs the promise client, against the Map.set floor',
  async run(ctx) {
    const { ops: n } = sizes(ctx.full);
    const options = { warmup: ctx.warmup, runs: ctx.runs };
    const floor = await measure({ ...options, sample: () => floorRun(n) });
    ctx.progress(`floor done (${n} znodes per run)`);
    const engine = await measure({ ...options, sample: () => engineOpsRun(n) });
    ctx.progress(`engine direct done (${n} ops per phase per run)`);
    const client1 = await measure({ ...options, sample: () => clientOpsRun(n, 1) });
    ctx.progress(`client, 1 in flight done (${n} ops per phase per run)`);
    const client200 = await measure({ ...options, sample: () => clientOpsRun(n, 200) });
    ctx.progress(`client, 200 in flight done (${n} ops per phase per run)`);

    const figures = [
      rateFigure('floor.mapSet', 'floor: bare Map.set per znode', floor.mapSet, { unit: 'znodes/s' }),
      rateFigure('floor.minimalTree', 'floor: node object + Map.set + parent Set.add', floor.minimalTree, { unit: 'znodes/s' }),
      rateFigure('floor.mapGet', 'floor (getData): bare Map.get per znode', floor.mapGet),
      rateFigure('floor.mapSetExisting', 'floor (setData): bare Map.set over an existing key', floor.mapSetExisting),
      rateFigure('floor.mapDelete', 'floor (delete): bare Map.delete per znode', floor.mapDelete),
    ];
    const paths = [
      ['engine', 'Engine direct', engine],
      ['client1', 'client, 1 in flight', client1],
      ['client200', 'client, 200 in flight', client200],
    ];
    for (const [key, label, result] of paths) {
      for (const op of opNames) {
        const opLabel = op === 'multi' ? 'multi (10 creates)' : op;
        figures.push(rateFigure(`${key}.${op}`, `${label}: ${opLabel}`, result[op], op === 'multi' ? { unit: 'multis/s' } : {}));
      }
    }
    figures.push(
      ratioFigure('ratio.engineCreate.mapSet', 'Engine create time / bare Map.set time', floor.mapSet.rate.median, engine.create.rate.median),
      ratioFigure('ratio.engineCreate.minimalTree', 'Engine create time / minimal-tree time', floor.minimalTree.rate.median, engine.create.rate.median),
      ratioFigure('ratio.engineGetData.mapGet', 'Engine getData time / bare Map.get time', floor.mapGet.rate.median, engine.getData.rate.median),
      ratioFigure('ratio.engineSetData.mapSet', 'Engine setData time / bare Map.set (existing key) time', floor.mapSetExisting.rate.median, engine.setData.rate.median),
      ratioFigure('ratio.engineDelete.mapDelete', 'Engine delete time / bare Map.delete time', floor.mapDelete.rate.median, engine.delete.rate.median),
    );
    for (const op of opNames) {
      figures.push(ratioFigure(`ratio.client1.${op}`, `${op}: client (1 in flight) time / Engine time`, engine[op].rate.median, client1[op].rate.median));
    }
    for (const op of opNames) {
      figures.push(ratioFigure(`ratio.client200.${op}`, `${op}: client (200 in flight) time / Engine time`, engine[op].rate.median, client200[op].rate.median));
    }
    const rateCell = (phase) => `${formatRate(phase.rate.median)}/s (${formatDuration(phase.ms.median / phase.items)})`;
    const summary = {
      title: 'Median throughput (time per op) and how many times longer the client takes than the Engine:',
      header: ['op', 'Engine direct', 'client, 1 in flight', 'client, 200 in flight', 'client 1 / Engine', 'client 200 / Engine'],
      rows: opNames.map((op) => [
        op === 'multi' ? 'multi (10 creates)' : op,
        rateCell(engine[op]),
        rateCell(client1[op]),
        rateCell(client200[op]),
        `${(engine[op].rate.median / client1[op].rate.median).toFixed(1)}×`,
        `${(engine[op].rate.median / client200[op].rate.median).toFixed(1)}×`,
      ]),
    };
    summary.rows.push(
      ['floor: bare Map.set per znode', rateCell(floor.mapSet), '', '', '', ''],
      ['floor: node + Map.set + Set.add', rateCell(floor.minimalTree), '', '', '', ''],
      ['floor (getData): Map.get', rateCell(floor.mapGet), '', '', '', ''],
      ['floor (setData): Map.set, existing key', rateCell(floor.mapSetExisting), '', '', '', ''],
      ['floor (delete): Map.delete', rateCell(floor.mapDelete), '', '', '', ''],
    );
    summary.footer = [
      `An Engine create takes ${(floor.mapSet.rate.median / engine.create.rate.median).toFixed(0)}× a bare Map.set`
        + ` and ${(floor.minimalTree.rate.median / engine.create.rate.median).toFixed(1)}× the minimal tree insert (medians, same run);`
        + ` a getData ${(floor.mapGet.rate.median / engine.getData.rate.median).toFixed(0)}× a bare Map.get, a setData ${(floor.mapSetExisting.rate.median / engine.setData.rate.median).toFixed(0)}× a Map.set, a delete ${(floor.mapDelete.rate.median / engine.delete.rate.median).toFixed(0)}× a Map.delete.`,
    ];
    return {
      figures,
      summary,
      notes: [
        `${n} ops per phase per run on both paths. Engine direct: one connection, requests built in the loop, the sink only counts replies.`,
        'Client: createServer({ seed: 1 }).client() on the manual clock; "in flight" = that many promise chains awaiting at once (each starts its next op when its reply arrives).',
        'Phases run in order on one tree per run: create N, getData N, setData N, delete N, then N/10 multis of 10 creates (one multi counts as one op).',
        'Ratios are of medians: how many times longer one op takes on the slower path (1× = as fast).',
      ],
    };
  },
};

// ------------------------------------------------------------------ scenario 2: sessions with churn

function sessionsRun(n, rounds) {
  const { engine, clock } = newEngine({ connectionsMax: n + 1, sessionsMax: n + 1 });
  let outputs = 0;
  const sink = (batch) => { outputs += batch.length; };
  const connections = new Array(n);
  const phases = {};
  phases.create = { items: n, ms: timeSyncMs(() => { for (let i = 0; i < n; i++) connections[i] = openSession(engine, sink); }) };
  check(engine.sessions.size === n, `sessions: ${engine.sessions.size} live after create, expected ${n}`);

  const churn = Math.floor(n / 10);
  let touchMs = 0;
  let closeMs = 0;
  let openMs = 0;
  let touches = 0;
  const ping = { type: OpCode.ping };
  const closeSession = { type: OpCode.closeSession };
  for (let round = 0; round < rounds; round++) {
    // A tick of time between rounds, so every touch moves its session to a later expiry bucket (the costly case).
    clock.advance(engine.config.tickTimeMs);
    // The churned slice: every 10th session, a different one each round.
    const offset = round % 10;
    closeMs += timeSyncMs(() => { for (let i = offset; i < n; i += 10) engine.submit(connections[i], 1, closeSession); });
    openMs += timeSyncMs(() => { for (let i = offset; i < n; i += 10) connections[i] = openSession(engine, sink); });
    touchMs += timeSyncMs(() => {
      for (let i = 0; i < n; i++) {
        if (i % 10 === offset) continue;
        engine.submit(connections[i], Xid.ping, ping);
      }
    });
    touches += n - churn;
  }
  check(engine.sessions.size === n, `sessions: ${engine.sessions.size} live after churn, expected ${n}`);
  phases.churnClose = { items: churn * rounds, ms: closeMs };
  phases.churnOpen = { items: churn * rounds, ms: openMs };
  phases.touch = { items: touches, ms: touchMs };
  // Everyone was last touched at the same instant; jump past the timeout and the whole lot expires in one tick.
  phases.expire = { items: n, ms: timeSyncMs(() => clock.advance(sessionTimeoutMs + 2 * engine.config.tickTimeMs)) };
  check(engine.sessions.size === 0 && engine.connectionCount === 0, `sessions: ${engine.sessions.size} sessions, ${engine.connectionCount} connections left after expiry`);
  check(outputs > 0, 'sessions: no output');
  engine.close();
  return phases;
}

const sessionsScenario = {
  name: 'in-process/sessions',
  title: 'Sessions: create, churn (close 10% / open 10% / touch the rest), expire all at once',
  async run(ctx) {
    const { sessions: n, churnRounds } = sizes(ctx.full);
    const result = await measure({ warmup: ctx.warmup, runs: ctx.runs, gcBetweenRuns: true, sample: () => sessionsRun(n, churnRounds) });
    ctx.progress(`${n} sessions with churn done`);
    // Cost against the number of sessions: the same create and expire-all at smaller counts
    // (the largest point is the run above).
    const smaller = [1_000, 10_000, 100_000].filter((count) => count < n);
    const sweep = new Map();
    for (const count of smaller) sweep.set(count, await measure({ warmup: ctx.warmup, runs: ctx.runs, gcBetweenRuns: true, sample: () => sessionsRun(count, 0) }));
    sweep.set(n, result);
    const counts = [...sweep.keys()];
    const perSessionUs = (phase) => (phase.ms.median / phase.items) * 1000;
    const sweepFigures = smaller.flatMap((count) => [
      rateFigure(`sessions.${count}.create`, `${count} sessions: created`, sweep.get(count).create, { unit: 'sessions/s' }),
      perItemTimeFigure(`sessions.${count}.expireAll`, `${count} sessions: expire all in one clock advance`, sweep.get(count).expire),
    ]);
    const charts = [{
      id: 'per-session',
      title: 'Session cost against the number of sessions',
      svg: lineChart({
        title: 'Cost per session against the number of sessions (Engine, manual clock)',
        xLabel: 'sessions (log)',
        yLabel: 'µs per session',
        xLog: true,
        series: [
          { name: 'create (openConnection + connect)', points: counts.map((count) => [count, perSessionUs(sweep.get(count).create)]) },
          { name: 'expire all in one clock advance', points: counts.map((count) => [count, perSessionUs(sweep.get(count).expire)]) },
        ],
      }),
    }];
    return {
      charts,
      figures: [
        rateFigure('sessions.create', `sessions created (${n}, openConnection + connect)`, result.create, { unit: 'sessions/s' }),
        rateFigure('sessions.touch', 'touches (ping on a live session, deadline moves a bucket)', result.touch, { unit: 'touches/s' }),
        rateFigure('sessions.churnClose', 'churn: closeSession', result.churnClose, { unit: 'closes/s' }),
        rateFigure('sessions.churnOpen', 'churn: new session', result.churnOpen, { unit: 'sessions/s' }),
        perItemTimeFigure('sessions.expireAll', `expire all ${n} sessions in one clock advance`, result.expire),
        ...sweepFigures,
      ],
      notes: [
        `${n} sessions on their own connections (timeout ${sessionTimeoutMs} ms, tickTime 2000 ms), Engine on a ManualClock (clock.subscribe(engine)).`,
        `${churnRounds} churn rounds; each advances the clock one tick, closes every 10th session (closeSession), opens as many new ones, and pings the other 90%.`,
        'Expire: one clock.advance past every deadline; includes the closeSession txn per session, connection close and flushing the close to each sink.',
        'The smaller counts (the chart) run the same create and expire-all without churn rounds.',
      ],
    };
  },
};

// ------------------------------------------------------------------ scenario 3: one write, 100k watchers

/** One engine with `n` watcher connections; per run, re-arm every watch, then one setData fans out to all. */
async function fanoutAt(n, ctx) {
  const { engine } = newEngine({ connectionsMax: n + 1, sessionsMax: n + 1 });
  let events = 0;
  const watcherSink = (outputs) => {
    for (const output of outputs) if (output.kind === 'event') events++;
  };
  const writer = openSession(engine, () => undefined);
  engine.submit(writer, 1, createRequest('/fan'));
  const connections = new Array(n);
  const setupMs = timeSyncMs(() => { for (let i = 0; i < n; i++) connections[i] = openSession(engine, watcherSink); });
  ctx.progress(`${n} watcher connections opened in ${setupMs.toFixed(0)} ms`);
  const watchRequest = { type: OpCode.getData, path: '/fan', watch: true };
  const setData = { type: OpCode.setData, path: '/fan', data: payload, version: -1 };
  // Same connections every run: a data watch is one-shot, so each run re-arms all of them first.
  const result = await measure({
    warmup: ctx.warmup,
    runs: ctx.runs,
    sample: () => {
      const register = timeSyncMs(() => { for (let i = 0; i < n; i++) engine.submit(connections[i], 2, watchRequest); });
      check(engine.watches.data.watchersOf('/fan').size === n, 'fanout: watches not all registered');
      events = 0;
      const fire = timeSyncMs(() => engine.submit(writer, 3, setData));
      check(events === n, `fanout: ${events} events delivered, expected ${n}`);
      return { register: { items: n, ms: register }, setData: { items: n, ms: fire } };
    },
  });
  engine.close();
  return result;
}

/**
 * The fan-out floor: a bare loop calling N callbacks, each handed a fresh event object (what
 * any server must at least do per watcher: build the notification and hand it to the connection).
 */
async function fanoutFloorAt(n, ctx) {
  let delivered = 0;
  const callbacks = Array.from({ length: n }, () => (event) => { if (event.path === '/fan') delivered++; });
  return measure({
    warmup: ctx.warmup,
    runs: ctx.runs,
    sample: () => {
      delivered = 0;
      const ms = timeSyncMs(() => { for (let i = 0; i < n; i++) callbacks[i]({ type: 3, state: 3, path: '/fan' }); });
      check(delivered === n, 'fanout floor: not every callback ran');
      return { floor: { items: n, ms } };
    },
  });
}

const fanoutScenario = {
  name: 'in-process/fanout',
  title: 'Fan-out: one setData to N data watchers on N connections (N = 1k, 10k, 100k), against a bare loop over N callbacks',
  async run(ctx) {
    const { watchers: largest } = sizes(ctx.full);
    const counts = [1_000, 10_000, 100_000, 1_000_000].filter((count) => count <= largest);
    const byCount = new Map();
    for (const count of counts) {
      byCount.set(count, { engine: await fanoutAt(count, ctx), floor: await fanoutFloorAt(count, ctx) });
    }
    const figures = [];
    for (const count of counts) {
      const { engine: result, floor } = byCount.get(count);
      figures.push(
        perItemTimeFigure(`fanout.${count}.setData`, `one setData fanned out to ${count} watchers`, result.setData, { perItemLabel: 'per watcher' }),
        rateFigure(`fanout.${count}.setDataRate`, `${count} watchers: fan-out rate (events built and delivered)`, result.setData, { unit: 'events/s' }),
        rateFigure(`fanout.${count}.register`, `${count} watchers: watch registration (getData, watch: true)`, result.register, { unit: 'ops/s' }),
        perItemTimeFigure(`fanout.${count}.floor`, `floor: bare loop over ${count} callbacks`, floor.floor, { perItemLabel: 'per callback' }),
        ratioFigure(`ratio.fanout.${count}.floor`, `${count} watchers: fan-out time / bare loop time`, result.setData.ms.median, floor.floor.ms.median),
      );
    }
    const perWatcherUs = (phase) => (phase.ms.median / phase.items) * 1000;
    return {
      figures,
      summary: {
        title: 'Median time per watcher for one setData, against the bare loop:',
        header: ['watchers', 'fan-out, per watcher', 'whole setData', 'bare loop, per callback', 'fan-out / floor'],
        rows: counts.map((count) => {
          const { engine: result, floor } = byCount.get(count);
          return [String(count), formatDuration(result.setData.ms.median / count), formatDuration(result.setData.ms.median), formatDuration(floor.floor.ms.median / count), `${(result.setData.ms.median / floor.floor.ms.median).toFixed(0)}×`];
        }),
      },
      charts: [{
        id: 'per-watcher',
        title: 'Fan-out cost per watcher against the number of watchers',
        svg: lineChart({
          title: 'One setData fanned out: time per watcher against the number of watchers',
          xLabel: 'watchers (log)',
          yLabel: 'µs per watcher (log)',
          xLog: true,
          yLog: true,
          series: [
            { name: 'Engine: setData to N data watchers', points: counts.map((count) => [count, perWatcherUs(byCount.get(count).engine.setData)]) },
            { name: 'floor: bare loop over N callbacks', dashed: true, points: counts.map((count) => [count, perWatcherUs(byCount.get(count).floor.floor)]) },
          ],
        }),
      }],
      notes: [
        `For each N in ${counts.join(', ')}: N connections, each with its own session and one data watch on /fan; the writer is a separate connection. Each run re-arms every watch (one-shot), then times one setData.`,
        'The setData time is the whole engine.submit: prepare, apply, match the watch table, ACL check per watcher, queue and flush one event to each sink (which counts it).',
        'Floor: a loop calling N closures, each given a fresh event object and counting it: the least any server does per watcher.',
      ],
    };
  },
};

export const scenarios = [opsScenario, sessionsScenario, fanoutScenario];

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
    );
    summary.footer = [
      `An Engine create takes ${(floor.mapSet.rate.median / engine.create.rate.median).toFixed(0)}× a bare Map.set`
        + ` and ${(floor.minimalTree.rate.median / engine.create.rate.median).toFixed(1)}× the minimal tree insert (medians, same run).`,
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
    return {
      figures: [
        rateFigure('sessions.create', `sessions created (${n}, openConnection + connect)`, result.create, { unit: 'sessions/s' }),
        rateFigure('sessions.touch', 'touches (ping on a live session, deadline moves a bucket)', result.touch, { unit: 'touches/s' }),
        rateFigure('sessions.churnClose', 'churn: closeSession', result.churnClose, { unit: 'closes/s' }),
        rateFigure('sessions.churnOpen', 'churn: new session', result.churnOpen, { unit: 'sessions/s' }),
        perItemTimeFigure('sessions.expireAll', `expire all ${n} sessions in one clock advance`, result.expire),
      ],
      notes: [
        `${n} sessions on their own connections (timeout ${sessionTimeoutMs} ms, tickTime 2000 ms), Engine on a ManualClock (clock.subscribe(engine)).`,
        `${churnRounds} churn rounds; each advances the clock one tick, closes every 10th session (closeSession), opens as many new ones, and pings the other 90%.`,
        'Expire: one clock.advance past every deadline; includes the closeSession txn per session, connection close and flushing the close to each sink.',
      ],
    };
  },
};

// ------------------------------------------------------------------ scenario 3: one write, 100k watchers

const fanoutScenario = {
  name: 'in-process/fanout',
  title: 'Fan-out: one setData to N data watchers on N connections',
  async run(ctx) {
    const { watchers: n } = sizes(ctx.full);
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
    return {
      figures: [
        perItemTimeFigure('fanout.setData', `one setData fanned out to ${n} watchers`, result.setData, { perItemLabel: 'per watcher' }),
        rateFigure('fanout.setDataRate', 'fan-out rate (events built and delivered)', result.setData, { unit: 'events/s' }),
        rateFigure('fanout.register', 'watch registration (getData, watch: true)', result.register, { unit: 'ops/s' }),
      ],
      notes: [
        `${n} connections, each with its own session and one data watch on /fan; the writer is a separate connection.`,
        'The setData time is the whole engine.submit: prepare, apply, match the watch table, ACL check per watcher, queue and flush one event to each sink (which counts it).',
      ],
    };
  },
};

export const scenarios = [opsScenario, sessionsScenario, fanoutScenario];

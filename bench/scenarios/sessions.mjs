// Session expiry and what it cleans up (issue 9), extending in-process/sessions (which times
// creating, churning and expiring sessions in bulk) with *when* each session expires and what an
// expiry costs:
//
//   sessions/expiry-precision: 100k sessions (1M with --full) left to expire; for each one, how
//     late its expiry came against its deadline (last touch + timeout). ZooKeeper's ExpiryQueue
//     rounds every deadline up to the next tick boundary, so the lateness it allows is in
//     (0, tickTime]; the engine on the manual clock shows the rule itself, on the system clock the
//     rule plus timers and work; over the wire, raw sessions against the real ZooKeeper 3.8 and
//     Vivarium's wire server, the same tickTime.
//   sessions/ephemeral-cleanup: one session owning 100k ephemeral nodes expires; time until all
//     are gone. Engine (manual clock), and over the wire against the real ZooKeeper at 10k.
//
// See bench/README.md for what each figure means.
import { OpCode, Perm, Xid } from '@vivarium/protocol';
import { Engine, ManualClock, SeededRandom } from '@vivarium/store';
import { driveWithSystemClock, SystemClock } from '@vivarium/server';
import { formatRatio, perItemTimeFigure, rateFigure, ratioFigure, timeFigure } from '../lib/figures.mjs';
import { formatDuration, formatRate, gc, measure, timeSyncMs } from '../lib/measure.mjs';
import { loadRealZooKeeper, realZooKeeperUnavailable } from '../lib/real-zookeeper.mjs';
import { openRawSession } from '../lib/raw-session.mjs';
import { lineChart } from '../lib/svg-chart.mjs';
import { startVivariumProcess } from '../lib/vivarium-process.mjs';
import { closeAll, closeClient, connectClient, ensurePath, ops, pipelined, sleep, zookeeper } from '../lib/zk-client.mjs';

const openAcl = [{ perms: Perm.all, id: { scheme: 'world', id: 'anyone' } }];
const payload = new Uint8Array(16);
const seed = 1;

function sizes(full) {
  return full
    ? { sessions: 1_000_000, wireSessions: 10_000, ephemerals: 1_000_000, wireEphemerals: 100_000 }
    : { sessions: 100_000, wireSessions: 2_000, ephemerals: 100_000, wireEphemerals: 10_000 };
}

function check(condition, message) {
  if (!condition) throw new Error(`bench: ${message}`);
}

function connectRequest(timeOutMs) {
  return { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false };
}

function percentileOf(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** Lateness sample (ms, any order) -> { sorted, p0, p50, p99, max, within }: `within` = share in (0, tickTime]. */
function latenessStats(values, tickTimeMs) {
  const sorted = Float64Array.from(values).sort();
  let within = 0;
  for (const v of sorted) if (v > 0 && v <= tickTimeMs) within++;
  return { sorted, p0: sorted[0], p50: percentileOf(sorted, 50), p99: percentileOf(sorted, 99), max: sorted[sorted.length - 1], within: within / sorted.length };
}

/** A point figure (one run: the distribution is over the sessions, not over runs). */
function pointFigure(id, label, ms) {
  return { id, label, kind: 'time', unit: 'ms', median: ms };
}

/** Up to `points` points of the lateness CDF: [lateness ms, % of sessions expired by then]. */
function cdfPoints(sorted, points = 60) {
  const result = [];
  for (let k = 0; k <= points; k++) {
    const i = Math.min(sorted.length - 1, Math.round((k / points) * (sorted.length - 1)));
    result.push([sorted[i], ((i + 1) / sorted.length) * 100]);
  }
  return result;
}

// ------------------------------------------------------------------ expiry precision: engine

/**
 * N sessions on an Engine with a ManualClock (tickTime 2000, timeout 30000), created 100 per
 * simulated 2 ms so their deadlines spread over many buckets; then one clock.advance past every
 * deadline. The clock stops at each bucket boundary (ManualClock walks wake-ups), so each
 * session's expiry time is exactly what the ExpiryQueue decided.
 */
function manualPrecisionRun(n) {
  const clock = new ManualClock();
  const engine = new Engine({ clock, random: new SeededRandom(seed), connectionsMax: n + 1, sessionsMax: n + 1 });
  const unsubscribe = clock.subscribe(engine);
  const timeoutMs = 30_000;
  const deadline = new Float64Array(n);
  const expiredAt = new Float64Array(n).fill(Number.NaN);
  for (let i = 0; i < n; i++) {
    const connection = engine.openConnection({
      remoteAddress: '127.0.0.1',
      sink: (outputs) => {
        for (const output of outputs) if (output.kind === 'close' && output.reason === 'sessionExpired') expiredAt[i] = clock.nowMs();
      },
    });
    engine.connect(connection, connectRequest(timeoutMs));
    deadline[i] = clock.nowMs() + timeoutMs;
    if (i % 100 === 99) clock.advance(2);
  }
  check(engine.sessions.size === n, `manual precision: ${engine.sessions.size} sessions, expected ${n}`);
  const expireMs = timeSyncMs(() => clock.advance(timeoutMs + 2 * engine.config.tickTimeMs));
  check(engine.sessions.size === 0, `manual precision: ${engine.sessions.size} sessions left`);
  const lateness = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    check(!Number.isNaN(expiredAt[i]), `manual precision: session ${i} never saw its expiry`);
    lateness[i] = expiredAt[i] - deadline[i];
  }
  unsubscribe();
  engine.close();
  return { lateness, tickTimeMs: engine.config.tickTimeMs, expireMs, spanMs: deadline[n - 1] - deadline[0] };
}

/**
 * N sessions on an Engine with the SystemClock and its production driver (driveWithSystemClock),
 * tickTime 200, timeout 2000 (tickTime 1000, timeout 20 s for more than 200k sessions, which take ~15 s to create),
 * created in chunks of 2000 with the event loop let go between chunks; then wait for all to expire.
 */
async function systemPrecisionRun(n) {
  const clock = new SystemClock();
  // Creating 1M sessions takes ~15 s here: with --full the tick and timeout grow so that all are open before the first expiry.
  const tickTimeMs = n > 200_000 ? 1_000 : 200;
  const timeoutMs = n > 200_000 ? 20_000 : 2_000;
  const engine = new Engine({ clock, random: new SeededRandom(seed), tickTimeMs, connectionsMax: n + 1, sessionsMax: n + 1 });
  const driver = driveWithSystemClock(engine, clock);
  const deadline = new Float64Array(n);
  const expiredAt = new Float64Array(n).fill(Number.NaN);
  let expired = 0;
  let allExpired;
  const done = new Promise((resolve) => { allExpired = resolve; });
  try {
    for (let i = 0; i < n; i++) {
      const connection = engine.openConnection({
        remoteAddress: '127.0.0.1',
        sink: (outputs) => {
          for (const output of outputs) {
            if (output.kind !== 'close' || output.reason !== 'sessionExpired') continue;
            expiredAt[i] = clock.nowMs();
            if (++expired === n) allExpired();
          }
        },
      });
      engine.connect(connection, connectRequest(timeoutMs));
      deadline[i] = clock.nowMs() + timeoutMs;
      if (i % 2000 === 1999) await new Promise((resolve) => setImmediate(resolve));
    }
    const guard = sleep(timeoutMs * 10 + 30_000).then(() => { throw new Error(`system precision: ${expired} of ${n} expired in time`); });
    await Promise.race([done, guard]);
  } finally {
    driver.stop();
    engine.close();
  }
  const lateness = new Float64Array(n);
  for (let i = 0; i < n; i++) lateness[i] = expiredAt[i] - deadline[i];
  return { lateness, tickTimeMs, timeoutMs };
}

// ------------------------------------------------------------------ expiry precision: wire

/** N raw sessions (no pings) against one server, 50 connects in flight; lateness of each socket's close against connect + timeout. */
async function wirePrecisionRun(port, n, timeoutMs) {
  const sessions = new Array(n);
  await pipelined(n, 50, async (i) => { sessions[i] = await openRawSession({ port, timeoutMs }); });
  const negotiated = sessions[0].timeoutMs;
  check(sessions.every((s) => s.timeoutMs === negotiated), 'wire precision: negotiated timeouts differ');
  const closes = await Promise.race([
    Promise.all(sessions.map((s) => s.closed)),
    sleep(negotiated * 10 + 30_000).then(() => { throw new Error('wire precision: sessions did not all expire in time'); }),
  ]);
  return { lateness: sessions.map((s, i) => closes[i] - (s.connectedAtMs + negotiated)), timeoutMs: negotiated };
}

const wireTickTimeMs = 200;

const expiryPrecisionScenario = {
  name: 'sessions/expiry-precision',
  title: 'Session expiry precision: lateness of each expiry against its deadline (engine manual/system clock; raw sessions vs the real ZooKeeper 3.8)',
  async run(ctx) {
    const { sessions: n, wireSessions } = sizes(ctx.full);
    gc();
    const manual = manualPrecisionRun(n);
    const manualStats = latenessStats(manual.lateness, manual.tickTimeMs);
    ctx.progress(`engine, manual clock: ${n} sessions expired (advance took ${formatDuration(manual.expireMs)})`);
    gc();
    const system = await systemPrecisionRun(n);
    const systemStats = latenessStats(system.lateness, system.tickTimeMs);
    ctx.progress(`engine, system clock: ${n} sessions expired`);

    const figures = [
      pointFigure('manual.p0', `engine, manual clock (tick ${manual.tickTimeMs} ms): lateness min`, manualStats.p0),
      pointFigure('manual.p50', 'engine, manual clock: lateness p50', manualStats.p50),
      pointFigure('manual.max', 'engine, manual clock: lateness max', manualStats.max),
      { id: 'manual.within', label: 'engine, manual clock: share of expiries in (0, tickTime]', kind: 'share', unit: '%', median: Number((manualStats.within * 100).toFixed(2)) },
      perItemTimeFigure('manual.expire', `engine, manual clock: one clock.advance expiring all ${n} (wall)`, { items: n, ms: { median: manual.expireMs, min: manual.expireMs, max: manual.expireMs, samples: [manual.expireMs] } }),
      pointFigure('system.p0', `engine, system clock (tick ${system.tickTimeMs} ms, timeout ${system.timeoutMs} ms): lateness min`, systemStats.p0),
      pointFigure('system.p50', 'engine, system clock: lateness p50', systemStats.p50),
      pointFigure('system.p99', 'engine, system clock: lateness p99', systemStats.p99),
      pointFigure('system.max', 'engine, system clock: lateness max', systemStats.max),
      { id: 'system.within', label: 'engine, system clock: share of expiries in (0, tickTime]', kind: 'share', unit: '%', median: Number((systemStats.within * 100).toFixed(2)) },
    ];
    const series = [
      { name: `engine, manual clock (tick ${manual.tickTimeMs} ms, ${n} sessions)`, points: cdfPoints(manualStats.sorted).map(([x, y]) => [x / manual.tickTimeMs, y]) },
      { name: `engine, system clock (tick ${system.tickTimeMs} ms, ${n} sessions)`, points: cdfPoints(systemStats.sorted).map(([x, y]) => [x / system.tickTimeMs, y]) },
    ];
    const rows = [
      [`engine, manual clock, ${n}`, `${manual.tickTimeMs} ms`, formatDuration(manualStats.p0), formatDuration(manualStats.p50), formatDuration(manualStats.p99), formatDuration(manualStats.max), `${(manualStats.within * 100).toFixed(1)}%`],
      [`engine, system clock, ${n}`, `${system.tickTimeMs} ms`, formatDuration(systemStats.p0), formatDuration(systemStats.p50), formatDuration(systemStats.p99), formatDuration(systemStats.max), `${(systemStats.within * 100).toFixed(1)}%`],
    ];
    const notes = [
      `Lateness = when the session's expiry reached its connection minus its deadline (last touch + negotiated timeout). ZooKeeper's ExpiryQueue puts a session touched at t with timeout T in the bucket ceil-to-next-tick(t + T) = (floor((t + T) / tickTime) + 1) × tickTime, and SessionTrackerImpl expires a bucket when its boundary passes, so by the rule the lateness is in (0, tickTime]: never early, at most one tick late. Vivarium's ExpiryQueue is the same rule.`,
      `Engine, manual clock: ${n} sessions (timeout 30 s, tickTime 2000), 100 created per simulated 2 ms, then one clock.advance past every deadline; the clock stops at each bucket boundary, so this is the rule alone.`,
      `Engine, system clock: the production SystemClock (Date.now(), 1 ms resolution) and driveWithSystemClock (a timer at the engine's next deadline); tickTime ${system.tickTimeMs}, timeout ${system.timeoutMs} ms (tickTime 1000 and timeout 20 s above 200k sessions, so that all are open before the first expiry); sessions created in chunks of 2000 with the event loop let go between chunks. Lateness beyond one tick is timer delay plus the time to expire the sessions ahead in the same bucket (each commits a closeSession txn).`,
    ];

    if (realZooKeeperUnavailable() === undefined) {
      const { startRealZooKeeper } = await loadRealZooKeeper();
      const targets = [];
      try {
        const zk = await startRealZooKeeper({ forceSync: false, tickTimeMs: wireTickTimeMs });
        targets.push({ key: 'zk', label: 'ZooKeeper 3.8', port: zk.port, stop: () => zk.stop() });
        const viv = await startVivariumProcess({ seed, tickTimeMs: wireTickTimeMs, maxClientCnxns: 0 });
        targets.push({ key: 'viv', label: 'Vivarium, own process', port: Number(viv.connectString.split(':')[1]), stop: () => viv.stop() });
        const wire = {};
        // One after the other: the sessions of one server must not wait on the other's expiries.
        for (const target of targets) {
          // 4000 ms (20 ticks, the most either server allows at tickTime 200): all sessions are open before the first expiry.
          wire[target.key] = await wirePrecisionRun(target.port, wireSessions, 4_000);
          ctx.progress(`${target.label}: ${wireSessions} raw sessions expired`);
        }
        for (const target of targets) {
          const stats = latenessStats(wire[target.key].lateness, wireTickTimeMs);
          target.stats = stats;
          const label = `wire, ${target.label} (tick ${wireTickTimeMs} ms, timeout ${wire[target.key].timeoutMs} ms)`;
          figures.push(
            pointFigure(`${target.key}.p0`, `${label}: lateness min`, stats.p0),
            pointFigure(`${target.key}.p50`, `wire, ${target.label}: lateness p50`, stats.p50),
            pointFigure(`${target.key}.p99`, `wire, ${target.label}: lateness p99`, stats.p99),
            pointFigure(`${target.key}.max`, `wire, ${target.label}: lateness max`, stats.max),
            { id: `${target.key}.within`, label: `wire, ${target.label}: share of expiries in (0, tickTime]`, kind: 'share', unit: '%', median: Number((stats.within * 100).toFixed(2)) },
          );
          rows.push([`wire, ${target.label}, ${wireSessions}`, `${wireTickTimeMs} ms`, formatDuration(stats.p0), formatDuration(stats.p50), formatDuration(stats.p99), formatDuration(stats.max), `${(stats.within * 100).toFixed(1)}%`]);
          series.push({ name: `wire, ${target.label} (tick ${wireTickTimeMs} ms, ${wireSessions} sessions)`, dashed: target.key === 'zk', points: cdfPoints(stats.sorted).map(([x, y]) => [x / wireTickTimeMs, y]) });
        }
        const [zkTarget, vivTarget] = targets;
        figures.push(ratioFigure('ratio.wire.p99', 'wire: lateness p99, ZooKeeper / Vivarium', zkTarget.stats.p99, vivTarget.stats.p99));
        notes.push(`Wire: ${wireSessions} raw sessions per server (bench/lib/raw-session.mjs: a ConnectRequest asking for 4000 ms, then silence, no pings), 50 connects in flight; both servers at tickTime ${wireTickTimeMs} (ZooKeeper standalone, forceSync=no; Vivarium's wire server in its own process), measured one server after the other. Deadline = when the ConnectResponse arrived here + the negotiated timeout; expiry = when the server closed the socket (both close an expired session's connection). The deadline is taken when the reply is read here, after the server touched the session: with 50 connects in flight and one bench thread that read can lag by tens of ms, which shows as a negative minimum; the p50 and p99 are not affected by more than that lag.`);
      } finally {
        await closeAll(targets);
      }
    } else {
      notes.push(`Wire comparison skipped: ${realZooKeeperUnavailable()}`);
    }
    return {
      figures,
      summary: { title: 'Expiry lateness (when the expiry happened minus the deadline); ZooKeeper\'s bucketed expiry allows (0, tickTime]:', header: ['sessions', 'tickTime', 'min', 'p50', 'p99', 'max', 'in (0, tickTime]'], rows },
      charts: [{
        id: 'lateness',
        title: 'Expiry lateness distribution',
        svg: lineChart({ title: 'Expiry lateness: share of sessions expired by x ticks after their deadline', xLabel: 'lateness (ticks: 1 = one tickTime)', yLabel: '% of sessions', series, yZero: true }),
      }],
      notes,
    };
  },
};

// ------------------------------------------------------------------ ephemeral cleanup

/** One session creates N ephemerals under /eph, then expires (clock.advance past its deadline): the advance's wall time. */
function engineCleanupRun(n) {
  const clock = new ManualClock();
  const engine = new Engine({ clock, random: new SeededRandom(seed) });
  const unsubscribe = clock.subscribe(engine);
  let errors = 0;
  const sink = (outputs) => { for (const o of outputs) if (o.kind === 'reply' && o.header.err !== 0) errors++; };
  const owner = engine.openConnection({ remoteAddress: '127.0.0.1', sink });
  engine.connect(owner, connectRequest(30_000));
  const keeper = engine.openConnection({ remoteAddress: '127.0.0.1', sink });
  engine.connect(keeper, connectRequest(40_000));
  let xid = 1;
  engine.submit(keeper, xid++, { type: OpCode.create2, path: '/eph', data: payload, acl: openAcl, flags: 0 });
  const paths = Array.from({ length: n }, (_, i) => `/eph/e${i}`);
  const createMs = timeSyncMs(() => { for (let i = 0; i < n; i++) engine.submit(owner, xid++, { type: OpCode.create2, path: paths[i], data: payload, acl: openAcl, flags: 1 }); });
  check(errors === 0 && engine.database.tree.get('/eph').children.size === n, `engine cleanup: ${errors} errors creating ephemerals`);
  // Keep the parent's session alive across the jump: ping it just before.
  clock.advance(29_000);
  engine.submit(keeper, Xid.ping, { type: OpCode.ping });
  const expireMs = timeSyncMs(() => clock.advance(1_000 + 2 * engine.config.tickTimeMs));
  check(engine.database.tree.get('/eph')?.children.size === 0, `engine cleanup: ${engine.database.tree.get('/eph')?.children.size} ephemerals left after expiry`);
  check(engine.sessions.size === 1, 'engine cleanup: the owner session did not expire alone');
  unsubscribe();
  engine.close();
  return { create: { items: n, ms: createMs }, expire: { items: n, ms: expireMs } };
}

/** The floor: N Map.delete of the paths and Set.delete of the names (the least a cleanup must do). */
function floorCleanupRun(n) {
  const paths = Array.from({ length: n }, (_, i) => `/eph/e${i}`);
  const names = paths.map((p) => p.slice(5));
  const map = new Map(paths.map((p) => [p, payload]));
  const children = new Set(names);
  const ms = timeSyncMs(() => { for (let i = 0; i < n; i++) { map.delete(paths[i]); children.delete(names[i]); } });
  check(map.size === 0 && children.size === 0, 'floor cleanup');
  return { floor: { items: n, ms } };
}

/**
 * Over the wire: a node-zookeeper-client session creates N ephemerals (200 in flight), then
 * closes (closeSession: the txn an expiry commits, deleting every ephemeral of the session); an
 * observer polls getChildren until the parent is empty. Time from close() to empty.
 */
async function wireCleanupRun(connectString, observer, n) {
  const owner = await connectClient(connectString);
  try {
    await pipelined(n, 200, (i) => new Promise((resolve, reject) => owner.create(`/eph/e${i}`, Buffer.alloc(16), zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.EPHEMERAL, (e) => (e ? reject(e) : resolve()))));
  } catch (error) {
    await closeClient(owner);
    throw error;
  }
  const children = () => new Promise((resolve, reject) => observer.getChildren('/eph', (e, list) => (e ? reject(e) : resolve(list.length))));
  check(await children() === n, 'wire cleanup: not every ephemeral was created');
  const start = process.hrtime.bigint();
  const closed = closeClient(owner);
  for (;;) {
    if (await children() === 0) break;
    await sleep(1);
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await closed;
  return { items: n, ms };
}

const ephemeralCleanupScenario = {
  name: 'sessions/ephemeral-cleanup',
  title: 'Ephemeral cleanup: one session owning N ephemerals expires, time until all are gone (engine; wire vs the real ZooKeeper 3.8)',
  async run(ctx) {
    const { ephemerals: n, wireEphemerals } = sizes(ctx.full);
    const options = { warmup: ctx.warmup, runs: ctx.runs, gcBetweenRuns: true };
    // The wire part creates the ephemerals through the JVM at a few thousand a second: at most 3 runs by default.
    const wireOptions = { ...options, runs: ctx.full ? ctx.runs : Math.min(ctx.runs, 3) };
    const floor = await measure({ ...options, sample: () => floorCleanupRun(n) });
    const engine = await measure({ ...options, sample: () => engineCleanupRun(n) });
    ctx.progress(`engine: ${n} ephemerals created and expired per run`);
    const figures = [
      perItemTimeFigure('engine.expire', `engine: the owner's expiry deletes ${n} ephemerals (one clock.advance)`, engine.expire, { perItemLabel: 'per node' }),
      rateFigure('engine.create', `engine: creating the ${n} ephemerals`, engine.create),
      perItemTimeFigure('floor', `floor: ${n} × (Map.delete + parent Set.delete)`, floor.floor, { perItemLabel: 'per node' }),
      ratioFigure('ratio.floor', 'engine expiry time / floor time', engine.expire.ms.median, floor.floor.ms.median),
    ];
    const rows = [
      [`engine, ${n}`, formatDuration(engine.expire.ms.median), formatDuration(engine.expire.ms.median / n), '', ''],
      [`floor, ${n}`, formatDuration(floor.floor.ms.median), formatDuration(floor.floor.ms.median / n), '', ''],
    ];
    const notes = [
      `Engine: an Engine on a ManualClock; one session (timeout 30 s) creates ${n} ephemerals /eph/e<i> (16-byte values) under a parent owned by a second session; the clock jumps past the owner's deadline in one advance, whose wall time is the figure: the expiry's closeSession txn deletes every ephemeral, updates the parent and the ephemeral index, and the connection is closed. Checked: the parent is empty after, the other session alive.`,
      'Floor: deleting the same paths from a Map and the names from a Set, nothing else.',
    ];
    if (realZooKeeperUnavailable() === undefined) {
      const { startRealZooKeeper } = await loadRealZooKeeper();
      const targets = [];
      try {
        const zk = await startRealZooKeeper({ forceSync: false });
        targets.push({ key: 'zk', label: 'ZooKeeper 3.8', connectString: zk.connectString, stop: () => zk.stop() });
        const viv = await startVivariumProcess({ seed });
        targets.push({ key: 'viv', label: 'Vivarium, own process', connectString: viv.connectString, stop: () => viv.stop() });
        for (const target of targets) {
          target.client = await connectClient(target.connectString);
          await ensurePath(target.client, '/eph', Buffer.alloc(0));
          await wireCleanupRun(target.connectString, target.client, wireEphemerals); // JIT warm-up
        }
        let round = 0;
        const wire = await measure({
          ...wireOptions,
          sample: async () => {
            const phases = {};
            for (const target of targets.map((_, i) => targets[(i + round) % targets.length])) phases[target.key] = await wireCleanupRun(target.connectString, target.client, wireEphemerals);
            round++;
            return phases;
          },
        });
        ctx.progress(`wire: ${wireEphemerals} ephemerals cleaned per run and server`);
        figures.push(
          perItemTimeFigure('wire.zk', `wire, ZooKeeper 3.8: close of the owner to ${wireEphemerals} ephemerals gone`, wire.zk, { perItemLabel: 'per node' }),
          perItemTimeFigure('wire.viv', `wire, Vivarium (own process): close of the owner to ${wireEphemerals} ephemerals gone`, wire.viv, { perItemLabel: 'per node' }),
          ratioFigure('ratio.wire', 'wire: ZooKeeper time / Vivarium time', wire.zk.ms.median, wire.viv.ms.median),
        );
        rows.push(
          [`wire, ZooKeeper 3.8, ${wireEphemerals}`, formatDuration(wire.zk.ms.median), formatDuration(wire.zk.ms.median / wireEphemerals), '', ''],
          [`wire, Vivarium own process, ${wireEphemerals}`, formatDuration(wire.viv.ms.median), formatDuration(wire.viv.ms.median / wireEphemerals), formatRatio(wire.zk.ms.median / wire.viv.ms.median), ''],
        );
        notes.push(`Wire: a node-zookeeper-client session creates ${wireEphemerals} ephemerals under /eph (200 in flight), then close(): its closeSession is the txn an expiry commits, deleting every ephemeral of the session. Timed from close() until an observer's getChildren('/eph') (polled every ms) is empty. ZooKeeper standalone (forceSync=no) and Vivarium's wire server in its own process; one untimed round each first (JIT).`);
      } finally {
        await closeAll(targets);
      }
    } else {
      notes.push(`Wire comparison skipped: ${realZooKeeperUnavailable()}`);
    }
    return {
      figures,
      summary: { title: 'Median time until every ephemeral of the expired (or closed) session is gone:', header: ['what, ephemerals', 'total', 'per node', 'ZooKeeper / Vivarium', ''], rows },
      notes,
    };
  },
};

export const scenarios = [expiryPrecisionScenario, ephemeralCleanupScenario];

// Memory per znode, per session and per watch. The Engine: V8 heap used after a full GC, before
// and after adding N of each, divided by N (beside a floor: a bare Map entry per znode). The real
// ZooKeeper 3.8: the JVM heap used after a full GC (`jcmd <pid> GC.run`, then `GC.heap_info`),
// before and after the same over the wire, divided by N; and mntr's approximate_data_size,
// which counts only paths and data bytes.
//
// See bench/README.md for what each figure means.
import { execFileSync } from 'node:child_process';
import { OpCode, Perm } from '@vivarium/protocol';
import { Engine, ManualClock, SeededRandom } from '@vivarium/store';
import { formatRatio } from '../lib/figures.mjs';
import { gc } from '../lib/measure.mjs';
import { loadRealZooKeeper, realZooKeeperUnavailable } from '../lib/real-zookeeper.mjs';
import { openRawSession } from '../lib/raw-session.mjs';
import { barChart } from '../lib/svg-chart.mjs';
import { closeAll, closeClient, connectClient, ensurePath, ops, pipelined } from '../lib/zk-client.mjs';

const openAcl = [{ perms: Perm.all, id: { scheme: 'world', id: 'anyone' } }];
const payload = new Uint8Array(16);

function sizes(full) {
  return full
    ? { znodes: 1_000_000, sessions: 1_000_000, watches: 1_000_000, wireZnodes: 100_000, wireSessions: 5_000, wireWatches: 100_000 }
    : { znodes: 100_000, sessions: 100_000, watches: 100_000, wireZnodes: 20_000, wireSessions: 2_000, wireWatches: 20_000 };
}

function check(condition, message) {
  if (!condition) throw new Error(`bench: ${message}`);
}

/** V8 heap used after a full GC (twice: the first may leave weak things for the second). */
function heapUsed() {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function bytesFigure(id, label, bytes) {
  return { id, label, kind: 'bytes', unit: 'bytes', median: Math.round(bytes) };
}

function connectRequest() {
  return { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 30_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false };
}

function newEngine(n) {
  const clock = new ManualClock();
  const engine = new Engine({ clock, random: new SeededRandom(1), connectionsMax: n + 10, sessionsMax: n + 10 });
  const sink = () => undefined;
  const c = engine.openConnection({ remoteAddress: '127.0.0.1', sink });
  engine.connect(c, connectRequest());
  return { engine, c, sink };
}

// Each measurement runs in its own function: a block's locals can stay reachable from the
// interpreter's registers until its function returns, which would bill one measurement's
// garbage to the next.

/** Heap bytes per znode, then per data watch (one connection, a watch on each of those znodes). */
function engineZnodesAndWatches(znodes, watches) {
  const paths = Array.from({ length: znodes }, (_, i) => `/mem/n${i}`);
  const { engine, c } = newEngine(1);
  let xid = 1;
  engine.submit(c, xid++, { type: OpCode.create2, path: '/mem', data: payload, acl: openAcl, flags: 0 });
  const before = heapUsed();
  for (let i = 0; i < znodes; i++) engine.submit(c, xid++, { type: OpCode.create2, path: paths[i], data: new Uint8Array(16), acl: openAcl, flags: 0 });
  const znode = (heapUsed() - before) / znodes;
  check(engine.database.tree.get('/mem').children.size === znodes, 'memory: znodes not all created');
  const watchCount = Math.min(watches, znodes);
  const beforeWatches = heapUsed();
  for (let i = 0; i < watchCount; i++) engine.submit(c, xid++, { type: OpCode.getData, path: paths[i], watch: true });
  const watch = (heapUsed() - beforeWatches) / watchCount;
  check(engine.watches.data.watchersOf(paths[0]).size === 1, 'memory: watch not registered');
  engine.close();
  return { znode, watch };
}

function engineSessions(sessions) {
  const { engine, sink } = newEngine(sessions);
  const before = heapUsed();
  for (let i = 0; i < sessions; i++) {
    const c = engine.openConnection({ remoteAddress: '127.0.0.1', sink });
    engine.connect(c, connectRequest());
  }
  const session = (heapUsed() - before) / sessions;
  check(engine.sessions.size === sessions + 1, 'memory: sessions not all created');
  engine.close();
  return session;
}

/** The floor: a Map entry from the (prebuilt) path to a fresh 16-byte Uint8Array. */
function floorZnodes(znodes) {
  const paths = Array.from({ length: znodes }, (_, i) => `/mem/n${i}`);
  const before = heapUsed();
  const map = new Map();
  for (let i = 0; i < znodes; i++) map.set(paths[i], new Uint8Array(16));
  const floor = (heapUsed() - before) / znodes;
  check(map.size === znodes, 'memory floor');
  return floor;
}

/** Heap bytes per znode, per session and per watch in the Engine, and per entry of the floor. */
function engineMemory({ znodes, sessions, watches }) {
  const { znode, watch } = engineZnodesAndWatches(znodes, watches);
  const session = engineSessions(sessions);
  const floor = floorZnodes(znodes);
  return { znode, watch, session, floor };
}

/** The JVM's heap in use after a full GC, in bytes, from `jcmd <pid> GC.heap_info` ("... used 12345K"). */
function jvmHeapUsed(pid) {
  execFileSync('jcmd', [String(pid), 'GC.run'], { stdio: 'ignore', timeout: 60_000 });
  const info = execFileSync('jcmd', [String(pid), 'GC.heap_info'], { encoding: 'utf8', timeout: 60_000 });
  const match = /heap\s+total\s+\d+K,\s+used\s+(\d+)K/i.exec(info);
  if (match === null) throw new Error(`bench: no "used" in jcmd GC.heap_info:\n${info}`);
  return Number(match[1]) * 1024;
}

async function approximateDataSize(zk) {
  const mntr = await zk.fourLetterWord('mntr');
  const match = /zk_approximate_data_size\s+(\d+)/.exec(mntr);
  return match === null ? undefined : Number(match[1]);
}

/** ZooKeeper: heap bytes per znode (and mntr's data size per znode), per watch, per session, over the wire. */
async function zooKeeperMemory(zk, { wireZnodes, wireSessions, wireWatches }, progress) {
  const result = {};
  const client = await connectClient(zk.connectString);
  const sessions = [];
  try {
    await ensurePath(client, '/mem', Buffer.alloc(16));
    const paths = Array.from({ length: wireZnodes }, (_, i) => `/mem/n${i}`);
    const before = jvmHeapUsed(zk.pid);
    const dataBefore = await approximateDataSize(zk);
    await pipelined(wireZnodes, 200, (i) => ops.create(client, paths[i], Buffer.alloc(16)));
    result.znode = (jvmHeapUsed(zk.pid) - before) / wireZnodes;
    const dataAfter = await approximateDataSize(zk);
    if (dataBefore !== undefined && dataAfter !== undefined) result.dataSize = (dataAfter - dataBefore) / wireZnodes;
    progress(`ZooKeeper: ${wireZnodes} znodes measured`);
    const watchCount = Math.min(wireWatches, wireZnodes);
    const beforeWatches = jvmHeapUsed(zk.pid);
    await pipelined(watchCount, 200, (i) => new Promise((resolve, reject) => client.getData(paths[i], () => undefined, (e) => (e ? reject(e) : resolve()))));
    result.watch = (jvmHeapUsed(zk.pid) - beforeWatches) / watchCount;
    progress(`ZooKeeper: ${watchCount} watches measured`);
    const beforeSessions = jvmHeapUsed(zk.pid);
    await pipelined(wireSessions, 50, async () => { sessions.push(await openRawSession({ port: zk.port, timeoutMs: 40_000 })); });
    result.session = (jvmHeapUsed(zk.pid) - beforeSessions) / wireSessions;
    progress(`ZooKeeper: ${wireSessions} sessions measured`);
  } finally {
    for (const s of sessions) s.destroy();
    await closeClient(client);
  }
  return result;
}

const memoryScenario = {
  name: 'memory/per-item',
  title: 'Memory per znode, per session, per watch: the Engine\'s V8 heap vs the real ZooKeeper 3.8\'s JVM heap (after a full GC)',
  async run(ctx) {
    const n = sizes(ctx.full);
    const engine = engineMemory(n);
    ctx.progress(`engine: ${n.znodes} znodes, ${n.sessions} sessions, ${Math.min(n.watches, n.znodes)} watches measured`);
    const figures = [
      bytesFigure('engine.znode', `Engine: heap per znode (${n.znodes} znodes, 16-byte values, paths /mem/n<i>)`, engine.znode),
      bytesFigure('engine.session', `Engine: heap per session (${n.sessions} sessions, each on its own connection)`, engine.session),
      bytesFigure('engine.watch', `Engine: heap per data watch (${Math.min(n.watches, n.znodes)} watches, one connection, one per znode)`, engine.watch),
      bytesFigure('floor.znode', 'floor: a Map entry path -> 16-byte Uint8Array', engine.floor),
    ];
    const rows = [
      ['znode', `${Math.round(engine.znode)} B`, `${Math.round(engine.floor)} B (Map entry)`],
      ['session', `${Math.round(engine.session)} B`, ''],
      ['data watch', `${Math.round(engine.watch)} B`, ''],
    ];
    const header = ['per', 'Engine (V8 heap)', 'floor'];
    const chartSeries = [{ name: 'Vivarium Engine (V8 heap)', values: [engine.znode, engine.session, engine.watch] }];
    const notes = [
      'Engine: process.memoryUsage().heapUsed after two forced full GCs, before and after adding N items to an Engine on a ManualClock (no storage), divided by N. The path strings are built before the first reading; the znode figure therefore counts what the tree keeps (node record, stat, its own child-set entry, the data copy, ACL reference, the in-memory txn log if any), not the caller\'s strings. A session is openConnection + connect: session record, expiry bucket entry, connection record. A watch is a getData(watch: true) on a distinct znode from one connection: both watch-table entries.',
      'Floor: a Map entry from the (prebuilt) path to a fresh 16-byte Uint8Array, the least a store can keep per znode.',
    ];
    const skipReason = realZooKeeperUnavailable();
    if (skipReason === undefined) {
      const { startRealZooKeeper } = await loadRealZooKeeper();
      const targets = [];
      try {
        const zk = await startRealZooKeeper({ forceSync: false });
        targets.push({ stop: () => zk.stop() });
        const zkResult = await zooKeeperMemory(zk, n, ctx.progress);
        figures.push(
          bytesFigure('zk.znode', `ZooKeeper 3.8: JVM heap per znode (${n.wireZnodes} znodes over the wire)`, zkResult.znode),
          bytesFigure('zk.session', `ZooKeeper 3.8: JVM heap per session (${n.wireSessions} raw sessions, each its own TCP connection)`, zkResult.session),
          bytesFigure('zk.watch', `ZooKeeper 3.8: JVM heap per data watch (${Math.min(n.wireWatches, n.wireZnodes)} watches, one connection)`, zkResult.watch),
        );
        if (zkResult.dataSize !== undefined) figures.push(bytesFigure('zk.dataSize', 'ZooKeeper 3.8: mntr approximate_data_size per znode (path + data bytes only)', zkResult.dataSize));
        figures.push(
          { id: 'ratio.znode', label: 'per znode: ZooKeeper bytes / Vivarium bytes', kind: 'ratio', unit: '×', median: zkResult.znode / engine.znode },
          { id: 'ratio.watch', label: 'per watch: ZooKeeper bytes / Vivarium bytes', kind: 'ratio', unit: '×', median: zkResult.watch / engine.watch },
        );
        header.push('ZooKeeper 3.8 (JVM heap)', 'ZooKeeper / Engine');
        rows[0].push(`${Math.round(zkResult.znode)} B (mntr data size ${zkResult.dataSize === undefined ? '?' : Math.round(zkResult.dataSize)} B)`, formatRatio(zkResult.znode / engine.znode));
        rows[1].push(`${Math.round(zkResult.session)} B (with its TCP connection)`, '');
        rows[2].push(`${Math.round(zkResult.watch)} B`, formatRatio(zkResult.watch / engine.watch));
        chartSeries.push({ name: 'ZooKeeper 3.8 (JVM heap)', values: [zkResult.znode, zkResult.session, zkResult.watch] });
        notes.push(`ZooKeeper: the JVM's heap in use after a full GC, read with \`jcmd <pid> GC.run\` then \`jcmd <pid> GC.heap_info\` ("used"), before and after adding N items over the wire (node-zookeeper-client, 200 in flight; sessions: raw connects, bench/lib/raw-session.mjs), divided by N. Standalone JVM (OpenJDK 17, its default collector and heap), forceSync=no. The heap reading is the reliable one; mntr's approximate_data_size counts only path and data bytes, so it is shown for reference only. A ZooKeeper session here includes its server connection (NIO buffers, ServerCnxn) while the Engine's session figure has only an in-process connection record, so the two session figures are not like for like and no ratio is given.`);
      } finally {
        await closeAll(targets);
      }
    } else {
      notes.push(`ZooKeeper comparison skipped: ${skipReason}`);
    }
    return {
      figures,
      notes,
      summary: { title: 'Bytes per item (one measurement each, not a median):', header, rows },
      charts: [{ id: 'per-item', title: 'Memory per item', svg: barChart({ title: 'Heap bytes per znode, session and data watch', yLabel: 'bytes', categories: ['znode', 'session', 'data watch'], series: chartSeries }) }],
    };
  },
};

export const scenarios = [memoryScenario];

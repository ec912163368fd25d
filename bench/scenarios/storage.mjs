// Durable storage scenarios (FileStorage, packages/server/src/storage): write
// throughput with forceSync on and off against no storage, snapshot and restore
// times for a large tree, and the restart time of a whole server process holding
// the same tree: Vivarium (`vivarium start --config`) against the real ZooKeeper 3.8.
//
// Temp dirs go to the OS temp dir (usually the same disk as the repository on CI
// boxes; the report notes where). See bench/README.md for what each figure means.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zookeeper from 'node-zookeeper-client';
import { OpCode } from '@vivarium/protocol';
import { FileStorage } from '@vivarium/server';
import { Database, Engine, ManualClock, SeededRandom } from '@vivarium/store';
import { perItemTimeFigure, rateFigure, ratioFigure } from '../lib/figures.mjs';
import { measure, nowMs, timeSyncMs } from '../lib/measure.mjs';

const openAcl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
const payload = new Uint8Array(16);
const seed = 1;
const cliMain = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));

function sizes(full) {
  return full
    ? { writesSynced: 10_000, writesUnsynced: 100_000, tree: 1_000_000, replay: 1_000_000, processTree: 1_000_000 }
    : { writesSynced: 2_000, writesUnsynced: 20_000, tree: 100_000, replay: 100_000, processTree: 100_000 };
}

function check(condition, message) {
  if (!condition) throw new Error(`bench: ${message}`);
}

function tempDir(label) {
  return mkdtempSync(join(tmpdir(), `vivarium-bench-${label}-`));
}

function dirBytes(dir) {
  let total = 0;
  for (const name of readdirSync(dir)) total += statSync(join(dir, name)).size;
  return total;
}

function openSession(engine, sink = () => undefined) {
  const connection = engine.openConnection({ remoteAddress: '127.0.0.1', sink });
  engine.connect(connection, { protocolVersion: 0, lastZxidSeen: engine.lastProcessedZxid, timeOutMs: 30_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
  return connection;
}

/** /bench/p<k>/n<j>: 1000 children per parent, so no child set grows past 1000. */
function treePaths(n) {
  const parents = [];
  const children = [];
  for (let i = 0; i < n; i++) {
    if (i % 1000 === 0) parents.push(`/bench/p${i / 1000}`);
    children.push(`/bench/p${Math.floor(i / 1000)}/n${i % 1000}`);
  }
  return { parents, children };
}

// ------------------------------------------------------------------ storage/writes

/** n creates (create2, 16 bytes) then n setData on one connection; each submit is acknowledged, so each is flushed. */
function writesRun(n, storageOptions) {
  const dataDir = storageOptions === undefined ? undefined : tempDir('writes');
  try {
    const storage = dataDir === undefined ? undefined : new FileStorage({ dataDir, ...storageOptions });
    const engine = new Engine({ clock: new ManualClock(), random: new SeededRandom(seed), storage });
    let errors = 0;
    const connection = openSession(engine, (outputs) => { for (const o of outputs) if (o.kind === 'reply' && o.header.err !== 0) errors++; });
    let xid = 1;
    engine.submit(connection, xid++, { type: OpCode.create, path: '/w', data: null, acl: openAcl, flags: 0 });
    const paths = Array.from({ length: n }, (_, i) => `/w/n${i}`);
    const phases = {};
    phases.create = { items: n, ms: timeSyncMs(() => { for (const path of paths) engine.submit(connection, xid++, { type: OpCode.create2, path, data: payload, acl: openAcl, flags: 0 }); }) };
    phases.setData = { items: n, ms: timeSyncMs(() => { for (const path of paths) engine.submit(connection, xid++, { type: OpCode.setData, path, data: payload, version: -1 }); }) };
    check(errors === 0, `writes: ${errors} error replies`);
    if (storage !== undefined) check(storage.stats.flushes >= 2 * n, `writes: ${storage.stats.flushes} flushes for ${2 * n} writes`);
    engine.close();
    return phases;
  } finally {
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  }
}

async function writesScenario(ctx) {
  const size = sizes(ctx.full);
  const figures = [];
  const results = {};
  for (const [key, label, n, options] of [
    ['synced', 'forceSync on (fdatasync per write)', size.writesSynced, { forceSync: true }],
    ['unsynced', 'forceSync off (write, no fdatasync)', size.writesUnsynced, { forceSync: false }],
    ['memory', 'no storage (in memory)', size.writesUnsynced, undefined],
  ]) {
    ctx.progress(`${label}: ${n} creates + ${n} setData`);
    const result = await measure({ warmup: ctx.warmup, runs: ctx.runs, sample: () => writesRun(n, options) });
    results[key] = result;
    figures.push(rateFigure(`writes.${key}.create`, `create, ${label}`, result.create));
    figures.push(rateFigure(`writes.${key}.setData`, `setData, ${label}`, result.setData));
  }
  const per = (key, phase) => results[key][phase].ms.median / results[key][phase].items;
  figures.push(ratioFigure('writes.ratio.syncedVsUnsynced', 'create: forceSync on time / forceSync off time', per('synced', 'create'), per('unsynced', 'create')));
  figures.push(ratioFigure('writes.ratio.unsyncedVsMemory', 'create: forceSync off time / no storage time', per('unsynced', 'create'), per('memory', 'create')));
  return {
    figures,
    notes: [
      `Temp dirs under ${tmpdir()} (filesystem: ${filesystemOf(tmpdir())}). One connection, one write at a time: every acknowledged write is flushed on its own (no group commit across clients yet), so forceSync on costs one fdatasync per write.`,
    ],
  };
}

function filesystemOf(path) {
  const result = spawnSync('df', ['-T', path], { encoding: 'utf8' });
  const line = result.stdout?.split('\n')[1];
  return line === undefined ? 'unknown' : line.split(/\s+/)[1] ?? 'unknown';
}

// ------------------------------------------------------------------ storage/snapshot

/** An engine (no storage) holding the tree: n znodes of 16 bytes under n/1000 parents. */
function buildTree(n, progress) {
  const engine = new Engine({ clock: new ManualClock(), random: new SeededRandom(seed) });
  const connection = openSession(engine);
  let xid = 1;
  const { parents, children } = treePaths(n);
  engine.submit(connection, xid++, { type: OpCode.create, path: '/bench', data: null, acl: openAcl, flags: 0 });
  for (const path of parents) engine.submit(connection, xid++, { type: OpCode.create, path, data: null, acl: openAcl, flags: 0 });
  for (let i = 0; i < children.length; i++) {
    engine.submit(connection, xid++, { type: OpCode.create, path: children[i], data: payload, acl: openAcl, flags: 0 });
    if (i > 0 && i % 250_000 === 0) progress(`built ${i} znodes`);
  }
  return engine;
}

async function snapshotScenario(ctx) {
  const size = sizes(ctx.full);
  ctx.progress(`building a tree of ${size.tree} znodes`);
  const source = buildTree(size.tree, ctx.progress);
  const nodeCount = source.database.tree.nodeCount;
  const dataDir = tempDir('snapshot');
  try {
    const storage = new FileStorage({ dataDir });
    storage.recover();
    let snapshot;
    let fileBytes = 0;
    ctx.progress('toSnapshot and write');
    const write = await measure({
      warmup: ctx.warmup,
      runs: ctx.runs,
      gcBetweenRuns: true,
      sample: () => {
        const phases = {};
        phases.toSnapshot = { items: nodeCount, ms: timeSyncMs(() => { snapshot = source.database.toSnapshot(); }) };
        phases.write = { items: nodeCount, ms: timeSyncMs(() => storage.saveSnapshot(snapshot)) };
        fileBytes = storage.stats.lastSnapshotBytes;
        snapshot = undefined;
        return phases;
      },
    });
    storage.close();
    const expected = source.database.toSnapshot();
    source.close();
    ctx.progress('restore');
    let restoredCount = 0;
    const restore = await measure({
      warmup: ctx.warmup,
      runs: ctx.runs,
      gcBetweenRuns: true,
      sample: () => {
        const phases = {};
        let recovered;
        const reader = new FileStorage({ dataDir });
        phases.read = { items: nodeCount, ms: timeSyncMs(() => { recovered = reader.recover(); }) };
        reader.close();
        phases.rebuild = { items: nodeCount, ms: timeSyncMs(() => { restoredCount = Database.fromSnapshot(recovered.snapshot).tree.nodeCount; }) };
        recovered = undefined;
        let engine;
        phases.restart = { items: nodeCount, ms: timeSyncMs(() => { engine = new Engine({ clock: new ManualClock(), random: new SeededRandom(seed), storage: new FileStorage({ dataDir }) }); }) };
        check(engine.database.tree.nodeCount === nodeCount && engine.lastProcessedZxid === expected.lastZxid, 'restore: the restarted engine does not hold the tree');
        engine.close();
        return phases;
      },
    });
    check(restoredCount === nodeCount, `restore: ${restoredCount} nodes, expected ${nodeCount}`);

    ctx.progress(`a log of ${size.replay} creates (no snapshot), then restart by replay`);
    const replayDir = tempDir('replay');
    let replayFigures = [];
    let logBytes = 0;
    try {
      const writer = new Engine({ clock: new ManualClock(), random: new SeededRandom(seed), snapCount: 0x7fffffff, storage: new FileStorage({ dataDir: replayDir, forceSync: false }) });
      const connection = openSession(writer);
      let xid = 1;
      const { parents, children } = treePaths(size.replay);
      writer.submit(connection, xid++, { type: OpCode.create, path: '/bench', data: null, acl: openAcl, flags: 0 });
      for (const path of parents) writer.submit(connection, xid++, { type: OpCode.create, path, data: null, acl: openAcl, flags: 0 });
      for (const path of children) writer.submit(connection, xid++, { type: OpCode.create, path, data: payload, acl: openAcl, flags: 0 });
      const txns = Number(writer.lastProcessedZxid);
      writer.close();
      logBytes = dirBytes(join(replayDir, 'version-2'));
      const replay = await measure({
        warmup: ctx.warmup,
        runs: ctx.runs,
        gcBetweenRuns: true,
        sample: () => {
          let engine;
          const ms = timeSyncMs(() => { engine = new Engine({ clock: new ManualClock(), random: new SeededRandom(seed), storage: new FileStorage({ dataDir: replayDir }) }); });
          check(Number(engine.lastProcessedZxid) === txns, 'replay: not every txn came back');
          engine.close();
          return { replay: { items: txns, ms } };
        },
      });
      replayFigures = [
        perItemTimeFigure('snapshot.replay', `restart replaying a log of ${txns} txns (no snapshot)`, replay.replay, { perItemLabel: 'per txn' }),
        ratioFigure('snapshot.ratio.replayVsSnapshot', 'restart: log replay time / snapshot restore time (same tree)', replay.replay.ms.median, restore.restart.ms.median),
      ];
    } finally {
      rmSync(replayDir, { recursive: true, force: true });
    }
    return {
      figures: [
        perItemTimeFigure('snapshot.toSnapshot', `Database.toSnapshot(), ${nodeCount} znodes`, write.toSnapshot, { perItemLabel: 'per znode' }),
        perItemTimeFigure('snapshot.write', `saveSnapshot: encode, CRC, write, fdatasync, rename (${(fileBytes / 2 ** 20).toFixed(1)} MiB)`, write.write, { perItemLabel: 'per znode' }),
        perItemTimeFigure('snapshot.read', 'recover(): read, check and decode the snapshot file', restore.read, { perItemLabel: 'per znode' }),
        perItemTimeFigure('snapshot.rebuild', 'Database.fromSnapshot: rebuild the tree', restore.rebuild, { perItemLabel: 'per znode' }),
        perItemTimeFigure('snapshot.restart', 'restore: new Engine on FileStorage (read + rebuild + sessions)', restore.restart, { perItemLabel: 'per znode' }),
        ...replayFigures,
      ],
      notes: [
        `Tree: /bench/p<k>/n<j>, ${size.tree} znodes of 16 bytes, 1000 per parent, open ACL (${nodeCount} nodes with the parents and built-ins). Snapshot file ${fileBytes} bytes (${(fileBytes / nodeCount).toFixed(1)} per znode); the replay log ${logBytes} bytes.`,
        `Synchronous: a snapshot of this size blocks the member for the write time above (ZooKeeper writes its fuzzy snapshot on a separate thread).`,
      ],
    };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ storage/restart-vs-zookeeper

const zookeeperJar = '/usr/share/java/zookeeper.jar';
const zookeeperClasspath = [
  'zookeeper.jar', 'zookeeper-jute.jar', 'slf4j-api.jar', 'slf4j-log4j12.jar', 'log4j-1.2.jar', 'commons-cli.jar', 'commons-io.jar', 'metrics-core.jar',
  'netty-buffer.jar', 'netty-common.jar', 'netty-handler.jar', 'netty-transport.jar', 'netty-transport-native-epoll.jar', 'snappy-java.jar',
  'jackson-annotations.jar', 'jackson-core.jar', 'jackson-databind.jar', 'findbugs-annotations.jar',
].map((jar) => join('/usr/share/java', jar)).filter((path) => existsSync(path)).join(':');

function javaAvailable() {
  return existsSync(zookeeperJar) && spawnSync('java', ['-version'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A server process: spawn it, and it is serving once a client can read `probePath`. */
class ServerProcess {
  constructor(label, command, args, cwd, port) {
    Object.assign(this, { label, command, args, cwd, port, child: undefined, exit: undefined });
  }

  spawn() {
    const child = spawn(this.command, this.args, { cwd: this.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr = (stderr + chunk).slice(-4000); });
    this.child = child;
    this.exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve(`${this.label} exited (${code ?? signal}): ${stderr}`)));
  }

  /** ms from spawn until `probePath` reads back through a fresh session. */
  async restartMs(probePath) {
    const started = nowMs();
    this.spawn();
    for (;;) {
      const failed = await Promise.race([this.exit, delay(0).then(() => undefined)]);
      if (failed !== undefined) throw new Error(failed);
      if (await canRead(`127.0.0.1:${this.port}`, probePath)) return nowMs() - started;
      if (nowMs() - started > 300_000) throw new Error(`${this.label} not serving after 300 s`);
      await delay(20);
    }
  }

  async stop() {
    if (this.child === undefined || this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  }
}

function connect(connectString, timeoutMs = 2_000) {
  return new Promise((resolve) => {
    const client = zookeeper.createClient(connectString, { sessionTimeout: 30_000, spinDelay: 20, retries: 0 });
    const timer = setTimeout(() => { client.close(); resolve(undefined); }, timeoutMs);
    client.once('connected', () => { clearTimeout(timer); resolve(client); });
    client.connect();
  });
}

async function canRead(connectString, path) {
  const client = await connect(connectString, 1_000);
  if (client === undefined) return false;
  try {
    return await new Promise((resolve) => client.getData(path, (error) => resolve(error === null)));
  } finally {
    client.close();
  }
}

/** Create the tree through one client, `window` requests in flight. */
async function loadTree(connectString, n, progress) {
  const client = await connect(connectString, 30_000);
  check(client !== undefined, `could not connect to ${connectString} to load the tree`);
  const data = Buffer.alloc(16);
  const create = (path, value) => new Promise((resolve, reject) => client.create(path, value, zookeeper.ACL.OPEN_ACL_UNSAFE, 0, (error) => (error === null ? resolve() : reject(error))));
  const { parents, children } = treePaths(n);
  await create('/bench', undefined);
  for (const path of parents) await create(path, undefined);
  let next = 0;
  const worker = async () => {
    while (next < children.length) {
      const i = next++;
      await create(children[i], data);
      if (i > 0 && i % 100_000 === 0) progress(`loaded ${i} znodes`);
    }
  };
  await Promise.all(Array.from({ length: 500 }, worker));
  client.close();
  return children.at(-1);
}

function freePort(base) {
  return base + Math.floor(Math.random() * 1000);
}

async function restartScenario(ctx) {
  const size = sizes(ctx.full);
  const n = size.processTree;
  const results = {};
  const notes = [];
  for (const which of ['vivarium', 'zookeeper']) {
    const dir = tempDir(`restart-${which}`);
    const port = freePort(which === 'vivarium' ? 22000 : 23000);
    const dataDir = join(dir, 'data');
    let server;
    try {
      if (which === 'vivarium') {
        writeFileSync(join(dir, 'zoo.cfg'), `tickTime=2000\nclientPort=${port}\nclientPortAddress=127.0.0.1\ndataDir=${dataDir}\nmaxClientCnxns=0\nforceSync=no\n`);
        server = new ServerProcess('vivarium', process.execPath, [cliMain, 'start', '--config', join(dir, 'zoo.cfg')], dir, port);
      } else {
        writeFileSync(join(dir, 'zoo.cfg'), `tickTime=2000\nclientPort=${port}\nclientPortAddress=127.0.0.1\ndataDir=${dataDir}\nmaxClientCnxns=0\nforceSync=no\nadmin.enableServer=false\n4lw.commands.whitelist=*\n`);
        writeFileSync(join(dir, 'log4j.properties'), 'log4j.rootLogger=WARN, FILE\nlog4j.appender.FILE=org.apache.log4j.FileAppender\nlog4j.appender.FILE.File=zookeeper.log\nlog4j.appender.FILE.layout=org.apache.log4j.PatternLayout\n');
        const props = ['-Djava.net.preferIPv4Stack=true', `-Dlog4j.configuration=file:${join(dir, 'log4j.properties')}`, '-Dzookeeper.admin.enableServer=false', '-Dzookeeper.jmx.log4j.disable=true'];
        server = new ServerProcess('zookeeper', 'java', [...props, '-cp', zookeeperClasspath, 'org.apache.zookeeper.server.ZooKeeperServerMain', join(dir, 'zoo.cfg')], dir, port);
      }
      ctx.progress(`${which}: start empty, load ${n} znodes through node-zookeeper-client`);
      await server.restartMs('/');
      const probe = await loadTree(`127.0.0.1:${port}`, n, ctx.progress);
      await server.stop();
      if (which === 'vivarium') {
        // ZooKeeper takes a snapshot when it starts (after loading); give Vivarium the same shape of dataDir: a snapshot of the whole tree.
        const engine = new Engine({ clock: new ManualClock(), random: new SeededRandom(seed), storage: new FileStorage({ dataDir }) });
        check(engine.database.tree.nodeCount >= n, `vivarium holds ${engine.database.tree.nodeCount} nodes after loading`);
        engine.takeSnapshot();
        engine.close();
      }
      ctx.progress(`${which}: restarts`);
      results[which] = await measure({
        warmup: ctx.warmup,
        runs: ctx.runs,
        sample: async () => {
          const ms = await server.restartMs(probe);
          await server.stop();
          return { restart: { items: n, ms } };
        },
      });
      notes.push(`${which}: dataDir ${(dirBytes(join(dataDir, 'version-2')) / 2 ** 20).toFixed(1)} MiB after the runs.`);
    } finally {
      await server?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return {
    figures: [
      perItemTimeFigure('restart.vivarium', `Vivarium: process start to serving, ${n} znodes (vivarium start --config)`, results.vivarium.restart, { perItemLabel: 'per znode' }),
      perItemTimeFigure('restart.zookeeper', `ZooKeeper 3.8.0: process start to serving, ${n} znodes (ZooKeeperServerMain)`, results.zookeeper.restart, { perItemLabel: 'per znode' }),
      ratioFigure('restart.ratio', 'restart: Vivarium time / ZooKeeper time', results.vivarium.restart.ms.median, results.zookeeper.restart.ms.median),
    ],
    notes: [
      `"Serving" = a new node-zookeeper-client session reads the last-created znode (polled every 20 ms from spawn). Both trees were loaded through the same client, then each server was stopped; both restart from a snapshot of the whole tree (ZooKeeper takes one when it starts; Vivarium got one from a takeSnapshot() after loading).`,
      'Includes process start-up: the JVM (ZooKeeper) and Node with the CLI (Vivarium). Both configs say forceSync=no, to load the tree quickly; a restart only reads.',
      ...notes,
    ],
  };
}

export const scenarios = [
  {
    name: 'storage/writes',
    title: 'write throughput on FileStorage: forceSync on, off, and no storage',
    run: writesScenario,
  },
  {
    name: 'storage/snapshot',
    title: 'snapshot and restore of a large tree; restart by log replay',
    run: snapshotScenario,
  },
  {
    name: 'storage/restart-vs-zookeeper',
    title: 'process restart to serving with the same tree: Vivarium vs the real ZooKeeper 3.8',
    skip: () => (javaAvailable() ? (existsSync(cliMain) ? undefined : 'packages/cli/dist/main.js missing: npm run build') : `no java or ${zookeeperJar}`),
    run: restartScenario,
  },
];


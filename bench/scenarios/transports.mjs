// Transport scenario (issue 6): the same 3-member Vivarium ensemble with its members talking over
// each transport, measured in the same run through the same client (node-zookeeper-client over TCP,
// connected to a follower, so every write crosses the member transport twice: forward to the
// leader, then proposal / ack / commit):
//
//   memory      createEnsemble({ clock: 'system' }): every member in the bench thread, the seeded
//               in-memory network (SimNetwork), InMemoryStorage; clients via serveTcp().
//   worker      createEnsemble({ transport: 'worker' }): each member in its own worker thread,
//               msgpackr envelopes over MessagePorts, FileStorage in a temp dir (forceSync off).
//   tcp         createEnsemble({ transport: 'tcp' }): members in the bench thread, talking over the
//               TCP peer transport on loopback, InMemoryStorage.
//   processes   three `vivarium start --config zooN.cfg` child processes (server.N lines), TCP peer
//               transport on loopback, FileStorage in dataDir (forceSync=no).
//
// Figures: write throughput (creates, 200 in flight) and commit latency (setData one at a time,
// p50 and p99), and each transport's figures as ratios of the memory transport's, same run.
// The real ZooKeeper ensemble comparison is bench/scenarios/ensemble.mjs.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import zookeeper from 'node-zookeeper-client';
import { createEnsemble, freePorts } from '@vivarium/server';
import { rateFigure, ratioFigure, timeFigure } from '../lib/figures.mjs';
import { formatDuration, formatRate, measure } from '../lib/measure.mjs';

const cli = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));
const value = Buffer.alloc(100, 0x62);
const depth = 200;
/**
 * Sessions the writes are spread over. Vivarium's engine runs one connection's requests one after
 * another (each waits for its write to commit), so one session measures the commit round trip, not
 * what the transport carries: 10 sessions with 20 writes in flight each keep 200 in flight.
 */
const sessions = 10;
const timing = { tickTimeMs: 200, initLimitTicks: 10, syncLimitTicks: 5 };
const startDeadlineMs = 30_000;
const transports = ['memory', 'worker', 'tcp', 'processes'];
const titles = {
  memory: 'in-memory network (one thread)',
  worker: 'worker threads (MessagePorts)',
  tcp: 'TCP peer transport (one process)',
  processes: 'TCP peer transport (3 processes)',
};

function sizes(full) {
  return full ? { writeOps: 20_000, latencyOps: 2_000 } : { writeOps: 5_000, latencyOps: 500 };
}

function elapsedMs(start) {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

function call(fn) {
  return new Promise((resolve, reject) => fn((error, result) => (error ? reject(error) : resolve(result))));
}

const ops = {
  create: (client, path) => call((cb) => client.create(path, value, zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.PERSISTENT, cb)),
  setData: (client, path) => call((cb) => client.setData(path, value, -1, cb)),
  delete: (client, path) => new Promise((resolve, reject) => client.remove(path, -1, (error) => (error ? reject(error) : resolve()))),
};

function connectClient(connectString) {
  return new Promise((resolve, reject) => {
    const client = zookeeper.createClient(connectString, { sessionTimeout: 30_000, spinDelay: 20, retries: 0 });
    const timer = setTimeout(() => {
      client.close();
      reject(new Error(`no session with ${connectString} within ${startDeadlineMs} ms`));
    }, startDeadlineMs);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.connect();
  });
}

async function pipelined(count, inFlight, op) {
  let next = 0;
  const worker = async () => {
    while (next < count) await op(next++);
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker));
}

function percentile(values, p) {
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

async function until(condition, what) {
  const deadline = Date.now() + startDeadlineMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// ------------------------------------------------------------------ the ensembles under test

/** An ensemble of 3 on one transport: the client port of a follower, and how to stop it all. */
async function startTransport(transport, seed) {
  if (transport === 'processes') return startProcesses();
  const ensemble = transport === 'memory'
    ? createEnsemble({ ...timing, seed, clock: 'system' })
    : createEnsemble({ ...timing, seed, transport });
  try {
    const leader = await ensemble.waitForLeader(startDeadlineMs);
    const { ports } = await ensemble.serveTcp();
    const index = ensemble.members.findIndex((m) => m.id !== leader.id);
    await until(() => ensemble.members.every((m) => m.isServing), 'every member to serve');
    return { followerPort: ports[index], stop: () => ensemble.close() };
  } catch (error) {
    await ensemble.close();
    throw error;
  }
}

async function startProcesses() {
  const dir = mkdtempSync(join(tmpdir(), 'vivarium-bench-transports-'));
  const ports = await freePorts(9);
  const children = [];
  const stop = async () => {
    await Promise.all(children.map((child) => new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', resolve);
      child.kill('SIGKILL');
    })));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const members = [1, 2, 3].map((id) => ({ id, clientPort: ports[id - 1], quorumPort: ports[2 + id], electionPort: ports[5 + id], output: [] }));
    const serverLines = members.map((m) => `server.${m.id}=127.0.0.1:${m.quorumPort}:${m.electionPort}`).join('\n');
    for (const m of members) {
      const dataDir = join(dir, `data${m.id}`);
      mkdirSync(dataDir);
      writeFileSync(join(dataDir, 'myid'), `${m.id}\n`);
      const config = join(dir, `zoo${m.id}.cfg`);
      writeFileSync(config, [
        `tickTime=${timing.tickTimeMs}`, `initLimit=${timing.initLimitTicks}`, `syncLimit=${timing.syncLimitTicks}`, `dataDir=${dataDir}`,
        `clientPort=${m.clientPort}`, 'clientPortAddress=127.0.0.1', 'forceSync=no', '4lw.commands.whitelist=*', serverLines, '',
      ].join('\n'));
      const child = spawn(process.execPath, [cli, 'start', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      const collect = (chunk) => m.output.push(...chunk.toString('utf8').split('\n').filter((line) => line !== ''));
      child.stdout.on('data', collect);
      child.stderr.on('data', collect);
      m.child = child;
    }
    const modeOf = async (m) => {
      const text = await new Promise((resolve) => {
        const chunks = [];
        const socket = connect({ host: '127.0.0.1', port: m.clientPort }, () => socket.write('srvr'));
        socket.setTimeout(2000, () => socket.destroy());
        socket.on('data', (chunk) => chunks.push(chunk));
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
        socket.on('error', () => undefined);
      });
      return /Mode: (\w+)/.exec(text)?.[1];
    };
    let follower;
    await until(async () => {
      const modes = await Promise.all(members.map(modeOf));
      if (modes.filter((mode) => mode === 'leader').length !== 1 || modes.filter((mode) => mode === 'follower').length !== 2) return false;
      follower = members[modes.indexOf('follower')];
      return true;
    }, 'the processes to elect a leader');
    return { followerPort: follower.clientPort, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// ------------------------------------------------------------------ the scenario

let runCounter = 0;

async function writeRun(clients, n, latencyCount) {
  const [client] = clients;
  const prefix = `/t${runCounter++}`;
  await ops.create(client, prefix);
  const names = Array.from({ length: n }, (_, i) => `${prefix}/n${i}`);
  const phases = {};
  let start = process.hrtime.bigint();
  await pipelined(n, depth, (i) => ops.create(clients[i % clients.length], names[i]));
  phases.create = { items: n, ms: elapsedMs(start) };
  const lat = new Float64Array(latencyCount);
  for (let i = 0; i < latencyCount; i++) {
    const t = process.hrtime.bigint();
    await ops.setData(client, names[i]);
    lat[i] = elapsedMs(t);
  }
  phases.setDataP50 = { items: 1, ms: percentile(lat, 50) };
  phases.setDataP99 = { items: 1, ms: percentile(lat, 99) };
  start = process.hrtime.bigint();
  await pipelined(n, depth, (i) => ops.delete(clients[i % clients.length], names[i]));
  phases.delete = { items: n, ms: elapsedMs(start) };
  return phases;
}

const writesScenario = {
  name: 'transports/writes',
  title: 'Transports: write throughput and commit latency of a 3-member ensemble on each member transport (memory, worker threads, TCP in one process, TCP between processes)',
  async run(ctx) {
    const { writeOps, latencyOps } = sizes(ctx.full);
    const results = {};
    for (const [index, transport] of transports.entries()) {
      ctx.progress(`${transport}: starting 3 members`);
      const target = await startTransport(transport, index + 1);
      const clients = [];
      try {
        for (let i = 0; i < sessions; i++) clients.push(await connectClient(`127.0.0.1:${target.followerPort}`));
        results[transport] = await measure({ warmup: ctx.warmup, runs: ctx.runs, sample: () => writeRun(clients, writeOps, latencyOps) });
        ctx.progress(`${transport}: ${formatRate(results[transport].create.rate.median)} creates/s, setData p50 ${formatDuration(results[transport].setDataP50.ms.median)}`);
      } finally {
        for (const client of clients) client.close();
        await target.stop();
      }
    }
    return report(results, { writeOps, latencyOps });
  },
};

function report(results, { writeOps, latencyOps }) {
  const figures = [];
  for (const transport of transports) {
    const r = results[transport];
    const t = `${titles[transport]}`;
    figures.push(
      rateFigure(`${transport}.create`, `${t}: creates, ${depth} in flight over ${sessions} sessions`, { ...r.create, items: writeOps }),
      rateFigure(`${transport}.delete`, `${t}: deletes, ${depth} in flight over ${sessions} sessions`, { ...r.delete, items: writeOps }),
      timeFigure(`${transport}.setDataP50`, `${t}: commit latency, setData one at a time, p50`, r.setDataP50),
      timeFigure(`${transport}.setDataP99`, `${t}: commit latency, setData one at a time, p99`, r.setDataP99),
    );
  }
  const base = results.memory;
  for (const transport of transports.slice(1)) {
    const r = results[transport];
    figures.push(
      ratioFigure(`ratio.create.${transport}`, `creates/s, ${transport} / memory`, r.create.rate.median, base.create.rate.median),
      ratioFigure(`ratio.setDataP50.${transport}`, `commit latency p50, ${transport} / memory`, r.setDataP50.ms.median, base.setDataP50.ms.median),
    );
  }
  const ratio = (value) => `${value.toFixed(value >= 10 ? 0 : 2)}×`;
  return {
    figures,
    summary: {
      title: 'Medians. Ratios are of the memory transport\'s figure in the same run (creates/s: < 1× is slower; latency: > 1× is slower):',
      header: ['transport', 'creates/s', 'deletes/s', 'setData p50', 'setData p99', 'creates/s vs memory', 'p50 vs memory'],
      rows: transports.map((transport) => {
        const r = results[transport];
        return [
          titles[transport], formatRate(r.create.rate.median), formatRate(r.delete.rate.median), formatDuration(r.setDataP50.ms.median), formatDuration(r.setDataP99.ms.median),
          transport === 'memory' ? '1×' : ratio(r.create.rate.median / base.create.rate.median),
          transport === 'memory' ? '1×' : ratio(r.setDataP50.ms.median / base.setDataP50.ms.median),
        ];
      }),
      footer: [],
    },
    notes: [
      `One 3-member ensemble per transport (tickTime ${timing.tickTimeMs}, initLimit ${timing.initLimitTicks}, syncLimit ${timing.syncLimitTicks}), kept for all its runs; each run creates ${writeOps} children of a fresh parent with ${depth} in flight spread over ${sessions} sessions, then setData ${latencyOps} of them one at a time through one session (latency from the client's call to its callback), then deletes them all as it created them.`,
      'Why several sessions: the engine runs a connection\'s requests strictly one after another, each waiting for its write to commit (Engine connection.waitingFor), so through a follower one session\'s throughput is 1 / commit round trip whatever is in flight; ZooKeeper pipelines a session\'s writes. Reported to the ensemble owner.',
      'The client is node-zookeeper-client over TCP, connected to a follower only: each write is forwarded to the leader and committed by a quorum, so it crosses the member transport at least four times (forward, proposal, ack, commit) plus the reply.',
      'Storage differs with the transport: memory and tcp keep each member\'s log in memory (InMemoryStorage); worker and processes members write FileStorage files with forceSync off (the writes reach the OS, no fdatasync), as a crash of a thread or process needs.',
      'The bench process runs the client and, for memory and tcp, every member: on a 2-core machine the worker and processes figures have the members spread over the cores while memory and tcp share one thread with the client.',
      'The real ZooKeeper 3.8 ensemble, through the same client, is in ensemble/writes (bench/scenarios/ensemble.mjs).',
    ],
  };
}

export const scenarios = [writesScenario];

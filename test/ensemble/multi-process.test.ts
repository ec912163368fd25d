/**
 * Three `vivarium start --config zooN.cfg` processes on loopback, each one
 * member of a multi-process ensemble (server.N lines, dataDir/myid), with
 * node-zookeeper-client as the outside world:
 *
 * - writes go through one member and are read through another; the leader is
 *   SIGKILLed mid-stream and restarted; no acknowledged write is lost;
 * - random bytes, oversized frames and bad handshakes on every member's quorum
 *   and election ports close those connections only: the members keep their
 *   quorum, their leader and their epoch, and keep taking writes.
 *
 * Real processes and sockets: every wait has a deadline, and every child is
 * SIGKILLed in afterEach whatever happened. Runs the built CLI (npm run build).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import zookeeper, { type Client } from 'node-zookeeper-client';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '@vivarium/server';
import { encodeHello } from '@vivarium/transport';
import { sendFourLetterWord } from '../support/four-letter-word.ts';

const cli = fileURLToPath(new URL('../../packages/cli/dist/main.js', import.meta.url));

interface MemberProcess {
  id: number;
  clientPort: number;
  quorumPort: number;
  electionPort: number;
  config: string;
  child: ChildProcess | undefined;
  output: string[];
}

const children: ChildProcess[] = [];
const clients: Client[] = [];
const sockets: Socket[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const client of clients.splice(0)) client.close();
  for (const socket of sockets.splice(0)) socket.destroy();
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run "npm run build" first`);
});

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Three zoo.cfg files on free loopback ports, with dataDir/myid. */
async function writeConfigs(): Promise<MemberProcess[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vivarium-multi-'));
  dirs.push(dir);
  const ports = await freePorts(9);
  const members = [1, 2, 3].map((id) => ({
    id,
    clientPort: ports[id - 1] as number,
    quorumPort: ports[2 + id] as number,
    electionPort: ports[5 + id] as number,
    config: join(dir, `zoo${id}.cfg`),
    child: undefined,
    output: [],
  }));
  const serverLines = members.map((m) => `server.${m.id}=127.0.0.1:${m.quorumPort}:${m.electionPort}`).join('\n');
  for (const m of members) {
    const dataDir = join(dir, `data${m.id}`);
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, 'myid'), `${m.id}\n`);
    writeFileSync(m.config, [
      'tickTime=100', 'initLimit=20', 'syncLimit=10', `dataDir=${dataDir}`, `clientPort=${m.clientPort}`, 'clientPortAddress=127.0.0.1',
      '4lw.commands.whitelist=*', 'maxSessionTimeout=30000', serverLines, '',
    ].join('\n'));
  }
  return members;
}

/** Start `vivarium start --config` for one member and wait for its serving line. */
async function launch(member: MemberProcess): Promise<void> {
  const child = spawn(process.execPath, [cli, 'start', '--config', member.config], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  member.child = child;
  const collect = (chunk: Buffer): void => {
    for (const line of chunk.toString('utf8').split('\n')) if (line !== '') member.output.push(line);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  await until(() => member.output.some((line) => line.startsWith('vivarium: serving ')) || child.exitCode !== null, `member ${member.id} to start`, 15_000);
  if (child.exitCode !== null) throw new Error(`member ${member.id} exited with ${child.exitCode}:\n${member.output.join('\n')}`);
}

function kill(member: MemberProcess): Promise<void> {
  const child = member.child;
  if (child === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return exited;
}

async function srvr(member: MemberProcess): Promise<{ mode: string; zxid: bigint } | undefined> {
  try {
    const text = await sendFourLetterWord('127.0.0.1', member.clientPort, 'srvr', { timeoutMs: 2000 });
    const mode = /Mode: (\w+)/.exec(text)?.[1];
    const zxid = /Zxid: (0x[0-9a-f]+)/.exec(text)?.[1];
    return mode === undefined || zxid === undefined ? undefined : { mode, zxid: BigInt(zxid) };
  } catch {
    return undefined;
  }
}

async function leaderOf(members: MemberProcess[]): Promise<MemberProcess | undefined> {
  const modes = await Promise.all(members.map((m) => srvr(m)));
  const leaders = members.filter((_, i) => modes[i]?.mode === 'leader');
  return leaders.length === 1 ? leaders[0] : undefined;
}

/** A node-zookeeper-client talking to one member only, connected. */
async function clientOf(member: MemberProcess): Promise<Client> {
  const client = zookeeper.createClient(`127.0.0.1:${member.clientPort}`, { sessionTimeout: 15_000, spinDelay: 50, retries: 1000 });
  clients.push(client);
  const connected = new Promise<void>((resolve) => client.once('connected', () => resolve()));
  client.connect();
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([connected, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`no session with member ${member.id}`)), 15_000); })]);
  clearTimeout(timer);
  return client;
}

function create(client: Client, path: string): Promise<string> {
  return new Promise((resolve, reject) => client.create(path, Buffer.from(path), zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.PERSISTENT, (error, value) => (error ? reject(error) : resolve(value))));
}

function getData(client: Client, path: string): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => client.getData(path, (error, data) => (error ? reject(error) : resolve(data))));
}

function childrenOf(client: Client, path: string): Promise<string[]> {
  return new Promise((resolve, reject) => client.getChildren(path, (error, names) => (error ? reject(error) : resolve(names))));
}

/** Writes one after another until stopped; each either acknowledged or failed (outcome unknown). */
function writeLoop(client: Client, prefix: string): { acknowledged: string[]; failed: number; stop(): Promise<void> } {
  const state = { acknowledged: [] as string[], failed: 0, running: true };
  const loop = (async () => {
    for (let i = 0; state.running; i++) {
      const path = `${prefix}-${String(i).padStart(5, '0')}`;
      try {
        await create(client, path);
        state.acknowledged.push(path);
      } catch {
        state.failed++;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  })();
  return {
    get acknowledged() {
      return state.acknowledged;
    },
    get failed() {
      return state.failed;
    },
    async stop() {
      state.running = false;
      await loop;
    },
  };
}

async function startEnsemble(): Promise<MemberProcess[]> {
  const members = await writeConfigs();
  await Promise.all(members.map((m) => launch(m)));
  await until(async () => (await leaderOf(members)) !== undefined, 'a leader');
  return members;
}

describe('three vivarium processes from three zoo.cfg files', () => {
  it('write through one member, read through another; SIGKILL the leader and restart it; no acknowledged write is lost', async () => {
    const members = await startEnsemble();
    const leader = (await leaderOf(members)) as MemberProcess;
    const [writerHome, readerHome] = members.filter((m) => m !== leader) as [MemberProcess, MemberProcess];
    const writer = await clientOf(writerHome);
    const reader = await clientOf(readerHome);
    await create(writer, '/app');
    const writes = writeLoop(writer, '/app/w');
    await until(() => writes.acknowledged.length >= 50, 'the first writes');
    // Read through the other member what was acknowledged through the first.
    const seen = writes.acknowledged.slice(0, 50);
    await until(async () => (await childrenOf(reader, '/app')).length >= 50, 'the reader to see the writes');
    expect((await getData(reader, seen[49] as string))?.toString()).toBe(seen[49]);

    await kill(leader);
    const acknowledgedAtKill = writes.acknowledged.length;
    await until(async () => {
      const next = await leaderOf(members.filter((m) => m !== leader));
      return next !== undefined;
    }, 'a new leader among the survivors');
    await until(() => writes.acknowledged.length >= acknowledgedAtKill + 50, 'writes to go on after the failover');
    await launch(leader);
    await until(async () => (await srvr(leader))?.mode === 'follower', 'the old leader to rejoin as a follower');
    await until(() => writes.acknowledged.length >= acknowledgedAtKill + 100, 'more writes with the old leader back');
    await writes.stop();

    // Every acknowledged write, on every member, read through each member's own client port.
    const acknowledged = new Set(writes.acknowledged);
    for (const member of members) {
      const client = await clientOf(member);
      await until(async () => {
        const names = new Set((await childrenOf(client, '/app')).map((name) => `/app/${name}`));
        return [...acknowledged].every((path) => names.has(path));
      }, `member ${member.id} to hold every acknowledged write`, 20_000);
      const sample = writes.acknowledged[writes.acknowledged.length - 1] as string;
      expect((await getData(client, sample))?.toString()).toBe(sample);
    }
    for (const member of members) expect(member.child?.exitCode, member.output.join('\n')).toBeNull();
  }, 120_000);

  it('random bytes, oversized frames and bad handshakes on the quorum and election ports close those connections; the quorum stands', async () => {
    const members = await startEnsemble();
    const leader = (await leaderOf(members)) as MemberProcess;
    const home = members.find((m) => m !== leader) as MemberProcess;
    const writer = await clientOf(home);
    await create(writer, '/app');
    const writes = writeLoop(writer, '/app/g');
    await until(() => writes.acknowledged.length >= 20, 'writes before the garbage');
    const epochBefore = ((await srvr(leader))?.zxid as bigint) >> 32n;

    let seed = 0x1234;
    const random = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed >>> 16;
    };
    const garbage: Array<() => Uint8Array> = [
      () => Uint8Array.from({ length: 64 + (random() % 4000) }, () => random() & 0xff), // random bytes
      () => new Uint8Array([0x7f, 0xff, 0xff, 0xff, 2, 0, 0]), // a 2 GiB first frame
      () => new Uint8Array([0, 0, 0, 14, ...Array.from({ length: 14 }, () => random() & 0xff)]), // HELLO-sized, not a HELLO
      () => encodeHello(99, 1), // not a member of this ensemble
      () => {
        // A well-formed HELLO from a member that does not exist here, then an oversized frame.
        const hello = encodeHello(200, 1);
        return new Uint8Array([...hello, 0x10, 0, 0, 0, 2]);
      },
    ];
    const closed: Promise<void>[] = [];
    for (let round = 0; round < 4; round++) {
      for (const member of members) {
        for (const port of [member.quorumPort, member.electionPort]) {
          for (const make of garbage) {
            const socket = connect({ host: '127.0.0.1', port });
            sockets.push(socket);
            socket.on('error', () => undefined);
            closed.push(new Promise((resolve) => socket.once('close', () => resolve())));
            socket.on('connect', () => socket.write(make()));
          }
        }
      }
    }
    // Every garbage connection is closed by the member it hit.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(closed), new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error('garbage connections left open')), 15_000); })]);
    clearTimeout(timer);
    const acknowledgedAfter = writes.acknowledged.length;
    await until(() => writes.acknowledged.length >= acknowledgedAfter + 50, 'writes to go on after the garbage');
    await writes.stop();

    // Same leader, same epoch, every member alive and serving, and the garbage was logged.
    expect((await leaderOf(members))?.id).toBe(leader.id);
    const epochAfter = ((await srvr(leader))?.zxid as bigint) >> 32n;
    expect(epochAfter).toBe(epochBefore);
    for (const member of members) {
      expect(member.child?.exitCode, member.output.join('\n')).toBeNull();
      expect(member.output.some((line) => /closed a peer connection/.test(line)), `member ${member.id} logged the garbage`).toBe(true);
      expect((await srvr(member))?.mode).toMatch(/leader|follower/);
    }
    expect(members.flatMap((m) => m.output).some((line) => /lost the connection to member/.test(line))).toBe(false);
  }, 120_000);
});

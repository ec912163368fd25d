/**
 * One ensemble suite, run unchanged over the three transports: every member
 * in this thread over the in-memory network, each member in its own worker
 * thread (MessagePorts), and members talking over the TCP peer transport on
 * loopback. Election, broadcast, crash and restart of followers and leaders,
 * a partition and its healing, and a session outliving its member. Real
 * time on every transport (workers and sockets cannot run on a manual
 * clock), so every wait has a deadline and no step sleeps for a fixed time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ZooKeeperClient } from '@vivarium/client';
import { createEnsemble, type MemberInspection, type NodeView } from '@vivarium/server';

/** What the suite uses of an ensemble: the in-memory Ensemble and the RealtimeEnsemble both have it. */
interface SuiteMember {
  readonly id: number;
  readonly observer: boolean;
  readonly state: string;
  readonly isServing: boolean;
  readonly isLeader: boolean;
  crash(): void | Promise<void>;
  restart(): void | Promise<void>;
  inspect(): MemberInspection | Promise<MemberInspection>;
  readNode(path: string): NodeView | undefined | Promise<NodeView | undefined>;
}

interface SuiteEnsemble {
  readonly members: readonly SuiteMember[];
  member(id: number): SuiteMember;
  leader(): SuiteMember | undefined;
  waitForLeader(maxMs?: number): Promise<SuiteMember>;
  isolate(id: number): void | Promise<void>;
  heal(): void | Promise<void>;
  client(options?: { member?: number; sessionTimeoutMs?: number }): Promise<ZooKeeperClient>;
  checkSafety(): void | Promise<void>;
  close(): Promise<void>;
}

const transports = ['memory', 'worker', 'tcp'] as const;
type TransportName = (typeof transports)[number];

const timing = { tickTimeMs: 100, initLimitTicks: 20, syncLimitTicks: 10, maxSessionTimeoutMs: 30_000 };

function ensembleOver(transport: TransportName, seed: number, observers = 0): SuiteEnsemble {
  if (transport === 'memory') return createEnsemble({ ...timing, seed, observers, clock: 'system' });
  return createEnsemble({ ...timing, seed, observers, transport });
}

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

async function inspectAll(ensemble: SuiteEnsemble): Promise<MemberInspection[]> {
  return Promise.all(ensemble.members.map((m) => m.inspect()));
}

/** Every running member has applied the same history: equal last zxid and equal trees. */
async function converged(ensemble: SuiteEnsemble): Promise<boolean> {
  const running = (await inspectAll(ensemble)).filter((i) => i.state !== 'down');
  const first = running[0];
  return first !== undefined && running.every((i) => i.isServing && i.lastProcessedZxid === first.lastProcessedZxid && i.digest === first.digest);
}

describe.each(transports)('an ensemble over the %s transport', (transport) => {
  let ensemble: SuiteEnsemble | undefined;
  const clients: ZooKeeperClient[] = [];

  function start(seed: number, observers = 0): SuiteEnsemble {
    ensemble = ensembleOver(transport, seed, observers);
    return ensemble;
  }

  async function client(member: number, sessionTimeoutMs = 10_000): Promise<ZooKeeperClient> {
    const c = await (ensemble as SuiteEnsemble).client({ member, sessionTimeoutMs });
    clients.push(c);
    return c;
  }

  afterEach(async () => {
    for (const c of clients.splice(0)) c.terminate();
    const closing = ensemble;
    ensemble = undefined;
    if (closing === undefined) return;
    try {
      await closing.checkSafety();
    } finally {
      await closing.close();
    }
  });

  it('elects one leader that every other voter follows, in one epoch, and all serve', async () => {
    const e = start(1);
    const leader = await e.waitForLeader(20_000);
    await until(() => e.members.every((m) => m.isServing), 'every member to serve');
    const inspections = await inspectAll(e);
    expect(inspections.filter((i) => i.state === 'leading').map((i) => i.id)).toEqual([leader.id]);
    expect(inspections.filter((i) => i.state === 'following')).toHaveLength(2);
    expect(new Set(inspections.map((i) => i.epoch)).size).toBe(1);
    for (const i of inspections) expect(i.leader).toBe(leader.id);
  }, 60_000);

  it('broadcasts: writes through one follower are read through another, and every member applies the same history', async () => {
    const e = start(2);
    const leader = await e.waitForLeader(20_000);
    const [f1, f2] = e.members.filter((m) => m.id !== leader.id) as [SuiteMember, SuiteMember];
    const writer = await client(f1.id);
    const reader = await client(f2.id);
    for (let i = 0; i < 20; i++) await writer.create(`/b-${i}`, bytes(`v${i}`));
    await writer.setData('/b-0', bytes('changed'));
    await reader.sync('/');
    expect((await reader.getData('/b-0')).data).toEqual(bytes('changed'));
    expect((await reader.getChildren('/')).filter((name) => name.startsWith('b-'))).toHaveLength(20);
    await until(() => converged(e), 'every member to apply the same history');
    const view = await leader.readNode('/b-19');
    expect(view?.data).toEqual(bytes('v19'));
  }, 60_000);

  it('a crashed follower catches up on restart; a crashed leader is replaced and no acknowledged write is lost', async () => {
    const e = start(3);
    const leader = await e.waitForLeader(20_000);
    const [follower, other] = e.members.filter((m) => m.id !== leader.id) as [SuiteMember, SuiteMember];
    const c = await client(other.id);
    const acknowledged: string[] = [];
    const write = async (path: string): Promise<void> => {
      await c.create(path, bytes(path));
      acknowledged.push(path);
    };
    await write('/before');
    await follower.crash();
    for (let i = 0; i < 10; i++) await write(`/missed-${i}`);
    await follower.restart();
    await until(() => converged(e), 'the restarted follower to catch up');
    expect((await follower.readNode('/missed-9'))?.data).toEqual(bytes('/missed-9'));

    const epochBefore = (await leader.inspect()).epoch;
    await leader.crash();
    const next = await e.waitForLeader(20_000);
    expect(next.id).not.toBe(leader.id);
    expect((await next.inspect()).epoch).toBeGreaterThan(epochBefore);
    await until(() => c.state === 'connected', 'the client to be connected');
    for (let i = 0; i < 5; i++) await write(`/after-${i}`);
    await leader.restart();
    await until(() => converged(e), 'the old leader to rejoin and catch up');
    expect((await leader.inspect()).state).toBe('following');
    for (const member of e.members) {
      for (const path of acknowledged) expect((await member.readNode(path))?.data, `${path} on member ${member.id}`).toEqual(bytes(path));
    }
  }, 90_000);

  it('an isolated leader steps down; the majority elects another and takes writes; after healing the old leader follows and catches up', async () => {
    const e = start(4);
    const leader = await e.waitForLeader(20_000);
    const majority = e.members.filter((m) => m.id !== leader.id);
    const c = await client((majority[0] as SuiteMember).id);
    await c.create('/before-partition', bytes('1'));
    await e.isolate(leader.id);
    await until(async () => (await leader.inspect()).state === 'looking', 'the isolated leader to step down');
    const next = await e.waitForLeader(20_000);
    expect(next.id).not.toBe(leader.id);
    await until(() => c.state === 'connected', 'the client to be connected');
    await c.create('/during-partition', bytes('2'));
    expect(await leader.readNode('/during-partition')).toBeUndefined();
    expect((await leader.inspect()).isServing).toBe(false);
    await e.heal();
    await until(async () => (await leader.inspect()).state === 'following', 'the old leader to follow');
    await until(() => converged(e), 'the old leader to catch up');
    expect((await leader.readNode('/during-partition'))?.data).toEqual(bytes('2'));
    expect((await leader.inspect()).leader).toBe(next.id);
  }, 90_000);

  it('a session survives the failure of its member: same session, its ephemeral kept, writes go on', async () => {
    const e = start(5);
    const leader = await e.waitForLeader(20_000);
    const c = await client((e.members.find((m) => m.id !== leader.id) as SuiteMember).id, 8000);
    // The member the client is connected to (it may have moved on from the first one it tried).
    const connections = await inspectAll(e);
    const home = e.member((connections.find((i) => i.connectionCount === 1) as MemberInspection).id);
    const sessionId = c.sessionId;
    const states: string[] = [];
    c.onStateChange((state) => states.push(state));
    await c.create('/mine', bytes('e'), { mode: 'ephemeral' });
    await home.crash();
    await until(() => states.includes('disconnected') && c.state === 'connected', 'the client to lose its member and move to another', 20_000);
    expect(states).not.toContain('expired');
    expect(c.sessionId).toBe(sessionId);
    expect(await c.exists('/mine')).not.toBeNull();
    await c.create('/written-after', bytes('a'));
    await home.restart();
    await until(() => converged(e), 'the member to come back');
    for (const member of e.members) {
      const node = await member.readNode('/mine');
      expect(node?.ephemeralOwner, `ephemeral on member ${member.id}`).toBe(sessionId);
    }
  }, 90_000);

  it('an observer gets every commit and serves clients, but a quorum of voters is still needed', async () => {
    const e = start(6, 1);
    const leader = await e.waitForLeader(20_000);
    const observer = e.members.find((m) => m.observer) as SuiteMember;
    await until(() => e.members.every((m) => m.isServing), 'every member, the observer too, to serve');
    expect(observer.state).toBe('observing');
    const viaObserver = await client(observer.id);
    await viaObserver.create('/from-observer', bytes('o'));
    await until(() => converged(e), 'every member to apply the write');
    const [first, second] = e.members.filter((m) => !m.observer && m.id !== leader.id) as [SuiteMember, SuiteMember];
    // One voter down: two of three voters remain, a quorum; writes through the observer go on.
    await first.crash();
    await viaObserver.create('/one-voter-down', bytes('1'));
    // Two voters down: one voter and one observer are not a quorum; nobody serves.
    await second.crash();
    await until(() => e.members.every((m) => !m.isServing), 'the leader to step down and the observer to stop serving');
    await first.restart();
    await second.restart();
    await e.waitForLeader(20_000);
    await until(() => converged(e), 'the ensemble to come back with the observer');
    expect((await observer.readNode('/one-voter-down'))?.data).toEqual(bytes('1'));
  }, 90_000);
});

import { afterEach, describe, expect, it } from 'vitest';
import { connectZooKeeper } from '@vivarium/client';
import { createEnsemble, FixtureError, type EnsembleFixture, type EnsembleFixtureOptions } from '@vivarium/testing';
import './vitest.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

const open: EnsembleFixture[] = [];

async function ensembleOf(options: EnsembleFixtureOptions = {}): Promise<EnsembleFixture> {
  const ensemble = await createEnsemble({ tickTimeMs: 1000, ...options });
  open.push(ensemble);
  return ensemble;
}

afterEach(async () => {
  for (const ensemble of open.splice(0)) {
    ensemble.checkSafety();
    await ensemble.close();
  }
});

describe('createEnsemble', () => {
  it('resolves with a leader elected; members are named by their 1-based server id', async () => {
    const zk = await ensembleOf({ members: 3, observers: 1, seed: 1 });
    const leader = zk.leader();
    expect(leader).toBeDefined();
    expect(leader).toBeLeader();
    expect(zk.members.map((m) => m.id)).toEqual([1, 2, 3, 4]);
    expect(zk.member(4).observer).toBe(true);
    expect(zk.member(leader?.id ?? 0)).toBe(leader);
    expect(zk.followers().map((m) => m.id)).toEqual([1, 2, 3].filter((id) => id !== leader?.id));
    expect(() => zk.member(0)).toThrow(/no member 0: members are named by their 1-based server id, 1\.\.4 \(0 is not an id; the first member is member\(1\)\) \[seed 1\]/);
    expect(() => zk.member(5)).toThrow(FixtureError);
  });

  it('replicates writes to every member, observers included', async () => {
    const zk = await ensembleOf({ members: 3, observers: 1 });
    const viaObserver = await zk.client({ member: 4 });
    await viaObserver.create('/seen-by-all', text('o'));
    await zk.settle();
    for (const member of zk.members) expect(member).toHaveNode('/seen-by-all', 'o');
  });

  it('stop, crash and restart a member; a member that is down has no tree', async () => {
    const zk = await ensembleOf();
    const client = await zk.client();
    await client.create('/before', null);
    const follower = zk.followers()[0] as (typeof zk.members)[number];
    follower.crash();
    await zk.settle();
    expect(follower.isRunning).toBe(false);
    expect(follower.state).toBe('down');
    expect(() => follower.tree).toThrow(/member \d is down/);
    expect(() => expect(follower).toHaveNode('/before')).toThrow(/member \d is down/);
    await zk.drive(client.create('/while-down', null));
    follower.restart();
    await zk.waitForAllServing();
    expect(follower).toHaveNode('/while-down');
    zk.leader()?.stop();
    await zk.waitForLeader();
    await zk.drive(client.exists('/'));
    expect(client).toHaveSessionState('connected');
  });

  it('partition([1], [2, 3]): the cut-off member stops serving, the majority goes on; heal() lets it catch up', async () => {
    const zk = await ensembleOf({ seed: 4 });
    // Make member 3 the leader: with no history, the highest id wins.
    expect(zk.member(3)).toBeLeader();
    const onOne = await zk.client({ member: 1 });
    const onTwo = await zk.client({ member: 2 });
    zk.partition([1], [2, 3]);
    await zk.clock.advance(10_000);
    expect(zk.member(1).isServing).toBe(false);
    expect(zk.member(3)).toBeLeader();
    await zk.drive(onTwo.create('/during-partition', text('p')));
    expect(zk.member(1)).not.toHaveNode('/during-partition');
    // The client of the cut-off member moved to a member that serves, keeping its session.
    await zk.drive(onOne.exists('/'));
    expect(onOne).toHaveSessionState('connected');
    zk.heal();
    await zk.clock.advance(5000);
    expect(zk.member(1).isServing).toBe(true);
    expect(zk.member(1)).toHaveNode('/during-partition', 'p');
  });

  it('isolate(leader): the majority elects another; healing brings the old leader back as a follower', async () => {
    const zk = await ensembleOf();
    const old = zk.leader();
    if (old === undefined) throw new Error('no leader');
    zk.isolate(old.id);
    await zk.clock.advance(15_000);
    const next = await zk.waitForLeader();
    expect(next.id).not.toBe(old.id);
    expect(old).not.toBeLeader();
    zk.heal();
    await zk.clock.advance(5000);
    expect(old.state).toBe('following');
  });

  it('partition and isolate check their ids', async () => {
    const zk = await ensembleOf({ seed: 2 });
    expect(() => zk.partition([0], [1, 2])).toThrow(/no member 0.*1-based.*\[seed 2\]/);
    expect(() => zk.partition([1], [1, 2])).toThrow('partition: member 1 is in two groups [seed 2]');
    expect(() => zk.partition(1 as unknown as number[])).toThrow(/each group is an array of server ids/);
    expect(() => zk.isolate(4)).toThrow(/no member 4/);
  });

  it('per-link faults: a link that drops everything does not stop a quorum; values are checked', async () => {
    const zk = await ensembleOf({ seed: 8 });
    const leader = zk.leader();
    if (leader === undefined) throw new Error('no leader');
    const [a, b] = zk.followers();
    if (a === undefined || b === undefined) throw new Error('two followers expected');
    zk.setLinkFaults(leader.id, a.id, { dropProbability: 1 });
    const client = await zk.client({ member: b.id });
    for (let i = 0; i < 5; i++) await zk.drive(client.create(`/n${i}`, null));
    expect(b).toHaveNode('/n4');
    expect(zk.ensemble.network.stats.dropped).toBeGreaterThan(0);
    zk.clearFaults();
    await zk.clock.advance(15_000);
    await zk.waitForLeader();
    await zk.clock.advance(5000);
    expect(a).toHaveNode('/n4');
    expect(() => zk.setLinkFaults(1, 2, { dropProbability: 2 })).toThrow('dropProbability must be in [0, 1], got 2 [seed 8]');
    expect(() => zk.setDefaultFaults({ delayMinMs: 10, delayMaxMs: 5 })).toThrow(/delayMinMs \(10\) must not exceed delayMaxMs \(5\)/);
    expect(() => zk.setLinkFaults(1, 9, {})).toThrow(/no member 9/);
  });

  it('delayed links: messages arrive only as the manual clock reaches them', async () => {
    const zk = await ensembleOf();
    zk.setDefaultFaults({ delayMinMs: 50, delayMaxMs: 50 });
    const client = await zk.client();
    const write = client.create('/slow', null);
    await zk.settle();
    expect(zk.resources().messagesInFlight).toBeGreaterThan(0);
    const start = zk.clock.nowMs();
    await zk.drive(write);
    expect(zk.clock.nowMs() - start).toBeGreaterThanOrEqual(50);
  });

  it('expireSession on an ensemble: decided by the leader, replicated, and the client learns it', async () => {
    const zk = await ensembleOf();
    const follower = zk.followers()[0] as (typeof zk.members)[number];
    const client = await zk.client({ member: follower.id });
    const watcher = await zk.client();
    await client.create('/mine', null, { mode: 'ephemeral' });
    const deleted: string[] = [];
    await watcher.exists('/mine', (event) => deleted.push(event.path ?? ''));
    await zk.expireSession(client);
    expect(client).toHaveSessionState('expired');
    for (const member of zk.members) expect(member).not.toHaveNode('/mine');
    expect(deleted).toEqual(['/mine']);
  });

  it('expireSession without a leader fails, naming the states and the seed', async () => {
    const zk = await ensembleOf({ seed: 6 });
    const client = await zk.client();
    zk.partition([1], [2], [3]);
    await zk.clock.advance(15_000);
    await expect(zk.expireSession(client.sessionId)).rejects.toThrow(/no leader is serving.*states: 1:looking 2:looking 3:looking \[seed 6\]/);
    await expect(zk.waitForLeader(3000)).rejects.toThrow(/waitForLeader: no leader within 3000 ms; states: .* \[seed 6\]/);
    zk.heal();
    await zk.waitForLeader();
  });

  it('refuses unknown transports, a manual clock on real transports, and bad sizes, with the seed', async () => {
    await expect(createEnsemble({ seed: 3, transport: 'worker', clock: 'manual' })).rejects.toThrow("createEnsemble: clock 'manual' is not supported on transport 'worker': worker and TCP members run in real time; use clock: 'system' (the default here), or transport: 'memory' for a manual clock [seed 3]");
    await expect(createEnsemble({ seed: 3, transport: 'tcp', members: 0 })).rejects.toThrow(/members must be an integer in 1\.\.127, got 0 \[seed 3\]/);
    await expect(createEnsemble({ seed: 3, transport: 'carrier-pigeon' as 'memory' })).rejects.toThrow(/transport must be 'memory', 'worker' or 'tcp', got "carrier-pigeon" \[seed 3\]/);
    await expect(createEnsemble({ seed: 3, members: 0 })).rejects.toThrow(/members must be an integer in 1\.\.127, got 0 \[seed 3\]/);
    await expect(createEnsemble({ seed: 3, maxSessionTimeoutMs: 'x' as unknown as number })).rejects.toThrow(/invalid maxSessionTimeoutMs/);
  });

  it('waitForLeader: false resolves before the election', async () => {
    const zk = await ensembleOf({ waitForLeader: false, seed: 1 });
    expect(zk.members.every((m) => m.isRunning)).toBe(true);
    const leader = await zk.waitForLeader();
    expect(leader.id).toBe(3);
  });

  it('serves every member on TCP through one connect string', async () => {
    const zk = await ensembleOf();
    const connectString = await zk.connectString();
    expect(connectString.split(',')).toHaveLength(3);
    const ports = await zk.tcpPorts();
    expect(new Set(ports).size).toBe(3);
    const tcp = await connectZooKeeper(connectString, { sessionTimeoutMs: 6000 });
    await tcp.create('/over-tcp', text('t'));
    await zk.settle();
    for (const member of zk.members) expect(member).toHaveNode('/over-tcp', 't');
    await tcp.close();
  });

  it('two ensembles with different settings run side by side and share nothing', async () => {
    const small = await ensembleOf({ members: 3, tickTimeMs: 1000, seed: 21 });
    const large = await ensembleOf({ members: 5, observers: 1, tickTimeMs: 200, seed: 22 });
    const a = await small.client({ sessionTimeoutMs: 100 });
    const b = await large.client({ sessionTimeoutMs: 100 });
    // Each clamps the session timeout to its own 2 * tickTime.
    expect(a.negotiatedTimeoutMs).toBe(2000);
    expect(b.negotiatedTimeoutMs).toBe(400);
    await Promise.all([small.drive(a.create('/only-small', null)), large.drive(b.create('/only-large', null))]);
    await small.clock.advance(3000);
    expect(large.clock.nowMs()).not.toBe(small.clock.nowMs());
    small.partition([1], [2, 3]);
    await large.clock.advance(3000);
    expect(large.members.every((m) => m.isServing)).toBe(true);
    for (const member of large.members) expect(member).not.toHaveNode('/only-small');
    expect(small.member(1)).not.toHaveNode('/only-large');
    small.heal();
  });
});

describe('createEnsemble on the system clock', () => {
  it('elects, fails over and writes in real time', async () => {
    const zk = await ensembleOf({ clock: 'system', tickTimeMs: 40, seed: 5 });
    expect(zk.clock.kind).toBe('system');
    const client = await zk.client({ sessionTimeoutMs: 2000 });
    await client.create('/a', null);
    const old = zk.leader();
    old?.crash();
    const next = await zk.waitForLeader(10_000);
    expect(next.id).not.toBe(old?.id);
    // A request caught by the failover gets CONNECTIONLOSS, as with ZooKeeper; the next one goes through.
    for (let attempt = 0; ; attempt++) {
      try {
        await client.setData('/a', text('after'));
        break;
      } catch (error) {
        if (attempt > 20) throw error;
      }
    }
    expect(next).toHaveNode('/a', 'after');
  });
});

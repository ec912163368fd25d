/**
 * Dynamic reconfiguration (reconfig, opcode 16) on the in-process ensemble: each form (incremental
 * joining/leaving, non-incremental newMembers, role changes), each error in ZooKeeper's order, and
 * the failure cases (a partition, a leader change). Safety is checked after every step; at the end
 * every running member's quorum configuration must match /zookeeper/config.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, EventType, ZooKeeperError } from '@vivarium/protocol';
import type { WatchedEvent, ZooKeeperClient } from '@vivarium/client';
import { digestOf, parseConfigServers } from '@vivarium/store';
import { createEnsemble, type Ensemble, type EnsembleOptions } from '@vivarium/server';

const open: Ensemble[] = [];
const superDigest = digestOf('super:secret');

function ensembleOf(options: EnsembleOptions = {}): Ensemble {
  const ensemble = createEnsemble({ seed: 1, tickTimeMs: 1000, initLimitTicks: 5, syncLimitTicks: 3, reconfigEnabled: true, superDigest, ...options });
  open.push(ensemble);
  return ensemble;
}

afterEach(async () => {
  for (const ensemble of open.splice(0)) {
    ensemble.checkSafety();
    checkConfigurations(ensemble);
    await ensemble.close();
  }
});

/** Every running member in the configuration runs with the voters and observers /zookeeper/config lists. */
function checkConfigurations(ensemble: Ensemble): void {
  for (const member of ensemble.members) {
    if (!member.isRunning || member.peer.isRemoved) continue;
    const text = new TextDecoder().decode(member.readNode('/zookeeper/config')?.data ?? new Uint8Array(0));
    const servers = parseConfigServers(text);
    if (!servers.some((s) => s.id === member.id)) continue;
    expect(member.peer.config.voters, `member ${member.id}`).toEqual(servers.filter((s) => !s.observer).map((s) => s.id));
    expect(member.peer.config.observers, `member ${member.id}`).toEqual(servers.filter((s) => s.observer).map((s) => s.id));
  }
}

async function superClient(ensemble: Ensemble, member?: number): Promise<ZooKeeperClient> {
  const client = await ensemble.client(member === undefined ? {} : { member });
  await client.addAuthInfo('digest', 'super:secret');
  return client;
}

async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return ErrorCode.ok;
  } catch (error) {
    if (error instanceof ZooKeeperError) return error.code;
    throw error;
  }
}

function configOf(ensemble: Ensemble, id: number): string {
  return new TextDecoder().decode(ensemble.member(id).readNode('/zookeeper/config')?.data ?? new Uint8Array(0));
}

describe('reconfig errors, in ZooKeeper order', () => {
  it('RECONFIGDISABLED (-123) without reconfigEnabled, even for super', async () => {
    const ensemble = ensembleOf({ reconfigEnabled: false });
    await ensemble.waitForLeader();
    const client = await superClient(ensemble, 1);
    expect(await codeOf(ensemble.reconfig(client, { leaving: [1] }))).toBe(ErrorCode.reconfigDisabled);
  });

  it('BADVERSION (-103) for a stale curConfigId; BADARGUMENTS (-8) for bad input; NOAUTH (-102) without super', async () => {
    const ensemble = ensembleOf();
    await ensemble.waitForLeader();
    const client = await superClient(ensemble, 1);
    const version = ensemble.configuration.version;
    expect(configOf(ensemble, 1).split('\n').at(-1)).toBe(`version=${version.toString(16)}`);
    expect(await codeOf(ensemble.reconfig(client, { leaving: [1], fromConfig: version + 1n }))).toBe(ErrorCode.badVersion);
    // The version is checked before the input: a bad version wins over bad arguments.
    expect(await codeOf(ensemble.reconfig(client, { joining: ['nonsense'], fromConfig: 5n }))).toBe(ErrorCode.badVersion);
    expect(await codeOf(ensemble.reconfig(client, { joining: ['nonsense'] }))).toBe(ErrorCode.badArguments);
    expect(await codeOf(ensemble.reconfig(client, { joining: ['server.4=127.0.0.1:2891'] }))).toBe(ErrorCode.badArguments);
    // A non-numeric leaving id: MARSHALLINGERROR, as on ZooKeeper 3.8 (its Long.parseLong fails in the prep step's catch-all).
    expect(await codeOf(ensemble.reconfig(client, { leaving: ['x'] }))).toBe(ErrorCode.marshallingError);
    // Fewer than two voters left (standaloneEnabled).
    expect(await codeOf(ensemble.reconfig(client, { leaving: [1, 2] }))).toBe(ErrorCode.badArguments);
    const plain = await ensemble.client({ member: 2 });
    // Bad input wins over the permission check, which comes last.
    expect(await codeOf(ensemble.reconfig(plain, { joining: ['nonsense'] }))).toBe(ErrorCode.badArguments);
    expect(await codeOf(ensemble.reconfig(plain, { leaving: [1] }))).toBe(ErrorCode.noAuth);
    // Nothing changed.
    expect(ensemble.configuration.version).toBe(version);
    expect(ensemble.configuration.voters).toEqual([1, 2, 3]);
  });

  it('NEWCONFIGNOQUORUM (-13) when the new configuration has no synced quorum (a member down or partitioned away)', async () => {
    const ensemble = ensembleOf();
    const leader = await ensemble.waitForLeader();
    expect(leader.id).toBe(3);
    const client = await superClient(ensemble, 3);
    ensemble.member(1).crash();
    await ensemble.run(5000);
    // New configuration {1, 3}: only 3 is synced, not a majority of two.
    expect(await codeOf(ensemble.reconfig(client, { leaving: [2] }))).toBe(ErrorCode.newConfigNoQuorum);
    // A partitioned member counts as unsynced once the leader stops hearing from it.
    ensemble.member(1).restart();
    await ensemble.waitForLeader();
    const added = ensemble.addMember();
    added.start();
    await ensemble.run(3000);
    ensemble.partition([1, 2, 3], [4]);
    await ensemble.run(5000);
    expect(await codeOf(ensemble.reconfig(client, { newMembers: [ensemble.serverLine(3), ensemble.serverLine(4)] }))).toBe(ErrorCode.newConfigNoQuorum);
    expect(ensemble.configuration.voters).toEqual([1, 2, 3]);
    ensemble.heal();
    await ensemble.run(5000);
  });

  it('RECONFIGINPROGRESS (-14) for a second reconfig while the first is not committed', async () => {
    const ensemble = ensembleOf();
    await ensemble.waitForLeader();
    const client = await superClient(ensemble, 3);
    const other = await superClient(ensemble, 3);
    ensemble.addMember({ observer: true });
    const first = client.reconfig({ joining: [ensemble.serverLine(4, 'observer')] });
    const second = other.reconfig({ leaving: [1] });
    const codes = await Promise.all([codeOf(first), codeOf(second), ensemble.run(3000)]);
    expect(codes.slice(0, 2)).toEqual([ErrorCode.ok, ErrorCode.reconfigInProgress]);
    expect(ensemble.configuration.observers).toEqual([4]);
  });
});

describe('reconfig forms', () => {
  it('adds a participant incrementally: the reply and /zookeeper/config carry the new version; watchers see NodeDataChanged; every member switches', async () => {
    const ensemble = ensembleOf();
    await ensemble.waitForLeader();
    const client = await superClient(ensemble, 1);
    const watcherClient = await ensemble.client({ member: 2 });
    const events: WatchedEvent[] = [];
    await watcherClient.getData('/zookeeper/config', (event) => events.push(event));
    await client.create('/before', null);
    const sessionId = watcherClient.sessionId;
    const added = ensemble.addMember();
    expect(added.isRunning).toBe(false);
    const reply = await ensemble.reconfig(client, { joining: [ensemble.serverLine(4)] });
    const text = new TextDecoder().decode(reply.data as Uint8Array);
    expect(text.split('\n')).toEqual([
      ensemble.serverLine(1), ensemble.serverLine(2), ensemble.serverLine(3), ensemble.serverLine(4), `version=${reply.stat.mzxid.toString(16)}`,
    ]);
    expect(reply.stat.version).toBe(-1);
    await ensemble.run(3000);
    expect(events).toEqual([expect.objectContaining({ type: EventType.nodeDataChanged, path: '/zookeeper/config' })]);
    expect(ensemble.configuration).toMatchObject({ voters: [1, 2, 3, 4], observers: [], version: reply.stat.mzxid });
    // The new member was started by the commit and synced as a follower.
    expect(added.state).toBe('following');
    expect(added.readNode('/before')).toBeDefined();
    for (const id of [1, 2, 3, 4]) expect(configOf(ensemble, id)).toBe(text);
    expect(watcherClient.sessionId).toBe(sessionId);
    expect(watcherClient.state).toBe('connected');
    // Four voters need three: with one down the other three (the new member among them) still write.
    ensemble.member(2).crash();
    await client.create('/with-three-of-four', null);
    await ensemble.run(3000);
    expect(ensemble.member(4).readNode('/with-three-of-four')).toBeDefined();
  });

  it('adds an observer started beforehand (it syncs as a learner first), then removes a participant', async () => {
    const ensemble = ensembleOf();
    await ensemble.waitForLeader();
    const client = await superClient(ensemble, 3);
    const observer = ensemble.addMember({ observer: true });
    observer.start();
    await ensemble.run(3000);
    expect(observer.state).toBe('observing');
    await ensemble.reconfig(client, { joining: [ensemble.serverLine(4, 'observer')] });
    expect(ensemble.configuration).toMatchObject({ voters: [1, 2, 3], observers: [4] });
    await client.create('/seen-by-observer', null);
    await ensemble.run(1000);
    expect(observer.readNode('/seen-by-observer')).toBeDefined();
    const follower = await ensemble.client({ member: 1 });
    const sessionId = follower.sessionId;
    await follower.create('/eph', null, { mode: 'ephemeral' });
    await ensemble.removeMember(1, client);
    expect(ensemble.configuration).toMatchObject({ voters: [2, 3], observers: [4] });
    await ensemble.run(5000);
    // The client of the removed member moved on with its session and its ephemeral.
    expect(follower.state).toBe('connected');
    expect(follower.sessionId).toBe(sessionId);
    expect(await follower.exists('/eph')).not.toBeNull();
    expect(configOf(ensemble, 4).split('\n').filter((l) => l.startsWith('server.'))).toEqual([ensemble.serverLine(2), ensemble.serverLine(3), ensemble.serverLine(4, 'observer')]);
  });

  it('re-adds a removed member that kept running (as ZooKeeper 3.8 does): it rejoins and serves the new configuration', async () => {
    const ensemble = ensembleOf();
    await ensemble.waitForLeader();
    const client = await superClient(ensemble, 3);
    const line = ensemble.serverLine(1);
    await ensemble.reconfig(client, { leaving: [1] });
    await ensemble.run(3000);
    expect(ensemble.member(1).peer.isRemoved).toBe(true);
    await client.create('/while-removed', null);
    await ensemble.reconfig(client, { joining: [line] });
    await ensemble.run(5000);
    expect(ensemble.configuration).toMatchObject({ voters: [1, 2, 3], observers: [] });
    expect(ensemble.member(1).peer.isRemoved).toBe(false);
    expect(ensemble.member(1).state).toBe('following');
    expect(ensemble.member(1).readNode('/while-removed')).toBeDefined();
    expect(configOf(ensemble, 1)).toBe(configOf(ensemble, 3));
  });

  it('a follower removed while partitioned away and re-added before it heard of it syncs both configurations and serves', async () => {
    const ensemble = ensembleOf({ seed: 2 });
    const leader = await ensemble.waitForLeader();
    const cut = ensemble.members.find((m) => m.id !== leader.id) as (typeof ensemble.members)[number];
    const line = ensemble.serverLine(cut.id);
    const client = await superClient(ensemble, leader.id);
    ensemble.isolate(cut.id);
    // The leader drops the silent follower after syncLimit ticks, as ZooKeeper's LearnerHandler times out.
    await ensemble.run(6000);
    expect(leader.peer.upToDateLearners).not.toContain(cut.id);
    const removing = client.reconfig({ leaving: [cut.id] });
    await ensemble.run(3000);
    await removing;
    ensemble.heal();
    const readding = client.reconfig({ joining: [line] });
    await ensemble.run(3000);
    const readded = await readding;
    await ensemble.run(20_000);
    expect(cut.peer.isRemoved).toBe(false);
    expect(cut.state).toBe('following');
    expect(cut.isServing).toBe(true);
    expect(configOf(ensemble, cut.id)).toBe(new TextDecoder().decode(readded.data ?? new Uint8Array(0)));
  });

  it('changes roles by joining with the new role: participant -> observer and back', async () => {
    const ensemble = ensembleOf();
    await ensemble.waitForLeader();
    const client = await superClient(ensemble, 3);
    ensemble.addMember();
    await ensemble.reconfig(client, { joining: [ensemble.serverLine(4)] });
    await ensemble.run(3000);
    await ensemble.reconfig(client, { joining: [ensemble.serverLine(1, 'observer')] });
    await ensemble.run(5000);
    expect(ensemble.configuration).toMatchObject({ voters: [2, 3, 4], observers: [1] });
    expect(ensemble.member(1).state).toBe('observing');
    await ensemble.reconfig(client, { joining: [ensemble.serverLine(1, 'participant')] });
    await ensemble.run(5000);
    expect(ensemble.configuration).toMatchObject({ voters: [1, 2, 3, 4], observers: [] });
    expect(ensemble.member(1).state).toBe('following');
    await client.create('/after-roles', null);
  });

  it('non-incremental: newMembers replaces the membership; curConfigId must match when given', async () => {
    const ensemble = ensembleOf({ members: 5 });
    await ensemble.waitForLeader();
    const client = await superClient(ensemble, 5);
    const version = ensemble.configuration.version;
    const reply = await ensemble.reconfig(client, { newMembers: [ensemble.serverLine(2), ensemble.serverLine(4), ensemble.serverLine(5), ensemble.serverLine(3, 'observer')], fromConfig: version });
    expect(reply.stat.mzxid).not.toBe(version);
    await ensemble.run(5000);
    expect(ensemble.configuration).toMatchObject({ voters: [2, 4, 5], observers: [3] });
    expect(ensemble.member(1).peer.isRemoved).toBe(true);
    expect(await codeOf(ensemble.reconfig(client, { leaving: [2], fromConfig: version }))).toBe(ErrorCode.badVersion);
    await client.create('/after', null);
  });
});

describe('reconfig and failures', () => {
  it('commits only with a quorum of the old configuration too: acks from a quorum of the new one alone are not enough', async () => {
    const ensemble = ensembleOf();
    const leader = await ensemble.waitForLeader();
    expect(leader.id).toBe(3);
    const client = await superClient(ensemble, 3);
    const four = ensemble.addMember();
    const five = ensemble.addMember();
    four.start();
    five.start();
    await ensemble.run(3000);
    expect([four.state, five.state]).toEqual(['following', 'following']);
    const before = ensemble.configuration.version;
    // Cut 1 and 2 off; the leader has not noticed yet, so 3, 4 and 5 are a synced quorum of {1..5}.
    ensemble.partition([1, 2], [3, 4, 5]);
    const outcome = codeOf(client.reconfig({ joining: [ensemble.serverLine(4), ensemble.serverLine(5)] }));
    await ensemble.run(10_000);
    // Acked by 3, 4, 5 (a majority of the new configuration) but only by 3 of the old: never committed.
    expect(ensemble.trace.some((t) => t.event.type === 'reconfigured')).toBe(false);
    expect(ensemble.configuration.version).toBe(before);
    ensemble.heal();
    await ensemble.waitForLeader();
    await ensemble.run(5000);
    expect([ErrorCode.ok, ErrorCode.connectionLoss]).toContain(await outcome);
    // After healing, the proposal may survive in the new leader's history (then it commits everywhere) or not.
    const versions = new Set(ensemble.members.filter((m) => m.id <= 3).map((m) => configOf(ensemble, m.id)));
    expect(versions.size).toBe(1);
  });

  it('the leader changes after a reconfig: the new leader carries the committed configuration', async () => {
    const ensemble = ensembleOf();
    const leader = await ensemble.waitForLeader();
    const client = await superClient(ensemble, 1);
    ensemble.addMember();
    const reply = await ensemble.reconfig(client, { joining: [ensemble.serverLine(4)] });
    await ensemble.run(3000);
    leader.crash();
    const next = await ensemble.waitForLeader();
    expect(next.id).not.toBe(leader.id);
    expect(next.peer.config.voters).toEqual([1, 2, 3, 4]);
    expect(new TextDecoder().decode(next.readNode('/zookeeper/config')?.data as Uint8Array)).toBe(new TextDecoder().decode(reply.data as Uint8Array));
    leader.restart();
    await ensemble.run(5000);
    expect(leader.peer.config.voters).toEqual([1, 2, 3, 4]);
    expect(configOf(ensemble, leader.id)).toBe(configOf(ensemble, next.id));
  });

  it('the leader crashes while the reconfig is in flight: all members end in the same configuration, old or new', async () => {
    for (const delayMs of [0, 1, 5]) {
      const ensemble = ensembleOf({ seed: 7 + delayMs });
      const leader = await ensemble.waitForLeader();
      const client = await superClient(ensemble, 1);
      ensemble.addMember({ observer: true });
      const pending = codeOf(client.reconfig({ joining: [ensemble.serverLine(4, 'observer')] }));
      if (delayMs > 0) ensemble.advance(delayMs);
      leader.crash();
      await ensemble.waitForLeader();
      await ensemble.run(5000);
      expect([ErrorCode.ok, ErrorCode.connectionLoss]).toContain(await pending);
      const texts = ensemble.members.filter((m) => m.isRunning && !m.peer.isRemoved && m.id !== 4).map((m) => configOf(ensemble, m.id));
      expect(new Set(texts).size).toBe(1);
      checkConfigurations(ensemble);
    }
  });
});

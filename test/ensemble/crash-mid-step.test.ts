/**
 * Members killed inside a step, at a storage call (crash points): between a proposal's append and its
 * flush, and after the flush before anything that depends on it left. What a crash loses is exactly what
 * was not flushed, a dead member sends nothing more, and ZAB's safety holds across the restart.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createEnsemble, type Ensemble, type EnsembleMember } from '@vivarium/server';
import type { ZooKeeperClient } from '@vivarium/client';

const text = (value: string) => new TextEncoder().encode(value);
const read = (member: EnsembleMember, path: string) => {
  const node = member.readNode(path);
  return node?.data == null ? undefined : new TextDecoder().decode(node.data);
};
const logged = (member: EnsembleMember, zxid: bigint) => member.storage.durableLog().some((txn) => txn.zxid === zxid);

let ensemble: Ensemble | undefined;
afterEach(async () => {
  await ensemble?.close();
  ensemble = undefined;
});

/** A 3-member ensemble with /a = 'v0' committed everywhere, and a client on the leader. */
async function started(seed: number): Promise<{ ensemble: Ensemble; leader: EnsembleMember; followers: EnsembleMember[]; client: ZooKeeperClient }> {
  ensemble = createEnsemble({ members: 3, seed, tickTimeMs: 1000 });
  const leader = await ensemble.waitForLeader();
  const client = await ensemble.client({ member: leader.id });
  await client.create('/a', text('v0'));
  await ensemble.run(500);
  for (const member of ensemble.members) expect(read(member, '/a')).toBe('v0');
  return { ensemble, leader, followers: ensemble.members.filter((m) => m.id !== leader.id), client };
}

/** Settle a promise, driving simulated time, without letting a rejection go unhandled. */
async function settled<T>(ensemble: Ensemble, promise: Promise<T>, maxMs = 60_000): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let outcome: { ok: true; value: T } | { ok: false; error: unknown } | undefined;
  void promise.then((value) => { outcome = { ok: true, value }; }, (error: unknown) => { outcome = { ok: false, error }; });
  for (let ms = 0; outcome === undefined && ms < maxMs; ms += 100) await ensemble.run(100);
  expect(outcome).toBeDefined();
  return outcome!;
}

describe('a follower killed inside the step that logs a proposal', () => {
  it('between append and flush: the proposal is lost with it, no ack left it, and it gets the txn back from the leader', async () => {
    const { ensemble, leader, followers, client } = await started(11);
    const [victim, other] = followers as [EnsembleMember, EnsembleMember];
    // The other follower hears of the proposal only later: until then only the victim could ack it.
    ensemble.network.setLinkFaults(leader.id, other.id, { delayMinMs: 500, delayMaxMs: 500 });
    const appends = victim.storage.appendCount;
    const flushes = victim.storage.flushCount;
    victim.armCrashPoint({ step: 'flush', nth: 1, when: 'before' });
    const write = client.setData('/a', text('v1'));
    await ensemble.quiesce();

    expect(ensemble.crashPointsReached).toEqual([{ member: victim.id, atMs: expect.any(Number), point: { step: 'flush', nth: 1, when: 'before' } }]);
    expect(victim.isRunning).toBe(false);
    // It appended the proposal and died before the flush: the append is gone.
    expect(victim.storage.appendCount).toBe(appends + 1);
    expect(victim.storage.flushCount).toBe(flushes);
    expect(victim.storage.readLogAfter(0n).at(-1)?.body.type).not.toBe('setData');
    // No ack left the dead follower: with the other follower's copy still on its way, nothing is committed.
    expect(read(leader, '/a')).toBe('v0');

    // The delayed proposal reaches the other follower, whose ack commits it.
    const result = await settled(ensemble, write);
    expect(result.ok).toBe(true);
    const zxid = (result as { ok: true; value: { mzxid: bigint } }).value.mzxid;
    expect(logged(victim, zxid)).toBe(false);
    expect(read(leader, '/a')).toBe('v1');

    victim.restart();
    await ensemble.waitForLeader();
    await ensemble.run(2000);
    expect(victim.isServing).toBe(true);
    expect(read(victim, '/a')).toBe('v1');
    expect(victim.storage.durableLog().filter((txn) => txn.zxid === zxid)).toHaveLength(1);
    ensemble.checkSafety();
  });

  it('after the flush: the txn survives the crash, but the ack never left', async () => {
    const { ensemble, leader, followers, client } = await started(12);
    const [victim, other] = followers as [EnsembleMember, EnsembleMember];
    ensemble.network.setLinkFaults(leader.id, other.id, { delayMinMs: 500, delayMaxMs: 500 });
    victim.armCrashPoint({ step: 'flush', nth: 1, when: 'after' });
    const write = client.setData('/a', text('v1'));
    await ensemble.quiesce();

    expect(victim.isRunning).toBe(false);
    const durable = victim.storage.durableLog().at(-1);
    expect(durable?.body.type).toBe('setData');
    // Durable on the victim, yet not committed: its ack died with it.
    expect(read(leader, '/a')).toBe('v0');

    const result = await settled(ensemble, write);
    expect(result.ok).toBe(true);
    expect((result as { ok: true; value: { mzxid: bigint } }).value.mzxid).toBe(durable?.zxid);

    victim.restart();
    await ensemble.waitForLeader();
    await ensemble.run(2000);
    expect(read(victim, '/a')).toBe('v1');
    expect(victim.storage.durableLog().filter((txn) => txn.zxid === durable?.zxid)).toHaveLength(1);
    ensemble.checkSafety();
  });
});

describe('a leader killed inside the step that orders a write', () => {
  it('between its own append and flush: the write is nowhere, and the next leader serves without it', async () => {
    const { ensemble, leader, followers, client } = await started(21);
    const appends = leader.storage.appendCount;
    const durableBefore = leader.storage.durableLog().length;
    leader.armCrashPoint({ step: 'flush', nth: 1, when: 'before' });
    const write = settled(ensemble, client.setData('/a', text('v1')));
    await ensemble.quiesce();

    expect(leader.isRunning).toBe(false);
    expect(ensemble.crashPointsReached.map((c) => c.member)).toEqual([leader.id]);
    expect(leader.storage.appendCount).toBe(appends + 1);
    expect(leader.storage.durableLog()).toHaveLength(durableBefore);
    // The proposal died in the leader's outbox: no follower logged it.
    for (const follower of followers) expect(follower.storage.readLogAfter(0n).some((txn) => txn.body.type === 'setData')).toBe(false);

    const next = await ensemble.waitForLeader();
    expect(next.id).not.toBe(leader.id);
    // The client never got an answer it could rely on (the connection died with the leader).
    expect((await write).ok).toBe(false);
    leader.restart();
    await ensemble.run(3000);
    for (const member of ensemble.members) {
      expect(member.isServing).toBe(true);
      expect(read(member, '/a')).toBe('v0');
    }
    ensemble.checkSafety();
  });

  it('after its flush, before proposing: the txn survives in its log and is truncated when it rejoins', async () => {
    const { ensemble, leader, followers, client } = await started(22);
    leader.armCrashPoint({ step: 'flush', nth: 1, when: 'after' });
    const write = settled(ensemble, client.setData('/a', text('v1')));
    await ensemble.quiesce();

    expect(leader.isRunning).toBe(false);
    const orphan = leader.storage.durableLog().at(-1);
    expect(orphan?.body.type).toBe('setData');
    for (const follower of followers) expect(logged(follower, orphan!.zxid)).toBe(false);

    await ensemble.waitForLeader();
    expect((await write).ok).toBe(false);
    leader.restart();
    await ensemble.run(3000);
    // Never proposed, so never committed: the new leader's sync cut it from the old leader's log.
    expect(leader.isServing).toBe(true);
    expect(logged(leader, orphan!.zxid)).toBe(false);
    for (const member of ensemble.members) expect(read(member, '/a')).toBe('v0');
    ensemble.checkSafety();
  });
});

describe('crash points', () => {
  it('fire only where armed, count from arming, and a restart starts unarmed', async () => {
    const { ensemble, leader, followers, client } = await started(31);
    const victim = followers[0] as EnsembleMember;
    // The second append from now: the first write goes through, the second kills the follower.
    victim.armCrashPoint({ step: 'append', nth: 2, when: 'before' });
    expect(victim.crashPointArmed).toBe(true);
    expect((await settled(ensemble, client.setData('/a', text('v1')))).ok).toBe(true);
    expect(victim.isRunning).toBe(true);
    expect((await settled(ensemble, client.setData('/a', text('v2')))).ok).toBe(true);
    expect(victim.isRunning).toBe(false);
    expect(read(victim, '/a')).toBeUndefined();
    expect(victim.storage.durableLog().at(-1)?.body.type).toBe('setData');
    victim.restart();
    expect(victim.crashPointArmed).toBe(false);
    await ensemble.waitForLeader();
    await ensemble.run(2000);
    expect(read(victim, '/a')).toBe('v2');
    expect(read(leader, '/a')).toBe('v2');
    ensemble.checkSafety();
  });
});

describe('a follower killed inside a snapshot (SNAP) sync', () => {
  it('at the snapshot install: it keeps the log it had, and syncs again on restart', async () => {
    ensemble = createEnsemble({ members: 3, seed: 13, tickTimeMs: 1000, diffTxnsMax: 1 });
    const leader = await ensemble.waitForLeader();
    const client = await ensemble.client({ member: leader.id });
    await client.create('/a', text('v0'));
    await ensemble.run(500);
    const victim = ensemble.members.find((m) => m.id !== leader.id) as EnsembleMember;
    const loggedBefore = victim.storage.durableLog().map((txn) => txn.zxid);
    expect(loggedBefore.length).toBeGreaterThan(0);
    // Cut off while the others commit more than diffTxnsMax txns: it will be sent a snapshot.
    ensemble.isolate(victim.id);
    for (let i = 1; i <= 3; i++) await settled(ensemble, client.setData('/a', text(`v${i}`)));
    await ensemble.run(5000);
    victim.armCrashPoint({ step: 'installSnapshot', nth: 1, when: 'before' });
    ensemble.heal();
    for (let ms = 0; victim.isRunning && ms < 20_000; ms += 100) await ensemble.run(100);
    expect(ensemble.crashPointsReached.map((c) => [c.member, c.point.step])).toEqual([[victim.id, 'installSnapshot']]);
    // What it had logged (and acked) is still in its log: nothing of the leader's history was dropped first.
    const loggedAfter = victim.storage.durableLog().map((txn) => txn.zxid);
    for (const zxid of loggedBefore) expect(loggedAfter).toContain(zxid);
    victim.restart();
    await ensemble.run(5000);
    expect(victim.isServing).toBe(true);
    expect(read(victim, '/a')).toBe('v3');
    ensemble.checkSafety();
  });
});

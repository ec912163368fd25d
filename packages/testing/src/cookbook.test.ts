/**
 * The README's cookbook, run as tests. Each `#region` is copied into
 * packages/testing/README.md word for word (cookbook-sync.test.ts checks it;
 * the only difference allowed is the import of './vitest.ts', which the README
 * spells '@vivarium/testing/vitest').
 */
// #region imports
import { describe, expect, it } from 'vitest';
import { EventType } from '@vivarium/testing';
import { useEnsemble } from './vitest.ts';

const text = (value: string) => new TextEncoder().encode(value);
// #endregion

// #region lock-holder-dies
describe('a lock whose holder dies', () => {
  const zk = useEnsemble({ members: 3 });

  it('passes to the next waiter once the holder session expires', async () => {
    const holder = await zk.client({ sessionTimeoutMs: 6000 });
    const waiter = await zk.client({ sessionTimeoutMs: 6000 });
    await holder.create('/lock', null);
    const held = await holder.create('/lock/lock-', null, { mode: 'ephemeralSequential' });
    const waiting = await waiter.create('/lock/lock-', null, { mode: 'ephemeralSequential' });

    // The waiter watches the node just before its own.
    let released = false;
    await waiter.exists(held, () => { released = true; });

    zk.ensemble.crashClient(holder); // its process dies: no close, no more pings
    await zk.ensemble.clock.advance(5000); // within the session timeout: still held
    expect(released).toBe(false);
    await zk.ensemble.clock.advance(7000); // past it (plus a tick or two of bookkeeping): expired
    expect(released).toBe(true);
    expect(await waiter.getChildren('/lock')).toEqual([waiting.slice('/lock/'.length)]);
  });
});
// #endregion

// #region leader-fails-over
describe('leader failover', () => {
  const zk = useEnsemble({ members: 3 });

  it('elects a new leader; the session and its ephemeral survive', async () => {
    const client = await zk.client();
    await client.create('/service', text('up'), { mode: 'ephemeral' });

    const old = zk.ensemble.leader()!;
    old.crash();
    const next = await zk.ensemble.waitForLeader();

    expect(next.id).not.toBe(old.id);
    expect(next).toBeLeader();
    expect(old).not.toBeLeader();
    await zk.ensemble.drive(client.setData('/service', text('still up')));
    expect(client).toHaveSessionState('connected');
    expect(next).toHaveNode('/service', 'still up');
  });
});
// #endregion

// #region session-expires-during-a-write
describe('a session that expires during a write', () => {
  const zk = useEnsemble({ members: 3 });

  it('leaves nothing behind, whether the write landed first or not; the client is told', async () => {
    const leader = zk.ensemble.leader()!;
    const client = await zk.client({ member: leader.id });
    const write = client.create('/job', null, { mode: 'ephemeral' }) // sent, not yet committed
      .then(() => 'created', (error: Error) => error.message);
    await zk.ensemble.expireSession(client);

    expect(await write).toMatch(/created|SESSIONEXPIRED|CONNECTIONLOSS/);
    expect(client).toHaveSessionState('expired');
    for (const member of zk.ensemble.members) expect(member).not.toHaveNode('/job');
  });
});
// #endregion

// #region follower-partitioned-and-healed
describe('a follower cut off by a partition', () => {
  const zk = useEnsemble({ members: 3 });

  it('stops serving, misses writes, and catches up once healed', async () => {
    const leader = zk.ensemble.leader()!;
    const follower = zk.ensemble.followers()[0]!;
    const rest = zk.ensemble.members.filter((m) => m !== follower).map((m) => m.id);
    const client = await zk.client({ member: leader.id });

    zk.ensemble.partition([follower.id], rest);
    await zk.ensemble.clock.advance(15_000); // past syncLimit: it gives up on the leader
    expect(follower.isServing).toBe(false);
    await zk.ensemble.drive(client.create('/while-apart', text('x')));
    expect(follower).not.toHaveNode('/while-apart');

    zk.ensemble.heal();
    await zk.ensemble.waitForAllServing();
    expect(follower).toHaveNode('/while-apart', 'x');
  });
});
// #endregion

// #region config-watch-sees-every-change
describe('a config watch', () => {
  const zk = useEnsemble({ members: 3 });

  it('sees every change, in order, even when its member dies', async () => {
    const admin = await zk.client({ member: 2 });
    const app = await zk.client({ member: 1 });
    await admin.create('/config', text('v0'));
    const changes: number[] = [];
    await app.addWatch('/config', (event) => changes.push(event.type));

    for (const v of ['v1', 'v2', 'v3']) await admin.setData('/config', text(v));
    zk.ensemble.member(1).crash(); // the app's member dies
    await zk.ensemble.settle(); // the app sees its connection drop...
    await zk.ensemble.drive(app.sync('/config')); // ...and reconnects elsewhere, watch and all
    for (const v of ['v4', 'v5', 'v6']) await zk.ensemble.drive(admin.setData('/config', text(v)));
    await zk.ensemble.settle();

    expect(changes).toEqual(Array(6).fill(EventType.nodeDataChanged));
    expect((await app.getData('/config')).data).toEqual(text('v6'));
  });
});
// #endregion

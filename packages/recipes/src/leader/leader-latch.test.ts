import { expect, it, vi } from 'vitest';
import type { ZooKeeperClient } from '@vivarium/client';
import { forEachBackend } from '../../test-support/for-each-backend.ts';
import { LeaderLatch } from './leader-latch.ts';

forEachBackend('LeaderLatch', ({ backend, path }) => {
  function latchOf(client: ZooKeeperClient, id: string): LeaderLatch {
    return new LeaderLatch(client, path('election'), { id, scheduler: backend().scheduler });
  }

  it('the first participant leads; the others each watch only their predecessor; leadership passes on close', async () => {
    const b = backend();
    const clients = [await b.client(), await b.client(), await b.client()];
    const watched: string[][] = [[], [], []];
    clients.forEach((client, i) => {
      const getData = client.getData.bind(client);
      vi.spyOn(client, 'getData').mockImplementation((p, watcher) => {
        if (watcher !== undefined) watched[i]!.push(p);
        return getData(p, watcher);
      });
    });
    const latches = clients.map((client, i) => latchOf(client, `p${i}`));
    for (const latch of latches) await b.drive(latch.start());
    expect(await b.drive(latches[0]!.await({ timeoutMs: 5000 }))).toBe(true);
    await b.until(() => watched[1]!.length > 0 && watched[2]!.length > 0, undefined, 'followers watching');
    expect(latches.map((l) => l.hasLeadership)).toEqual([true, false, false]);
    const participants = await b.drive(latches[2]!.participants());
    expect(participants.map((p) => [p.id, p.isLeader])).toEqual([['p0', true], ['p1', false], ['p2', false]]);
    expect(watched[1]).toEqual([participants[0]!.nodePath]);
    expect(watched[2]).toEqual([participants[1]!.nodePath]);
    const changes: boolean[] = [];
    latches[1]!.onLeadershipChange((isLeader) => changes.push(isLeader));
    await b.drive(latches[0]!.close());
    expect(latches[0]!.hasLeadership).toBe(false);
    expect(await b.drive(latches[1]!.await({ timeoutMs: 5000 }))).toBe(true);
    expect(changes).toEqual([true]);
    expect(latches[2]!.hasLeadership).toBe(false);
    expect((await b.drive(latches[2]!.currentLeader()))?.id).toBe('p1');
    expect(await b.drive(latches[2]!.await({ timeoutMs: 200 }))).toBe(false);
    await b.drive(Promise.all(latches.map((l) => l.close())));
    expect(await b.drive(latches[0]!.participants())).toEqual([]);
  });

  it('a dropped connection drops leadership at once; the surviving node leads again after the reconnect', async () => {
    const b = backend();
    const [c1, c2] = [await b.client(), await b.client()];
    const leader = latchOf(c1, 'a');
    const other = latchOf(c2, 'b');
    await b.drive(leader.start());
    await b.drive(other.start());
    expect(await b.drive(leader.await({ timeoutMs: 5000 }))).toBe(true);
    const node = leader.nodePath;
    const changes: boolean[] = [];
    leader.onLeadershipChange((isLeader) => changes.push(isLeader));
    c1.disconnect();
    expect(leader.hasLeadership).toBe(false);
    expect(await b.drive(leader.await({ timeoutMs: 5000 }))).toBe(true);
    expect(leader.nodePath).toBe(node);
    expect(changes).toEqual([false, true]);
    expect(other.hasLeadership).toBe(false);
  });

  it('a leader whose node was deleted while it was away rejoins at the back after the reconnect', async () => {
    const b = backend();
    const [c1, c2] = [await b.client(), await b.client()];
    const leader = latchOf(c1, 'a');
    const other = latchOf(c2, 'b');
    await b.drive(leader.start());
    await b.drive(other.start());
    expect(await b.drive(leader.await({ timeoutMs: 5000 }))).toBe(true);
    const old = leader.nodePath!;
    c1.disconnect();
    await b.drive(c2.delete(old));
    expect(await b.drive(other.await({ timeoutMs: 5000 }))).toBe(true);
    await b.until(() => leader.nodePath !== undefined && leader.nodePath !== old, undefined, 'rejoined');
    expect(leader.hasLeadership).toBe(false);
    expect((await b.drive(leader.participants())).map((p) => p.id)).toEqual(['b', 'a']);
  });

  it('lost when the session ends: await() rejects, and the next participant leads', async () => {
    const b = backend();
    const [c1, c2] = [await b.client(), await b.client()];
    const leader = latchOf(c1, 'a');
    const other = latchOf(c2, 'b');
    await b.drive(leader.start());
    await b.drive(other.start());
    expect(await b.drive(leader.await({ timeoutMs: 5000 }))).toBe(true);
    const waiting = other.await({ timeoutMs: 20_000 });
    await b.drive(b.expireSession(c1));
    expect(await b.drive(waiting)).toBe(true);
    await b.until(() => leader.state === 'lost', undefined, 'latch lost');
    expect(leader.hasLeadership).toBe(false);
    await expect(leader.await()).rejects.toThrow(/lost/);
    await b.drive(leader.close());
    expect(leader.state).toBe('closed');
  });
});

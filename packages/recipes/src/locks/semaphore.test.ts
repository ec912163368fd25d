import { expect, it } from 'vitest';
import type { ZooKeeperClient } from '@vivarium/client';
import { forEachBackend } from '../../test-support/for-each-backend.ts';
import { Semaphore } from './semaphore.ts';
import type { LockState } from './sequential-lock.ts';

forEachBackend('Semaphore', ({ backend, path }) => {
  function semaphoreOf(client: ZooKeeperClient, maxLeases: number): Semaphore {
    return new Semaphore(client, path('sem'), { maxLeases, scheduler: backend().scheduler });
  }

  it('grants at most maxLeases; a closed lease lets the next waiter in', async () => {
    const b = backend();
    const clients = [await b.client(), await b.client(), await b.client()];
    const [s1, s2, s3] = clients.map((c) => semaphoreOf(c, 2));
    const l1 = await b.drive(s1!.acquire());
    const l2 = await b.drive(s2!.acquire());
    expect(l1?.isHeld).toBe(true);
    expect(l2?.isHeld).toBe(true);
    const third = s3!.acquire();
    await b.run(200);
    let thirdLease: unknown;
    void third.then((lease) => { thirdLease = lease; });
    await b.run(50);
    expect(thirdLease).toBeUndefined();
    await b.drive(l1!.close());
    expect(l1!.state).toBe('idle');
    const l3 = await b.drive(third);
    expect(l3?.isHeld).toBe(true);
    expect(await b.drive(s1!.participantNodes())).toHaveLength(2);
    await b.drive(l2!.close());
    await b.drive(l3!.close());
    expect(await b.drive(s1!.participantNodes())).toHaveLength(0);
  });

  it('acquireMany is all or none, and a timed-out acquire leaves no lease node', async () => {
    const b = backend();
    const [c1, c2] = [await b.client(), await b.client()];
    const s1 = semaphoreOf(c1, 3);
    const s2 = semaphoreOf(c2, 3);
    const two = await b.drive(s1.acquireMany(2));
    expect(two).toHaveLength(2);
    expect(await b.drive(s2.acquireMany(2, { timeoutMs: 300 }))).toBeUndefined();
    await b.eventually(() => s1.participantNodes(), (nodes) => nodes.length === 2);
    const one = await b.drive(s2.acquire({ timeoutMs: 2000 }));
    expect(one?.isHeld).toBe(true);
    await b.drive(Promise.all([...two!, one!].map((lease) => lease.close())));
    expect(await b.drive(s1.participantNodes())).toEqual([]);
    await expect(s1.acquireMany(4)).rejects.toThrow(/1\.\.3/);
  });

  it('a lease is suspended while the connection is down and held again after the reconnect check; lost when the session ends', async () => {
    const b = backend();
    const client = await b.client();
    const semaphore = semaphoreOf(client, 1);
    const lease = await b.drive(semaphore.acquire());
    const states: LockState[] = [];
    lease!.onStateChange((s) => states.push(s));
    client.disconnect();
    expect(lease!.state).toBe('suspended');
    await b.until(() => lease!.state === 'held', undefined, 'lease held again');
    await b.drive(b.expireSession(client));
    await b.until(() => lease!.state === 'lost', undefined, 'lease lost');
    // The takeover that ends the session first drops our connection (suspended), then the reconnect learns it expired.
    expect(states.slice(0, 2)).toEqual(['suspended', 'held']);
    expect(states.at(-1)).toBe('lost');
    await lease!.close();
    expect(lease!.state).toBe('idle');
    const other = semaphoreOf(await b.client(), 1);
    const next = await b.drive(other.acquire({ timeoutMs: 5000 }));
    expect(next?.isHeld).toBe(true);
    await b.drive(next!.close());
  });
});

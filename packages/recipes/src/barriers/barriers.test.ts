import { expect, it } from 'vitest';
import type { ZooKeeperClient } from '@vivarium/client';
import { forEachBackend } from '../../test-support/for-each-backend.ts';
import { DistributedBarrier } from './distributed-barrier.ts';
import { DistributedDoubleBarrier } from './double-barrier.ts';

forEachBackend('DistributedBarrier', ({ backend, path }) => {
  it('holds waiters while set and releases them all when removed', async () => {
    const b = backend();
    const controller = new DistributedBarrier(await b.client(), path('gate'), { scheduler: b.scheduler });
    const waiters = [await b.client(), await b.client()].map((c) => new DistributedBarrier(c, path('gate'), { scheduler: b.scheduler }));
    expect(await b.drive(waiters[0]!.waitOnBarrier({ timeoutMs: 100 }))).toBe(true);
    await b.drive(controller.setBarrier());
    await b.drive(controller.setBarrier());
    expect(await b.drive(waiters[0]!.waitOnBarrier({ timeoutMs: 200 }))).toBe(false);
    const passed: number[] = [];
    const waiting = waiters.map((w, i) => w.waitOnBarrier().then((ok) => { if (ok) passed.push(i); }));
    await b.run(200);
    expect(passed).toEqual([]);
    await b.drive(controller.removeBarrier());
    await b.drive(Promise.all(waiting));
    expect(passed.sort()).toEqual([0, 1]);
    await b.drive(controller.removeBarrier());
  });

  it('a waiter survives a dropped connection; it is rejected when its session ends', async () => {
    const b = backend();
    const controller = new DistributedBarrier(await b.client(), path('gate'), { scheduler: b.scheduler });
    const client = await b.client();
    const waiter = new DistributedBarrier(client, path('gate'), { scheduler: b.scheduler });
    await b.drive(controller.setBarrier());
    const waiting = waiter.waitOnBarrier();
    await b.run(50);
    client.disconnect();
    await b.drive(controller.removeBarrier());
    expect(await b.drive(waiting)).toBe(true);
    await b.drive(controller.setBarrier());
    const doomed = waiter.waitOnBarrier().then(() => 'passed', (error: unknown) => String(error));
    await b.run(50);
    await b.drive(b.expireSession(client));
    expect(await b.drive(doomed)).toMatch(/SESSIONEXPIRED/);
  });
});

forEachBackend('DistributedDoubleBarrier', ({ backend, path }) => {
  function barrierOf(client: ZooKeeperClient, id: string, qty = 3): DistributedDoubleBarrier {
    return new DistributedDoubleBarrier(client, path('double'), qty, { id, scheduler: backend().scheduler });
  }

  it('enter returns only once all have entered; leave only once all have left; nothing is left behind', async () => {
    const b = backend();
    const clients = [await b.client(), await b.client(), await b.client()];
    const members = clients.map((c, i) => barrierOf(c, `m${i}`));
    const log: string[] = [];
    const entering = members.slice(0, 2).map((m) => m.enter().then(() => log.push(`in:${m.id}`)));
    await b.run(200);
    expect(log).toEqual([]);
    await b.drive(members[2]!.enter().then(() => log.push('in:m2')));
    await b.drive(Promise.all(entering));
    expect(log.sort()).toEqual(['in:m0', 'in:m1', 'in:m2']);
    const leaving = members.slice(1).map((m) => m.leave().then(() => log.push(`out:${m.id}`)));
    await b.run(200);
    expect(log.filter((l) => l.startsWith('out'))).toEqual([]);
    await b.drive(members[0]!.leave().then(() => log.push('out:m0')));
    await b.drive(Promise.all(leaving));
    expect(log.filter((l) => l.startsWith('out')).sort()).toEqual(['out:m0', 'out:m1', 'out:m2']);
    expect(await b.drive(clients[0]!.getChildren(path('double')).catch(() => []))).toEqual([]);
  });

  it('enter gives up after timeoutMs and removes its node', async () => {
    const b = backend();
    const client = await b.client();
    const lonely = barrierOf(client, 'alone', 2);
    expect(await b.drive(lonely.enter({ timeoutMs: 200 }))).toBe(false);
    expect(await b.drive(client.getChildren(path('double')))).toEqual([]);
    await expect(lonely.leave()).rejects.toThrow(/not entered/);
  });
});

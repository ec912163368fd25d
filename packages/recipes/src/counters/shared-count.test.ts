import { expect, it, vi } from 'vitest';
import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';
import { forEachBackend } from '../../test-support/for-each-backend.ts';
import { counterIdSource } from '../support/id-source.ts';
import { SharedCount } from './shared-count.ts';

forEachBackend('SharedCount', ({ backend, path }) => {
  it('seeds once, follows changes, and refuses a stale version-checked update', async () => {
    const b = backend();
    const [c1, c2] = [await b.client(), await b.client()];
    const a = new SharedCount(c1, path('counter'), 7, { scheduler: b.scheduler });
    const other = new SharedCount(c2, path('counter'), 99, { scheduler: b.scheduler });
    await b.drive(a.start());
    await b.drive(other.start());
    expect(a.count).toBe(7);
    expect(other.count).toBe(7);
    const seen: number[] = [];
    other.onChange((value) => seen.push(value));
    const stale = a.versionedValue;
    expect(await b.drive(a.trySetCount(stale, 8))).toBe(true);
    expect(await b.drive(a.trySetCount(stale, 9))).toBe(false);
    await b.until(() => other.count === 8, undefined, 'other sees 8');
    expect(seen).toEqual([8]);
    await b.drive(a.setCount(-3));
    await b.until(() => other.count === -3, undefined, 'other sees -3');
    await expect(a.setCount(2 ** 31)).rejects.toThrow(/32-bit/);
    a.close();
    other.close();
  });

  it('concurrent add()s from several clients all count', async () => {
    const b = backend();
    const counters = await Promise.all([0, 1, 2].map(async () => new SharedCount(await b.client(), path('counter'), 0, { scheduler: b.scheduler })));
    for (const counter of counters) await b.drive(counter.start());
    await b.drive(Promise.all(counters.map(async (counter) => {
      for (let i = 0; i < 10; i++) await counter.add(1);
    })));
    expect((await b.drive(counters[0]!.read())).value).toBe(30);
    for (const counter of counters) counter.close();
  });

  it('an update whose reply was lost is recognised by its receipt and not applied twice', async () => {
    const b = backend();
    const client = await b.client();
    const counter = new SharedCount(client, path('counter'), 0, { scheduler: b.scheduler, idSource: counterIdSource('w-') });
    await b.drive(counter.start());
    const multiOps = client.multiOps.bind(client);
    let lost = 0;
    vi.spyOn(client, 'multiOps').mockImplementation(async (ops, toServer) => {
      const outcome = await multiOps(ops, toServer);
      if (lost++ === 0) throw new ZooKeeperError(ErrorCode.connectionLoss, { detail: 'reply lost (test)' });
      return outcome;
    });
    expect(await b.drive(counter.add(5))).toBe(5);
    expect((await b.drive(counter.read())).value).toBe(5);
    await b.eventually(() => client.getChildren(path('counter')), (children) => children.length === 0);
    counter.close();
  });
});

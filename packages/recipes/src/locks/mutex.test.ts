import { expect, it, vi } from 'vitest';
import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';
import type { ZooKeeperClient } from '@vivarium/client';
import { forEachBackend } from '../../test-support/for-each-backend.ts';
import { counterIdSource } from '../support/id-source.ts';
import { Mutex, type MutexOptions } from './mutex.ts';
import { requestRevocation } from './revocation.ts';
import type { LockState } from './sequential-lock.ts';

forEachBackend('Mutex', ({ backend, path }) => {
  function mutexOf(client: ZooKeeperClient, lockPath: string, options: MutexOptions = {}): Mutex {
    return new Mutex(client, lockPath, { scheduler: backend().scheduler, ...options });
  }

  it('acquires, creates the missing parents as containers, and deletes its node on release', async () => {
    const b = backend();
    const client = await b.client();
    const lockPath = path('locks/a');
    const mutex = mutexOf(client, lockPath);
    expect(await b.drive(mutex.acquire())).toBe(true);
    expect(mutex.isHeld).toBe(true);
    expect(mutex.state).toBe('held');
    const children = await b.drive(client.getChildren(lockPath));
    expect(children).toHaveLength(1);
    expect(children[0]).toMatch(/^_c_[0-9a-f-]+-lock-\d{10}$/);
    const parent = await b.drive(client.exists(lockPath));
    expect(parent?.ephemeralOwner).toBe(0n);
    await b.drive(mutex.release());
    expect(mutex.state).toBe('idle');
    expect(await b.drive(client.getChildren(lockPath))).toEqual([]);
  });

  it('is reentrant per object: each acquire needs its release, the last one deletes the node', async () => {
    const b = backend();
    const client = await b.client();
    const mutex = mutexOf(client, path('lock'));
    expect(await b.drive(mutex.acquire())).toBe(true);
    expect(await b.drive(mutex.acquire())).toBe(true);
    await b.drive(mutex.release());
    expect(mutex.isHeld).toBe(true);
    expect(await b.drive(client.getChildren(path('lock')))).toHaveLength(1);
    await b.drive(mutex.release());
    expect(mutex.isHeld).toBe(false);
    expect(await b.drive(client.getChildren(path('lock')))).toHaveLength(0);
    await expect(mutex.release()).rejects.toThrow(/does not hold/);
  });

  it('excludes a second client until the first releases', async () => {
    const b = backend();
    const [c1, c2] = [await b.client(), await b.client()];
    const first = mutexOf(c1, path('lock'));
    const second = mutexOf(c2, path('lock'));
    expect(await b.drive(first.acquire())).toBe(true);
    const waiting = second.acquire();
    await b.run(200);
    expect(second.isHeld).toBe(false);
    await b.drive(first.release());
    expect(await b.drive(waiting)).toBe(true);
    expect(second.isHeld).toBe(true);
    await b.drive(second.release());
  });

  it('each waiter watches only its predecessor, and a release wakes exactly one waiter (no herd)', async () => {
    const b = backend();
    const clients = [await b.client(), await b.client(), await b.client(), await b.client()];
    const watched: string[][] = clients.map(() => []);
    const listings = clients.map(() => 0);
    clients.forEach((client, i) => {
      const getData = client.getData.bind(client);
      vi.spyOn(client, 'getData').mockImplementation((p, watcher) => {
        if (watcher !== undefined) watched[i]?.push(p);
        return getData(p, watcher);
      });
      const getChildren = client.getChildren.bind(client);
      vi.spyOn(client, 'getChildren').mockImplementation((p, watcher) => {
        listings[i] = (listings[i] ?? 0) + 1;
        return getChildren(p, watcher);
      });
    });
    const mutexes = clients.map((client) => mutexOf(client, path('lock')));
    expect(await b.drive(mutexes[0]!.acquire())).toBe(true);
    const waits: Array<Promise<boolean>> = [];
    for (const mutex of mutexes.slice(1)) {
      waits.push(mutex.acquire());
      await b.until(() => watched[waits.length]!.length === 1, undefined, 'waiter watching');
    }
    const nodes = await b.drive(mutexes[0]!.participantNodes());
    expect(nodes).toHaveLength(4);
    for (let i = 1; i < 4; i++) expect(watched[i]).toEqual([nodes[i - 1]]);
    const before = [...listings];
    await b.drive(mutexes[0]!.release());
    expect(await b.drive(waits[0]!)).toBe(true);
    await b.run(100);
    // Only the next in line looked at the children again; the others still sleep on their predecessors.
    expect(listings[1]).toBeGreaterThan(before[1]!);
    expect(listings[2]).toBe(before[2]);
    expect(listings[3]).toBe(before[3]);
    for (let i = 1; i < 4; i++) {
      await b.drive(mutexes[i]!.release());
      if (i < 3) expect(await b.drive(waits[i]!)).toBe(true);
    }
  });

  it('gives up after timeoutMs, removing its node, and an aborted acquire does too', async () => {
    const b = backend();
    const [c1, c2] = [await b.client(), await b.client()];
    const holder = mutexOf(c1, path('lock'));
    expect(await b.drive(holder.acquire())).toBe(true);
    const waiter = mutexOf(c2, path('lock'));
    expect(await b.drive(waiter.acquire({ timeoutMs: 300 }))).toBe(false);
    // The waiter's node goes right after the timeout (the delete is sent as the wait gives up).
    await b.eventually(() => c1.getChildren(path('lock')), (children) => children.length === 1);
    const controller = new AbortController();
    const aborted = waiter.acquire({ signal: controller.signal });
    await b.run(50);
    controller.abort();
    expect(await b.drive(aborted)).toBe(false);
    expect(waiter.isAcquired).toBe(false);
    await b.drive(holder.release());
    expect(await b.drive(waiter.acquire({ timeoutMs: 5000 }))).toBe(true);
    await b.drive(waiter.release());
  });

  it('protected creation: a create whose reply was lost is found again, not created twice', async () => {
    const b = backend();
    const client = await b.client();
    const create = client.create.bind(client);
    let lost = 0;
    vi.spyOn(client, 'create').mockImplementation(async (p, data, options) => {
      const created = await create(p, data, options);
      if (options?.mode === 'ephemeralSequential' && lost++ === 0) {
        // The server made the node; the reply went down with the connection.
        throw new ZooKeeperError(ErrorCode.connectionLoss, { path: p, detail: 'reply lost (test)' });
      }
      return created;
    });
    const mutex = mutexOf(client, path('lock'), { idSource: counterIdSource('client-a-') });
    expect(await b.drive(mutex.acquire())).toBe(true);
    const children = await b.drive(client.getChildren(path('lock')));
    expect(children).toHaveLength(1);
    expect(children[0]).toMatch(/^_c_client-a-0-lock-\d{10}$/);
    expect(mutex.nodePath).toBe(`${path('lock')}/${children[0]}`);
    await b.drive(mutex.release());
  });

  it('revocation: the holder is asked through its node data and releases', async () => {
    const b = backend();
    const [c1, c2] = [await b.client(), await b.client()];
    const holder = mutexOf(c1, path('lock'));
    let asked = 0;
    holder.makeRevocable(() => {
      asked++;
      void holder.release();
    });
    expect(await b.drive(holder.acquire())).toBe(true);
    const other = mutexOf(c2, path('lock'));
    const waiting = other.acquire();
    const [holderNode] = await b.drive(other.participantNodes());
    expect(await b.drive(requestRevocation(c2, holderNode!))).toBe(true);
    expect(await b.drive(waiting)).toBe(true);
    expect(asked).toBe(1);
    expect(holder.isHeld).toBe(false);
    await b.drive(other.release());
    expect(await b.drive(requestRevocation(c2, holderNode!))).toBe(false);
  });

  it('suspended on a dropped connection, held again after the reconnect check', async () => {
    const b = backend();
    const client = await b.client();
    const mutex = mutexOf(client, path('lock'));
    const states: LockState[] = [];
    mutex.onStateChange((s) => states.push(s));
    expect(await b.drive(mutex.acquire())).toBe(true);
    client.disconnect();
    expect(mutex.state).toBe('suspended');
    expect(mutex.isHeld).toBe(false);
    expect(mutex.isAcquired).toBe(true);
    await b.until(() => mutex.state === 'held', undefined, 'held again');
    expect(states).toEqual(['held', 'suspended', 'held']);
    await b.drive(mutex.release());
  });

  it('after a reconnect the holder checks its node: deleted meanwhile means lost, not held', async () => {
    const b = backend();
    const [c1, c2] = [await b.client(), await b.client()];
    const holder = mutexOf(c1, path('lock'));
    const waiter = mutexOf(c2, path('lock'));
    expect(await b.drive(holder.acquire())).toBe(true);
    const waiting = waiter.acquire();
    const node = holder.nodePath!;
    c1.disconnect();
    // An operator removes the holder's node while it is away; its session lives on.
    await b.drive(c2.delete(node));
    expect(await b.drive(waiting)).toBe(true);
    await b.until(() => holder.state === 'lost', undefined, 'holder lost after its check');
    expect(c1.state).toBe('connected');
    expect(holder.isHeld).toBe(false);
    await holder.release();
    await b.drive(waiter.release());
  });

  it('lost when the session expires; the next waiter gets the lock; release() clears the lost state', async () => {
    const b = backend();
    const [c1, c2] = [await b.client(), await b.client()];
    const holder = mutexOf(c1, path('lock'));
    const waiter = mutexOf(c2, path('lock'));
    expect(await b.drive(holder.acquire())).toBe(true);
    const waiting = waiter.acquire();
    await b.drive(b.expireSession(c1));
    expect(await b.drive(waiting)).toBe(true);
    await b.until(() => holder.state === 'lost', undefined, 'holder lost');
    expect(holder.isHeld).toBe(false);
    await holder.release();
    expect(holder.state).toBe('idle');
    await b.drive(waiter.release());
  });

  it('a waiter whose session ends is rejected with SESSIONEXPIRED', async () => {
    const b = backend();
    const [c1, c2] = [await b.client(), await b.client()];
    const holder = mutexOf(c1, path('lock'));
    expect(await b.drive(holder.acquire())).toBe(true);
    const waiter = mutexOf(c2, path('lock'));
    const waiting = waiter.acquire().then(() => 'acquired', (error: unknown) => error);
    await b.run(50);
    await b.drive(b.expireSession(c2));
    expect(String(await b.drive(waiting))).toMatch(/SESSIONEXPIRED/);
    expect(await b.drive(holder.participantNodes())).toHaveLength(1);
    await b.drive(holder.release());
  });
});

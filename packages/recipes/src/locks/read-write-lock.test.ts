import { expect, it } from 'vitest';
import type { ZooKeeperClient } from '@vivarium/client';
import { forEachBackend } from '../../test-support/for-each-backend.ts';
import { ReadWriteLock } from './read-write-lock.ts';

forEachBackend('ReadWriteLock', ({ backend, path }) => {
  function lockOf(client: ZooKeeperClient): ReadWriteLock {
    return new ReadWriteLock(client, path('rw'), { scheduler: backend().scheduler });
  }

  it('readers share; a writer waits for them, and readers that come after a waiting writer wait for it', async () => {
    const b = backend();
    const [r1, r2, w, r3] = [lockOf(await b.client()), lockOf(await b.client()), lockOf(await b.client()), lockOf(await b.client())];
    expect(await b.drive(r1.readLock.acquire())).toBe(true);
    expect(await b.drive(r2.readLock.acquire())).toBe(true);
    const writing = w.writeLock.acquire();
    await b.eventually(() => r1.readLock.participantNodes(), (nodes) => nodes.length === 3);
    const reading = r3.readLock.acquire();
    await b.eventually(() => r1.readLock.participantNodes(), (nodes) => nodes.length === 4);
    await b.run(100);
    expect(w.writeLock.isHeld).toBe(false);
    expect(r3.readLock.isHeld).toBe(false);
    await b.drive(r1.readLock.release());
    await b.drive(r2.readLock.release());
    expect(await b.drive(writing)).toBe(true);
    await b.run(100);
    expect(r3.readLock.isHeld).toBe(false);
    await b.drive(w.writeLock.release());
    expect(await b.drive(reading)).toBe(true);
    await b.drive(r3.readLock.release());
  });

  it('writers exclude each other; a writer may take the read lock and downgrade', async () => {
    const b = backend();
    const [a, other] = [lockOf(await b.client()), lockOf(await b.client())];
    expect(await b.drive(a.writeLock.acquire())).toBe(true);
    expect(await b.drive(other.writeLock.acquire({ timeoutMs: 200 }))).toBe(false);
    expect(await b.drive(other.readLock.acquire({ timeoutMs: 200 }))).toBe(false);
    expect(await b.drive(a.readLock.acquire({ timeoutMs: 2000 }))).toBe(true);
    await b.drive(a.writeLock.release());
    // Downgraded: another reader may join, a writer may not.
    expect(await b.drive(other.readLock.acquire({ timeoutMs: 2000 }))).toBe(true);
    await b.drive(other.readLock.release());
    expect(await b.drive(other.writeLock.acquire({ timeoutMs: 200 }))).toBe(false);
    await b.drive(a.readLock.release());
    expect(await b.drive(other.writeLock.acquire({ timeoutMs: 2000 }))).toBe(true);
    await b.drive(other.writeLock.release());
  });
});

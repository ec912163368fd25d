/**
 * The semaphore and the read-write lock under the same faults as the mutex
 * (see mutex-faults.test.ts for the holder definition): never more than
 * maxLeases leases held at once; never a writer together with anyone else.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VivariumBackend } from '../../test-support/vivarium-backend.ts';
import { runHoldWorkload, type Fault } from '../../test-support/lock-workload.ts';
import { exclusiveOverlaps } from '../../test-support/intervals.ts';
import { counterIdSource } from '../support/id-source.ts';
import { Semaphore, type Lease } from './semaphore.ts';
import { ReadWriteLock } from './read-write-lock.ts';
import type { LockState } from './sequential-lock.ts';

const open: VivariumBackend[] = [];
afterEach(async () => {
  for (const backend of open.splice(0)) await backend.close();
});

const faults: Fault[] = ['expireHolder', 'cutBriefly', 'crashLeader', 'isolateMember', 'expireHolder'];
const seeds = (process.env.RECIPES_SEEDS ?? '1,2').split(',').map(Number);

describe('Semaphore under faults (vivarium, manual clock)', () => {
  for (const seed of seeds) {
    it(`never more than maxLeases (2) leases at once (seed ${seed})`, async () => {
      const backend = await new VivariumBackend({ seed }).start();
      open.push(backend);
      const result = await runHoldWorkload({
        backend,
        seed,
        actors: 5,
        faults,
        nodesGoneUnder: '/faults/sem/leases',
        make: (client, actor) => {
          const semaphore = new Semaphore(client, '/faults/sem', { maxLeases: 2, scheduler: backend.scheduler, idSource: counterIdSource(`${actor}-`) });
          let lease: Lease | undefined;
          const listeners: Array<(state: LockState) => void> = [];
          return {
            acquire: async (timeoutMs) => {
              lease = await semaphore.acquire({ timeoutMs });
              if (lease === undefined) return false;
              for (const listener of listeners) lease.onStateChange(listener);
              for (const listener of listeners) listener(lease.state);
              return true;
            },
            release: async () => {
              await lease?.close();
            },
            isHolding: () => lease?.isHeld === true,
            onChange: (listener) => void listeners.push(listener),
          };
        },
      });
      const overlap = result.recorder.maxConcurrent();
      expect(result.errors).toEqual([]);
      expect(overlap.max, `holders ${overlap.holders.join(', ')} at ${overlap.at}`).toBeLessThanOrEqual(2);
      expect(overlap.max).toBe(2);
      expect(result.acquisitions).toBeGreaterThan(10);
      expect(result.sessionsLost).toBeGreaterThanOrEqual(1);
    }, 60_000);
  }
});

describe('ReadWriteLock under faults (vivarium, manual clock)', () => {
  for (const seed of seeds) {
    it(`a writer never overlaps anyone (seed ${seed})`, async () => {
      const backend = await new VivariumBackend({ seed }).start();
      open.push(backend);
      const result = await runHoldWorkload({
        backend,
        seed,
        actors: 5,
        faults,
        nodesGoneUnder: '/faults/rw',
        make: (client, actor) => {
          const writer = actor.startsWith('actor-0') || actor.startsWith('actor-1');
          const rw = new ReadWriteLock(client, '/faults/rw', { scheduler: backend.scheduler, idSource: counterIdSource(`${actor}-`) });
          const lock = writer ? rw.writeLock : rw.readLock;
          return {
            acquire: (timeoutMs) => lock.acquire({ timeoutMs }),
            release: () => lock.release(),
            isHolding: () => lock.isHeld,
            onChange: (listener) => void lock.onStateChange(listener),
          };
        },
      });
      expect(result.errors).toEqual([]);
      const writerOf = (who: string) => who.startsWith('actor-0') || who.startsWith('actor-1');
      expect(exclusiveOverlaps(result.recorder.intervals, (i) => writerOf(i.who))).toEqual([]);
      // Readers did share the lock at times.
      expect(result.recorder.maxConcurrent().max).toBeGreaterThan(1);
      expect(result.acquisitions).toBeGreaterThan(10);
    }, 60_000);
  }
});

/**
 * The semaphore and the read-write lock under the simulator's seeded fault
 * schedule, as the mutex (see mutex-faults.test.ts for the schedule and the
 * holder definition): never more than maxLeases leases held at once; never a
 * writer together with anyone else. Seeds: RECIPES_SEEDS; a failure prints its replay line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { VivariumBackend } from '../../test-support/vivarium-backend.ts';
import { describeFaultReport } from '@vivarium/simulation';
import { runHoldWorkload } from '../../test-support/lock-workload.ts';
import { faultSeeds, withReplay } from '../../test-support/fault-seeds.ts';
import { exclusiveOverlaps } from '../../test-support/intervals.ts';
import { counterIdSource } from '../support/id-source.ts';
import { Semaphore, type Lease } from './semaphore.ts';
import { ReadWriteLock } from './read-write-lock.ts';
import type { LockState } from './sequential-lock.ts';

const open: VivariumBackend[] = [];
afterEach(async () => {
  for (const backend of open.splice(0)) await backend.close();
});

const seeds = faultSeeds([1, 2, 3, 4, 5, 6]);

describe('Semaphore under the seeded fault schedule (vivarium fixture, manual clock)', () => {
  for (const seed of seeds) {
    it(`never more than maxLeases (2) leases at once (seed ${seed})`, () => withReplay(seed, import.meta.url, async () => {
      const backend = await VivariumBackend.start({ seed });
      open.push(backend);
      const result = await runHoldWorkload({
        backend,
        seed,
        actors: 5,
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
      const faults = describeFaultReport(result.report);
      const overlap = result.recorder.maxConcurrent();
      expect(result.errors, faults).toEqual([]);
      expect(overlap.max, `holders ${overlap.holders.join(', ')} at ${overlap.at}; ${faults}`).toBeLessThanOrEqual(2);
      // Both leases were in use at once: the bound was reached, not just never approached.
      expect(overlap.max, faults).toBe(2);
      expect(result.acquisitions, faults).toBeGreaterThan(10);
    }), 60_000);
  }
});

describe('ReadWriteLock under the seeded fault schedule (vivarium fixture, manual clock)', () => {
  for (const seed of seeds) {
    it(`a writer never overlaps anyone (seed ${seed})`, () => withReplay(seed, import.meta.url, async () => {
      const backend = await VivariumBackend.start({ seed });
      open.push(backend);
      const result = await runHoldWorkload({
        backend,
        seed,
        actors: 5,
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
      const faults = describeFaultReport(result.report);
      expect(result.errors, faults).toEqual([]);
      const writerOf = (who: string) => who.startsWith('actor-0') || who.startsWith('actor-1');
      expect(exclusiveOverlaps(result.recorder.intervals, (i) => writerOf(i.who)), faults).toEqual([]);
      // Readers did share the lock at times.
      expect(result.recorder.maxConcurrent().max, faults).toBeGreaterThan(1);
      expect(result.acquisitions, faults).toBeGreaterThan(10);
    }), 60_000);
  }
});

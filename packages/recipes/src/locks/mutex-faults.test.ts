/**
 * Safety of the mutex under faults, on an in-process ensemble and the manual
 * clock: actors take the lock in turn while holders are cut off until their
 * sessions expire, links drop briefly, the leader crashes and members are
 * isolated. "Holder" is Curator's definition: from acquire until release, or
 * until the holder's connection drops (SUSPENDED), whichever is first; after a
 * reconnect the lock counts as held again only once it has checked its node
 * still exists on its session. Under that definition at most one actor holds
 * the lock at any instant of simulated time.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Mutex } from './mutex.ts';
import { VivariumBackend } from '../../test-support/vivarium-backend.ts';
import { runHoldWorkload, type Fault } from '../../test-support/lock-workload.ts';
import { counterIdSource } from '../support/id-source.ts';

const open: VivariumBackend[] = [];
afterEach(async () => {
  for (const backend of open.splice(0)) await backend.close();
});

const faults: Fault[] = ['expireHolder', 'cutBriefly', 'crashLeader', 'isolateMember', 'expireHolder', 'calm'];

describe('Mutex under faults (vivarium, manual clock)', () => {
  for (const seed of (process.env.RECIPES_SEEDS ?? "1,2,3").split(",").map(Number)) {
    it(`never has two holders at once (seed ${seed})`, async () => {
      const backend = await new VivariumBackend({ seed }).start();
      open.push(backend);
      const result = await runHoldWorkload({
        backend,
        seed,
        actors: 4,
        nodesGoneUnder: '/faults/lock',
        faults,
        make: (client, actor) => {
          const mutex = new Mutex(client, '/faults/lock', { scheduler: backend.scheduler, idSource: counterIdSource(`${actor}-`) });
          return {
            acquire: (timeoutMs) => mutex.acquire({ timeoutMs }),
            release: () => mutex.release(),
            isHolding: () => mutex.isHeld,
            onChange: (listener) => void mutex.onStateChange(listener),
          };
        },
      });
      const overlap = result.recorder.maxConcurrent();
      expect(result.errors).toEqual([]);
      expect(overlap.max, `holders ${overlap.holders.join(', ')} at ${overlap.at}`).toBe(1);
      expect(result.acquisitions).toBeGreaterThan(10);
      expect(result.sessionsLost).toBeGreaterThanOrEqual(1);
    }, 60_000);
  }
});

/**
 * Safety of the mutex under the simulator's seeded fault schedule, on the
 * ensemble fixture and the manual clock: actors take the lock in turn while
 * the schedule partitions and crashes members (leader failover), drops,
 * delays and duplicates messages, expires sessions and cuts holders off (for
 * less than their session timeout, or until it expires while they cannot
 * tell), then heals. "Holder" is Curator's definition: from acquire until
 * release, or until the holder's connection drops (SUSPENDED), whichever is
 * first; after a reconnect the lock counts as held again only once it has
 * checked its node still exists on its session. Under that definition at most
 * one actor holds the lock at any instant of simulated time.
 *
 * Seeds: RECIPES_SEEDS (see test-support/fault-seeds.ts); a failure prints its replay line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { describeFaultReport } from '@vivarium/simulation';
import { Mutex } from './mutex.ts';
import { VivariumBackend } from '../../test-support/vivarium-backend.ts';
import { runHoldWorkload } from '../../test-support/lock-workload.ts';
import { faultSeeds, withReplay } from '../../test-support/fault-seeds.ts';
import { counterIdSource } from '../support/id-source.ts';

const open: VivariumBackend[] = [];
afterEach(async () => {
  for (const backend of open.splice(0)) await backend.close();
});

const seeds = faultSeeds([1, 2, 3, 4, 5, 6, 7, 8]);
const sessionsLostBySeed: number[] = [];

describe('Mutex under the seeded fault schedule (vivarium fixture, manual clock)', () => {
  for (const seed of seeds) {
    it(`never has two holders at once (seed ${seed})`, () => withReplay(seed, import.meta.url, async () => {
      const backend = await VivariumBackend.start({ seed });
      open.push(backend);
      const result = await runHoldWorkload({
        backend,
        seed,
        actors: 4,
        nodesGoneUnder: '/faults/lock',
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
      const faults = describeFaultReport(result.report);
      const overlap = result.recorder.maxConcurrent();
      expect(result.errors, faults).toEqual([]);
      expect(overlap.max, `holders ${overlap.holders.join(', ')} at ${overlap.at}; ${faults}`).toBe(1);
      expect(result.acquisitions, faults).toBeGreaterThan(10);
      sessionsLostBySeed.push(result.sessionsLost);
    }), 60_000);
  }

  it('a release answered SESSIONEXPIRED by a leader that then loses its quorum still deletes the node (the session lives on)', async () => {
    // Regression (found by the schedule): the delete's SESSIONEXPIRED was taken as "gone with the session", but the
    // leader that marked the session closing lost its quorum before the close committed, the next leader revived
    // the session, and its lock node stayed: a lock nobody could take again.
    const backend = await VivariumBackend.start({ seed: 11 });
    open.push(backend);
    const fixture = backend.fixture;
    const leader = (await fixture.waitForLeader());
    const holder = await backend.client({ member: leader.id });
    const mutex = new Mutex(holder, '/faults/release', { scheduler: backend.scheduler });
    expect(await backend.drive(mutex.acquire({ timeoutMs: 5000 }))).toBe(true);
    // The leader, cut off from its followers, decides to expire the session: it can no longer commit the close.
    fixture.isolate(leader.id);
    expect(leader.engine.expireSession(holder.sessionId)).toBe(true);
    await backend.drive(mutex.release(), 30_000);
    fixture.heal();
    expect(holder.state).toBe('connected');
    const observer = await backend.client();
    expect(await backend.drive(observer.getChildren('/faults/release'))).toEqual([]);
  }, 60_000);

  // Not per seed: an expiry the leader decided can be undone when it loses its quorum before the close
  // commits (the next leader revives the session, as in ZooKeeper), and a long cut may fall where no leader can expire it.
  it.skipIf(seeds.length < 3)('across the seeds, actors lost sessions and came back with new ones', () => {
    expect(sessionsLostBySeed.filter((n) => n > 0).length).toBeGreaterThanOrEqual(1);
  });
});

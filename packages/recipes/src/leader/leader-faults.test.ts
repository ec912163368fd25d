/**
 * Leader election under the simulator's seeded fault schedule (see
 * mutex-faults.test.ts): partitions, leader failover, crashed members, lossy
 * links, expired sessions, leaders cut off until their sessions expire. A
 * leader counts from the moment its recipe says it leads until it says it no
 * longer does (which happens at once when its connection drops). Each actor
 * opens a new client (a new session generation) when its session ends; within
 * and across generations, never two leaders at once; and once the faults are
 * healed, exactly one latch leads: the one owning the first node.
 * Seeds: RECIPES_SEEDS; a failure prints its replay line.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ZooKeeperClient } from '@vivarium/client';
import { describeFaultReport, runFaultSchedule } from '@vivarium/simulation';
import { VivariumBackend } from '../../test-support/vivarium-backend.ts';
import { holdSchedule, runHoldWorkload, type Holdable } from '../../test-support/lock-workload.ts';
import { IntervalRecorder } from '../../test-support/intervals.ts';
import { faultSeeds, withReplay } from '../../test-support/fault-seeds.ts';
import { counterIdSource } from '../support/id-source.ts';
import { LeaderLatch } from './leader-latch.ts';
import { LeaderSelector } from './leader-selector.ts';

const open: VivariumBackend[] = [];
afterEach(async () => {
  for (const backend of open.splice(0)) await backend.close();
});

const seeds = faultSeeds([1, 2, 3, 4, 5, 6]);

/** A latch seen as a holdable: acquire joins (a fresh latch) and awaits leadership; release (or giving up) leaves, so leadership rotates. */
function latchHoldable(client: ZooKeeperClient, actor: string, backend: VivariumBackend): Holdable {
  const ids = counterIdSource(`${actor}-`);
  const listeners: Array<() => void> = [];
  let latch: LeaderLatch | undefined;
  return {
    acquire: async (timeoutMs) => {
      if (latch === undefined || latch.state !== 'started') {
        latch = new LeaderLatch(client, '/faults/latch', { id: actor, scheduler: backend.scheduler, idSource: ids });
        for (const listener of listeners) latch.onLeadershipChange(listener);
        await latch.start();
      }
      if (await latch.await({ timeoutMs })) return true;
      // Gave up waiting: leave the line (the workload checks no node is left behind at the end).
      const leaving = latch;
      latch = undefined;
      await leaving.close();
      return false;
    },
    release: async () => {
      const leaving = latch;
      latch = undefined;
      await leaving?.close();
    },
    isHolding: () => latch?.hasLeadership === true,
    onChange: (listener) => void listeners.push(listener),
  };
}

/** A selector seen as a holdable: started once; acquire waits for a term, release ends it. */
function selectorHoldable(client: ZooKeeperClient, actor: string, backend: VivariumBackend): Holdable {
  let endTerm: (() => void) | undefined;
  const selector = new LeaderSelector(client, '/faults/selector', (signal) => new Promise<void>((resolve) => {
    endTerm = resolve;
    signal.addEventListener('abort', () => resolve(), { once: true });
  }), { id: actor, scheduler: backend.scheduler, idSource: counterIdSource(`${actor}-`) });
  selector.start();
  return {
    acquire: (timeoutMs) => new Promise<boolean>((resolve) => {
      if (selector.hasLeadership) return resolve(true);
      if (selector.state !== 'started') return resolve(false);
      const cancel = backend.scheduler.setTimer(timeoutMs, () => {
        unsubscribe();
        resolve(false);
      });
      const unsubscribe = selector.onLeadershipChange((isLeader) => {
        if (!isLeader) return;
        cancel();
        unsubscribe();
        resolve(true);
      });
    }),
    release: async () => {
      endTerm?.();
      endTerm = undefined;
    },
    isHolding: () => selector.hasLeadership,
    onChange: (listener) => void selector.onLeadershipChange(listener),
  };
}

const ledByCounts: number[] = [];
const renewalCounts: number[] = [];

describe('leader election under the seeded fault schedule (vivarium fixture, manual clock)', () => {
  for (const seed of seeds) {
    it(`LeaderLatch: never two leaders at once, across session generations (seed ${seed})`, () => withReplay(seed, import.meta.url, async () => {
      const backend = await VivariumBackend.start({ seed });
      open.push(backend);
      const result = await runHoldWorkload({ backend, seed, actors: 4, nodesGoneUnder: '/faults/latch', make: (client, actor) => latchHoldable(client, actor, backend) });
      const faults = describeFaultReport(result.report);
      const overlap = result.recorder.maxConcurrent();
      expect(result.errors, faults).toEqual([]);
      expect(overlap.max, `leaders ${overlap.holders.join(', ')} at ${overlap.at}; ${faults}`).toBe(1);
      // Leadership changes hands slowly under faults (each term waits out a crashed or cut leader's session): a few suffice.
      expect(result.acquisitions, faults).toBeGreaterThan(5);
    }), 60_000);

    it(`LeaderSelector: never two leaders at once (seed ${seed})`, () => withReplay(seed, import.meta.url, async () => {
      const backend = await VivariumBackend.start({ seed });
      open.push(backend);
      const result = await runHoldWorkload({ backend, seed, actors: 4, make: (client, actor) => selectorHoldable(client, actor, backend) });
      const faults = describeFaultReport(result.report);
      const overlap = result.recorder.maxConcurrent();
      expect(result.errors, faults).toEqual([]);
      expect(overlap.max, `leaders ${overlap.holders.join(', ')} at ${overlap.at}; ${faults}`).toBe(1);
      // Leadership changes hands slowly under faults (each term waits out a crashed or cut leader's session): a few suffice.
      expect(result.acquisitions, faults).toBeGreaterThan(5);
    }), 60_000);

    it(`LeaderLatch: exactly one leader per session generation, and exactly one once healed (seed ${seed})`, () => withReplay(seed, import.meta.url, async () => {
      const backend = await VivariumBackend.start({ seed });
      open.push(backend);
      const fixture = backend.fixture;
      const recorder = new IntervalRecorder(() => backend.nowMs());
      const ledBy = new Map<string, number>();
      const generations = [0, 1, 2, 3].map(() => 0);
      const latches: LeaderLatch[] = [];
      const clients: ZooKeeperClient[] = [];
      let renewals = 0;
      let finished = false;
      // Each participant stays in the election; when its session ends it comes back on a new one (a new generation, a new latch).
      const join = (i: number): void => {
        const client = backend.openClient({ member: (i % fixture.members.length) + 1 });
        const name = `p${i}#${++generations[i]!}`;
        const latch = new LeaderLatch(client, '/faults/one', { id: name, scheduler: backend.scheduler, idSource: counterIdSource(`${name}-`) });
        latches[i] = latch;
        clients[i] = client;
        latch.onLeadershipChange((isLeader) => {
          if (isLeader) {
            recorder.start(name);
            ledBy.set(name, (ledBy.get(name) ?? 0) + 1);
          } else {
            recorder.stop(name);
          }
        });
        client.onStateChange((state) => {
          if ((state === 'expired' || state === 'closed') && latches[i] === latch && !finished) {
            renewals++;
            queueMicrotask(() => join(i));
          }
        });
        void client.waitForConnected().then(() => latch.start()).catch(() => undefined);
      };
      for (const i of [0, 1, 2, 3]) join(i);
      try {
        await backend.run(2000);
        const report = await runFaultSchedule(fixture, { ...holdSchedule, seed, clients: () => {
          // The leader first: a fault on a follower in line tests little.
          const leading = clients.filter((_, i) => latches[i]!.hasLeadership);
          return leading.length > 0 ? leading : clients;
        } });
        const faults = describeFaultReport(report);
        await backend.until(() => latches.filter((l) => l.hasLeadership).length === 1, 30_000, 'one leader after the heal');
        await backend.run(2000);
        recorder.closeAll();
        const overlap = recorder.maxConcurrent();
        expect(overlap.max, `leaders ${overlap.holders.join(', ')} at ${overlap.at}; ${faults}`).toBe(1);
        const leaders = latches.filter((l) => l.hasLeadership);
        expect(leaders, faults).toHaveLength(1);
        const [head] = await backend.drive(leaders[0]!.participants());
        expect(head?.nodePath, faults).toBe(leaders[0]!.nodePath);
        ledByCounts.push(ledBy.size);
        renewalCounts.push(renewals);
      } finally {
        // No new generation once the test is over (or failed): the fixture closes every client next.
        finished = true;
      }
      for (const latch of latches) await backend.drive(latch.close());
    }), 60_000);
  }

  // Not per seed: whether a fault reaches the leader's session depends on the seed (the leader may sit out every partition).
  it.skipIf(seeds.length < 3)('LeaderLatch, across the seeds: leadership moved between generations, and ended sessions came back as new ones', () => {
    expect(ledByCounts.some((n) => n > 1)).toBe(true);
    expect(renewalCounts.some((n) => n > 0)).toBe(true);
  });
});

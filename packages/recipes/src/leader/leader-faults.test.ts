/**
 * Leader election under the fault workload (see mutex-faults.test.ts): holders
 * cut off until their sessions expire, brief link cuts, leader crashes,
 * isolated members. A leader counts from the moment its recipe says it leads
 * until it says it no longer does (which happens at once when its connection
 * drops). Each actor opens a new client (a new session generation) when its
 * session ends; within and across generations, never two leaders at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { ZooKeeperClient } from '@vivarium/client';
import { VivariumBackend } from '../../test-support/vivarium-backend.ts';
import { runHoldWorkload, type Fault, type Holdable } from '../../test-support/lock-workload.ts';
import { counterIdSource } from '../support/id-source.ts';
import { LeaderLatch } from './leader-latch.ts';
import { LeaderSelector } from './leader-selector.ts';

const open: VivariumBackend[] = [];
afterEach(async () => {
  for (const backend of open.splice(0)) await backend.close();
});

const faults: Fault[] = ['expireHolder', 'cutBriefly', 'crashLeader', 'isolateMember', 'expireHolder'];
const seeds = (process.env.RECIPES_SEEDS ?? '1,2').split(',').map(Number);

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

describe('leader election under faults (vivarium, manual clock)', () => {
  for (const seed of seeds) {
    it(`LeaderLatch: never two leaders at once, across session generations (seed ${seed})`, async () => {
      const backend = await new VivariumBackend({ seed }).start();
      open.push(backend);
      const result = await runHoldWorkload({ backend, seed, actors: 4, faults, nodesGoneUnder: '/faults/latch', make: (client, actor) => latchHoldable(client, actor, backend) });
      const overlap = result.recorder.maxConcurrent();
      expect(result.errors).toEqual([]);
      expect(overlap.max, `leaders ${overlap.holders.join(', ')} at ${overlap.at}`).toBe(1);
      expect(result.acquisitions).toBeGreaterThan(10);
      expect(result.sessionsLost).toBeGreaterThanOrEqual(1);
    }, 60_000);

    it(`LeaderSelector: never two leaders at once (seed ${seed})`, async () => {
      const backend = await new VivariumBackend({ seed }).start();
      open.push(backend);
      const result = await runHoldWorkload({ backend, seed, actors: 4, faults, make: (client, actor) => selectorHoldable(client, actor, backend) });
      const overlap = result.recorder.maxConcurrent();
      expect(result.errors).toEqual([]);
      expect(overlap.max, `leaders ${overlap.holders.join(', ')} at ${overlap.at}`).toBe(1);
      expect(result.acquisitions).toBeGreaterThan(10);
    }, 60_000);
  }

  it('LeaderLatch: after the faults, exactly one live latch leads, and it owns the first node', async () => {
    const backend = await new VivariumBackend({ seed: 7 }).start();
    open.push(backend);
    const actors = await Promise.all([0, 1, 2, 3].map(() => backend.linkedClient()));
    let latches = actors.map(({ client }, i) => new LeaderLatch(client, '/faults/one', { id: `p${i}`, scheduler: backend.scheduler }));
    await backend.drive(Promise.all(latches.map((l) => l.start())));
    await backend.until(() => latches.some((l) => l.hasLeadership), 20_000, 'a leader');
    // The leader is cut off until its session expires; the leader member crashes meanwhile.
    const first = latches.findIndex((l) => l.hasLeadership);
    actors[first]!.link.cut();
    backend.ensemble.leader()?.crash();
    await backend.run(backend.sessionTimeoutMs * 2);
    actors[first]!.link.restore();
    for (const member of backend.ensemble.members) if (!member.isRunning) member.restart();
    await backend.until(() => latches[first]!.state === 'lost', 30_000, 'old leader lost');
    // Its actor comes back with a new session and a new latch: a new generation.
    const again = await backend.linkedClient();
    latches = latches.map((l, i) => (i === first ? new LeaderLatch(again.client, '/faults/one', { id: `p${i}'`, scheduler: backend.scheduler }) : l));
    await backend.drive(latches[first]!.start());
    await backend.until(() => latches.filter((l) => l.hasLeadership).length === 1, 30_000, 'one leader');
    await backend.run(2000);
    const leaders = latches.filter((l) => l.hasLeadership);
    expect(leaders).toHaveLength(1);
    const [head] = await backend.drive(latches[0]!.participants());
    expect(head?.nodePath).toBe(leaders[0]!.nodePath);
    expect(latches[first]!.hasLeadership).toBe(false);
  }, 60_000);
});

/**
 * Real-time members on real transports do not wait for a tick where ZooKeeper
 * does not: a settled election is decided after ZooKeeper's finalize wait
 * (200 ms), and a crashed leader's closed sockets or ports make its followers
 * step down at once (as a ZooKeeper follower's broken socket does). With a tick
 * far longer than any wait below, an ensemble still elects, and elects again
 * after its leader crashes.
 */
import { describe, expect, it } from 'vitest';
import { createEnsemble } from '@vivarium/server';

describe.each(['tcp', 'worker'] as const)('elections without ticks (%s transport)', (transport) => {
  it('elects and fails over without waiting for a tick (tickTime 60 s)', async () => {
    const ensemble = createEnsemble({ transport, members: 3, seed: 31, tickTimeMs: 60_000, initLimitTicks: 10, syncLimitTicks: 5 });
    try {
      const first = await ensemble.waitForLeader(15_000);
      await first.crash();
      const second = await ensemble.waitForLeader(15_000);
      expect(second.id).not.toBe(first.id);
      await ensemble.checkSafety();
    } finally {
      await ensemble.close();
    }
  }, 40_000);
});

describe('elections without ticks (in-process ensemble on the system clock)', () => {
  it('elects and fails over without waiting for a tick (tickTime 60 s)', async () => {
    const ensemble = createEnsemble({ members: 3, seed: 32, clock: 'system', tickTimeMs: 60_000, initLimitTicks: 10, syncLimitTicks: 5 });
    try {
      const first = await ensemble.waitForLeader(15_000);
      first.crash();
      const second = await ensemble.waitForLeader(15_000);
      expect(second.id).not.toBe(first.id);
      ensemble.checkSafety();
    } finally {
      await ensemble.close();
    }
  }, 40_000);
});

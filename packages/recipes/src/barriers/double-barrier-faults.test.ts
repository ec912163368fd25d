/** The double barrier across a leader crash, on an in-process ensemble and the manual clock. */
import { afterEach, describe, expect, it } from 'vitest';
import { VivariumBackend } from '../../test-support/vivarium-backend.ts';
import { DistributedDoubleBarrier } from './double-barrier.ts';

describe('DistributedDoubleBarrier under a leader crash (vivarium, manual clock)', () => {
  const open: VivariumBackend[] = [];
  afterEach(async () => {
    for (const backend of open.splice(0)) await backend.close();
  });

  it('nobody passes enter() before the last member arrives, nor leave() before the last one leaves, across a failover', async () => {
    const backend = await VivariumBackend.start({ seed: 3 });
    open.push(backend);
    const clients = await Promise.all([1, 2, 3, 1, 2].map((member) => backend.client({ member })));
    const barriers = clients.map((client, i) => new DistributedDoubleBarrier(client, '/faults/double', 5, { id: `m${i}`, scheduler: backend.scheduler }));
    const events: Array<{ what: string; atMs: number }> = [];
    const mark = (what: string) => events.push({ what, atMs: backend.nowMs() });
    const round = async (barrier: DistributedDoubleBarrier, i: number) => {
      await backend.drive(Promise.resolve());
      mark(`enter-call:${i}`);
      await barrier.enter({ timeoutMs: 60_000 });
      mark(`enter-done:${i}`);
      await new Promise<void>((resolve) => backend.scheduler.setTimer(100 * (i + 1), resolve));
      mark(`leave-call:${i}`);
      await barrier.leave({ timeoutMs: 60_000 });
      mark(`leave-done:${i}`);
    };
    const rounds = barriers.slice(0, 4).map((b, i) => round(b, i));
    await backend.run(500);
    backend.fixture.leader()?.crash();
    await backend.run(3000);
    rounds.push(round(barriers[4]!, 4));
    await backend.drive(Promise.all(rounds), 60_000);
    const at = (prefix: string) => events.filter((e) => e.what.startsWith(prefix)).map((e) => e.atMs);
    expect(at('enter-done')).toHaveLength(5);
    expect(Math.min(...at('enter-done'))).toBeGreaterThanOrEqual(Math.max(...at('enter-call')));
    expect(Math.min(...at('leave-done'))).toBeGreaterThanOrEqual(Math.max(...at('leave-call')));
  }, 60_000);
});

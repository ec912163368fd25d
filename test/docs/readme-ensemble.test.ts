/** The README's ensemble example, run as written, with its claims asserted. */
import { describe, expect, it } from 'vitest';
import { createEnsemble } from '@vivarium/server';

describe('README ensemble example', () => {
  it('does what the README says', async () => {
    const ensemble = createEnsemble({ members: 3, seed: 7 });
    const leader = await ensemble.waitForLeader();
    const client = await ensemble.client({ member: 1 });
    await client.create('/job', null);
    const sessionId = client.sessionId;

    leader.crash();
    const next = await ensemble.waitForLeader();
    expect(next.id).not.toBe(leader.id);
    await client.setData('/job', new Uint8Array([1]));
    expect(client.sessionId).toBe(sessionId);

    ensemble.isolate(2);
    await ensemble.run(10_000);
    ensemble.heal();
    ensemble.checkSafety();
    for (const member of ensemble.members.filter((m) => m.isRunning)) {
      await ensemble.run(3000);
      expect(member.engine.database.tree.get('/job')?.data).toEqual(new Uint8Array([1]));
    }
    await ensemble.close();
  });
});

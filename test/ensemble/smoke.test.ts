import { describe, expect, it } from 'vitest';
import { createEnsemble } from '@vivarium/server';

describe('ensemble smoke', () => {
  it('elects, replicates, survives the leader', async () => {
    const ensemble = createEnsemble({ members: 3, seed: 1 });
    const leader = await ensemble.waitForLeader();
    console.log('leader', leader.id, ensemble.members.map((m) => `${m.id}:${m.state}:${m.isServing}`).join(' '));
    const follower = ensemble.members.find((m) => m.id !== leader.id)!;
    const client = await ensemble.client({ member: follower.id });
    await client.create('/a', new Uint8Array([1]));
    for (const m of ensemble.members) expect(m.engine.database.tree.has('/a')).toBe(true);
    ensemble.checkSafety();
    leader.crash();
    const next = await ensemble.waitForLeader();
    console.log('next leader', next.id, ensemble.members.map((m) => `${m.id}:${m.state}`).join(' '));
    expect(next.id).not.toBe(leader.id);
    console.log('client state', client.state, ensemble.members.map((m) => `${m.id}:${m.state}:${m.isServing}`).join(' '));
    await ensemble.run(1000);
    expect(client.state).toBe('connected');
    await client.setData('/a', new Uint8Array([2]));
    leader.restart();
    await ensemble.waitForLeader();
    await ensemble.run(10_000);
    for (const m of ensemble.members) expect(m.engine.database.tree.get('/a')?.data).toEqual(new Uint8Array([2]));
    ensemble.checkSafety();
    await ensemble.close();
  });
});

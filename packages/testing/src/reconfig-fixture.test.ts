/**
 * Dynamic reconfiguration through the in-memory ensemble fixture: addMember + reconfig joining,
 * removeMember, and reconfig's own errors passing through, all on the manual clock.
 */
import { describe, expect, it } from 'vitest';
import { digestOf } from '@vivarium/store';
import { createEnsemble, ErrorCode, ZooKeeperError, type EnsembleFixture, type ZooKeeperClient } from '@vivarium/testing';

const superDigest = digestOf('super:secret');
const options = { seed: 21, tickTimeMs: 1000, initLimitTicks: 5, syncLimitTicks: 3, reconfigEnabled: true, superDigest };

async function superClient(zk: EnsembleFixture, member: number): Promise<ZooKeeperClient> {
  const client = await zk.client({ member });
  await zk.drive(client.addAuthInfo('digest', 'super:secret'));
  return client;
}

describe('reconfig on the ensemble fixture', () => {
  it('addMember() + reconfig({ joining }): the new member joins, syncs and follows', async () => {
    const zk = await createEnsemble(options);
    try {
      const client = await superClient(zk, 1);
      await zk.drive(client.create('/before', null));
      const added = zk.addMember();
      expect(added.id).toBe(4);
      expect(zk.members).toHaveLength(4);
      expect(zk.member(4)).toBe(added);
      expect(added.isRunning).toBe(false);
      const reply = await zk.reconfig(client, { joining: [zk.serverLine(4)] });
      expect(new TextDecoder().decode(reply.data as Uint8Array)).toContain(zk.serverLine(4));
      await zk.clock.advance(3000);
      expect(zk.configuration).toMatchObject({ voters: [1, 2, 3, 4], observers: [], version: reply.stat.mzxid });
      expect(added.state).toBe('following');
      expect(added.tree.get('/before')).toBeDefined();
      zk.checkSafety();
    } finally {
      await zk.close();
    }
  });

  it('removeMember(id, client): reconfig leaving, then the member stops; the rest keep writing', async () => {
    const zk = await createEnsemble(options);
    try {
      const client = await superClient(zk, 3);
      await zk.removeMember(1, client);
      expect(zk.configuration).toMatchObject({ voters: [2, 3], observers: [] });
      expect(zk.member(1).isRunning).toBe(false);
      await zk.drive(client.create('/after-remove', null));
      await zk.waitForLeader();
      zk.checkSafety();
    } finally {
      await zk.close();
    }
  });

  it('reconfig(): ZooKeeper errors pass through (NOAUTH without super, BADARGUMENTS for a bad server line)', async () => {
    const zk = await createEnsemble(options);
    try {
      const plain = await zk.client({ member: 1 });
      const code = (error: unknown): number => (error instanceof ZooKeeperError ? error.code : Number.NaN);
      expect(await zk.reconfig(plain, { leaving: [1] }).then(() => ErrorCode.ok, code)).toBe(ErrorCode.noAuth);
      const root = await superClient(zk, 1);
      expect(await zk.reconfig(root, { joining: ['nonsense'] }).then(() => ErrorCode.ok, code)).toBe(ErrorCode.badArguments);
      expect(() => zk.serverLine(9)).toThrow(/no member 9/);
      expect(zk.configuration.voters).toEqual([1, 2, 3]);
    } finally {
      await zk.close();
    }
  });
});

/**
 * createEnsemble({ transport: 'worker' | 'tcp' }): the fixture over real threads and sockets.
 * Real time: every wait has a deadline, no step sleeps for a fixed time.
 */
import { describe, expect, it } from 'vitest';
import { createEnsemble, FixtureError, FixtureLeakError, type RealtimeEnsembleFixture } from '@vivarium/testing';

const timing = { tickTimeMs: 100, initLimitTicks: 20, syncLimitTicks: 10 };
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array | null | undefined): string => new TextDecoder().decode(data ?? new Uint8Array(0));

describe.each(['worker', 'tcp'] as const)('createEnsemble({ transport: %s })', (transport) => {
  it('elects, writes, loses its leader to a crash, elects again and writes again; close() leaves nothing', async () => {
    const zk: RealtimeEnsembleFixture = await createEnsemble({ transport, seed: 11, ...timing });
    try {
      expect(zk.clock.kind).toBe('system');
      expect(zk.transport).toBe(transport);
      const leader = zk.leader();
      expect(leader).toBeDefined();
      expect(zk.members.every((m) => m.isServing)).toBe(true);
      const follower = zk.followers()[0];
      if (leader === undefined || follower === undefined) throw new Error('no leader or follower');
      const client = await zk.client({ member: follower.id, sessionTimeoutMs: 6000 });
      await client.create('/a', bytes('1'));
      await leader.crash();
      expect(leader.isRunning).toBe(false);
      const next = await zk.waitForLeader(20_000);
      expect(next.id).not.toBe(leader.id);
      await zk.drive(client.setData('/a', bytes('2')), { what: 'the write after failover' });
      expect(text((await next.readNode('/a'))?.data)).toBe('2');
      await leader.restart();
      await zk.waitForAllServing(20_000);
      expect(text((await leader.readNode('/a'))?.data)).toBe('2');
      await zk.checkSafety();
      expect((await zk.connectString()).split(',')).toHaveLength(3);
    } finally {
      await zk.close();
    }
    expect(zk.resources()).toEqual({ openClients: 0, workerThreads: 0, runningMembers: 0 });
  });
});

describe('what a real-transport fixture refuses, and its errors', () => {
  it('refuses manual time, link faults, expireSession, settle and traceHash with a clear error and the seed', async () => {
    const zk = await createEnsemble({ transport: 'tcp', seed: 12, ...timing });
    try {
      await expect(zk.clock.advance(100)).rejects.toThrow("clock.advance(100): not supported on transport 'tcp': its members run in real time on the system clock; use transport: 'memory' to drive time [seed 12]");
      expect(() => zk.setLinkFaults(1, 2, { dropProbability: 1 })).toThrow(/setLinkFaults \(drop\/delay\/duplicate\) is not supported on transport 'tcp'.*\[seed 12\]/);
      expect(() => zk.clearFaults()).toThrow(FixtureError);
      await expect(zk.expireSession(1n)).rejects.toThrow(/expireSession is not supported on transport 'tcp'/);
      await expect(zk.settle()).rejects.toThrow(/settle\(\) is not supported on transport 'tcp'/);
      expect(() => zk.traceHash).toThrow(/traceHash is not supported on transport 'tcp'/);
      expect(() => zk.member(0)).toThrow(/no member 0: .*1\.\.3 \(0 is not an id; the first member is member\(1\)\) \[seed 12\]/);
      expect(() => zk.member(1).tree).toThrow(/use await member.readNode\(path\)/);
      expect(zk.describeSeed()).toMatch(/seed 12 \(transport 'tcp'\)/);
      // Partitions are supported: the isolated member loses its quorum, healing brings it back.
      await zk.isolate(1);
      await zk.heal();
      await zk.waitForAllServing(20_000);
    } finally {
      await zk.close();
    }
    await expect(zk.client()).rejects.toThrow(/client\(\) after close\(\)/);
  });

  it('close() names a worker left running as a leak (detected through the ensemble\'s member hosts)', async () => {
    const zk = await createEnsemble({ transport: 'worker', seed: 13, ...timing });
    // Simulate a host that does not let its worker go: close() must say so.
    const hosts = (zk.ensemble as unknown as { hosts: Map<number, { hasWorker: boolean }> }).hosts;
    const host = hosts.get(2);
    if (host === undefined) throw new Error('no host 2');
    const close = host as unknown as { close(): Promise<void> };
    const realClose = close.close.bind(host);
    close.close = async () => undefined;
    const error = await zk.close().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(FixtureLeakError);
    expect((error as FixtureLeakError).leaks).toContain("member 2's worker thread still running");
    expect((error as FixtureLeakError).message).toMatch(/\[seed 13\]$/);
    await realClose();
    expect(host.hasWorker).toBe(false);
  });
});

describe('leaks', () => {
  it('opening and closing 10 worker fixtures leaves no worker, socket or timer behind', async () => {
    const before = process.getActiveResourcesInfo().filter((r) => r !== 'Timeout').length;
    for (let i = 0; i < 10; i++) {
      const zk = await createEnsemble({ transport: 'worker', seed: 100 + i, ...timing });
      if (i % 3 === 0) {
        const client = await zk.client();
        await client.create(`/k${i}`, null);
      }
      await zk.close();
      expect(zk.resources()).toEqual({ openClients: 0, workerThreads: 0, runningMembers: 0 });
    }
    expect(process.getActiveResourcesInfo().filter((r) => r !== 'Timeout').length).toBeLessThanOrEqual(before);
  }, 30_000);
});

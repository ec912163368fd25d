/**
 * createEnsemble({ transport: 'worker' | 'tcp' }): the fixture over real threads and sockets.
 * Real time: every wait has a deadline, no step sleeps for a fixed time.
 */
import { describe, expect, it } from 'vitest';
import { createEnsemble, FixtureLeakError, type RealtimeEnsembleFixture } from '@vivarium/testing';

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

  it('expireSession expires a session on the server now: its ephemerals go, watches fire, its client is told', async () => {
    const zk = await createEnsemble({ transport, seed: 21, ...timing });
    try {
      const follower = zk.followers()[0];
      if (follower === undefined) throw new Error('no follower');
      const doomed = await zk.client({ member: follower.id, sessionTimeoutMs: 30_000 });
      const watcher = await zk.client({ sessionTimeoutMs: 30_000 });
      await doomed.create('/lock', null, { mode: 'ephemeral' });
      const deleted = new Promise<string>((resolve) => {
        void watcher.exists('/lock', (event) => resolve(`${event.type} ${event.path}`));
      });
      await zk.expireSession(doomed);
      // Resolved only once the client knows: long before its 30 s timeout.
      expect(doomed.state).toBe('expired');
      expect(await zk.drive(deleted, { what: 'the watch on the ephemeral' })).toBe('2 /lock');
      await zk.drive(watcher.sync('/'));
      expect(await watcher.exists('/lock')).toBeNull();
      await expect(zk.expireSession(doomed.sessionId)).rejects.toThrow(/expireSession: no live session 0x[0-9a-f]+ on the leader, member \d \(never created, closed, or already expired\) \[seed 21\]/);
      await expect(zk.expireSession(0n)).rejects.toThrow(/the client has no session yet/);
      await zk.checkSafety();
    } finally {
      await zk.close();
    }
  });

  it('link faults: a follower whose link to the leader drops everything stops serving; cleared, it catches up', async () => {
    const zk = await createEnsemble({ transport, seed: 22, ...timing });
    try {
      const leader = zk.leader();
      const [cut, other] = zk.followers();
      if (leader === undefined || cut === undefined || other === undefined) throw new Error('no leader or followers');
      const client = await zk.client({ member: other.id, sessionTimeoutMs: 20_000 });
      await zk.setLinkFaults(leader.id, cut.id, { dropProbability: 1 });
      await zk.setLinkFaults(cut.id, leader.id, { dropProbability: 1 });
      // The leader keeps its quorum with the other follower: writes go on.
      await zk.drive(client.create('/during', null), { what: 'a write while one follower is cut off' });
      await zk.drive(until(() => !cut.isServing), { what: `member ${cut.id} to stop serving` });
      const stats = await zk.faultStats();
      expect(stats.dropped).toBeGreaterThan(0);
      await zk.clearFaults();
      await zk.waitForAllServing(20_000);
      await zk.drive(until(async () => (await cut.readNode('/during')) !== undefined), { what: `member ${cut.id} to catch up` });
      await zk.checkSafety();
    } finally {
      await zk.close();
    }
  });

  it('link faults: duplicated and delayed messages on every link still commit every write, in order', async () => {
    const zk = await createEnsemble({ transport, seed: 23, ...timing });
    try {
      const client = await zk.client({ sessionTimeoutMs: 20_000 });
      await zk.setDefaultFaults({ duplicateProbability: 0.5, delayMinMs: 1, delayMaxMs: 15 });
      await zk.drive(Promise.all(Array.from({ length: 30 }, (_, i) => client.create(`/n${String(i).padStart(2, '0')}`, null))), { what: '30 writes under faults' });
      const stats = await zk.faultStats();
      expect(stats.duplicated).toBeGreaterThan(0);
      expect(stats.delayed).toBeGreaterThan(0);
      const names = Array.from({ length: 30 }, (_, i) => `n${String(i).padStart(2, '0')}`);
      expect((await client.getChildren('/')).filter((name) => name.startsWith('n')).sort()).toEqual(names);
      // One session's writes commit in the order it sent them, duplicates and delays notwithstanding.
      const created = await Promise.all(names.map(async (name) => (await client.exists(`/${name}`))?.czxid ?? -1n));
      expect(created.every((czxid, i) => i === 0 || czxid > (created[i - 1] as bigint))).toBe(true);
      await zk.clearFaults();
      await zk.waitForAllServing(20_000);
      await zk.checkSafety();
      await expect(zk.setLinkFaults(1, 2, { dropProbability: 2 })).rejects.toThrow('dropProbability must be in [0, 1], got 2 [seed 23]');
      await expect(zk.setLinkFaults(1, 9, {})).rejects.toThrow(/no member 9/);
    } finally {
      await zk.close();
    }
  });
});

/** Resolves once `condition` holds, polling every 5 ms (the caller bounds it with drive()). */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe('what a real-transport fixture refuses, and its errors', () => {
  it('refuses manual time, settle and traceHash with a clear error and the seed', async () => {
    const zk = await createEnsemble({ transport: 'tcp', seed: 12, ...timing });
    try {
      await expect(zk.clock.advance(100)).rejects.toThrow("clock.advance(100): not supported on transport 'tcp': its members run in real time on the system clock; use transport: 'memory' to drive time [seed 12]");
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

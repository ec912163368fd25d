// The real-ZooKeeper harness itself: a standalone JVM starts, answers four-letter words,
// and leaves nothing behind after stop(). Skipped when the Debian package is not installed
// (scripts/install-test-deps.sh installs it).
import { existsSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { sendFourLetterWord } from './four-letter-word.ts';
import { OpCode, RawZooKeeperSession, createBody, pathWatchBody } from './raw-zookeeper-session.ts';
import {
  isPortOpen,
  isRealZooKeeperAvailable,
  startRealEnsemble,
  startRealZooKeeper,
  type RealZooKeeper,
} from './real-zookeeper.ts';

const available = isRealZooKeeperAvailable();
const cleanup: RealZooKeeper[] = [];

afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((server) => server.stop()));
});

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!available)('real ZooKeeper harness', () => {
  it('starts a standalone server that answers ruok/srvr, and stop() closes the port and removes the temp dir', { timeout: 60_000 }, async () => {
    const zk = await startRealZooKeeper();
    cleanup.push(zk);
    console.log(`real ZooKeeper standalone: spawn to serving (imok + srvr Mode) in ${zk.startupMs} ms`);
    const pid = zk.pid;
    expect(pid).toBeTypeOf('number');
    expect(zk.connectString).toBe(`127.0.0.1:${zk.port}`);
    expect(existsSync(zk.dataDir)).toBe(true);

    expect(await sendFourLetterWord(zk.host, zk.port, 'ruok')).toBe('imok');
    const srvr = await sendFourLetterWord(zk.host, zk.port, 'srvr');
    expect(srvr).toMatch(/^Zookeeper version: 3\.8\./);
    expect(srvr).toMatch(/^Mode: standalone$/m);
    expect(srvr).toMatch(/^Zxid: 0x0$/m);
    expect(srvr).toMatch(/^Node count: 5$/m);

    await zk.stop();
    expect(await isPortOpen(zk.host, zk.port)).toBe(false);
    expect(processAlive(pid!)).toBe(false);
    expect(zk.pid).toBeUndefined();
    expect(existsSync(zk.dataDir)).toBe(false);
    await zk.stop(); // idempotent
  });

  it('restart() keeps the data dir; kill() is a crash; stop() still cleans up', { timeout: 60_000 }, async () => {
    const zk = await startRealZooKeeper({ tickTimeMs: 1000, forceSync: false });
    cleanup.push(zk);
    const firstPid = zk.pid;
    await zk.restart();
    expect(zk.pid).not.toBe(firstPid);
    expect(await zk.fourLetterWord('ruok')).toBe('imok');
    expect(await zk.fourLetterWord('conf')).toMatch(/^tickTime=1000$/m);
    const pid = zk.pid!;
    await zk.kill();
    expect(processAlive(pid)).toBe(false);
    expect(await isPortOpen(zk.host, zk.port)).toBe(false);
    expect(existsSync(zk.dataDir)).toBe(true);
    await zk.stop();
    expect(existsSync(zk.dataDir)).toBe(false);
  });

  it('forms a 3-member quorum with one leader', { timeout: 90_000 }, async () => {
    const ensemble = await startRealEnsemble(3);
    cleanup.push(ensemble);
    console.log(`real ZooKeeper ensemble of 3: spawn to quorum in ${ensemble.quorumMs} ms`);
    const modes = await Promise.all(ensemble.members.map((member) => member.mode()));
    expect(modes.filter((mode) => mode === 'leader')).toHaveLength(1);
    expect(modes.filter((mode) => mode === 'follower')).toHaveLength(2);
    const leader = await ensemble.leader();
    expect(ensemble.connectString.split(',')).toContain(leader.connectString);

    // A write through a follower is replicated: the leader and the other follower see it.
    const followers = ensemble.members.filter((member) => member !== leader);
    const writer = await RawZooKeeperSession.open(followers[0]!.host, followers[0]!.port);
    const created = await writer.request(OpCode.create, createBody('/quorum-check', null, 0));
    expect(created.err).toBe(0);
    await writer.close();
    for (const member of [leader, followers[1]!]) {
      const reader = await RawZooKeeperSession.open(member.host, member.port);
      const deadline = Date.now() + 10_000;
      let err = (await reader.request(OpCode.exists, pathWatchBody('/quorum-check'))).err;
      while (err !== 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        err = (await reader.request(OpCode.exists, pathWatchBody('/quorum-check'))).err;
      }
      expect(err).toBe(0);
      await reader.close();
    }

    const pids = ensemble.members.map((member) => member.pid!);
    await ensemble.stop();
    for (const member of ensemble.members) expect(await isPortOpen(member.host, member.port)).toBe(false);
    for (const pid of pids) expect(processAlive(pid)).toBe(false);
    expect(existsSync(ensemble.dataDir)).toBe(false);
  });
});

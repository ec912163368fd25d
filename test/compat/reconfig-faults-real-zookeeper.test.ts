/**
 * reconfig under faults compared with the REAL Apache ZooKeeper 3.8: the same two scenarios, through
 * our TCP client, against a real 3-JVM ensemble (reconfigEnabled, a super digest) and a Vivarium
 * in-process ensemble on the system clock served over TCP. The records must be equal.
 *
 * 1. Reconfig during a partition: a follower is cut off (its JVM SIGSTOPped: silence, as a partition
 *    looks to the leader; Vivarium: isolated) until the leader has dropped it. Removing the *other*
 *    follower must fail with NEWCONFIGNOQUORUM (-13): the new configuration's quorum (leader and the
 *    cut-off member) has no synced majority. Removing the cut-off member succeeds. Then the partition
 *    heals and the member is re-added; a session on a member that stayed lives through it all.
 * 2. A leader change during a reconfig: a reconfig is sent and the leader dies at once (SIGKILL /
 *    crash()). The call ends in ok or CONNECTIONLOSS; a new leader is elected; every live member then
 *    holds the same /zookeeper/config, which is the old one or the new one, never anything else.
 *    (Which one is a race on both systems, so the record holds only what must be true.)
 * Skipped when the Debian zookeeper package is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectZooKeeper, type ZooKeeperClient } from '@vivarium/client';
import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';
import { createEnsemble, type Ensemble } from '@vivarium/server';
import { sendFourLetterWord } from '../support/four-letter-word.ts';
import { freeLoopbackPorts, isRealZooKeeperAvailable, startRealEnsemble, type RealEnsemble } from '../support/real-zookeeper.ts';

const available = isRealZooKeeperAvailable();
const superPassword = 'super:test';
const superDigest = 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=';
const decoder = new TextDecoder();

interface Target {
  leaderId(): Promise<number>;
  clientPort(id: number): number;
  /** Cut `id` off from the others, and resolve once the leader no longer counts it as synced. */
  partition(id: number, leader: number): Promise<void>;
  heal(): Promise<void>;
  /** The leader dies now (a crash: no goodbye). */
  killLeader(id: number): Promise<void>;
  /** A `server.4=...:observer;...` line for a fourth member the reconfig may add. */
  observerLine(): Promise<string>;
}

interface FaultRecord {
  codes: { [step: string]: number };
  afterRemovingCutOff: string;
  afterReAdd: string;
  sessionKept: boolean;
  duringLeaderChange: { callEnded: 'ok or connection loss' | string; membersAgree: boolean; oldOrNew: boolean; newLeaderElected: boolean };
}

function mask(config: string): string {
  return config.replace(/\d+\.\d+\.\d+\.\d+/g, 'H').replace(/:\d+/g, ':P').replace(/^version=[0-9a-f]+$/m, 'version=V');
}

async function codeOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return ErrorCode.ok;
  } catch (error) {
    if (error instanceof ZooKeeperError) return error.code;
    throw error;
  }
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** /zookeeper/config as member `port` has it after a sync, or undefined if it does not serve. */
async function configAt(port: number): Promise<string | undefined> {
  try {
    const probe = await connectZooKeeper(`127.0.0.1:${port}`, { sessionTimeoutMs: 4000, initialConnectTimeoutMs: 1500 });
    try {
      await probe.sync('/');
      return decoder.decode((await probe.getData('/zookeeper/config')).data ?? new Uint8Array(0));
    } finally {
      await probe.close();
    }
  } catch {
    return undefined;
  }
}

async function runScenario(target: Target): Promise<FaultRecord> {
  const clients: ZooKeeperClient[] = [];
  const connect = async (id: number): Promise<ZooKeeperClient> => {
    const client = await connectZooKeeper(`127.0.0.1:${target.clientPort(id)}`, { sessionTimeoutMs: 4000, reconnectDelayMs: 50 });
    clients.push(client);
    return client;
  };
  try {
    // ---------------------------------------------------------------- 1. reconfig during a partition
    const leader = await target.leaderId();
    const [cut, stays] = [1, 2, 3].filter((id) => id !== leader) as [number, number];
    const admin = await connect(leader);
    await admin.addAuthInfo('digest', superPassword);
    const bystander = await connect(stays);
    const bystanderSession = bystander.sessionId;
    await bystander.create('/reconfig-faults', null, { mode: 'ephemeral' });
    const initial = decoder.decode((await admin.getData('/zookeeper/config')).data ?? new Uint8Array(0));
    const cutLine = initial.split('\n').find((line) => line.startsWith(`server.${cut}=`));
    expect(cutLine, initial).toBeDefined();

    await target.partition(cut, leader);
    const codes: { [step: string]: number } = {};
    codes['removing the reachable follower while the other is cut off'] = await codeOf(admin.reconfig({ leaving: [stays] }));
    const removed = await admin.reconfig({ leaving: [cut] });
    const afterRemovingCutOff = decoder.decode(removed.data ?? new Uint8Array(0));
    await target.heal();
    const reAdded = await admin.reconfig({ joining: [cutLine!] });
    const afterReAdd = decoder.decode(reAdded.data ?? new Uint8Array(0));
    await until(async () => (await configAt(target.clientPort(cut))) === afterReAdd, 30_000, `member ${cut} to serve the configuration that re-added it`);
    await bystander.setData('/reconfig-faults', new TextEncoder().encode('after'));
    const sessionKept = bystander.sessionId === bystanderSession && bystander.state === 'connected';
    await bystander.delete('/reconfig-faults');

    // ---------------------------------------------------------------- 2. the leader dies during a reconfig
    const before = afterReAdd;
    const observerLine = await target.observerLine();
    const pending = codeOf(admin.reconfig({ joining: [observerLine] }));
    await target.killLeader(leader);
    const code = await pending;
    const callEnded = code === ErrorCode.ok || code === ErrorCode.connectionLoss ? 'ok or connection loss' : `code ${code}`;
    let configs: Array<string | undefined> = [];
    let newLeaderElected = false;
    await until(async () => {
      configs = await Promise.all([cut, stays].map((id) => configAt(target.clientPort(id))));
      newLeaderElected = configs.every((c) => c !== undefined);
      return newLeaderElected;
    }, 30_000, 'a new leader and both survivors serving');
    const membersAgree = configs[0] === configs[1];
    const withoutVersion = (config: string | undefined): string => (config ?? '').split('\n').filter((l) => !l.startsWith('version=')).join('\n');
    const oldOrNew = withoutVersion(configs[0]) === withoutVersion(before) || withoutVersion(configs[0]) === [withoutVersion(before), observerLine].join('\n');
    return {
      codes,
      afterRemovingCutOff: mask(afterRemovingCutOff),
      afterReAdd: mask(afterReAdd),
      sessionKept,
      duringLeaderChange: { callEnded, membersAgree, oldOrNew, newLeaderElected },
    };
  } finally {
    for (const client of clients) client.terminate();
  }
}

const records: { real?: FaultRecord; vivarium?: FaultRecord } = {};

describe.skipIf(!available)('reconfig under faults compared with the real ZooKeeper 3.8 ensemble', () => {
  let real: RealEnsemble | undefined;
  let ensemble: Ensemble | undefined;
  let stopped: number | undefined;

  beforeAll(async () => {
    real = await startRealEnsemble(3, {
      tickTimeMs: 200, superDigest, clientAddressInServerLines: true,
      extraConfig: { reconfigEnabled: 'true', syncLimit: '5', initLimit: '10' },
    });
    ensemble = createEnsemble({ members: 3, seed: 9, clock: 'system', tickTimeMs: 200, syncLimitTicks: 5, initLimitTicks: 10, reconfigEnabled: true, superDigest });
  }, 90_000);

  afterAll(async () => {
    if (stopped !== undefined) {
      try {
        process.kill(stopped, 'SIGCONT');
      } catch {
        // gone already
      }
    }
    await real?.stop();
    await ensemble?.close();
  }, 60_000);

  it('the real ensemble', async () => {
    const members = real!.members;
    records.real = await runScenario({
      leaderId: async () => (await real!.leader()).myid,
      clientPort: (id) => members[id - 1]!.port,
      partition: async (id, leader) => {
        stopped = members[id - 1]!.pid;
        process.kill(stopped!, 'SIGSTOP');
        const leaderPort = members[leader - 1]!.port;
        await until(async () => /zk_synced_followers\s+1\b/.test(await sendFourLetterWord('127.0.0.1', leaderPort, 'mntr').catch(() => '')), 30_000, 'the leader to drop the stopped follower');
      },
      heal: async () => {
        if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
        stopped = undefined;
      },
      killLeader: async (id) => members[id - 1]!.kill(),
      observerLine: async () => {
        const [quorumPort, electionPort, clientPort] = await freeLoopbackPorts(3);
        return `server.4=127.0.0.1:${quorumPort}:${electionPort}:observer;127.0.0.1:${clientPort}`;
      },
    });
    console.log('real ZooKeeper 3.8:', JSON.stringify(records.real, null, 2));
  }, 120_000);

  it('the Vivarium ensemble', async () => {
    const vivarium = ensemble!;
    await vivarium.waitForLeader(10_000);
    const { ports } = await vivarium.serveTcp();
    records.vivarium = await runScenario({
      leaderId: async () => (await vivarium.waitForLeader(10_000)).id,
      clientPort: (id) => ports[id - 1]!,
      partition: async (id, leader) => {
        vivarium.isolate(id);
        await until(async () => !vivarium.member(leader).peer.upToDateLearners.includes(id), 30_000, 'the leader to drop the isolated follower');
      },
      heal: async () => vivarium.heal(),
      killLeader: async (id) => vivarium.member(id).crash(),
      observerLine: async () => {
        vivarium.addMember({ observer: true });
        return vivarium.serverLine(4, 'observer');
      },
    });
    console.log('Vivarium:', JSON.stringify(records.vivarium, null, 2));
    vivarium.checkSafety();
  }, 120_000);

  it('records the same behaviour', () => {
    expect(records.real).toBeDefined();
    expect(records.vivarium).toEqual(records.real);
    // What both must show, spelled out.
    expect(records.real?.codes['removing the reachable follower while the other is cut off']).toBe(ErrorCode.newConfigNoQuorum);
    expect(records.real?.duringLeaderChange).toEqual({ callEnded: 'ok or connection loss', membersAgree: true, oldOrNew: true, newLeaderElected: true });
  });
});

/**
 * reconfig (opcode 16) compared with the REAL Apache ZooKeeper 3.8: the same scenario, through our
 * TCP client, against a real 3-JVM ensemble (reconfigEnabled=true, a super digest, server lines with
 * their client addresses) and against a Vivarium in-process ensemble served over TCP. Each run records
 * what it saw (the /zookeeper/config format with addresses and ports masked, the error code of each
 * refused reconfig, the configuration after removing a follower and re-adding it, whether a session
 * on a remaining member lived through both); the two records must be equal.
 *
 * What the real server answered (and Vivarium now does the same):
 * - a client without WRITE on /zookeeper/config gets NOAUTH (-102), but a wrong curConfigId (-103) and a
 *   bad member string (-8) both win over it: the permission check comes last;
 * - a wrong curConfigId wins over a bad member string;
 * - a member string with two ports, or without a client address, is BADARGUMENTS (-8);
 * - a non-numeric leaving id is MARSHALLINGERROR (-5) (Long.parseLong in PrepRequestProcessor's catch-all;
 *   Vivarium said -8 before);
 * - removing two of three voters, or all of them, is BADARGUMENTS (-8), not NEWCONFIGNOQUORUM;
 * - leaving an id that is not a member succeeds, committing an unchanged member list with a new version;
 * - refused reconfigs use a zxid each (the version after them skips those zxids), on both;
 * - the removed follower keeps running and serves again once re-added (Vivarium's in-process ensemble
 *   left it stopped for good before; it now restarts it from its storage when a configuration re-adds it).
 * Skipped when the Debian zookeeper package is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectZooKeeper, type ZooKeeperClient } from '@vivarium/client';
import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';
import { digestOf } from '@vivarium/store';
import { createEnsemble, type Ensemble } from '@vivarium/server';
import { isRealZooKeeperAvailable, startRealEnsemble, type RealEnsemble } from '../support/real-zookeeper.ts';

const available = isRealZooKeeperAvailable();
const superPassword = 'super:test';
const superDigest = 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=';
const decoder = new TextDecoder();

/** One system under test: which member leads, and a client port per member id. */
interface Target {
  leaderId(): Promise<number>;
  clientPort(id: number): number;
}

interface Record {
  /** /zookeeper/config with hosts and ports masked. */
  initialConfig: string;
  initialVersionIsMzxid: boolean;
  codes: { [step: string]: number };
  afterRemove: string;
  afterReAdd: string;
  replyVersionIsMzxid: boolean;
  sessionsKept: boolean;
}

/** Hosts and ports masked, so two ensembles' configurations compare by structure. */
function mask(config: string): string {
  return config
    .replace(/\d+\.\d+\.\d+\.\d+/g, 'H')
    .replace(/:\d+/g, ':P')
    .replace(/^version=[0-9a-f]+$/m, 'version=V');
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

async function runScenario(target: Target): Promise<Record> {
  const clients: ZooKeeperClient[] = [];
  const connect = async (id: number): Promise<ZooKeeperClient> => {
    const client = await connectZooKeeper(`127.0.0.1:${target.clientPort(id)}`, { sessionTimeoutMs: 10_000, reconnectDelayMs: 50 });
    clients.push(client);
    return client;
  };
  try {
    const leader = await target.leaderId();
    const [keep, removed] = [1, 2, 3].filter((id) => id !== leader) as [number, number];
    const admin = await connect(leader);
    await admin.addAuthInfo('digest', superPassword);
    const plain = await connect(keep);
    const bystander = await connect(keep);
    const bystanderSession = bystander.sessionId;
    await bystander.create('/reconfig-compat', null, { mode: 'ephemeral' });

    const { data, stat } = await admin.getData('/zookeeper/config');
    const config = decoder.decode(data ?? new Uint8Array(0));
    const version = BigInt(`0x${config.split('\n').at(-1)?.replace('version=', '') ?? '0'}`);
    const removedLine = config.split('\n').find((line) => line.startsWith(`server.${removed}=`));
    expect(removedLine, config).toBeDefined();

    const codes: { [step: string]: number } = {};
    codes['not super'] = await codeOf(plain.reconfig({ leaving: [removed] }));
    codes['not super, wrong curConfigId'] = await codeOf(plain.reconfig({ leaving: [removed], fromConfig: version + 1n }));
    codes['not super, bad member string'] = await codeOf(plain.reconfig({ joining: ['nonsense'] }));
    codes['wrong curConfigId'] = await codeOf(admin.reconfig({ leaving: [removed], fromConfig: version + 1n }));
    codes['wrong curConfigId, bad member string'] = await codeOf(admin.reconfig({ joining: ['nonsense'], fromConfig: version + 1n }));
    codes['bad member string'] = await codeOf(admin.reconfig({ joining: ['nonsense'] }));
    codes['two ports only'] = await codeOf(admin.reconfig({ joining: ['server.9=127.0.0.1:2891;2181'] }));
    codes['bad leaving id'] = await codeOf(admin.reconfig({ leaving: ['x'] }));
    codes['removing two of three voters'] = await codeOf(admin.reconfig({ leaving: [keep, removed] }));
    codes['removing all voters'] = await codeOf(admin.reconfig({ leaving: [1, 2, 3] }));

    const afterRemove = await admin.reconfig({ leaving: [removed], fromConfig: version });
    const removeText = decoder.decode(afterRemove.data ?? new Uint8Array(0));
    const replyVersionIsMzxid = removeText.endsWith(`version=${afterRemove.stat.mzxid.toString(16)}`);
    // The harness's static server lines carry no client address, and the real server refuses a joiner without one (-8).
    const joiningLine = removedLine!.includes(';') ? removedLine! : `${removedLine!};127.0.0.1:${target.clientPort(removed)}`;
    codes['joining without a client address'] = await codeOf(admin.reconfig({ joining: [removedLine!.split(';')[0]!] }));
    codes['leaving an unknown id'] = await codeOf(admin.reconfig({ leaving: [9] }));
    const afterReAdd = await admin.reconfig({ joining: [joiningLine] });
    const reAddText = decoder.decode(afterReAdd.data ?? new Uint8Array(0));

    // Sessions through both changes: the bystander (on a member that stayed) keeps its session and its ephemeral.
    await bystander.setData('/reconfig-compat', new TextEncoder().encode('after'));
    const sessionsKept = bystander.sessionId === bystanderSession && bystander.state === 'connected' && (await admin.exists('/reconfig-compat')) !== null;
    // The re-added member serves again, with the configuration that includes it.
    await until(async () => {
      try {
        const probe = await connectZooKeeper(`127.0.0.1:${target.clientPort(removed)}`, { sessionTimeoutMs: 10_000, initialConnectTimeoutMs: 2_000 });
        try {
          await probe.sync('/');
          return decoder.decode((await probe.getData('/zookeeper/config')).data ?? new Uint8Array(0)) === reAddText;
        } finally {
          await probe.close();
        }
      } catch {
        return false;
      }
    }, 20_000, `member ${removed} to serve the configuration that re-added it`);
    await admin.delete('/reconfig-compat');

    return {
      initialConfig: mask(config),
      initialVersionIsMzxid: config.endsWith(`version=${stat.mzxid.toString(16)}`),
      codes,
      afterRemove: mask(removeText),
      afterReAdd: mask(reAddText),
      replyVersionIsMzxid,
      sessionsKept,
    };
  } finally {
    for (const client of clients) await client.close().catch(() => undefined);
  }
}

const records: { real?: Record; vivarium?: Record } = {};

describe.skipIf(!available)('reconfig compared with the real ZooKeeper 3.8 ensemble', () => {
  let real: RealEnsemble | undefined;
  let ensemble: Ensemble | undefined;

  beforeAll(async () => {
    real = await startRealEnsemble(3, { superDigest, extraConfig: { reconfigEnabled: 'true' }, clientAddressInServerLines: true });
    ensemble = createEnsemble({ members: 3, seed: 3, clock: 'system', tickTimeMs: 100, syncLimitTicks: 5, initLimitTicks: 10, reconfigEnabled: true, superDigest });
  }, 90_000);

  afterAll(async () => {
    await real?.stop();
    await ensemble?.close();
  }, 60_000);

  it('the real ensemble', async () => {
    const members = real!.members;
    records.real = await runScenario({
      leaderId: async () => (await real!.leader()).myid,
      clientPort: (id) => members[id - 1]!.port,
    });
    console.log('real ZooKeeper 3.8:', JSON.stringify(records.real, null, 2));
  }, 90_000);

  it('the Vivarium ensemble', async () => {
    const vivarium = ensemble!;
    await vivarium.waitForLeader(10_000);
    const { ports } = await vivarium.serveTcp();
    records.vivarium = await runScenario({
      leaderId: async () => (await vivarium.waitForLeader(10_000)).id,
      clientPort: (id) => ports[id - 1]!,
    });
    console.log('Vivarium:', JSON.stringify(records.vivarium, null, 2));
    vivarium.checkSafety();
  }, 90_000);

  it('records the same behaviour', () => {
    expect(records.real).toBeDefined();
    expect(records.vivarium).toEqual(records.real);
  });
});

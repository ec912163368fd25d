/**
 * Read-only mode compared with the REAL Apache ZooKeeper 3.8: the same scenario, through our TCP
 * client and four-letter words, against a real 3-JVM ensemble started with -Dreadonlymode.enabled=true
 * and against a Vivarium in-process ensemble (readOnlyModeEnabled) served over TCP. One follower is cut
 * off from the other two (on the real ensemble the other two JVMs are stopped with SIGSTOP, which is
 * what a partition looks like from the cut-off member's side: silence; on Vivarium it is isolated),
 * then the quorum comes back (SIGCONT / heal). Each run records what it saw; the records must be equal.
 *
 * What the real server does (and Vivarium does the same): the cut-off member answers `isro` with
 * `ro` once it has given up on its quorum; a client that allows read-only gets a session there
 * (ConnectResponse readOnly), reads the last committed data, and has writes refused with NOTREADONLY
 * (-119); a client that did not ask for read-only is turned away; when the quorum is back the member
 * answers `rw` and the read-only client, searching for a read-write server, moves to one and writes.
 * While it elects, before it is read-only, both answer `isro` with `null` and `srvr` with "not currently
 * serving" (Vivarium answered `rw` and a summary before this comparison); read-only, `srvr` carries
 * ZooKeeper's "READ-ONLY mode" line. Timing differs and is not compared: ZooKeeper starts its
 * read-only server max(2 s, tickTime) after losing its quorum, Vivarium after two ticks.
 *
 * Found on the way: with ZooKeeper 3.8's defaults (localSessionsEnabled=false) its read-only server
 * cannot create a session at all: it answers a new client's ConnectRequest with a bare ReplyHeader
 * (xid 0, zxid 0, NOTREADONLY), which no client can read as a ConnectResponse, so read-only clients
 * never connect; with localSessionsEnabled=true (set here) it creates a local session. Vivarium
 * behaves as the latter, whatever the setting: read-only mode is useless otherwise.
 * Skipped when the Debian zookeeper package is not installed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectZooKeeper, type ZooKeeperClient } from '@vivarium/client';
import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';
import { createEnsemble, type Ensemble } from '@vivarium/server';
import { sendFourLetterWord } from '../support/four-letter-word.ts';
import { isRealZooKeeperAvailable, startRealEnsemble, type RealEnsemble } from '../support/real-zookeeper.ts';

const available = isRealZooKeeperAvailable();
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One system under test. */
interface Target {
  leaderId(): Promise<number>;
  clientPort(id: number): number;
  /** Cut `id` off from every other member; then bring the others back. */
  cutOff(id: number): Promise<void>;
  reconnect(): Promise<void>;
}

interface ReadOnlyRecord {
  isroBefore: string;
  isroSeen: string[];
  srvrCutOff: string[];
  readOnlyClientState: string;
  readOnlyRead: string;
  readOnlyChildren: string[];
  writeCode: number;
  plainClient: string;
  isroAfterHeal: string;
  clientStateAfterHeal: string;
  writeAfterHealCode: number;
}

async function until(condition: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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

const isro = (port: number): Promise<string> => sendFourLetterWord('127.0.0.1', port, 'isro').then((reply) => reply.trim(), () => 'no answer');

async function runScenario(target: Target): Promise<ReadOnlyRecord> {
  const clients: ZooKeeperClient[] = [];
  try {
    const leader = await target.leaderId();
    const cut = [1, 2, 3].find((id) => id !== leader) as number;
    const cutPort = target.clientPort(cut);
    const setup = await connectZooKeeper(`127.0.0.1:${target.clientPort(leader)}`, { sessionTimeoutMs: 10_000 });
    clients.push(setup);
    await setup.create('/ro-compat', encoder.encode('v1'));
    await setup.create('/ro-compat/child', null);
    // The cut-off member has applied the writes before it is cut off.
    const sync = await connectZooKeeper(`127.0.0.1:${cutPort}`, { sessionTimeoutMs: 10_000 });
    await sync.sync('/ro-compat');
    await sync.close();
    const isroBefore = await isro(cutPort);

    await target.cutOff(cut);
    // Every distinct answer on the way: rw while it still follows, null while it elects, ro once read-only.
    const isroSeen: string[] = [];
    await until(async () => {
      const answer = await isro(cutPort);
      if (isroSeen.at(-1) !== answer) isroSeen.push(answer);
      return answer === 'ro';
    }, 30_000, `member ${cut} to answer isro with ro`);
    const srvrCutOff = (await sendFourLetterWord('127.0.0.1', cutPort, 'srvr')).split('\n').filter((line) => /^(READ-ONLY|Mode:)/.test(line));

    const everyPort = [1, 2, 3].map((id) => `127.0.0.1:${target.clientPort(id)}`);
    // Listed first: the client starts at the cut-off member; the others are silent and would time out.
    const reader = await connectZooKeeper([`127.0.0.1:${cutPort}`, ...everyPort.filter((p) => p !== `127.0.0.1:${cutPort}`)].join(','), {
      sessionTimeoutMs: 4000, canBeReadOnly: true, reconnectDelayMs: 50,
    });
    clients.push(reader);
    const readOnlyClientState = reader.state;
    const readOnlyRead = decoder.decode((await reader.getData('/ro-compat')).data ?? new Uint8Array(0));
    const readOnlyChildren = await reader.getChildren('/ro-compat');
    const writeCode = await codeOf(reader.create('/ro-compat/refused', null));
    const plainClient = await connectZooKeeper(`127.0.0.1:${cutPort}`, { sessionTimeoutMs: 10_000, initialConnectTimeoutMs: 1500 }).then(
      async (client) => {
        const state = client.state;
        await client.close();
        return `connected (${state})`;
      },
      () => 'refused',
    );

    await target.reconnect();
    await until(async () => (await isro(cutPort)) === 'rw', 30_000, `member ${cut} to answer isro with rw`);
    const isroAfterHeal = await isro(cutPort);
    await until(async () => reader.state === 'connected', 30_000, 'the read-only client to move to a read-write member');
    const clientStateAfterHeal = reader.state;
    const writeAfterHealCode = await codeOf(reader.create('/ro-compat/after', null));
    // The setup session may have expired while the quorum was gone (a frozen JVM's clock runs on): the reader cleans up.
    for (const path of ['/ro-compat/after', '/ro-compat/child', '/ro-compat']) await reader.delete(path).catch(() => undefined);
    return { isroBefore, isroSeen, srvrCutOff, readOnlyClientState, readOnlyRead, readOnlyChildren, writeCode, plainClient, isroAfterHeal, clientStateAfterHeal, writeAfterHealCode };
  } finally {
    for (const client of clients) await client.close().catch(() => undefined);
  }
}

const records: { real?: ReadOnlyRecord; vivarium?: ReadOnlyRecord } = {};

describe.skipIf(!available)('read-only mode compared with the real ZooKeeper 3.8 ensemble', () => {
  let real: RealEnsemble | undefined;
  let ensemble: Ensemble | undefined;
  let stopped: number[] = [];

  beforeAll(async () => {
    // localSessionsEnabled: without it ZooKeeper 3.8's read-only server cannot create a session (see the header).
    real = await startRealEnsemble(3, { tickTimeMs: 200, jvmArgs: ['-Dreadonlymode.enabled=true'], extraConfig: { syncLimit: '5', initLimit: '10', localSessionsEnabled: 'true' } });
    ensemble = createEnsemble({ members: 3, seed: 5, clock: 'system', tickTimeMs: 200, syncLimitTicks: 5, initLimitTicks: 10, readOnlyModeEnabled: true });
  }, 90_000);

  afterAll(async () => {
    // A stopped JVM ignores SIGTERM until continued.
    for (const pid of stopped) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // already gone
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
      cutOff: async (id) => {
        stopped = members.filter((m) => m.myid !== id).map((m) => m.pid).filter((pid): pid is number => pid !== undefined);
        for (const pid of stopped) process.kill(pid, 'SIGSTOP');
      },
      reconnect: async () => {
        for (const pid of stopped) process.kill(pid, 'SIGCONT');
        stopped = [];
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
      cutOff: async (id) => vivarium.isolate(id),
      reconnect: async () => vivarium.heal(),
    });
    console.log('Vivarium:', JSON.stringify(records.vivarium, null, 2));
    vivarium.checkSafety();
  }, 120_000);

  it('records the same behaviour', () => {
    expect(records.real).toBeDefined();
    expect(records.vivarium).toEqual(records.real);
  });
});

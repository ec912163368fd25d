/**
 * The README's examples, run as tests against a Vivarium server over TCP
 * (wall clock, bounded). Each `#region` appears in packages/recipes/README.md
 * word for word (readme-sync.test.ts checks it).
 */
// #region imports
import { connectZooKeeper } from '@vivarium/client';
import {
  DistributedBarrier, DistributedDoubleBarrier, DistributedPriorityQueue, DistributedQueue, GroupMember,
  LeaderLatch, LeaderSelector, Mutex, NodeCache, PathChildrenCache, ReadWriteLock, Semaphore, ServiceDiscovery,
  ServiceProvider, SharedCount, TreeCache, requestRevocation,
} from '@vivarium/recipes';

const text = (value: string) => new TextEncoder().encode(value);
// #endregion
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWireServer, type RunningWireServer } from '@vivarium/server';

// #region mutex
async function chargeOrder(connectString: string, orderId: string): Promise<string> {
  const client = await connectZooKeeper(connectString);
  try {
    const mutex = new Mutex(client, `/shop/locks/order-${orderId}`);
    if (!(await mutex.acquire({ timeoutMs: 5_000 }))) return 'busy: someone else is charging it';
    try {
      // Only one process at a time gets here. If the connection drops, mutex.isHeld turns false
      // at once (state 'suspended'): stop before any step that must not run twice.
      return mutex.isHeld ? `charged ${orderId}` : 'lost the lock';
    } finally {
      await mutex.release();
    }
  } finally {
    await client.close();
  }
}
// #endregion

// #region semaphore
async function limitedDownloads(connectString: string): Promise<number> {
  const clients = await Promise.all([1, 2, 3].map(() => connectZooKeeper(connectString)));
  try {
    const semaphores = clients.map((client) => new Semaphore(client, '/shop/download-slots', { maxLeases: 2 }));
    const first = await semaphores[0]!.acquire();
    const second = await semaphores[1]!.acquire();
    const third = await semaphores[2]!.acquire({ timeoutMs: 200 }); // undefined: both slots are taken
    await first?.close();
    const later = await semaphores[2]!.acquire({ timeoutMs: 5_000 }); // a slot is free again
    await Promise.all([second?.close(), later?.close()]);
    return [first, second, third, later].filter((lease) => lease !== undefined).length; // 3
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}
// #endregion

// #region read-write-lock
async function readersAndAWriter(connectString: string): Promise<string[]> {
  const [a, b] = await Promise.all([connectZooKeeper(connectString), connectZooKeeper(connectString)]);
  try {
    const log: string[] = [];
    const reader1 = new ReadWriteLock(a, '/shop/catalog-lock');
    const reader2 = new ReadWriteLock(b, '/shop/catalog-lock');
    await reader1.readLock.acquire();
    await reader2.readLock.acquire(); // readers share
    log.push('two readers');
    const writer = new ReadWriteLock(b, '/shop/catalog-lock');
    const writing = writer.writeLock.acquire().then(() => log.push('writer'));
    await reader1.readLock.release();
    await reader2.readLock.release(); // the writer goes once both readers are out
    await writing;
    await writer.writeLock.release();
    return log; // ['two readers', 'writer']
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}
// #endregion

// #region revocation
async function askTheHolderToLetGo(connectString: string): Promise<boolean> {
  const [holderClient, otherClient] = await Promise.all([connectZooKeeper(connectString), connectZooKeeper(connectString)]);
  try {
    const holder = new Mutex(holderClient, '/shop/locks/report');
    holder.makeRevocable(() => void holder.release()); // cooperate when asked
    await holder.acquire();
    const other = new Mutex(otherClient, '/shop/locks/report');
    const waiting = other.acquire({ timeoutMs: 5_000 });
    const [holderNode] = await other.participantNodes();
    await requestRevocation(otherClient, holderNode!);
    const got = await waiting; // true: the holder released
    await other.release();
    return got;
  } finally {
    await Promise.all([holderClient.close(), otherClient.close()]);
  }
}
// #endregion

// #region leader-latch
async function electAScheduler(connectString: string): Promise<string | undefined> {
  const clients = await Promise.all(['a', 'b', 'c'].map(() => connectZooKeeper(connectString)));
  const latches = clients.map((client, i) => new LeaderLatch(client, '/shop/scheduler-election', { id: `node-${i}` }));
  try {
    for (const latch of latches) await latch.start();
    await latches[0]!.await({ timeoutMs: 5_000 }); // the first to join leads
    latches[0]!.onLeadershipChange((leading) => { if (!leading) { /* stop scheduling now */ } });
    await latches[0]!.close(); // hand over: the next in line leads
    await latches[1]!.await({ timeoutMs: 5_000 });
    return (await latches[2]!.currentLeader())?.id; // 'node-1'
  } finally {
    for (const latch of latches) await latch.close();
    await Promise.all(clients.map((client) => client.close()));
  }
}
// #endregion

// #region leader-selector
async function takeTurns(connectString: string): Promise<string[]> {
  const clients = await Promise.all([1, 2].map(() => connectZooKeeper(connectString)));
  const terms: string[] = [];
  const selectors = clients.map((client, i) => new LeaderSelector(client, '/shop/compactor', async (signal) => {
    // Lead until this returns; `signal` aborts if leadership must end early (connection lost).
    terms.push(`worker-${i}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
    if (signal.aborted) return;
  }, { id: `worker-${i}` }));
  try {
    for (const selector of selectors) selector.start();
    while (terms.length < 4) await new Promise((resolve) => setTimeout(resolve, 10));
    return terms.slice(0, 4); // the two workers take turns
  } finally {
    await Promise.all(selectors.map((selector) => selector.close()));
    await Promise.all(clients.map((client) => client.close()));
  }
}
// #endregion

// #region queue
async function processJobs(connectString: string): Promise<string[]> {
  const [producer, consumer] = await Promise.all([connectZooKeeper(connectString), connectZooKeeper(connectString)]);
  try {
    const jobs = new DistributedQueue(producer, '/shop/jobs');
    for (const job of ['resize-1', 'resize-2', 'resize-3']) await jobs.put(text(job));
    const done: string[] = [];
    const queue = new DistributedQueue(consumer, '/shop/jobs');
    // Lock-safe mode: the job is removed only after the handler succeeded; if this process dies
    // meanwhile, its claim goes with its session and another consumer gets the job.
    while (await queue.consume(async (job) => { done.push(new TextDecoder().decode(job.data!)); }, { timeoutMs: 500 }));
    const urgent = new DistributedPriorityQueue(producer, '/shop/urgent');
    await urgent.putPriority(text('later'), 10);
    await urgent.putPriority(text('now'), -1);
    done.push(new TextDecoder().decode((await urgent.take())!.data!)); // 'now'
    return done;
  } finally {
    await Promise.all([producer.close(), consumer.close()]);
  }
}
// #endregion

// #region barriers
async function startTogether(connectString: string): Promise<string[]> {
  const clients = await Promise.all([1, 2, 3].map(() => connectZooKeeper(connectString)));
  try {
    const gate = new DistributedBarrier(clients[0]!, '/shop/maintenance');
    await gate.setBarrier();
    const waiting = new DistributedBarrier(clients[1]!, '/shop/maintenance').waitOnBarrier({ timeoutMs: 5_000 });
    await gate.removeBarrier(); // everyone waiting goes through
    const log = [(await waiting) ? 'gate opened' : 'timed out'];
    const members = clients.map((client, i) => new DistributedDoubleBarrier(client, '/shop/batch', 3, { id: `w${i}` }));
    await Promise.all(members.map((member) => member.enter({ timeoutMs: 5_000 }))); // all three in
    log.push('all entered');
    await Promise.all(members.map((member) => member.leave({ timeoutMs: 5_000 }))); // all three out
    log.push('all left');
    return log;
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
}
// #endregion

// #region counter
async function countVisits(connectString: string): Promise<number> {
  const clients = await Promise.all([1, 2].map(() => connectZooKeeper(connectString)));
  const counters = clients.map((client) => new SharedCount(client, '/shop/visits', 0));
  try {
    for (const counter of counters) await counter.start();
    await Promise.all(counters.map(async (counter) => { for (let i = 0; i < 5; i++) await counter.add(1); }));
    const seen = counters[0]!.versionedValue;
    const won = await counters[0]!.trySetCount(seen, seen.value + 100); // false if someone changed it since
    return (await counters[1]!.read()).value - (won ? 100 : 0); // 10
  } finally {
    for (const counter of counters) counter.close();
    await Promise.all(clients.map((client) => client.close()));
  }
}
// #endregion

// #region membership-and-discovery
async function findAPeer(connectString: string): Promise<string[]> {
  const [a, b] = await Promise.all([connectZooKeeper(connectString), connectZooKeeper(connectString)]);
  try {
    const me = new GroupMember(a, '/shop/members', 'cashier-1', { payload: text('till 1') });
    const you = new GroupMember(b, '/shop/members', 'cashier-2', { payload: text('till 2') });
    await me.start();
    await you.start();
    while (me.members.size < 2) await new Promise((resolve) => setTimeout(resolve, 10));

    const discovery = new ServiceDiscovery<{ version: string }>(a, '/shop/services');
    await discovery.registerService({ name: 'pricing', id: 'p1', address: '10.0.0.5', port: 8080, payload: { version: '2.1' } });
    const cache = new ServiceDiscovery<{ version: string }>(b, '/shop/services').serviceCache('pricing');
    await cache.start();
    const provider = new ServiceProvider(cache); // round-robin over live instances
    const instance = provider.getInstance();
    const members = [...me.members.keys()];
    cache.close();
    await Promise.all([me.close(), you.close(), discovery.close()]);
    return [...members, `${instance?.address}:${instance?.port}`];
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}
// #endregion

// #region caches
async function watchConfig(connectString: string): Promise<string[]> {
  const [writer, reader] = await Promise.all([connectZooKeeper(connectString), connectZooKeeper(connectString)]);
  try {
    const events: string[] = [];
    const node = new NodeCache(reader, '/shop/config/tax-rate');
    const children = new PathChildrenCache(reader, '/shop/config');
    const tree = new TreeCache(reader, '/shop/config'); // one persistent-recursive watch on 3.6+ servers
    node.onEvent((event) => { if (event.type === 'added' || event.type === 'updated') events.push(`rate=${new TextDecoder().decode(event.node.data!)}`); });
    children.onEvent((event) => { if (event.type === 'added') events.push(`child ${event.node.path}`); });
    await Promise.all([node.start(), children.start(), tree.start()]);
    await writer.create('/shop/config', null).catch(() => undefined);
    await writer.create('/shop/config/tax-rate', text('20'));
    await writer.setData('/shop/config/tax-rate', text('21'));
    while (events.length < 3 || tree.current.size < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    node.close();
    children.close();
    await tree.close();
    return events; // the node cache sees 20 then 21; the children cache sees the new child
  } finally {
    await Promise.all([writer.close(), reader.close()]);
  }
}
// #endregion

// #region under-faults
import { createEnsemble } from '@vivarium/testing';
import { describeFaultReport, runFaultSchedule } from '@vivarium/simulation';

/** Three workers share a mutex on an in-process ensemble while the seeded fault schedule strikes. */
async function mutexUnderFaults(seed: number): Promise<{ mostHoldersAtOnce: number; acquisitions: number; faults: string }> {
  const zk = await createEnsemble({ seed, tickTimeMs: 1000, syncLimitTicks: 2, initLimitTicks: 5 });
  const sleep = (ms: number) => new Promise<void>((resolve) => zk.scheduler.setTimer(ms, resolve)); // simulated time
  let holding = 0;
  let mostHoldersAtOnce = 0;
  let acquisitions = 0;
  let stopping = false;
  const worker = async () => {
    while (!stopping) {
      // A new session whenever the last one ended (expired, or closed under us).
      const client = zk.openClient({ sessionTimeoutMs: 6000 });
      const mutex = new Mutex(client, '/jobs/lock', { scheduler: zk.scheduler });
      let held = false;
      mutex.onStateChange((state) => {
        if (state === 'held' && !held) mostHoldersAtOnce = Math.max(mostHoldersAtOnce, ++holding);
        if (state !== 'held' && held) holding--;
        held = state === 'held';
      });
      while (!stopping && client.state !== 'expired' && client.state !== 'closed') {
        try {
          await client.waitForConnected();
          if (await mutex.acquire({ timeoutMs: 2_000 })) {
            acquisitions++;
            await sleep(300); // the work; mutex.isHeld turns false at once if the connection drops
            await mutex.release();
          }
        } catch {
          // CONNECTIONLOSS, SESSIONEXPIRED: the faults at work. Try again (with a new session if it ended).
        }
        await sleep(100);
      }
    }
  };
  const workers = [worker(), worker(), worker()];
  // Partitions, crashes, lossy links, expired sessions, clients cut off... drawn from the seed; then a heal.
  const report = await runFaultSchedule(zk, { steps: 40 });
  stopping = true;
  await zk.drive(Promise.all(workers));
  await zk.close();
  return { mostHoldersAtOnce, acquisitions, faults: describeFaultReport(report) };
}
// #endregion

describe('README example: your own code under the seeded fault schedule (in process, manual clock)', () => {
  it('under faults', async () => {
    const { mostHoldersAtOnce, acquisitions, faults } = await mutexUnderFaults(7);
    expect(mostHoldersAtOnce, faults).toBe(1);
    expect(acquisitions, faults).toBeGreaterThan(10);
  });
});

describe('README examples (Vivarium over TCP, wall clock)', () => {
  let server: RunningWireServer | undefined;
  beforeAll(async () => {
    server = await startWireServer({ clientPortAddress: '127.0.0.1', clock: 'system', tickTimeMs: 500, seed: 11 });
  });
  afterAll(async () => {
    await server?.close();
  });
  const at = () => server!.connectString;

  it('mutex', async () => expect(await chargeOrder(at(), '42')).toBe('charged 42'));
  it('semaphore', async () => expect(await limitedDownloads(at())).toBe(3));
  it('read-write lock', async () => expect(await readersAndAWriter(at())).toEqual(['two readers', 'writer']));
  it('revocation', async () => expect(await askTheHolderToLetGo(at())).toBe(true));
  it('leader latch', async () => expect(await electAScheduler(at())).toBe('node-1'));
  it('leader selector', async () => {
    const terms = await takeTurns(at());
    expect(terms).toHaveLength(4);
    for (let i = 1; i < terms.length; i++) expect(terms[i]).not.toBe(terms[i - 1]);
  });
  it('queues', async () => expect(await processJobs(at())).toEqual(['resize-1', 'resize-2', 'resize-3', 'now']));
  it('barriers', async () => expect(await startTogether(at())).toEqual(['gate opened', 'all entered', 'all left']));
  it('shared counter', async () => expect(await countVisits(at())).toBe(10));
  it('membership and discovery', async () => expect(await findAPeer(at())).toEqual(['cashier-1', 'cashier-2', '10.0.0.5:8080']));
  it('caches', async () => {
    const events = await watchConfig(at());
    expect(events).toContain('rate=20');
    expect(events).toContain('rate=21');
    expect(events).toContain('child /shop/config/tax-rate');
  });
});

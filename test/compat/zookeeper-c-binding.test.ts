/**
 * The `zookeeper` npm package (the Node binding of ZooKeeper's own C client,
 * built natively on install) against Vivarium: a standalone wire server, and
 * an in-process ensemble over TCP. The C client is the strictest of the
 * clients: it seeds xids from the clock, sends SetWatches with xid -8 and
 * reads /zookeeper/config for getconfig.
 */
import { afterEach, describe, expect, it } from 'vitest';
import ZooKeeper from 'zookeeper';
import { createEnsemble, startWireServer, type Ensemble, type RunningWireServer } from '@vivarium/server';

const { ZOO_PERSISTENT, ZOO_EPHEMERAL, ZOO_PERSISTENT_SEQUENTIAL, ZOO_EPHEMERAL_SEQUENTIAL, ZOO_CONTAINER, ZOO_PERSISTENT_WITH_TTL } = ZooKeeper.constants;

type CClient = InstanceType<typeof ZooKeeper>;
const cleanups: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function connectC(connectString: string, timeoutMs = 10_000): Promise<CClient> {
  const client = new ZooKeeper({ connect: connectString, timeout: 4000, debug_level: ZooKeeper.constants.ZOO_LOG_LEVEL_ERROR, host_order_deterministic: true });
  cleanups.push(() => client.close());
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`C client did not connect to ${connectString} within ${timeoutMs} ms`)), timeoutMs);
    client.once('connect', () => {
      clearTimeout(timer);
      resolve();
    });
    client.init({});
  });
  return client;
}

/** The C binding rejects with `Error("<rc> <message>")`; this returns the rc. */
async function rcOf(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 0;
  } catch (error) {
    return Number.parseInt(String((error as Error).message), 10);
  }
}

async function standalone(): Promise<RunningWireServer> {
  const server = await startWireServer({ clientPortAddress: '127.0.0.1', clock: 'system', seed: 5, extendedTypesEnabled: true, tickTimeMs: 500 });
  cleanups.push(() => server.close());
  return server;
}

describe('the zookeeper npm binding (C client) against Vivarium', () => {
  it('creates every node type, with sequential numbering, TTL and containers', async () => {
    const server = await standalone();
    const zk = await connectC(server.connectString);
    expect(await zk.create('/c', 'root', ZOO_PERSISTENT)).toBe('/c');
    expect(await zk.create('/c/e', 'eph', ZOO_EPHEMERAL)).toBe('/c/e');
    expect(await zk.create('/c/s-', 'x', ZOO_PERSISTENT_SEQUENTIAL)).toBe('/c/s-0000000001');
    expect(await zk.create('/c/s-', 'x', ZOO_EPHEMERAL_SEQUENTIAL)).toBe('/c/s-0000000002');
    // The binding's typings say string | Buffer, but it sends null data as length -1, which is what we test.
    expect(await zk.create('/c/box', null as unknown as string, ZOO_CONTAINER)).toBe('/c/box');
    expect(await zk.create('/c/ttl', 't', ZOO_PERSISTENT_WITH_TTL, 60_000)).toBe('/c/ttl');
    const [stat, data] = (await zk.get('/c/e', false)) as [{ ephemeralOwner: unknown; version: number }, Buffer];
    expect(data.toString()).toBe('eph');
    expect(stat.version).toBe(0);
    const children = (await zk.get_children('/c', false)) as string[];
    expect([...children].sort()).toEqual(['box', 'e', 's-0000000001', 's-0000000002', 'ttl']);
    expect(await rcOf(zk.create('/c', 'again', ZOO_PERSISTENT))).toBe(-110);
    expect(await rcOf(zk.create('/missing/child', '', ZOO_PERSISTENT))).toBe(-101);
    expect(await rcOf(zk.create('/c/e/child', '', ZOO_PERSISTENT))).toBe(-108);
    server.engine.checkInvariants();
  });

  it('setData and delete with versions, and the errors ZooKeeper gives', async () => {
    const server = await standalone();
    const zk = await connectC(server.connectString);
    await zk.create('/v', 'a', ZOO_PERSISTENT);
    const stat = (await zk.set('/v', 'b', 0)) as { version: number };
    expect(stat.version).toBe(1);
    expect(await rcOf(zk.set('/v', 'c', 0))).toBe(-103);
    await zk.create('/v/child', '', ZOO_PERSISTENT);
    expect(await rcOf(zk.delete_('/v', -1))).toBe(-111);
    await zk.delete_('/v/child', 0);
    expect(await rcOf(zk.delete_('/v', 7))).toBe(-103);
    await zk.delete_('/v', 1);
    // The binding's exists() rejects with ZNONODE on a missing node (pathExists() wraps that as false).
    expect(await rcOf(zk.exists('/v', false))).toBe(-101);
    expect(await zk.pathExists('/v', false)).toBe(false);
  });

  it('one-shot watches fire once, before the reply of the write that fired them; auth and ACLs', async () => {
    const server = await standalone();
    const zk = await connectC(server.connectString);
    await zk.create('/w', 'a', ZOO_PERSISTENT);
    const events: Array<[number, string]> = [];
    await zk.w_get('/w', (type: number, _state: number, path: string) => events.push([type, path]));
    await zk.w_get_children('/w', (type: number, _state: number, path: string) => events.push([type, path]));
    await zk.set('/w', 'b', -1);
    expect(events).toEqual([[ZooKeeper.constants.ZOO_CHANGED_EVENT, '/w']]);
    await zk.create('/w/kid', '', ZOO_PERSISTENT);
    await zk.set('/w', 'c', -1);
    expect(events).toEqual([[ZooKeeper.constants.ZOO_CHANGED_EVENT, '/w'], [ZooKeeper.constants.ZOO_CHILD_EVENT, '/w']]);

    await new Promise<void>((resolve, reject) => zk.add_auth('digest', 'user:pass', (rc: number) => (rc === 0 ? resolve() : reject(new Error(String(rc))))));
    await zk.create('/secret', 's', ZOO_PERSISTENT);
    await zk.set_acl('/secret', -1, [{ perms: ZooKeeper.constants.ZOO_PERM_ALL, scheme: 'digest', auth: 'user:smGaoVKd/cQkjm7b88GyorAUz20=' }]);
    const stranger = await connectC(server.connectString);
    expect(await rcOf(stranger.get('/secret', false))).toBe(-102);
    const [, secret] = (await zk.get('/secret', false)) as [unknown, Buffer];
    expect(secret.toString()).toBe('s');
  });

  it('reads /zookeeper/config of an in-process ensemble with getconfig, and keeps its session across a member kill', async () => {
    const ensemble: Ensemble = createEnsemble({ members: 3, seed: 12, clock: 'system', tickTimeMs: 100 });
    cleanups.push(() => ensemble.close());
    await ensemble.waitForLeader(10_000);
    const { connectString, ports } = await ensemble.serveTcp();
    const zk = await connectC(connectString);
    // Typed as string | Buffer, but the binding resolves getconfig with [stat, data].
    const [, configBytes] = (await zk.getconfig(false)) as unknown as [unknown, Buffer];
    const config = configBytes.toString();
    expect(config.split('\n').slice(0, 3)).toEqual(ports.map((port, i) => `server.${i + 1}=127.0.0.1:${2888 + i}:${3888 + i}:participant;127.0.0.1:${port}`));
    await zk.create('/survives', 'yes', ZOO_PERSISTENT);
    const leader = ensemble.leader();
    leader?.crash();
    await ensemble.waitForLeader(10_000);
    const deadline = Date.now() + 15_000;
    let value: string | undefined;
    while (value === undefined && Date.now() < deadline) {
      try {
        const [, data] = (await zk.get('/survives', false)) as [unknown, Buffer];
        value = data.toString();
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    expect(value).toBe('yes');
    ensemble.checkSafety();
  }, 40_000);
});

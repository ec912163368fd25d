import { describe, expect, it } from 'vitest';
import type { EnsembleFixture, ServerFixture } from '@vivarium/testing';
import { useEnsemble, useServer, vivariumMatchers } from './vitest.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

describe('useEnsemble(): a fresh ensemble for every test', () => {
  const zk = useEnsemble({ members: 3, tickTimeMs: 500 });
  const seen: EnsembleFixture[] = [];

  it('first test writes and breaks things', async () => {
    seen.push(zk.ensemble);
    expect(zk.fixture).toBe(zk.ensemble);
    expect(zk.chroot).toBe('');
    const client = await zk.client();
    await client.create('/left-behind', null);
    zk.ensemble.leader()?.crash();
    zk.ensemble.partition([1], [2, 3]);
  });

  it('second test starts on a new, whole ensemble', async () => {
    seen.push(zk.ensemble);
    expect(seen[0]).not.toBe(seen[1]);
    expect(seen[0]?.resources().runningMembers).toBe(0);
    const client = await zk.client();
    expect(await client.exists('/left-behind')).toBeNull();
    expect(zk.ensemble.members.every((m) => m.isServing)).toBe(true);
  });
});

describe("useEnsemble({ share: 'file' }): one ensemble, a fresh chroot for every test", () => {
  const zk = useEnsemble({ members: 3, tickTimeMs: 500, share: 'file', seed: 12 });
  const seen: EnsembleFixture[] = [];
  const chroots: string[] = [];

  it('first test works in its chroot and breaks the ensemble', async () => {
    seen.push(zk.ensemble);
    chroots.push(zk.chroot);
    const client = await zk.client();
    expect(await client.create('/config', text('1'))).toBe('/config');
    const leader = zk.ensemble.leader();
    expect(leader).toHaveNode(`${zk.chroot}/config`, '1');
    leader?.crash();
    zk.ensemble.setDefaultFaults({ delayMinMs: 5, delayMaxMs: 5 });
  });

  it('second test: same ensemble, new chroot, every member back and no faults', async () => {
    seen.push(zk.ensemble);
    chroots.push(zk.chroot);
    expect(seen[1]).toBe(seen[0]);
    expect(chroots[1]).not.toBe(chroots[0]);
    expect(zk.ensemble.members.every((m) => m.isRunning)).toBe(true);
    const client = await zk.client();
    expect(await client.exists('/config')).toBeNull();
    await client.create('/config', text('2'));
    const write = client.setData('/config', text('3'));
    await zk.ensemble.settle();
    expect(zk.ensemble.resources().messagesInFlight).toBe(0);
    await write;
  });
});

describe('useServer()', () => {
  const zk = useServer({ seed: 99 });
  let previous: ServerFixture | undefined;

  it('gives a standalone server', async () => {
    previous = zk.server;
    expect(zk.server.seed).toBe(99);
    const client = await zk.client();
    await client.create('/s', text('x'));
    expect(zk.server).toHaveNode('/s', 'x');
  });

  it('and a fresh one for the next test', async () => {
    expect(zk.server).not.toBe(previous);
    expect(zk.server).not.toHaveNode('/s');
  });
});

describe('useServer({ share: "file" })', () => {
  const zk = useServer({ share: 'file' });

  it('chroots every client made through the hook', async () => {
    const client = await zk.client();
    await client.create('/inside', null);
    expect(zk.server).toHaveNode(`${zk.chroot}/inside`);
  });

  it('closes them after the test', async () => {
    expect(zk.server.resources().openClients).toBe(0);
  });
});

describe('matchers', () => {
  const zk = useEnsemble({ members: 3, seed: 4 });

  it('toBeLeader, with messages that name the leader and the seed', () => {
    const leader = zk.ensemble.member(3);
    const follower = zk.ensemble.member(1);
    expect(leader).toBeLeader();
    expect(follower).not.toBeLeader();
    expect(() => expect(follower).toBeLeader()).toThrow('expected member 1 to be the leader, but it is following (member 3 leads) [seed 4]');
    expect(() => expect(leader).not.toBeLeader()).toThrow('expected member 3 not to be the leader, but it leads [seed 4]');
    expect(() => expect({}).toBeLeader()).toThrow(/toBeLeader: expected an ensemble member/);
  });

  it('toHaveNode, on a member, a server fixture or a DataTree, with text or bytes', async () => {
    const client = await zk.client();
    await client.create('/bytes', new Uint8Array([0, 255]));
    await client.create('/empty', null);
    await zk.ensemble.settle();
    const member = zk.ensemble.member(2);
    expect(member).toHaveNode('/bytes', new Uint8Array([0, 255]));
    expect(member.tree).toHaveNode('/empty', null);
    expect(member).not.toHaveNode('/missing');
    expect(() => expect(member).toHaveNode('/bytes', 'x')).toThrow('expected member 2 to have /bytes = "x", but it holds bytes [0, 255] [seed 4]');
    expect(() => expect(member).toHaveNode('/missing')).toThrow('expected member 2 to have /missing, but it does not [seed 4]');
  });

  it('toHaveSessionState', async () => {
    const client = await zk.client();
    expect(client).toHaveSessionState('connected');
    await zk.ensemble.expireSession(client);
    expect(client).toHaveSessionState('expired');
    expect(() => expect(client).toHaveSessionState('connected')).toThrow(/to be connected, but it is expired/);
  });

  it('are exported for registering by hand', () => {
    expect(Object.keys(vivariumMatchers)).toEqual(['toBeLeader', 'toHaveNode', 'toHaveSessionState']);
  });
});

describe('hook misuse', () => {
  const zk = useServer();
  let error: unknown;
  try {
    // At collection time, in the describe body: no test runs yet, so there is no fixture.
    void zk.server;
  } catch (caught) {
    error = caught;
  }

  it('reading the fixture outside a test says so', () => {
    expect(String(error)).toMatch(/useServer: there is no fixture outside a test/);
    expect(zk.server).toBeDefined();
  });
});

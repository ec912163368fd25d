/**
 * The ensemble driven by hand: members crash, restart and get partitioned at
 * chosen moments, and each election rule, sync mode and failure case is
 * asserted. Safety (one history, one leader per epoch, sound members) is
 * checked after every step.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';
import { isBetterVote } from '@vivarium/ensemble';
import { createEnsemble, type Ensemble, type EnsembleOptions } from '@vivarium/server';

const open: Ensemble[] = [];

function ensembleOf(options: EnsembleOptions): Ensemble {
  const ensemble = createEnsemble({ seed: 1, tickTimeMs: 1000, initLimitTicks: 5, syncLimitTicks: 3, ...options });
  open.push(ensemble);
  return ensemble;
}

afterEach(async () => {
  for (const ensemble of open.splice(0)) {
    ensemble.checkSafety();
    await ensemble.close();
  }
});

function syncEvents(ensemble: Ensemble, learner: number) {
  return ensemble.trace.flatMap((t) => (t.event.type === 'sync' && t.event.learner === learner ? [t.event] : []));
}

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

describe('leader election', () => {
  it('orders votes by epoch, then zxid, then server id', () => {
    expect(isBetterVote({ leader: 1, zxid: 0n, peerEpoch: 2 }, { leader: 3, zxid: 99n, peerEpoch: 1 })).toBe(true);
    expect(isBetterVote({ leader: 1, zxid: 5n, peerEpoch: 1 }, { leader: 3, zxid: 4n, peerEpoch: 1 })).toBe(true);
    expect(isBetterVote({ leader: 3, zxid: 5n, peerEpoch: 1 }, { leader: 2, zxid: 5n, peerEpoch: 1 })).toBe(true);
    expect(isBetterVote({ leader: 2, zxid: 5n, peerEpoch: 1 }, { leader: 3, zxid: 5n, peerEpoch: 1 })).toBe(false);
  });

  it('a fresh ensemble elects the highest id, establishes epoch 1, and every voter serves', async () => {
    const ensemble = ensembleOf({ members: 5 });
    const leader = await ensemble.waitForLeader();
    expect(leader.id).toBe(5);
    expect(leader.peer.epoch).toBe(1);
    await ensemble.run(1000);
    expect(ensemble.members.map((m) => m.state)).toEqual(['following', 'following', 'following', 'following', 'leading']);
    expect(ensemble.members.every((m) => m.isServing)).toBe(true);
  });

  it('the member with the most history wins over a higher id', async () => {
    const ensemble = ensembleOf({ members: 3 });
    await ensemble.waitForLeader();
    const client = await ensemble.client({ member: 1 });
    ensemble.member(2).crash();
    await client.create('/only-1-and-3', bytes('x'));
    ensemble.checkSafety();
    ensemble.member(3).crash();
    ensemble.member(2).restart();
    const leader = await ensemble.waitForLeader();
    expect(leader.id).toBe(1);
    expect(ensemble.member(2).engine.database.tree.has('/only-1-and-3')).toBe(true);
  });

  it('a member that restarts into a settled ensemble follows the existing leader without a new election', async () => {
    const ensemble = ensembleOf({ members: 3 });
    const leader = await ensemble.waitForLeader();
    const epoch = leader.peer.epoch;
    ensemble.member(1).crash();
    await ensemble.run(5000);
    ensemble.member(1).restart();
    await ensemble.run(2000);
    expect(ensemble.member(1).state).toBe('following');
    expect(ensemble.member(1).peer.leader).toBe(leader.id);
    expect(leader.isLeader).toBe(true);
    expect(leader.peer.epoch).toBe(epoch);
  });

  it('a minority cannot elect: one member of three stays looking and serves nobody', async () => {
    const ensemble = ensembleOf({ members: 3 });
    await ensemble.waitForLeader();
    ensemble.member(2).crash();
    ensemble.member(3).crash();
    await ensemble.run(20_000);
    expect(ensemble.member(1).state).toBe('looking');
    expect(ensemble.member(1).isServing).toBe(false);
    expect(ensemble.leader()).toBeUndefined();
    await expect(ensemble.waitForLeader(5000)).rejects.toThrow(/no leader/);
  });

  it('an isolated leader steps down after syncLimit; the majority elects another; healing rejoins it as a follower', async () => {
    const ensemble = ensembleOf({ members: 3 });
    const leader = await ensemble.waitForLeader();
    ensemble.isolate(leader.id);
    await ensemble.run(10_000);
    expect(leader.isServing).toBe(false);
    expect(ensemble.trace.some((t) => t.member === leader.id && t.event.type === 'stepDown')).toBe(true);
    const next = ensemble.leader();
    expect(next).toBeDefined();
    expect(next?.id).not.toBe(leader.id);
    ensemble.heal();
    await ensemble.run(5000);
    expect(leader.state).toBe('following');
    expect(leader.peer.leader).toBe(next?.id);
  });

  it('observers do not count toward the quorum, but serve clients and receive every commit', async () => {
    const ensemble = ensembleOf({ members: 3, observers: 2 });
    const leader = await ensemble.waitForLeader();
    expect(leader.observer).toBe(false);
    await ensemble.run(1000);
    expect(ensemble.member(4).state).toBe('observing');
    expect(ensemble.member(5).state).toBe('observing');
    const viaObserver = await ensemble.client({ member: 4 });
    await viaObserver.create('/seen-by-all', bytes('o'));
    for (const member of ensemble.members) expect(member.engine.database.tree.has('/seen-by-all')).toBe(true);
    // Two voters down: one voter and two observers are three members, but not a quorum.
    const voters = ensemble.members.filter((m) => !m.observer && m.id !== leader.id);
    for (const voter of voters) voter.crash();
    await ensemble.run(10_000);
    expect(ensemble.leader()).toBeUndefined();
    expect(ensemble.members.filter((m) => m.isServing)).toEqual([]);
  });
});

describe('synchronisation', () => {
  it('DIFF: a follower that missed a few txns gets exactly those', async () => {
    const ensemble = ensembleOf({ members: 3 });
    await ensemble.waitForLeader();
    const client = await ensemble.client({ member: 3 });
    ensemble.member(1).crash();
    for (let i = 0; i < 4; i++) await client.create(`/diff-${i}`, bytes(String(i)));
    ensemble.member(1).restart();
    await ensemble.run(2000);
    const sync = syncEvents(ensemble, 1).at(-1);
    expect(sync).toEqual({ type: 'sync', learner: 1, mode: 'diff', txns: 4 });
    for (let i = 0; i < 4; i++) expect(ensemble.member(1).engine.database.tree.has(`/diff-${i}`)).toBe(true);
  });

  it('SNAP: a follower further behind than diffTxnsMax gets a snapshot', async () => {
    const ensemble = ensembleOf({ members: 3, diffTxnsMax: 3 });
    await ensemble.waitForLeader();
    const client = await ensemble.client({ member: 3 });
    ensemble.member(1).crash();
    for (let i = 0; i < 6; i++) await client.create(`/snap-${i}`, bytes(String(i)));
    ensemble.member(1).restart();
    await ensemble.run(2000);
    expect(syncEvents(ensemble, 1).at(-1)).toMatchObject({ mode: 'snap', txns: 0 });
    expect(ensemble.member(1).engine.database.tree.has('/snap-5')).toBe(true);
    expect(ensemble.member(1).engine.lastProcessedZxid).toBe(ensemble.member(3).engine.lastProcessedZxid);
  });

  it('TRUNC: an old leader that logged a proposal nobody acked drops it when it rejoins', async () => {
    const ensemble = ensembleOf({ members: 3 });
    const leader = await ensemble.waitForLeader();
    const client = await ensemble.client({ member: leader.id });
    await client.create('/before', bytes('b'));
    ensemble.isolate(leader.id);
    const lost = client.create('/never-acked', bytes('n')).catch((error: unknown) => error);
    await ensemble.quiesce();
    expect(leader.peer.lastZxid).toBeGreaterThan(leader.engine.lastProcessedZxid);
    await ensemble.run(10_000);
    const next = ensemble.leader();
    expect(next?.id).not.toBe(leader.id);
    ensemble.heal();
    await ensemble.run(3000);
    expect(syncEvents(ensemble, leader.id).at(-1)?.mode).toBe('trunc');
    expect(leader.engine.database.tree.has('/never-acked')).toBe(false);
    expect(leader.engine.database.tree.has('/before')).toBe(true);
    const outcome = await lost;
    expect(outcome).toBeInstanceOf(ZooKeeperError);
    expect((outcome as ZooKeeperError).code).toBe(ErrorCode.connectionLoss);
    for (const member of ensemble.members) expect(member.engine.database.tree.has('/never-acked')).toBe(false);
  });

  it('TRUNC+DIFF: the old leader drops its unacked proposal and takes the new epoch\'s txns', async () => {
    const ensemble = ensembleOf({ members: 3 });
    const leader = await ensemble.waitForLeader();
    const client = await ensemble.client({ member: leader.id });
    await client.create('/base', bytes('b'));
    ensemble.isolate(leader.id);
    void client.create('/orphan', bytes('o')).catch(() => undefined);
    await ensemble.run(10_000);
    const next = ensemble.leader();
    expect(next).toBeDefined();
    const other = await ensemble.client({ member: next?.id as number });
    await other.create('/epoch-2', bytes('2'));
    ensemble.heal();
    await ensemble.run(3000);
    expect(syncEvents(ensemble, leader.id).at(-1)?.mode).toBe('truncDiff');
    expect(leader.engine.database.tree.has('/orphan')).toBe(false);
    expect(leader.engine.database.tree.has('/epoch-2')).toBe(true);
  });
});

describe('crashes around commit', () => {
  it('leader crash before a quorum acked: the write was never acknowledged and is gone', async () => {
    const ensemble = ensembleOf({ members: 3 });
    const leader = await ensemble.waitForLeader();
    const client = await ensemble.client({ member: leader.id });
    // Proposals leave the leader but arrive late: the leader dies first.
    for (const member of ensemble.members) if (member.id !== leader.id) ensemble.network.setLinkFaults(leader.id, member.id, { delayMinMs: 5000, delayMaxMs: 5000 });
    let acknowledged = false;
    void client.create('/unacked', bytes('u')).then(() => { acknowledged = true; }, () => undefined);
    await ensemble.quiesce();
    leader.crash();
    ensemble.network.clearFaults();
    await ensemble.waitForLeader();
    await ensemble.run(2000);
    expect(acknowledged).toBe(false);
    for (const member of ensemble.members) if (member.isRunning) expect(member.engine.database.tree.has('/unacked')).toBe(false);
  });

  it('leader crash after a quorum acked but before any follower heard COMMIT: the next leader commits it', async () => {
    const ensemble = ensembleOf({ members: 3 });
    const leader = await ensemble.waitForLeader();
    const client = await ensemble.client({ member: leader.id });
    const followers = ensemble.members.filter((m) => m.id !== leader.id);
    // Acks take 100 ms; proposals arrive at once.
    for (const follower of followers) ensemble.network.setLinkFaults(follower.id, leader.id, { delayMinMs: 100, delayMaxMs: 100 });
    let acknowledged = false;
    const write = client.create('/acked', bytes('a')).then(() => { acknowledged = true; });
    await ensemble.quiesce();
    for (const follower of followers) {
      expect(follower.storage.readLogAfter(0n).some((t) => t.body.type === 'create' && t.body.path === '/acked')).toBe(true);
      expect(follower.engine.database.tree.has('/acked')).toBe(false);
    }
    // From now on everything the leader sends is held back: its COMMITs will never arrive.
    for (const follower of followers) ensemble.network.setLinkFaults(leader.id, follower.id, { delayMinMs: 60_000, delayMaxMs: 60_000 });
    await ensemble.run(100);
    await write;
    expect(acknowledged).toBe(true);
    for (const follower of followers) expect(follower.engine.database.tree.has('/acked')).toBe(false);
    leader.crash();
    ensemble.network.clearFaults();
    const next = await ensemble.waitForLeader();
    expect(followers.map((f) => f.id)).toContain(next.id);
    await ensemble.run(2000);
    for (const follower of followers) expect(follower.engine.database.tree.has('/acked')).toBe(true);
  });

  it('a follower that crashes between logging a proposal and acking it recovers it from its log', async () => {
    const ensemble = ensembleOf({ members: 3 });
    const leader = await ensemble.waitForLeader();
    const follower = ensemble.members.find((m) => m.id !== leader.id) as (typeof ensemble.members)[number];
    // Its acks are lost: the proposal is durable in its log, but the leader never hears from it.
    ensemble.network.setLinkFaults(follower.id, leader.id, { dropProbability: 1 });
    const client = await ensemble.client({ member: leader.id });
    await client.create('/durable-in-follower-log', bytes('d'));
    expect(follower.storage.readLogAfter(0n).some((t) => t.body.type === 'create' && t.body.path === '/durable-in-follower-log')).toBe(true);
    follower.crash();
    ensemble.network.clearFaults();
    follower.restart();
    await ensemble.run(3000);
    expect(follower.state).toBe('following');
    expect(follower.engine.database.tree.has('/durable-in-follower-log')).toBe(true);
    expect(follower.engine.lastProcessedZxid).toBe(leader.engine.lastProcessedZxid);
  });
});

describe('a learner rejoining while the leader keeps proposing', () => {
  // Recipes' queue seed 15: a learner's NEWLEADER ack was counted for every proposal made before the ack arrived,
  // including those made after NEWLEADER went out, which the learner never received. The leader committed them on
  // that ack, answered the client, and the next leader's history ended before them.
  it('its NEWLEADER ack acknowledges what was sent before NEWLEADER, not a proposal made after it', async () => {
    const ensemble = ensembleOf({ members: 3 });
    const leader = await ensemble.waitForLeader();
    const [a, b] = ensemble.members.filter((m) => m.id !== leader.id) as [(typeof ensemble.members)[number], (typeof ensemble.members)[number]];
    const client = await ensemble.client({ member: leader.id });
    await client.create('/before', bytes('b'));
    b.crash();
    // b's messages to the leader take 500 ms: its NEWLEADER ack arrives well after the leader sent NEWLEADER.
    ensemble.network.setLinkFaults(b.id, leader.id, { delayMinMs: 500, delayMaxMs: 500 });
    const syncsBefore = syncEvents(ensemble, b.id).length;
    b.restart();
    for (let waited = 0; syncEvents(ensemble, b.id).length === syncsBefore; waited += 10) {
      expect(waited).toBeLessThan(10_000);
      await ensemble.run(10);
    }
    // NEWLEADER is on its way to b. From now on nothing the leader sends reaches a or b, and a's acks are lost:
    // the only ack that can still arrive is b's NEWLEADER ack.
    ensemble.network.setLinkFaults(leader.id, b.id, { dropProbability: 1 });
    ensemble.network.setLinkFaults(leader.id, a.id, { dropProbability: 1 });
    ensemble.network.setLinkFaults(a.id, leader.id, { dropProbability: 1 });
    let acknowledged = false;
    const write = client.create('/after-newleader', bytes('x')).then(() => { acknowledged = true; }, () => undefined);
    await ensemble.run(1000);
    // Neither follower logged it, so no quorum holds it: the leader must not have committed it.
    for (const follower of [a, b]) expect(follower.storage.readLogAfter(0n).some((t) => t.body.type === 'create' && t.body.path === '/after-newleader')).toBe(false);
    expect(ensemble.trace.some((t) => t.member === leader.id && t.event.type === 'committed' && t.event.zxid === leader.peer.lastZxid)).toBe(false);
    expect(acknowledged).toBe(false);
    leader.crash();
    ensemble.network.clearFaults();
    const next = await ensemble.waitForLeader();
    expect(next.id).not.toBe(leader.id);
    await write;
    expect(acknowledged).toBe(false);
    expect(next.engine.database.tree.has('/before')).toBe(true);
  });
});

describe('rejoining after the heal', () => {
  // Recipes' counter seed 18: votes addressed to a member's earlier run were dropped like the messages of a dead
  // connection. A restarted leader answers only votes, and a looking member that never heard from the restart kept
  // addressing it as the old run: neither heard the other again, and the looking member never rejoined.
  it('a member that missed a leader\'s restart still finds it: votes are not tied to the receiver\'s run', async () => {
    const ensemble = ensembleOf({ members: 3 });
    const leader = await ensemble.waitForLeader();
    expect(leader.id).toBe(3);
    ensemble.isolate(1);
    await ensemble.run(5000);
    expect(ensemble.member(1).state).toBe('looking');
    leader.crash();
    leader.restart();
    const next = await ensemble.waitForLeader();
    expect(next.id).toBe(3);
    expect(ensemble.member(1).state).toBe('looking');
    ensemble.heal();
    await ensemble.run(10_000);
    expect(ensemble.member(1).state).toBe('following');
    expect(ensemble.member(1).peer.leader).toBe(3);
    expect(ensemble.member(1).isServing).toBe(true);
  });

  // Recipes' counter and queue seed 34: a member had promised a later epoch (to a discovery that never established)
  // than the leader's; it refused the leader's LEADERINFO, and the leader kept its epoch, so it refused forever.
  it('a member that promised a later epoch than the leader\'s rejoins: the leader steps down and a new epoch covers the promise', async () => {
    const ensemble = ensembleOf({ members: 3 });
    await ensemble.waitForLeader();
    const client = await ensemble.client({ member: 3 });
    await client.create('/before', bytes('b'));
    const member = ensemble.member(1);
    member.crash();
    // What it holds after leading (or following) a discovery of epoch 7 that went no further.
    member.storage.setAcceptedEpoch(7);
    member.storage.flush();
    member.restart();
    await ensemble.run(20_000);
    expect(member.state).toBe('following');
    expect(member.isServing).toBe(true);
    const leader = ensemble.leader();
    expect(leader?.peer.epoch).toBeGreaterThanOrEqual(7);
    expect(member.peer.epoch).toBe(leader?.peer.epoch);
    expect(member.engine.database.tree.has('/before')).toBe(true);
  });
});

describe('sessions across the ensemble', () => {
  it('the leader expires a session that stopped pinging, on every member, and its ephemerals go everywhere', async () => {
    const ensemble = ensembleOf({ members: 3 });
    const leader = await ensemble.waitForLeader();
    const follower = ensemble.members.find((m) => m.id !== leader.id) as (typeof ensemble.members)[number];
    // A live client through a follower: its pings keep the session alive across many timeouts.
    const client = await ensemble.client({ member: follower.id, sessionTimeoutMs: 4000 });
    await client.create('/kept', null, { mode: 'ephemeral' });
    // A raw connection through the same follower that speaks once, then falls silent.
    const outputs: string[] = [];
    const connection = follower.engine.openConnection({ remoteAddress: '127.0.0.1', sink: (out) => outputs.push(...out.map((o) => o.kind)) });
    follower.engine.connect(connection, { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 4000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
    await ensemble.quiesce();
    follower.engine.submit(connection, 1, { type: 1, path: '/silent', data: null, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 1 });
    await ensemble.quiesce();
    for (const member of ensemble.members) expect(member.engine.database.tree.has('/silent')).toBe(true);
    const watcher = await ensemble.client({ member: leader.id });
    const seen: number[] = [];
    await watcher.exists('/silent', (event) => seen.push(event.type));
    await ensemble.run(20_000);
    for (const member of ensemble.members) {
      expect(member.engine.database.tree.has('/silent')).toBe(false);
      expect(member.engine.database.tree.has('/kept')).toBe(true);
    }
    expect(seen).toEqual([2]);
    expect(outputs).toEqual(['connected', 'reply', 'close']);
    expect(client.state).toBe('connected');
  });

  // Recipes' queue seed 9: every run of a member drew the same random stream, so a restarted member handed out the
  // session ids of its previous run again; one whose createSession committed after this member's log ended (so the
  // restart could not step past it) was created twice, and the leader's applyTxn failed.
  it('a restarted member never hands out a session id its previous run did', async () => {
    const ensemble = ensembleOf({ members: 3 });
    const leader = await ensemble.waitForLeader();
    const member = ensemble.members.find((m) => m.id !== leader.id) as (typeof ensemble.members)[number];
    const sessionOf = (target: typeof member): { ids: bigint[] } => {
      const seen = { ids: [] as bigint[] };
      const connection = target.engine.openConnection({ remoteAddress: '127.0.0.1', sink: (out) => {
        for (const o of out) if (o.kind === 'connected') seen.ids.push(o.response.sessionId);
      } });
      target.engine.connect(connection, { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 30_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
      return seen;
    };
    // The member forwards the createSession; the leader commits it with the other follower, and nothing the
    // leader sends reaches this member: its log ends before the session.
    ensemble.network.setLinkFaults(leader.id, member.id, { dropProbability: 1 });
    const first = sessionOf(member);
    await ensemble.run(500);
    const created = [...leader.engine.database.sessions.keys()];
    expect(created).toHaveLength(1);
    expect(member.storage.readLogAfter(0n).some((t) => t.body.type === 'createSession')).toBe(false);
    expect(first.ids).toEqual([]);
    member.crash();
    ensemble.network.clearFaults();
    member.restart();
    await ensemble.run(3000);
    expect(member.isServing).toBe(true);
    const second = sessionOf(member);
    await ensemble.run(500);
    ensemble.checkSafety();
    expect(second.ids).toHaveLength(1);
    expect(second.ids[0]).not.toBe(created[0]);
    expect(leader.engine.database.sessions.size).toBe(2);
  });

  it('a client that moves to another member keeps its session and sees its own writes', async () => {
    const ensemble = ensembleOf({ members: 3 });
    await ensemble.waitForLeader();
    const client = await ensemble.client({ member: 1 });
    const sessionId = client.sessionId;
    await client.create('/moved', bytes('1'));
    ensemble.member(1).crash();
    await ensemble.run(2000);
    expect(client.state).toBe('connected');
    expect(client.sessionId).toBe(sessionId);
    expect((await client.getData('/moved')).data).toEqual(bytes('1'));
    await client.sync('/moved');
  });
});

describe('ensemble configuration and session ownership', () => {
  it('/zookeeper/config holds the ensemble in ZooKeeper\'s format on every member, with client ports once served', async () => {
    const ensemble = ensembleOf({ members: 3, observers: 1 });
    await ensemble.waitForLeader();
    const { ports } = await ensemble.serveTcp();
    const client = await ensemble.client({ member: 2 });
    const { data, stat } = await client.getData('/zookeeper/config');
    const text = new TextDecoder().decode(data ?? new Uint8Array());
    expect(text.split('\n')).toEqual([
      `server.1=127.0.0.1:2888:3888:participant;127.0.0.1:${ports[0]}`,
      `server.2=127.0.0.1:2889:3889:participant;127.0.0.1:${ports[1]}`,
      `server.3=127.0.0.1:2890:3890:participant;127.0.0.1:${ports[2]}`,
      `server.4=127.0.0.1:2891:3891:observer;127.0.0.1:${ports[3]}`,
      'version=100000000',
    ]);
    expect(stat.version).toBe(-1);
    expect((await client.getAcl('/zookeeper/config')).acl).toEqual([{ perms: 1, id: { scheme: 'world', id: 'anyone' } }]);
  });

  it('a write sent through a member the session has left gets SESSIONMOVED: that stale connection is closed', async () => {
    const ensemble = ensembleOf({ members: 3 });
    const leader = await ensemble.waitForLeader();
    const [a, b] = ensemble.members.filter((m) => m.id !== leader.id) as [(typeof ensemble.members)[number], (typeof ensemble.members)[number]];
    const client = await ensemble.client({ member: a.id });
    // A raw connection at b takes the session over (as a client that moved would) while the old one stays open at a.
    const outputs: string[] = [];
    const moved = b.engine.openConnection({ remoteAddress: '127.0.0.1', sink: (out) => outputs.push(...out.map((o) => o.kind)) });
    b.engine.connect(moved, { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 10_000, sessionId: client.sessionId, passwd: client.sessionPassword, readOnly: false });
    await ensemble.quiesce();
    expect(outputs).toEqual(['connected']);
    const stale = a.engine.openConnection({ remoteAddress: '127.0.0.1', sink: (out) => outputs.push(...out.map((o) => `stale:${o.kind}`)) });
    a.engine.connect(stale, { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 10_000, sessionId: client.sessionId, passwd: client.sessionPassword, readOnly: false });
    await ensemble.quiesce();
    // The session now belongs to a again (the stale reattach revalidated it there)... move it back to b:
    b.engine.closeConnection(moved);
    const again = b.engine.openConnection({ remoteAddress: '127.0.0.1', sink: () => undefined });
    b.engine.connect(again, { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 10_000, sessionId: client.sessionId, passwd: client.sessionPassword, readOnly: false });
    await ensemble.quiesce();
    outputs.length = 0;
    a.engine.submit(stale, 5, { type: 1, path: '/through-stale', data: null, acl: [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }], flags: 0 });
    await ensemble.quiesce();
    expect(outputs).toEqual(['stale:close']);
    for (const member of ensemble.members) expect(member.engine.database.tree.has('/through-stale')).toBe(false);
  });
});

describe('per-session order with pipelined writes', () => {
  it('a session keeps many writes in flight through a follower; a read waits for exactly the writes before it; replies come in order', async () => {
    const ensemble = ensembleOf({ members: 3 });
    const leader = await ensemble.waitForLeader();
    const follower = ensemble.members.find((m) => m.id !== leader.id) as (typeof ensemble.members)[number];
    // Acks take 50 ms, so a commit takes a round trip: without pipelining, 21 writes would take 21 of them.
    for (const member of ensemble.members) if (member.id !== leader.id) ensemble.network.setLinkFaults(member.id, leader.id, { delayMinMs: 50, delayMaxMs: 50 });
    // A raw connection shows the order replies leave the server in.
    const replies: Array<{ xid: number; children?: string[] }> = [];
    const connection = follower.engine.openConnection({
      remoteAddress: '127.0.0.1',
      sink: (outputs) => {
        for (const o of outputs) if (o.kind === 'reply' && o.header.xid > 0) replies.push({ xid: o.header.xid, ...(o.requestType === 8 ? { children: (o.response as { children: string[] }).children } : {}) });
      },
    });
    follower.engine.connect(connection, { protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 10_000, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
    await ensemble.run(200);
    const acl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
    for (let i = 0; i < 20; i++) follower.engine.submit(connection, i + 1, { type: 1, path: `/p${i}`, data: null, acl, flags: 0 });
    follower.engine.submit(connection, 21, { type: 8, path: '/', watch: false });
    follower.engine.submit(connection, 22, { type: 1, path: '/after-read', data: null, acl, flags: 0 });
    // Serialised, 21 writes would need over a second of round trips; pipelined, all 22 replies fit in 400 ms.
    await ensemble.run(400);
    expect(replies.map((r) => r.xid)).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    const children = replies.find((r) => r.xid === 21)?.children ?? [];
    expect(children.filter((c) => c.startsWith('p'))).toHaveLength(20);
    expect(children).not.toContain('after-read');
    ensemble.network.clearFaults();
  });
});

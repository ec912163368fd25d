/**
 * Sessions: negotiated timeouts, bucketed expiry driven by the manual clock, close and expiry
 * deleting ephemerals in one txn, reattaching with the password, and pings keeping a session
 * alive. Reference §1.3, §2.4; docs/zookeeper-3.8-observations.md g.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createServer } from '@vivarium/server';
import { ErrorCode, EventType, OpCode, Perm } from '@vivarium/protocol';
import { expectCode, partitionableClient, RawSession, rawSession, recorder, settle, startServer, worldAcl } from './helpers.ts';

describe('negotiated session timeout', () => {
  it('is clamped to [2*tickTime, 20*tickTime]: the table observed with tickTime 2000 (observations g)', () => {
    const server = startServer({ tickTimeMs: 2000 });
    const observed: Array<[number, number]> = [
      [0, 4000], [1, 4000], [1000, 4000], [3999, 4000], [4000, 4000],
      [30000, 30000], [40000, 40000], [40001, 40000], [100000, 40000],
    ];
    for (const [requested, negotiated] of observed) {
      const raw = new RawSession(server);
      expect({ requested, negotiated: raw.connect({ timeoutMs: requested }).response.timeOutMs }).toEqual({ requested, negotiated });
      expect(server.engine.sessions.get(raw.sessionId)?.timeoutMs).toBe(negotiated);
    }
    server.engine.checkInvariants();
  });

  it('follows tickTime and explicit min/max settings; the client learns the granted value', async () => {
    const server = startServer({ tickTimeMs: 500 });
    expect((await server.client({ sessionTimeoutMs: 100 })).negotiatedTimeoutMs).toBe(1000);
    expect((await server.client({ sessionTimeoutMs: 60_000 })).negotiatedTimeoutMs).toBe(10_000);
    expect((await server.client({ sessionTimeoutMs: 7000 })).negotiatedTimeoutMs).toBe(7000);
    const custom = startServer({ tickTimeMs: 1000, minSessionTimeoutMs: 3000, maxSessionTimeoutMs: 5000 });
    expect((await custom.client({ sessionTimeoutMs: 1 })).negotiatedTimeoutMs).toBe(3000);
    expect((await custom.client({ sessionTimeoutMs: 9000 })).negotiatedTimeoutMs).toBe(5000);
    server.engine.checkInvariants();
    custom.engine.checkInvariants();
  });
});

describe('session ids', () => {
  it('are distinct, carry the member id in the top byte, and come with a 16-byte password', async () => {
    const server = startServer();
    const a = await server.client();
    const b = await server.client();
    expect(a.sessionId).not.toBe(b.sessionId);
    expect(a.sessionId >> 56n).toBe(1n);
    expect(b.sessionId >> 56n).toBe(1n);
    expect(a.sessionPassword).toHaveLength(16);
    server.engine.checkInvariants();
  });
});

describe('close', () => {
  it('deletes the session ephemerals in one txn, fires NodeDeleted and NodeChildrenChanged, and leaves others alone', async () => {
    const server = startServer();
    const closing = await server.client();
    const watcher = await server.client();
    await watcher.create('/p');
    await closing.create('/p/e1', null, { mode: 'ephemeral' });
    await closing.create('/p/e2', null, { mode: 'ephemeralSequential' });
    await closing.create('/top', null, { mode: 'ephemeral' });
    await watcher.create('/p/mine', null, { mode: 'ephemeral' });
    const events: string[] = [];
    const note = (e: { type: number; path: string | undefined }) => events.push(`${e.type} ${e.path}`);
    await watcher.exists('/p/e1', note);
    await watcher.getData('/top', note);
    await watcher.getChildren('/p', note);
    const before = server.engine.lastProcessedZxid;

    await closing.close();
    expect(closing.state).toBe('closed');
    expect(server.engine.lastProcessedZxid).toBe(before + 1n);
    await settle();
    expect([...events].sort()).toEqual([`${EventType.nodeDeleted} /p/e1`, `${EventType.nodeChildrenChanged} /p`, `${EventType.nodeDeleted} /top`].sort());
    expect(await watcher.getChildren('/p')).toEqual(['mine']);
    expect((await watcher.exists('/p'))!.pzxid).toBe(before + 1n);
    expect(server.engine.sessions.get(closing.sessionId)).toBeUndefined();
    expect(server.engine.database.sessions.has(closing.sessionId)).toBe(false);
    await expect(closing.getData('/p')).rejects.toBeInstanceOf(Error);
    server.engine.checkInvariants();
  });
});

describe('expiry driven by the clock', () => {
  it('a session that stops talking expires: ephemerals deleted in one txn, watches fire, the client learns on reconnect', async () => {
    const server = startServer({ tickTimeMs: 2000 });
    const { client, partition } = await partitionableClient(server, { sessionTimeoutMs: 4000 });
    const watcher = await server.client();
    await client.create('/e', null, { mode: 'ephemeral' });
    await client.create('/f', null, { mode: 'ephemeral' });
    const w = recorder();
    await watcher.exists('/e', w.watcher);
    const sessionId = client.sessionId;
    const zxidBefore = server.engine.lastProcessedZxid;

    partition();
    server.advance(4000);
    await settle();
    expect(server.engine.sessions.get(sessionId)).toBeDefined();
    expect(await watcher.exists('/e')).not.toBeNull();
    server.advance(2000); // last touch + T + tick at most
    expect(server.engine.sessions.get(sessionId)).toBeUndefined();
    expect(server.engine.lastProcessedZxid).toBe(zxidBefore + 1n);
    await settle();
    expect(w.events).toEqual([{ type: EventType.nodeDeleted, state: 3, path: '/e' }]);
    expect(await watcher.exists('/e')).toBeNull();
    expect(await watcher.exists('/f')).toBeNull();
    // The server closed the connection without a word; the client only knows it is disconnected.
    expect(client.state).toBe('disconnected');
    server.advance(0); // its reconnect: ConnectResponse with timeOut 0
    await settle();
    expect(client.state).toBe('expired');
    await expectCode(client.getData('/'), ErrorCode.sessionExpired);
    await expectCode(client.create('/x'), ErrorCode.sessionExpired);
    server.engine.checkInvariants();
  });

  it('an idle client pings and keeps its session alive however far time moves', async () => {
    const server = startServer({ tickTimeMs: 2000 });
    const client = await server.client({ sessionTimeoutMs: 4000 });
    await client.create('/e', null, { mode: 'ephemeral' });
    for (let i = 0; i < 6; i++) {
      server.advance(10_000);
      await settle();
    }
    server.advance(300_000);
    await settle();
    expect(client.state).toBe('connected');
    expect(server.engine.sessions.get(client.sessionId)?.closing).toBe(false);
    expect(await client.getEphemerals()).toEqual(['/e']);
    server.engine.checkInvariants();
  });

  it('a silent session dies between T and T+tick after its last packet (property; seed pinned)', () => {
    const seed = 20240601;
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }).map((ticks) => ticks * 1000), // requested timeout, clamped by the server
        fc.array(fc.integer({ min: 0, max: 3999 }), { maxLength: 4 }), // gaps between packets, each shorter than the min timeout
        fc.integer({ min: 1, max: 5 }).map((n) => n * 250), // tick
        (requestedMs, gaps, tickTimeMs) => {
          const server = createServer({ seed: 1, tickTimeMs });
          try {
            const raw = rawSession(server, { timeoutMs: requestedMs });
            const timeoutMs = raw.negotiatedTimeoutMs;
            const clock = server.manualClock!;
            let lastPacketMs = clock.nowMs();
            for (const gap of gaps) {
              if (gap >= timeoutMs) continue;
              clock.advance(gap);
              raw.call({ type: OpCode.ping });
              lastPacketMs = clock.nowMs();
            }
            const alive = () => server.engine.sessions.get(raw.sessionId) !== undefined;
            clock.advanceTo(lastPacketMs + timeoutMs);
            if (!alive()) return false;
            clock.advanceTo(lastPacketMs + timeoutMs + tickTimeMs);
            if (alive()) return false;
            server.engine.checkInvariants();
            return raw.closed && raw.closeReason() === 'sessionExpired';
          } finally {
            server.engine.close();
          }
        },
      ),
      { seed, numRuns: 60 },
    );
  });

  it('expiry happens at the bucket boundary: touched at t, it expires at (floor((t+T)/tick)+1)*tick exactly', () => {
    const server = startServer({ tickTimeMs: 2000 });
    const start = server.clockNow();
    server.advance(500);
    const raw = rawSession(server, { timeoutMs: 4000 });
    const touchedAt = server.clockNow();
    const deadline = (Math.floor((touchedAt + 4000) / 2000) + 1) * 2000;
    expect(deadline - start).toBe(6000);
    server.manualClock!.advanceTo(deadline - 1);
    expect(raw.closed).toBe(false);
    server.manualClock!.advanceTo(deadline);
    expect(raw.closed).toBe(true);
    expect(raw.closeReason()).toBe('sessionExpired');
    server.engine.checkInvariants();
  });

  it('every request touches the session, not only pings', () => {
    const server = startServer({ tickTimeMs: 1000 });
    const raw = rawSession(server, { timeoutMs: 2000 });
    for (let i = 0; i < 10; i++) {
      server.advance(1500);
      raw.call({ type: OpCode.exists, path: '/', watch: false });
    }
    expect(raw.closed).toBe(false);
    server.advance(3000);
    expect(raw.closed).toBe(true);
    server.engine.checkInvariants();
  });

  it('server.expireSession expires at once; the client learns on its next connect', async () => {
    const server = startServer();
    const client = await server.client();
    const other = await server.client();
    await client.create('/e', null, { mode: 'ephemeral' });
    expect(server.expireSession(client.sessionId)).toBe(true);
    expect(server.expireSession(client.sessionId)).toBe(false);
    expect(await other.exists('/e')).toBeNull();
    await settle();
    server.advance(0);
    await settle();
    expect(client.state).toBe('expired');
    await expectCode(client.exists('/'), ErrorCode.sessionExpired);
    server.engine.checkInvariants();
  });
});

describe('reattaching to a session', () => {
  it('with the right password: same session, ephemerals kept, the old connection is closed', async () => {
    const server = startServer();
    const first = await server.client();
    await first.create('/e', null, { mode: 'ephemeral' });
    const second = await server.client({ sessionId: first.sessionId, sessionPassword: first.sessionPassword });
    expect(second.sessionId).toBe(first.sessionId);
    expect(second.state).toBe('connected');
    expect(await second.getEphemerals()).toEqual(['/e']);
    await settle();
    expect(first.state).toBe('disconnected');
    await first.close();
    await second.close();
    expect(server.engine.database.tree.get('/e')).toBeUndefined();
    server.engine.checkInvariants();
  });

  it('with a wrong password, or an unknown or expired session: refused as expired; the session itself is untouched', async () => {
    const server = startServer();
    const owner = await server.client();
    await owner.create('/e', null, { mode: 'ephemeral' });
    const wrong = new Uint8Array(owner.sessionPassword);
    wrong[0] = (wrong[0]! + 1) & 0xff;
    await expectCode(server.client({ sessionId: owner.sessionId, sessionPassword: wrong }), ErrorCode.sessionExpired);
    await expectCode(server.client({ sessionId: 0x1234n, sessionPassword: new Uint8Array(16) }), ErrorCode.sessionExpired);
    // As ZooKeeper 3.8 does (processConnectRequest closes the session's connection before reopenSession
    // checks the password; test/compat/differential.test.ts), the refused attempt drops the owner's
    // connection. The session survives: the owner reconnects to it.
    expect(owner.state).toBe('disconnected');
    server.advance(0); // its reconnect
    await settle();
    expect(owner.state).toBe('connected');
    expect(await owner.getEphemerals()).toEqual(['/e']);

    // On the wire: ConnectResponse{timeOut 0, sessionId 0, 16 zero bytes}, then close (reference §1.3).
    const raw = new RawSession(server);
    const refused = raw.connect({ sessionId: owner.sessionId, passwd: wrong });
    expect(refused.response).toMatchObject({ timeOutMs: 0, sessionId: 0n, passwd: new Uint8Array(16) });
    expect(raw.closed).toBe(true);

    const expiredId = owner.sessionId;
    const password = owner.sessionPassword;
    server.expireSession(expiredId);
    await expectCode(server.client({ sessionId: expiredId, sessionPassword: password }), ErrorCode.sessionExpired);
    server.engine.checkInvariants();
  });
});

describe('requests on a dead session', () => {
  it('after close, the closed session cannot be reattached and its ephemerals are gone', async () => {
    const server = startServer();
    const client = await server.client();
    const id = client.sessionId;
    const password = client.sessionPassword;
    await client.create('/e', null, { mode: 'ephemeral' });
    await client.close();
    await expectCode(server.client({ sessionId: id, sessionPassword: password }), ErrorCode.sessionExpired);
    const raw = rawSession(server);
    expect(raw.call({ type: OpCode.exists, path: '/e', watch: false }).header.err).toBe(ErrorCode.noNode);
    raw.call({ type: OpCode.create, path: '/x', data: null, acl: worldAcl(Perm.all), flags: 0 });
    server.engine.checkInvariants();
  });
});

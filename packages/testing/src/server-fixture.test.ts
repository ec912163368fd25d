import { describe, expect, it } from 'vitest';
import { connectZooKeeper } from '@vivarium/client';
import { EventType } from '@vivarium/protocol';
import { createServer, FixtureError, FixtureLeakError, type ServerFixture } from '@vivarium/testing';
import './vitest.ts';

const text = (value: string): Uint8Array => new TextEncoder().encode(value);

async function withServer(options: Parameters<typeof createServer>[0], body: (server: ServerFixture) => Promise<void>): Promise<void> {
  const server = await createServer(options);
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

describe('createServer', () => {
  it('gives connected in-process clients, chrooted when asked, and the tree for assertions', async () => {
    await withServer({ seed: 3 }, async (server) => {
      const root = await server.client();
      await root.create('/app', null);
      const app = await server.client({ chroot: '/app' });
      expect(await app.create('/config', text('v1'))).toBe('/config');
      expect(server).toHaveNode('/app/config', 'v1');
      expect(server.tree.get('/app/config')?.version).toBe(0);
      expect(server.seed).toBe(3);
      expect(server.clock.kind).toBe('manual');
    });
  });

  it('expireSession: ephemerals go, watches fire, and the client ends up expired', async () => {
    await withServer({}, async (server) => {
      const owner = await server.client({ sessionTimeoutMs: 10_000 });
      const watcher = await server.client();
      await owner.create('/lock', null, { mode: 'ephemeral' });
      const events: string[] = [];
      await watcher.exists('/lock', (event) => events.push(`${event.type} ${event.path}`));
      const states: string[] = [];
      owner.onStateChange((state) => states.push(state));
      const before = server.clock.nowMs();

      await server.expireSession(owner);

      expect(server).not.toHaveNode('/lock');
      expect(events).toEqual([`${EventType.nodeDeleted} /lock`]);
      expect(owner).toHaveSessionState('expired');
      // Told on reconnect, as ZooKeeper tells its clients: the connection drops first.
      expect(states).toEqual(['disconnected', 'expired']);
      expect(server.clock.nowMs() - before).toBeLessThanOrEqual(200);
      expect(watcher).toHaveSessionState('connected');
      await expect(server.expireSession(owner.sessionId)).rejects.toThrow(/no live session 0x[0-9a-f]+ on the server .*\[seed \d+\]/);
    });
  });

  it('on the manual clock nothing expires until the test advances time; a crashed client\'s session expires after its timeout', async () => {
    await withServer({ tickTimeMs: 1000 }, async (server) => {
      const holder = await server.client({ sessionTimeoutMs: 5000 });
      const alive = await server.client({ sessionTimeoutMs: 5000 });
      await holder.create('/ephemeral', null, { mode: 'ephemeral' });
      expect(holder.negotiatedTimeoutMs).toBe(5000);

      server.crashClient(holder);
      await server.settle();
      expect(server).toHaveNode('/ephemeral');
      await server.clock.advance(4000);
      expect(server).toHaveNode('/ephemeral');
      await server.clock.advance(2000 + 1000);
      expect(server).not.toHaveNode('/ephemeral');
      // The live client pinged all along.
      expect(alive).toHaveSessionState('connected');
      expect(await alive.exists('/')).not.toBeNull();
    });
  });

  it('drive() lets time pass until a promise settles, and fails with the seed when it never does', async () => {
    await withServer({ seed: 11 }, async (server) => {
      const client = await server.client();
      const never = new Promise<void>(() => undefined);
      await expect(server.drive(never, { maxMs: 1000, what: 'nothing' })).rejects.toThrow('drive: nothing did not settle within 1000 ms of simulated time [seed 11]');
      await expect(server.drive(client.create('/x', null))).resolves.toBe('/x');
    });
  });

  it('opens a TCP port on the first connectString(), on a free port, for any ZooKeeper client', async () => {
    await withServer({}, async (server) => {
      expect(server.resources().listeningPorts).toBe(0);
      const connectString = await server.connectString();
      expect(connectString).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(await server.connectString()).toBe(connectString);
      expect(server.resources().listeningPorts).toBe(1);
      const tcp = await connectZooKeeper(connectString, { sessionTimeoutMs: 4000 });
      await tcp.create('/over-tcp', text('x'), { mode: 'ephemeral' });
      expect(server).toHaveNode('/over-tcp', 'x');
      // The session ends on the server now; the TCP client hears it from the server on its own.
      await server.expireSession(tcp.sessionId);
      expect(server).not.toHaveNode('/over-tcp');
      await tcp.close();
    });
  });

  it('close() closes the clients it made and the TCP port, and is idempotent', async () => {
    const server = await createServer();
    const a = await server.client();
    const b = await server.client();
    await server.connectString();
    b.disconnect();
    await server.close();
    await server.close();
    expect(a.state).toBe('closed');
    expect(b.state).toBe('closed');
    expect(server.resources()).toEqual({ openClients: 0, clientTimers: 0, clockSubscribers: 0, listeningPorts: 0, tcpConnections: 0, runningMembers: 0, messagesInFlight: 0 });
    await expect(server.client()).rejects.toThrow(/client\(\) after close\(\)/);
  });

  it('close() fails, naming what is left, when a client cannot be closed', async () => {
    const server = await createServer({ seed: 5 });
    const stuck = await server.client();
    // A client whose close() never goes through: it outlives the server and keeps trying to reconnect.
    stuck.close = () => new Promise<void>(() => undefined);
    const error = await server.close().then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(FixtureLeakError);
    expect((error as FixtureLeakError).message).toMatch(/^createServer\.close\(\) left resources behind: in-process client c1 disconnected not closed; 1 client timer\(s\) still armed; 1 party\(ies\) still waiting on the manual clock \[seed 5\]$/);
    // Later calls report the same outcome.
    await expect(server.close()).rejects.toBe(error);
  });

  it('every error names the seed; bad options are refused before anything starts', async () => {
    await expect(createServer({ seed: 9, tickTimeMs: -1 })).rejects.toThrow(/createServer: invalid tickTimeMs: -1 .*\[seed 9\]/);
    await expect(createServer({ seed: 1.5 })).rejects.toThrow(/seed must be an integer/);
    await expect(createServer({ seed: 9, clock: 'wall' as 'system' })).rejects.toThrow(/clock must be 'manual' or 'system', got "wall" \[seed 9\]/);
    await expect(createServer({ seed: 9, typo: 1 } as object)).rejects.toThrow(FixtureError);
    const server = await createServer({ seed: 9, clock: 'system' });
    await expect(server.clock.advance(10)).rejects.toThrow(/runs on the system clock.*\[seed 9\]/);
    expect(server.describeSeed()).toMatch(/^createServer seed 9: rerun with createServer\(\{"seed":9,"clock":"system"\}\); the same seed and the same steps give the same traceHash \(now [0-9a-f]{8}\)$/);
    await server.close();
  });

  it('runs on the system clock when asked: sessions expire in real time', async () => {
    await withServer({ clock: 'system', tickTimeMs: 20 }, async (server) => {
      const holder = await server.client({ sessionTimeoutMs: 40 });
      await holder.create('/brief', null, { mode: 'ephemeral' });
      server.crashClient(holder);
      const deadline = Date.now() + 5000;
      while (server.tree.has('/brief') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(server).not.toHaveNode('/brief');
    });
  });
});

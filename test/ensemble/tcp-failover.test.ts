/**
 * End to end: node-zookeeper-client, connected to all three members of an
 * in-process ensemble over TCP, keeps its session and its data while the
 * member it talks to is killed. Real time (the client pings on its own),
 * bounded by deadlines.
 */
import { describe, expect, it } from 'vitest';
import zookeeper from 'node-zookeeper-client';
import { createEnsemble } from '@vivarium/server';

function call<T>(fn: (callback: (error: Error | null, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((error, result) => (error ? reject(error) : resolve(result))));
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('in-process ensemble over TCP', () => {
  it('node-zookeeper-client keeps its session and data while its member is killed', async () => {
    const ensemble = createEnsemble({ members: 3, seed: 11, clock: 'system', tickTimeMs: 100, syncLimitTicks: 5, initLimitTicks: 10 });
    try {
      await ensemble.waitForLeader(10_000);
      const { connectString, ports } = await ensemble.serveTcp();
      expect(ports).toHaveLength(3);
      const client = zookeeper.createClient(connectString, { sessionTimeout: 4000, spinDelay: 50, retries: 0 });
      const states: string[] = [];
      client.on('state', (state: { name: string }) => states.push(state.name));
      client.connect();
      await until(() => client.getState().name === 'SYNC_CONNECTED', 10_000, 'connect');
      const sessionId = client.getSessionId().toString('hex');
      await call<string>((cb) => client.create('/durable', Buffer.from('v1'), zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.PERSISTENT, cb));
      await call<string>((cb) => client.create('/mine', Buffer.from('e'), zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.EPHEMERAL, cb));

      // Find the member this client talks to and kill it.
      const port = Number((client as unknown as { connectionManager: { socket: { remotePort: number } } }).connectionManager.socket.remotePort);
      const victim = ensemble.members[ports.indexOf(port)];
      expect(victim).toBeDefined();
      victim?.crash();
      await until(() => states.includes('DISCONNECTED'), 10_000, 'the client to notice');
      await ensemble.waitForLeader(10_000);
      await until(() => client.getState().name === 'SYNC_CONNECTED', 15_000, 'reconnect to another member');

      expect(client.getSessionId().toString('hex')).toBe(sessionId);
      expect(states).not.toContain('EXPIRED');
      const data = await new Promise<Buffer>((resolve, reject) => client.getData('/durable', (error, value) => (error ? reject(error) : resolve(value ?? Buffer.alloc(0)))));
      expect(data.toString()).toBe('v1');
      const stat = await new Promise<unknown>((resolve, reject) => client.exists('/mine', (error, value) => (error ? reject(error) : resolve(value))));
      expect(stat).toBeTruthy();
      await call<unknown>((cb) => client.setData('/durable', Buffer.from('v2'), -1, cb));
      victim?.restart();
      await until(() => victim?.isServing === true, 10_000, 'the killed member to rejoin');
      expect(Buffer.from(victim?.engine.database.tree.get('/durable')?.data ?? []).toString()).toBe('v2');

      // Now the leader dies: the survivors elect another, and the session and its ephemeral live on.
      const oldLeader = ensemble.leader();
      expect(oldLeader).toBeDefined();
      oldLeader?.crash();
      const newLeader = await ensemble.waitForLeader(10_000);
      expect(newLeader.id).not.toBe(oldLeader?.id);
      await until(() => client.getState().name === 'SYNC_CONNECTED', 15_000, 'the client after leader failover');
      await call<unknown>((cb) => client.setData('/durable', Buffer.from('v3'), -1, cb));
      const after = await new Promise<Buffer>((resolve, reject) => client.getData('/durable', (error, value) => (error ? reject(error) : resolve(value ?? Buffer.alloc(0)))));
      expect(after.toString()).toBe('v3');
      expect(client.getSessionId().toString('hex')).toBe(sessionId);
      expect(newLeader.engine.database.tree.has('/mine')).toBe(true);
      ensemble.checkSafety();
      client.close();
    } finally {
      await ensemble.close();
    }
  }, 60_000);
});

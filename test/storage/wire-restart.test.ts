/**
 * The wire server with a dataDir keeps its state in files: a real ZooKeeper client
 * (node-zookeeper-client) writes, the server stops and starts again on the same
 * port and dataDir, and the same client's session carries on where it was, its
 * ephemeral node still there. Real sockets and the system clock: tagged by being
 * here, bounded to a few seconds.
 */
import { rmSync } from 'node:fs';
import zookeeper, { type Client } from 'node-zookeeper-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startWireServer, type RunningWireServer } from '@vivarium/server';
import { filesOf, tempDir } from './helpers.ts';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function connected(client: Client): Promise<void> {
  return new Promise((resolve) => client.once('connected', () => resolve()));
}

function call<T>(run: (callback: (error: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => run((error, value) => (error === null ? resolve(value) : reject(error))));
}

describe('startWireServer with a dataDir', () => {
  it('comes back after a restart with its data and its sessions; the client reconnects to the same session', async () => {
    const dataDir = tempDir();
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    let server: RunningWireServer = await startWireServer({ dataDir, clock: 'system', seed: 11, forceSync: true });
    cleanups.push(() => server.close());
    const client = zookeeper.createClient(server.connectString, { sessionTimeout: 20_000, spinDelay: 50, retries: 100 });
    cleanups.push(() => client.close());
    const first = connected(client);
    client.connect();
    await first;
    await call<string>((cb) => client.create('/durable', Buffer.from('v1'), zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.PERSISTENT, cb));
    await call<string>((cb) => client.create('/mine', Buffer.from('eph'), zookeeper.ACL.OPEN_ACL_UNSAFE, zookeeper.CreateMode.EPHEMERAL, cb));
    await call((cb) => client.setData('/durable', Buffer.from('v2'), -1, cb));
    const sessionId = client.getSessionId();
    const password = client.getSessionPassword();
    expect(filesOf(dataDir, 'log')).toHaveLength(1);

    const port = server.port;
    await server.close();
    const again = connected(client);
    server = await startWireServer({ dataDir, clock: 'system', seed: 12, clientPort: port });
    await again;
    expect(client.getSessionId().equals(sessionId)).toBe(true);
    const data = await new Promise<Buffer | undefined>((resolve, reject) => client.getData('/durable', (error, value) => (error === null ? resolve(value) : reject(error))));
    expect(data?.toString()).toBe('v2');
    const stat = await call<unknown>((cb) => client.exists('/mine', cb));
    expect(stat, 'the session lived through the restart, so its ephemeral did too').toBeDefined();

    // A second client can also reattach to that session by id and password.
    const other = zookeeper.createClient(server.connectString, { sessionTimeout: 20_000, sessionId, sessionPassword: password });
    cleanups.push(() => other.close());
    const otherConnected = connected(other);
    other.connect();
    await otherConnected;
    expect(other.getSessionId().equals(sessionId)).toBe(true);
  }, 20_000);

  it('without a dataDir nothing is kept', async () => {
    const server = await startWireServer({ clock: 'manual', seed: 1 });
    cleanups.push(() => server.close());
    expect(server.engine.storageOf).toBeUndefined();
  });
});

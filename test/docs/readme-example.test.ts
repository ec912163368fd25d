/** The README's first example, run as written, with its claims asserted. */
import { describe, expect, it } from 'vitest';
import { createServer } from '@vivarium/server';

describe('README first example', () => {
  it('does what the README says', async () => {
    const server = createServer({ seed: 42 });
    const client = await server.client({ sessionTimeoutMs: 4000 });

    await client.create('/config', new TextEncoder().encode('v1'));
    const lock = await client.create('/lock-', null, { mode: 'ephemeralSequential' });
    expect(lock).toBe('/lock-0000000001');

    const changes: string[] = [];
    await client.getData('/config', (event) => changes.push(`${event.type} ${event.path}`));
    await client.setData('/config', new TextEncoder().encode('v2'));
    expect(changes).toEqual(['3 /config']);

    server.manualClock!.advance(60_000);
    expect(client.state).toBe('connected');
    expect(await client.exists(lock)).not.toBeNull();

    const observer = await server.client();
    const deleted: string[] = [];
    await observer.exists(lock, (event) => deleted.push(`${event.type} ${event.path}`));
    expect(server.expireSession(client.sessionId)).toBe(true);
    expect(await observer.exists(lock)).toBeNull();
    await Promise.resolve();
    expect(deleted).toEqual([`2 ${lock}`]);
    server.engine.checkInvariants();
    await server.close();
  });
});

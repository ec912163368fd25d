import { describe, expect, it } from 'vitest';
import { createServer } from '@vivarium/server';

describe('smoke', () => {
  it('creates and reads', async () => {
    const server = createServer({ seed: 1 });
    const client = await server.client();
    const path = await client.create('/a', new TextEncoder().encode('x'));
    expect(path).toBe('/a');
    const { data, stat } = await client.getData('/a');
    expect(new TextDecoder().decode(data!)).toBe('x');
    expect(stat.version).toBe(0);
    const events: unknown[] = [];
    await client.getData('/a', (e) => events.push(e));
    await client.setData('/a', null);
    expect(events).toEqual([{ type: 3, state: 3, path: '/a' }]);
    server.engine.checkInvariants();
    await server.close();
  });
});

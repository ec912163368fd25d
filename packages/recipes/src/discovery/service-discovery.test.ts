import { expect, it } from 'vitest';
import { forEachBackend } from '../../test-support/for-each-backend.ts';
import { ServiceDiscovery, ServiceProvider, type ServiceInstance } from './service-discovery.ts';

interface Meta { zone: string }

forEachBackend('ServiceDiscovery', ({ backend, path }) => {
  it('registers instances, answers queries, keeps a service cache current and round-robins over it', async () => {
    const b = backend();
    const [c1, c2, c3] = [await b.client(), await b.client(), await b.client()];
    const web1 = new ServiceDiscovery<Meta>(c1, path('services'), { scheduler: b.scheduler });
    const web2 = new ServiceDiscovery<Meta>(c2, path('services'), { scheduler: b.scheduler });
    const consumer = new ServiceDiscovery<Meta>(c3, path('services'), { scheduler: b.scheduler });
    const cache = consumer.serviceCache('web');
    await b.drive(cache.start());
    const changes: number[] = [];
    cache.onChange((instances) => changes.push(instances.length));
    const instance = (id: string, port: number): ServiceInstance<Meta> => ({ name: 'web', id, address: '10.0.0.1', port, payload: { zone: 'a' } });
    await b.drive(web1.registerService(instance('w1', 8080)));
    await b.drive(web2.registerService(instance('w2', 8081)));
    await b.drive(web2.registerService({ name: 'db', id: 'd1', port: 5432 }));
    expect(await b.drive(consumer.queryForNames())).toEqual(['db', 'web']);
    const found = await b.drive(consumer.queryForInstances('web'));
    expect(found.map((i) => [i.id, i.port, i.payload?.zone])).toEqual([['w1', 8080, 'a'], ['w2', 8081, 'a']]);
    expect(typeof found[0]!.registrationTimeMs).toBe('number');
    await b.until(() => cache.instances.length === 2, undefined, 'cache has both');
    const provider = new ServiceProvider(cache);
    expect([provider.getInstance()?.id, provider.getInstance()?.id, provider.getInstance()?.id]).toEqual(['w1', 'w2', 'w1']);
    await b.drive(web1.updateService({ ...instance('w1', 9090) }));
    await b.until(() => cache.instances.find((i) => i.id === 'w1')?.port === 9090, undefined, 'update seen');
    await b.drive(web1.unregisterService({ name: 'web', id: 'w1' }));
    await b.until(() => cache.instances.length === 1, undefined, 'w1 gone');
    // An instance goes with its session.
    await b.drive(b.expireSession(c2));
    await b.until(() => cache.instances.length === 0, undefined, 'w2 gone with its session');
    expect(await b.drive(consumer.queryForInstances('db'))).toEqual([]);
    expect(changes.at(-1)).toBe(0);
    expect(await b.drive(consumer.queryForInstance('web', 'w1'))).toBeUndefined();
    cache.close();
  });
});

/**
 * Chroot is client-side (reference §2.6, Java's Chroot): the prefix goes onto request paths and
 * comes off create results, multi results, sync and event paths; the chroot itself is "/".
 * getEphemerals is not chrooted, as in the Java client.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, EventType } from '@vivarium/protocol';
import { MultiError } from '@vivarium/client';
import { bytes, expectCode, recorder, settle, startServer, text } from './helpers.ts';

describe('chroot', () => {
  it('prefixes request paths and strips create results, sequential ones included', async () => {
    const server = startServer();
    const plain = await server.client();
    await plain.create('/app');
    const client = await server.client({ chroot: '/app' });
    expect(await client.create('/a', bytes('x'))).toBe('/a');
    expect(await client.create('/a/s-', null, { mode: 'persistentSequential' })).toBe('/a/s-0000000000');
    const { path, stat } = await client.createWithStat('/b');
    expect(path).toBe('/b');
    expect(stat).toEqual(await plain.exists('/app/b'));
    expect(text((await plain.getData('/app/a')).data)).toBe('x');
    expect([...(await client.getChildren('/'))].sort()).toEqual(['a', 'b']);
    expect(await client.getChildren('/a')).toEqual(['s-0000000000']);
    expect(await plain.exists('/a')).toBeNull();
    await client.setData('/a', bytes('y'));
    await client.delete('/b');
    expect(text((await plain.getData('/app/a')).data)).toBe('y');
    expect(await plain.exists('/app/b')).toBeNull();
    expect(await client.getAllChildrenNumber('/')).toBe(2);
    expect(await client.sync('/a')).toBe('/a');
    expect(await client.sync('/')).toBe('/');
    server.engine.checkInvariants();
  });

  it('the chroot node itself is "/" to the client', async () => {
    const server = startServer();
    const plain = await server.client();
    await plain.create('/app', bytes('root of app'));
    const client = await server.client({ chroot: '/app' });
    expect(text((await client.getData('/')).data)).toBe('root of app');
    expect(await client.exists('/')).toEqual(await plain.exists('/app'));
    server.engine.checkInvariants();
  });

  it('a missing chroot node: creates below it fail NONODE', async () => {
    const server = startServer();
    const client = await server.client({ chroot: '/missing' });
    await expectCode(client.create('/a'), ErrorCode.noNode);
    expect(await client.exists('/')).toBeNull();
    server.engine.checkInvariants();
  });

  it('strips multi results and MultiError results', async () => {
    const server = startServer();
    const plain = await server.client();
    await plain.create('/app');
    const client = await server.client({ chroot: '/app' });
    const results = await client
      .transaction()
      .create('/m')
      .create('/m/s-', null, { mode: 'persistentSequential' })
      .setData('/m', bytes('d'))
      .check('/m', 1)
      .commit();
    expect(results.map((r) => (r.type === 'create' ? r.path : r.type))).toEqual(['/m', '/m/s-0000000000', 'setData', 'check']);
    expect(await plain.exists('/app/m/s-0000000000')).not.toBeNull();
    const error = await client.transaction().create('/n').delete('/nope').commit().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MultiError);
    expect((error as MultiError).results).toEqual([{ type: 'error', err: 0 }, { type: 'error', err: ErrorCode.noNode }]);
    expect(await plain.exists('/app/n')).toBeNull();
    const reads = await client.multiRead([{ type: 'getData', path: '/m' }, { type: 'getChildren', path: '/' }]);
    expect(reads[0]).toMatchObject({ type: 'getData', data: bytes('d') });
    expect(reads[1]).toEqual({ type: 'getChildren', children: ['m'] });
    server.engine.checkInvariants();
  });

  it('strips event paths; the chroot node fires as "/"', async () => {
    const server = startServer();
    const plain = await server.client();
    await plain.create('/app');
    const client = await server.client({ chroot: '/app' });
    const data = recorder();
    const child = recorder();
    const recursive = recorder();
    const exist = recorder();
    await client.getData('/', data.watcher);
    await client.getChildren('/', child.watcher);
    await client.addWatch('/', recursive.watcher, 'persistentRecursive');
    await client.exists('/later', exist.watcher);
    await plain.setData('/app', null);
    await plain.create('/app/later');
    await plain.create('/app/later/deep');
    await plain.create('/elsewhere');
    await settle();
    expect(data.events).toEqual([{ type: EventType.nodeDataChanged, state: 3, path: '/' }]);
    expect(child.events).toEqual([{ type: EventType.nodeChildrenChanged, state: 3, path: '/' }]);
    expect(exist.events).toEqual([{ type: EventType.nodeCreated, state: 3, path: '/later' }]);
    expect(recursive.events).toEqual([
      { type: EventType.nodeDataChanged, state: 3, path: '/' },
      { type: EventType.nodeCreated, state: 3, path: '/later' },
      { type: EventType.nodeCreated, state: 3, path: '/later/deep' },
    ]);
    server.engine.checkInvariants();
  });

  it('getEphemerals is not chrooted: the prefix is a server path and results are server paths', async () => {
    const server = startServer();
    const plain = await server.client();
    await plain.create('/app');
    const client = await server.client({ chroot: '/app' });
    await client.create('/e', null, { mode: 'ephemeral' });
    expect(await client.getEphemerals()).toEqual(['/app/e']);
    expect(await client.getEphemerals('/app')).toEqual(['/app/e']);
    expect(await client.getEphemerals('/e')).toEqual([]);
    server.engine.checkInvariants();
  });

  it('chroot paths must be absolute without a trailing slash; "/" means no chroot', async () => {
    const server = startServer();
    await expectCode(server.client({ chroot: 'app' }), ErrorCode.badArguments);
    await expectCode(server.client({ chroot: '/app/' }), ErrorCode.badArguments);
    const none = await server.client({ chroot: '/' });
    expect(await none.create('/top')).toBe('/top');
    expect(await none.exists('/zookeeper')).not.toBeNull();
    server.engine.checkInvariants();
  });
});

import { expect, it } from 'vitest';
import type { ZooKeeperClient } from '@vivarium/client';
import { forEachBackend } from '../../test-support/for-each-backend.ts';
import type { Backend } from '../../test-support/backend.ts';
import type { CacheEvent } from './cache-event.ts';
import { NodeCache } from './node-cache.ts';
import { PathChildrenCache } from './path-children-cache.ts';
import { TreeCache } from './tree-cache.ts';
import { ensureContainers } from '../support/ensure-path.ts';
import { parentOf } from '../support/paths.ts';

const text = (value: string) => new TextEncoder().encode(value);
const textOf = (data: Uint8Array | null | undefined) => (data == null ? undefined : new TextDecoder().decode(data));

/** Events as short strings: 'added /p=v', 'initialized', ... */
function recorder(source: { onEvent(listener: (event: CacheEvent) => void): () => void }): string[] {
  const log: string[] = [];
  source.onEvent((event) => {
    log.push('node' in event ? `${event.type} ${event.node.path}${event.type === 'removed' ? '' : `=${textOf(event.node.data) ?? ''}`}` : event.type);
  });
  return log;
}

async function settle(b: Backend, cache: { idle(): Promise<void> }, log: string[], count: number): Promise<void> {
  await b.until(() => log.length >= count, undefined, `${count} events (have ${JSON.stringify(log)})`);
  await b.drive(cache.idle());
}

forEachBackend('NodeCache', ({ backend, path }) => {
  it('follows one node through creation, updates and deletion', async () => {
    const b = backend();
    const [writer, reader] = [await b.client(), await b.client()];
    const cache = new NodeCache(reader, path('config'), { scheduler: b.scheduler });
    const log = recorder(cache);
    await b.drive(cache.start());
    expect(cache.current).toBeUndefined();
    await b.drive(ensureContainers(writer, parentOf(path('config')), 'persistent'));
    await b.drive(writer.create(path('config'), text('v1')));
    await settle(b, cache, log, 2);
    await b.drive(writer.setData(path('config'), text('v2')));
    await settle(b, cache, log, 3);
    expect(textOf(cache.current?.data)).toBe('v2');
    await b.drive(writer.delete(path('config')));
    await settle(b, cache, log, 4);
    expect(log).toEqual(['initialized', `added ${path('config')}=v1`, `updated ${path('config')}=v2`, `removed ${path('config')}`]);
    expect(cache.current).toBeUndefined();
    cache.close();
  });

  it('reports suspended/reconnected and catches up on a change made while it was disconnected; lost when the session ends', async () => {
    const b = backend();
    const [writer, reader] = [await b.client(), await b.client()];
    await b.drive(ensureContainers(writer, parentOf(path('x')), 'persistent'));
    await b.drive(writer.create(path('config'), text('v1')));
    const cache = new NodeCache(reader, path('config'), { scheduler: b.scheduler });
    const log = recorder(cache);
    await b.drive(cache.start());
    reader.disconnect();
    await b.drive(writer.setData(path('config'), text('while-away')));
    await b.until(() => textOf(cache.current?.data) === 'while-away', undefined, 'caught up');
    expect(log.slice(0, 3)).toEqual(['added ' + path('config') + '=v1', 'initialized', 'suspended']);
    expect(log).toContain('reconnected');
    await b.drive(b.expireSession(reader));
    await b.until(() => log.at(-1) === 'lost', undefined, 'lost');
  });
});

forEachBackend('PathChildrenCache', ({ backend, path }) => {
  it('lists children with data and reports adds, updates and removals; the parent may appear later', async () => {
    const b = backend();
    const [writer, reader] = [await b.client(), await b.client()];
    const cache = new PathChildrenCache(reader, path('members'), { scheduler: b.scheduler });
    const log = recorder(cache);
    await b.drive(cache.start());
    expect(log).toEqual(['initialized']);
    await b.drive(ensureContainers(writer, parentOf(path('x')), 'persistent'));
    await b.drive(writer.create(path('members'), null));
    await b.drive(writer.create(path('members/a'), text('1')));
    await b.drive(writer.create(path('members/b'), text('2')));
    await settle(b, cache, log, 3);
    await b.drive(writer.setData(path('members/a'), text('1b')));
    await settle(b, cache, log, 4);
    await b.drive(writer.delete(path('members/b')));
    await settle(b, cache, log, 5);
    expect(log).toEqual(['initialized', `added ${path('members/a')}=1`, `added ${path('members/b')}=2`, `updated ${path('members/a')}=1b`, `removed ${path('members/b')}`]);
    expect([...cache.current.keys()]).toEqual(['a']);
    expect(textOf(cache.get('a')?.data)).toBe('1b');
    cache.close();
  });

  it('reports the children present at start before initialized, and catches up after a reconnect', async () => {
    const b = backend();
    const [writer, reader] = [await b.client(), await b.client()];
    await b.drive(ensureContainers(writer, parentOf(path('x')), 'persistent'));
    await b.drive(writer.create(path('members'), null));
    for (const name of ['x', 'y']) await b.drive(writer.create(path(`members/${name}`), text(name)));
    const cache = new PathChildrenCache(reader, path('members'), { scheduler: b.scheduler, cacheData: false });
    const log = recorder(cache);
    await b.drive(cache.start());
    expect(log).toEqual([`added ${path('members/x')}=`, `added ${path('members/y')}=`, 'initialized']);
    reader.disconnect();
    await b.drive(writer.delete(path('members/x')));
    await b.drive(writer.create(path('members/z'), text('z')));
    await b.until(() => cache.current.has('z') && !cache.current.has('x'), undefined, 'caught up');
    expect(log).toContain('suspended');
    expect(log).toContain('reconnected');
    cache.close();
  });
});

for (const useRecursiveWatch of [true, false]) {
  forEachBackend(`TreeCache (${useRecursiveWatch ? 'persistent-recursive watch' : 'per-node watches'})`, ({ backend, path }) => {
    function cacheOf(client: ZooKeeperClient, maxDepth?: number): TreeCache {
      return new TreeCache(client, path('tree'), { scheduler: backend().scheduler, useRecursiveWatch, ...(maxDepth === undefined ? {} : { maxDepth }) });
    }

    it('loads the subtree and follows creations, updates and deletions at any depth', async () => {
      const b = backend();
      const [writer, reader] = [await b.client(), await b.client()];
      await b.drive(ensureContainers(writer, parentOf(path('x')), 'persistent'));
      await b.drive(writer.create(path('tree'), text('root')));
      await b.drive(writer.create(path('tree/a'), text('a')));
      const cache = cacheOf(reader);
      const log = recorder(cache);
      await b.drive(cache.start());
      expect(cache.usesRecursiveWatch).toBe(useRecursiveWatch);
      expect(log).toEqual([`added ${path('tree')}=root`, `added ${path('tree/a')}=a`, 'initialized']);
      await b.drive(writer.create(path('tree/a/b'), text('b')));
      await b.drive(writer.create(path('tree/a/b/c'), text('c')));
      await settle(b, cache, log, 5);
      await b.drive(writer.setData(path('tree/a/b'), text('b2')));
      await settle(b, cache, log, 6);
      await b.drive(writer.delete(path('tree/a/b/c')));
      await b.drive(writer.delete(path('tree/a/b')));
      await settle(b, cache, log, 8);
      expect(log.slice(3)).toEqual([`added ${path('tree/a/b')}=b`, `added ${path('tree/a/b/c')}=c`, `updated ${path('tree/a/b')}=b2`, `removed ${path('tree/a/b/c')}`, `removed ${path('tree/a/b')}`]);
      expect([...cache.current.keys()]).toEqual([path('tree'), path('tree/a')]);
      expect(cache.childrenOf(path('tree'))).toEqual(['a']);
      await b.drive(cache.close());
    });

    it('reloads after a reconnect and reports what changed meanwhile; honours maxDepth', async () => {
      const b = backend();
      const [writer, reader] = [await b.client(), await b.client()];
      await b.drive(ensureContainers(writer, parentOf(path('x')), 'persistent'));
      await b.drive(writer.create(path('tree'), null));
      await b.drive(writer.create(path('tree/a'), text('a')));
      const cache = cacheOf(reader);
      const shallow = cacheOf(await b.client(), 1);
      await b.drive(cache.start());
      await b.drive(shallow.start());
      reader.disconnect();
      await b.drive(writer.setData(path('tree/a'), text('a2')));
      await b.drive(writer.create(path('tree/a/deep'), text('d')));
      await b.drive(writer.create(path('tree/n'), text('n')));
      await b.until(() => cache.current.size === 4 && textOf(cache.get(path('tree/a'))?.data) === 'a2', undefined, 'caught up');
      await b.until(() => shallow.current.size === 3, undefined, 'shallow caught up');
      await b.drive(shallow.idle());
      expect([...shallow.current.keys()]).toEqual([path('tree'), path('tree/a'), path('tree/n')]);
      await b.drive(cache.close());
      await b.drive(shallow.close());
    });
  });
}

/**
 * Path rules: writes validate (PathUtils.validatePath, after create's parent and ACL checks);
 * reads do not, except exists rejecting NUL. Reference §2.2; docs/zookeeper-3.8-observations.md d.
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '@vivarium/protocol';
import { MultiError } from '@vivarium/client';
import { expectCode, startServer } from './helpers.ts';

describe('create validates the path', () => {
  it('refuses trailing slash, no leading slash, empty, . and .. segments, NUL: BADARGUMENTS (observations d)', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    for (const path of ['/a/', 'a', '', '/a/.', '/a/..', '/a/b\u0000', '//a']) {
      await expectCode(client.create(path), ErrorCode.badArguments);
    }
    expect(await client.getChildren('/a')).toEqual([]);
    server.engine.checkInvariants();
  });

  it('an empty segment before the last one finds no parent: /a//b is NONODE (observations d)', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    await expectCode(client.create('/a//b'), ErrorCode.noNode);
    await expectCode(client.create('/a/./b'), ErrorCode.noNode);
    await expectCode(client.create('/a/./b/c'), ErrorCode.noNode);
    server.engine.checkInvariants();
  });

  it('refuses control and reserved characters, surrogates (so any non-BMP character) and U+FFF0..U+FFFF', async () => {
    const server = startServer();
    const client = await server.client();
    const bad = ['\u0001', '\u001f', '\u007f', '\u0080', '\u009f', '\ud800', '\uf8ff', '\ufff0', '\uffff', '😀'];
    for (const char of bad) {
      await expectCode(client.create(`/x${char}y`), ErrorCode.badArguments);
      await expectCode(client.create(`/x${char}`, null, { mode: 'persistentSequential' }), ErrorCode.badArguments);
    }
    expect(await client.getChildren('/')).toEqual(['zookeeper']);
    server.engine.checkInvariants();
  });

  it('accepts dots inside names, spaces, and BMP characters outside the reserved ranges', async () => {
    const server = startServer();
    const client = await server.client();
    const good = ['/.a', '/a.', '/..b', '/b..', '/...', '/with space', '/é', '/中文', '/\u00a0', '/\uf900', '/\uffef', '/~!@#$%^&*()'];
    for (const path of good) expect(await client.create(path)).toBe(path);
    server.engine.checkInvariants();
  });
});

describe('other writes validate too', () => {
  it('setData, setACL and check validate the full path; delete checks only for a / and NUL, then looks up', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    await expectCode(client.setData('/a/', null), ErrorCode.badArguments);
    await expectCode(client.setData('bad//path', null), ErrorCode.badArguments);
    await expectCode(client.setAcl('/a/', [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]), ErrorCode.badArguments);
    const check = await client.transaction().check('/a/.', -1).commit().catch((e: unknown) => e);
    expect((check as MultiError).code).toBe(ErrorCode.badArguments);
    await expectCode(client.delete('/a/'), ErrorCode.noNode); // observations d
    await expectCode(client.delete('/a//b'), ErrorCode.noNode);
    await expectCode(client.delete('a'), ErrorCode.badArguments);
    await expectCode(client.delete('/a\u0000'), ErrorCode.badArguments);
    server.engine.checkInvariants();
  });

  it('a refused path still uses a zxid (observations d: every failed write is +1)', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    const before = server.engine.lastProcessedZxid;
    await expectCode(client.create('/a/'), ErrorCode.badArguments);
    await expectCode(client.create('a'), ErrorCode.badArguments);
    await expectCode(client.delete('/'), ErrorCode.badArguments);
    expect(server.engine.lastProcessedZxid).toBe(before + 3n);
    server.engine.checkInvariants();
  });
});

describe('reads do not validate (observations d)', () => {
  it('getData and getChildren on malformed paths: NONODE', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    await expectCode(client.getData('bad//path'), ErrorCode.noNode);
    await expectCode(client.getData('/bad//path'), ErrorCode.noNode);
    await expectCode(client.getData('/a\u0000b'), ErrorCode.noNode);
    await expectCode(client.getData('/a/'), ErrorCode.noNode);
    await expectCode(client.getChildren('/a/'), ErrorCode.noNode);
    await expectCode(client.getAcl('/a/'), ErrorCode.noNode);
    await expectCode(client.getAllChildrenNumber('/a/'), ErrorCode.noNode);
    const [result] = await client.multiRead([{ type: 'getData', path: '/a\u0000' }]);
    expect(result).toEqual({ type: 'error', err: ErrorCode.noNode });
    server.engine.checkInvariants();
  });

  it('exists rejects NUL with BADARGUMENTS and otherwise just answers NONODE', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    await expectCode(client.exists('/a\u0000b'), ErrorCode.badArguments);
    expect(await client.exists('/a/')).toBeNull();
    expect(await client.exists('bad//path')).toBeNull();
    // A refused exists registers no watch.
    await expectCode(client.exists('/a\u0000', () => undefined), ErrorCode.badArguments);
    expect(server.engine.watches.data.size).toBe(0);
    server.engine.checkInvariants();
  });
});

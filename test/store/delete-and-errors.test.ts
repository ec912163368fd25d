/**
 * Delete, and the order of checks that decides which error wins for create, delete, setData,
 * setACL and check (reference §2.2, PrepRequestProcessor), plus the errors observed on the real
 * ZooKeeper 3.8 (docs/zookeeper-3.8-observations.md d).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, OpCode, Perm } from '@vivarium/protocol';
import { MultiError } from '@vivarium/client';
import { bytes, expectCode, rawSession, startServer, worldAcl } from './helpers.ts';

const all = Perm.all;

describe('delete', () => {
  it('deletes a leaf; the node and its data are gone', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a', bytes('x'));
    await client.delete('/a');
    expect(await client.exists('/a')).toBeNull();
    await expectCode(client.getData('/a'), ErrorCode.noNode);
    // The name can be reused; the new node starts over.
    const again = (await client.createWithStat('/a')).stat;
    expect(again).toMatchObject({ version: 0, cversion: 0, aversion: 0 });
    server.engine.checkInvariants();
  });

  it('the built-in nodes cannot be deleted: BADARGUMENTS (observations d)', async () => {
    const server = startServer();
    const client = await server.client();
    for (const path of ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config']) {
      await expectCode(client.delete(path), ErrorCode.badArguments);
      expect(await client.exists(path)).not.toBeNull();
    }
    server.engine.checkInvariants();
  });

  it('NOTEMPTY for a node with children, NONODE for a missing node or parent, BADVERSION for a wrong version', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/a');
    await client.create('/a/b');
    await expectCode(client.delete('/a'), ErrorCode.notEmpty);
    await expectCode(client.delete('/nope'), ErrorCode.noNode);
    await expectCode(client.delete('/nope/x'), ErrorCode.noNode);
    await expectCode(client.delete('/a/b', 3), ErrorCode.badVersion);
    await expectCode(client.delete('/a/'), ErrorCode.noNode); // observations d: delete /a/ -> -101
    await client.delete('/a/b');
    await client.delete('/a');
    expect(await client.exists('/a')).toBeNull();
    server.engine.checkInvariants();
  });

  it('any session may delete another session ephemeral', async () => {
    const server = startServer();
    const owner = await server.client();
    const other = await server.client();
    await owner.create('/e', null, { mode: 'ephemeral' });
    await other.delete('/e');
    expect(await owner.getEphemerals()).toEqual([]);
    server.engine.checkInvariants();
  });
});

describe('which error wins (reference §2.2)', () => {
  it('create: TTL > path shape > INVALIDACL > NONODE (parent) > NOAUTH (CREATE on parent) > BADARGUMENTS (full path) > NODEEXISTS > NOCHILDRENFOREPHEMERALS', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/open');
    await client.create('/open/existing');
    await client.create('/nocreate');
    await client.create('/nocreate/existing');
    await client.setAcl('/nocreate', worldAcl(all & ~Perm.create));
    await client.create('/eph', null, { mode: 'ephemeral' });

    // 1. TTL (not enabled) beats everything after it.
    await expectCode(client.create('nope', null, { mode: 'persistentWithTtl', ttlMs: 1, acl: [] }), ErrorCode.unimplemented);
    // 3. No '/' at all, or a NUL: BADARGUMENTS before the ACL is looked at.
    await expectCode(client.create('nope', null, { acl: [] }), ErrorCode.badArguments);
    await expectCode(client.create('/nope/a\u0000', null, { acl: [] }), ErrorCode.badArguments);
    // 4. INVALIDACL before the parent is looked up.
    await expectCode(client.create('/missing/x', null, { acl: [] }), ErrorCode.invalidAcl);
    // 5. NONODE (parent) before the full path is validated: /a//b looks up parent /a/ (observations d).
    await expectCode(client.create('/missing/.', null), ErrorCode.noNode);
    await expectCode(client.create('/open//b', null), ErrorCode.noNode);
    // 6. NOAUTH (CREATE on the parent) before the full path, existence and ephemeral checks.
    await expectCode(client.create('/nocreate/.', null), ErrorCode.noAuth);
    await expectCode(client.create('/nocreate/x', null), ErrorCode.noAuth);
    await expectCode(client.create('/nocreate/existing', null), ErrorCode.noAuth);
    // 8. The full path (BADARGUMENTS) before existence and the ephemeral parent.
    await expectCode(client.create('/open/.', null), ErrorCode.badArguments);
    await expectCode(client.create('/eph/..', null), ErrorCode.badArguments);
    // 9. NODEEXISTS, 10. NOCHILDRENFOREPHEMERALS (observations d).
    await expectCode(client.create('/open/existing', null), ErrorCode.nodeExists);
    await expectCode(client.create('/eph/c', null), ErrorCode.noChildrenForEphemerals);
    await expectCode(client.create('/eph/c', null, { mode: 'ephemeralSequential' }), ErrorCode.noChildrenForEphemerals);
    server.engine.checkInvariants();
  });

  it('delete: special path > NONODE (parent) > NOAUTH (DELETE on parent) > NONODE (node) > BADVERSION > NOTEMPTY', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/nodelete', null, { acl: worldAcl(all & ~Perm.delete) });
    await client.create('/nodelete/child', null, { acl: worldAcl(all) });
    await client.create('/open');
    await client.create('/open/full');
    await client.create('/open/full/grandchild');

    await expectCode(client.delete('/zookeeper/config', 99), ErrorCode.badArguments);
    await expectCode(client.delete('nope'), ErrorCode.badArguments);
    await expectCode(client.delete('/missing/x', 99), ErrorCode.noNode);
    // NOAUTH on the parent wins over the node being missing, a bad version and children.
    await expectCode(client.delete('/nodelete/missing'), ErrorCode.noAuth);
    await expectCode(client.delete('/nodelete/child', 99), ErrorCode.noAuth);
    await expectCode(client.delete('/open/missing', 99), ErrorCode.noNode);
    // BADVERSION before NOTEMPTY.
    await expectCode(client.delete('/open/full', 99), ErrorCode.badVersion);
    await expectCode(client.delete('/open/full', 0), ErrorCode.notEmpty);
    server.engine.checkInvariants();
  });

  it('setData: NONODE > NOAUTH (WRITE) > BADVERSION', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/nowrite', bytes('x'), { acl: worldAcl(all & ~Perm.write) });
    await expectCode(client.setData('/missing', null, 99), ErrorCode.noNode);
    await expectCode(client.setData('/nowrite', null, 99), ErrorCode.noAuth);
    await client.create('/open');
    await expectCode(client.setData('/open', null, 99), ErrorCode.badVersion);
    // A write that needs only WRITE works on a node whose ACL has nothing else.
    await client.create('/writeonly', null, { acl: worldAcl(Perm.write) });
    expect((await client.setData('/writeonly', bytes('y'))).version).toBe(1);
    server.engine.checkInvariants();
  });

  it('setACL: INVALIDACL > NONODE > NOAUTH (ADMIN) > BADVERSION', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/noadmin', null, { acl: worldAcl(all & ~Perm.admin) });
    await client.create('/open');
    await expectCode(client.setAcl('/missing', [], 99), ErrorCode.invalidAcl);
    await expectCode(client.setAcl('/missing', [{ perms: all, id: { scheme: 'bogus', id: 'x' } }], 99), ErrorCode.invalidAcl);
    await expectCode(client.setAcl('/missing', worldAcl(all), 99), ErrorCode.noNode);
    await expectCode(client.setAcl('/noadmin', worldAcl(all), 99), ErrorCode.noAuth);
    await expectCode(client.setAcl('/open', worldAcl(all), 99), ErrorCode.badVersion);
    expect((await client.exists('/open'))!.aversion).toBe(0);
    server.engine.checkInvariants();
  });

  it('check (in multi): NONODE > NOAUTH (READ) > BADVERSION', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/noread', null, { acl: worldAcl(all & ~Perm.read) });
    await client.create('/open');
    const codeOf = async (path: string, version: number): Promise<number> => {
      const error = await client.transaction().check(path, version).commit().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MultiError);
      return (error as MultiError).code;
    };
    expect(await codeOf('/missing', 99)).toBe(ErrorCode.noNode);
    expect(await codeOf('/noread', 99)).toBe(ErrorCode.noAuth);
    expect(await codeOf('/open', 99)).toBe(ErrorCode.badVersion);
    expect(await codeOf('/open/', 0)).toBe(ErrorCode.badArguments);
    server.engine.checkInvariants();
  });
});

describe('reconfig on a standalone server', () => {
  it('is RECONFIGDISABLED (-123) by default; like any failed write it uses a zxid (checked on 3.8.0); the connection stays', () => {
    const server = startServer();
    const raw = rawSession(server);
    const zxid = server.engine.lastProcessedZxid;
    const reply = raw.call({ type: OpCode.reconfig, joiningServers: null, leavingServers: null, newMembers: null, curConfigId: -1n });
    expect(reply.header).toMatchObject({ err: ErrorCode.reconfigDisabled, zxid: zxid + 1n });
    expect(raw.closed).toBe(false);
    expect(server.engine.lastProcessedZxid).toBe(zxid + 1n);
    expect(raw.call({ type: OpCode.exists, path: '/', watch: false }).header.err).toBe(ErrorCode.ok);
    server.engine.checkInvariants();
  });
  it('with reconfigEnabled is UNIMPLEMENTED (-6): standalone reconfig is not supported (PrepRequestProcessor), also as an error txn', () => {
    const server = startServer({ reconfigEnabled: true });
    const raw = rawSession(server);
    const zxid = server.engine.lastProcessedZxid;
    const reply = raw.call({ type: OpCode.reconfig, joiningServers: 'server.2=127.0.0.1:2889:3889;2182', leavingServers: null, newMembers: null, curConfigId: -1n });
    expect(reply.header).toMatchObject({ err: ErrorCode.unimplemented, zxid: zxid + 1n });
    expect(raw.closed).toBe(false);
    server.engine.checkInvariants();
  });
});

/**
 * ACLs through the server: the permission each operation needs, the auth / digest / ip / world
 * schemes, super, getACL masking, fixupACL (INVALIDACL, duplicates), addauth and whoAmI.
 * Reference §2.5 (ZooKeeperServer.checkACL, PrepRequestProcessor.fixupACL, FinalRequestProcessor),
 * targeting 3.8.4+ (exists checks READ).
 */
import { describe, expect, it } from 'vitest';
import { ErrorCode, Perm, WatcherType, type Acl } from '@vivarium/protocol';
import type { ZooKeeperClient } from '@vivarium/client';
import { bytes, digestAcl, expectCode, startServer, superDigest, userPassDigest, worldAcl } from './helpers.ts';

const bits = [
  ['READ', Perm.read],
  ['WRITE', Perm.write],
  ['CREATE', Perm.create],
  ['DELETE', Perm.delete],
  ['ADMIN', Perm.admin],
] as const;

interface Op {
  name: string;
  /** Any one of these bits lets the op through. */
  needs: number;
  run(client: ZooKeeperClient, path: string, perms: number): Promise<unknown>;
}

const ops: Op[] = [
  { name: 'create (child)', needs: Perm.create, run: (c, p) => c.create(`${p}/new`) },
  { name: 'create container (child)', needs: Perm.create, run: (c, p) => c.create(`${p}/newc`, null, { mode: 'container' }) },
  { name: 'delete (child)', needs: Perm.delete, run: (c, p) => c.delete(`${p}/kid`) },
  { name: 'setData', needs: Perm.write, run: (c, p) => c.setData(p, bytes('w')) },
  { name: 'setACL', needs: Perm.admin, run: (c, p, perms) => c.setAcl(p, worldAcl(perms)) },
  { name: 'getData', needs: Perm.read, run: (c, p) => c.getData(p) },
  { name: 'exists', needs: Perm.read, run: (c, p) => c.exists(p) },
  { name: 'getChildren', needs: Perm.read, run: (c, p) => c.getChildren(p) },
  { name: 'getChildren2', needs: Perm.read, run: (c, p) => c.getChildrenWithStat(p) },
  { name: 'getAllChildrenNumber', needs: Perm.read, run: (c, p) => c.getAllChildrenNumber(p) },
  { name: 'getACL', needs: Perm.read | Perm.admin, run: (c, p) => c.getAcl(p) },
  { name: 'check (multi)', needs: Perm.read, run: (c, p) => c.transaction().check(p, -1).commit() },
  { name: 'create (multi)', needs: Perm.create, run: (c, p) => c.transaction().create(`${p}/m`).commit() },
  { name: 'delete (multi)', needs: Perm.delete, run: (c, p) => c.transaction().delete(`${p}/kid`).commit() },
  { name: 'setData (multi)', needs: Perm.write, run: (c, p) => c.transaction().setData(p, null).commit() },
  {
    name: 'multiRead getData',
    needs: Perm.read,
    run: async (c, p) => {
      const [result] = await c.multiRead([{ type: 'getData', path: p }]);
      if (result?.type === 'error') throw Object.assign(new Error('multiRead'), { code: result.err });
    },
  },
  { name: 'sync', needs: 0, run: (c, p) => c.sync(p) },
  { name: 'addWatch + checkWatches', needs: 0, run: async (c, p) => { await c.addWatch(p, () => undefined); await c.checkWatches(p, WatcherType.any); } },
];

describe('the permission each operation needs', () => {
  it('each op passes with exactly its bit and fails NOAUTH with every other single bit', async () => {
    const server = startServer();
    const setup = await server.client();
    const client = await server.client();
    const outcome: Record<string, Record<string, string>> = {};
    const expected: Record<string, Record<string, string>> = {};
    let n = 0;
    for (const op of ops) {
      outcome[op.name] = {};
      expected[op.name] = {};
      for (const [bitName, bit] of bits) {
        const path = `/n${n++}`;
        await setup.create(path, bytes('d'));
        await setup.create(`${path}/kid`);
        await setup.setAcl(path, worldAcl(bit));
        const result = await op.run(client, path, bit).then(
          () => 'ok',
          (error: { code?: number }) => (error.code === ErrorCode.noAuth ? 'NOAUTH' : `error ${String(error.code)}`),
        );
        outcome[op.name]![bitName] = result;
        expected[op.name]![bitName] = op.needs === 0 || (op.needs & bit) !== 0 ? 'ok' : 'NOAUTH';
      }
    }
    expect(outcome).toEqual(expected);
    server.engine.checkInvariants();
  });

  it('ops that need no permission work on a node whose ACL grants nothing (perms 0)', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/locked', null, { acl: worldAcl(0) });
    await expectCode(client.getAcl('/locked'), ErrorCode.noAuth);
    expect(await client.sync('/locked')).toBe('/locked');
    await client.addWatch('/locked', () => undefined, 'persistentRecursive');
    await client.checkWatches('/locked', WatcherType.data);
    expect(await client.getEphemerals()).toEqual([]);
    expect(await client.whoAmI()).toEqual([{ scheme: 'ip', id: '127.0.0.1' }]);
    server.engine.checkInvariants();
  });

  it('exists needs READ only when the node exists (3.8.4+); a missing node is just NONODE', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/p', null, { acl: worldAcl(Perm.all & ~Perm.read) });
    await expectCode(client.exists('/p'), ErrorCode.noAuth);
    expect(await client.exists('/p/missing')).toBeNull();
    // A refused exists registers no watch.
    await expectCode(client.exists('/p', () => undefined), ErrorCode.noAuth);
    await expectCode(client.checkWatches('/p', WatcherType.any), ErrorCode.noWatcher);
    server.engine.checkInvariants();
  });
});

describe('schemes', () => {
  it('digest: user:base64(sha1(user:password)); the right password reads, no auth or a wrong password gets NOAUTH', async () => {
    const server = startServer();
    const owner = await server.client();
    await owner.create('/d', bytes('secret'), { acl: [digestAcl(Perm.all, userPassDigest)] });
    const right = await server.client();
    await right.addAuthInfo('digest', 'user:pass');
    expect((await right.getData('/d')).data).toEqual(bytes('secret'));
    const wrong = await server.client();
    await wrong.addAuthInfo('digest', 'user:wrong'); // digest auth itself never fails
    expect(wrong.state).toBe('connected');
    await expectCode(wrong.getData('/d'), ErrorCode.noAuth);
    await expectCode(owner.getData('/d'), ErrorCode.noAuth);
    server.engine.checkInvariants();
  });

  it('auth: expands to the connection digest ids (not ip); INVALIDACL when it has none', async () => {
    const server = startServer();
    const client = await server.client();
    await expectCode(client.create('/a', null, { acl: [{ perms: Perm.all, id: { scheme: 'auth', id: '' } }] }), ErrorCode.invalidAcl);
    await client.addAuthInfo('digest', 'user:pass');
    await client.addAuthInfo('digest', 'other:pw');
    await client.create('/a', null, { acl: [{ perms: Perm.read | Perm.admin, id: { scheme: 'auth', id: 'ignored' } }] });
    const { acl } = await client.getAcl('/a');
    expect(acl).toHaveLength(2);
    expect(acl).toContainEqual(digestAcl(Perm.read | Perm.admin, userPassDigest));
    expect(acl.map((entry) => entry.id.scheme)).toEqual(['digest', 'digest']);
    expect(acl.map((entry) => entry.id.id.split(':')[0]).sort()).toEqual(['other', 'user']);
    server.engine.checkInvariants();
  });

  it('ip: the connection address matched with CIDR masking', async () => {
    const server = startServer();
    const setup = await server.client();
    const inside = await server.client({ remoteAddress: '10.1.2.3' });
    const outside = await server.client({ remoteAddress: '192.168.1.1' });
    await setup.create('/net', bytes('n'), { acl: [{ perms: Perm.read, id: { scheme: 'ip', id: '10.0.0.0/8' } }] });
    await setup.create('/host', bytes('h'), { acl: [{ perms: Perm.read, id: { scheme: 'ip', id: '10.1.2.3' } }] });
    await setup.create('/slash24', bytes('s'), { acl: [{ perms: Perm.read, id: { scheme: 'ip', id: '10.1.3.0/24' } }] });
    expect((await inside.getData('/net')).data).toEqual(bytes('n'));
    expect((await inside.getData('/host')).data).toEqual(bytes('h'));
    await expectCode(inside.getData('/slash24'), ErrorCode.noAuth);
    await expectCode(outside.getData('/net'), ErrorCode.noAuth);
    await expectCode(outside.getData('/host'), ErrorCode.noAuth);
    await expectCode(setup.getData('/net'), ErrorCode.noAuth); // 127.0.0.1
    expect(await inside.whoAmI()).toEqual([{ scheme: 'ip', id: '10.1.2.3' }]);
    server.engine.checkInvariants();
  });

  it('world: only anyone; perms are taken as given', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/r', bytes('r'), { acl: worldAcl(Perm.read) });
    expect((await client.getData('/r')).data).toEqual(bytes('r'));
    await expectCode(client.setData('/r', null), ErrorCode.noAuth);
    await expectCode(client.create('/x', null, { acl: [{ perms: Perm.all, id: { scheme: 'world', id: 'someone' } }] }), ErrorCode.invalidAcl);
    server.engine.checkInvariants();
  });

  it('super: the superDigest password bypasses every check, built-in nodes included', async () => {
    const server = startServer({ superDigest });
    const owner = await server.client();
    await owner.addAuthInfo('digest', 'user:pass');
    await owner.create('/locked', bytes('l'), { acl: [digestAcl(Perm.all, userPassDigest)] });
    await owner.create('/nothing', null, { acl: worldAcl(0) });
    const admin = await server.client();
    await admin.addAuthInfo('digest', 'super:test');
    expect((await admin.getData('/locked')).data).toEqual(bytes('l'));
    await admin.setData('/locked', bytes('m'));
    await admin.create('/nothing/child');
    await admin.setAcl('/zookeeper/config', worldAcl(Perm.read));
    expect((await admin.getAcl('/locked')).acl).toEqual([digestAcl(Perm.all, userPassDigest)]);
    const whoAmI = await admin.whoAmI();
    expect(whoAmI).toHaveLength(3);
    expect(whoAmI).toEqual(expect.arrayContaining([{ scheme: 'ip', id: '127.0.0.1' }, { scheme: 'super', id: '' }, { scheme: 'digest', id: 'super' }]));
    // The wrong super password is just another digest.
    const impostor = await server.client();
    await impostor.addAuthInfo('digest', 'super:wrong');
    await expectCode(impostor.getData('/locked'), ErrorCode.noAuth);
    server.engine.checkInvariants();
  });

  it('auth belongs to the connection, not the session: reattaching without addauth loses it', async () => {
    const server = startServer();
    const first = await server.client();
    await first.addAuthInfo('digest', 'user:pass');
    await first.create('/mine', null, { acl: [digestAcl(Perm.all, userPassDigest)] });
    const second = await server.client({ sessionId: first.sessionId, sessionPassword: first.sessionPassword });
    await expectCode(second.getData('/mine'), ErrorCode.noAuth);
    await second.close();
    server.engine.checkInvariants();
  });
});

describe('getACL', () => {
  it('without ADMIN, digest ids come back masked as user:x; with ADMIN as stored', async () => {
    const server = startServer();
    const setup = await server.client();
    const acl: Acl[] = [
      { perms: Perm.read, id: { scheme: 'world', id: 'anyone' } },
      digestAcl(Perm.admin, userPassDigest),
      { perms: Perm.read, id: { scheme: 'ip', id: '10.0.0.0/8' } },
    ];
    await setup.create('/m', null, { acl });
    const reader = await server.client();
    const masked = await reader.getAcl('/m');
    expect(masked.acl).toEqual([acl[0], digestAcl(Perm.admin, 'user:x'), acl[2]]);
    expect(masked.stat.aversion).toBe(0);
    const admin = await server.client();
    await admin.addAuthInfo('digest', 'user:pass');
    expect((await admin.getAcl('/m')).acl).toEqual(acl);
    server.engine.checkInvariants();
  });

  it('ADMIN alone is enough to read the ACL; neither READ nor ADMIN is NOAUTH; a missing node is NONODE', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/admin', null, { acl: worldAcl(Perm.admin) });
    await client.create('/write', null, { acl: worldAcl(Perm.write) });
    expect((await client.getAcl('/admin')).acl).toEqual(worldAcl(Perm.admin));
    await expectCode(client.getAcl('/write'), ErrorCode.noAuth);
    await expectCode(client.getAcl('/missing'), ErrorCode.noNode);
    server.engine.checkInvariants();
  });
});

describe('fixupACL', () => {
  it('INVALIDACL: empty list, unknown scheme, world:<not anyone>, super, bad digest id, bad ip id; for create and setACL', async () => {
    const server = startServer();
    const client = await server.client();
    await client.create('/n');
    const bad: Acl[][] = [
      [],
      [{ perms: Perm.all, id: { scheme: 'nosuch', id: 'x' } }],
      [{ perms: Perm.all, id: { scheme: 'world', id: 'everyone' } }],
      [{ perms: Perm.all, id: { scheme: 'super', id: '' } }],
      [{ perms: Perm.all, id: { scheme: 'digest', id: 'no-colon' } }],
      [{ perms: Perm.all, id: { scheme: 'ip', id: 'not-an-address' } }],
      [{ perms: Perm.all, id: { scheme: 'ip', id: '10.0.0.1/99' } }],
      [...worldAcl(Perm.all), { perms: Perm.all, id: { scheme: 'nosuch', id: 'x' } }],
    ];
    for (const acl of bad) {
      await expectCode(client.create('/x', null, { acl }), ErrorCode.invalidAcl);
      await expectCode(client.setAcl('/n', acl), ErrorCode.invalidAcl);
    }
    expect(await client.exists('/x')).toBeNull();
    expect((await client.getAcl('/n')).acl).toEqual(worldAcl(Perm.all));
    server.engine.checkInvariants();
  });

  it('exact duplicates are removed; entries differing in perms are kept', async () => {
    const server = startServer();
    const client = await server.client();
    const dup: Acl[] = [...worldAcl(Perm.all), ...worldAcl(Perm.all), ...worldAcl(Perm.read), digestAcl(Perm.read, userPassDigest), digestAcl(Perm.read, userPassDigest)];
    await client.create('/d', null, { acl: dup });
    expect((await client.getAcl('/d')).acl).toEqual([...worldAcl(Perm.all), ...worldAcl(Perm.read), digestAcl(Perm.read, userPassDigest)]);
    await client.setAcl('/d', [...worldAcl(Perm.read), ...worldAcl(Perm.read)]);
    expect((await client.getAcl('/d')).acl).toEqual(worldAcl(Perm.read));
    server.engine.checkInvariants();
  });
});

describe('addauth and whoAmI', () => {
  it('an unknown scheme is AUTHFAILED; the server closes the connection and the client state is authFailed', async () => {
    const server = startServer();
    const client = await server.client();
    await expectCode(client.addAuthInfo('kerberos-ish', 'x'), ErrorCode.authFailed);
    expect(client.state).toBe('authFailed');
    await expectCode(client.getData('/'), ErrorCode.authFailed);
    server.engine.checkInvariants();
  });

  it('world, super and auth are not auth providers: AUTHFAILED; ip is accepted', async () => {
    const server = startServer();
    for (const scheme of ['world', 'super', 'auth']) {
      const client = await server.client();
      await expectCode(client.addAuthInfo(scheme, 'anything'), ErrorCode.authFailed);
      expect(client.state).toBe('authFailed');
    }
    const ip = await server.client();
    await ip.addAuthInfo('ip', 'whatever');
    expect(ip.state).toBe('connected');
    expect(await ip.whoAmI()).toEqual([{ scheme: 'ip', id: '127.0.0.1' }]);
    server.engine.checkInvariants();
  });

  it('whoAmI: the ip id, then each digest user once', async () => {
    const server = startServer();
    const client = await server.client({ remoteAddress: '10.0.0.7' });
    expect(await client.whoAmI()).toEqual([{ scheme: 'ip', id: '10.0.0.7' }]);
    await client.addAuthInfo('digest', 'user:pass');
    await client.addAuthInfo('digest', 'user:pass');
    await client.addAuthInfo('digest', 'bob:pw');
    const ids = await client.whoAmI();
    expect(ids).toHaveLength(3);
    expect(ids).toEqual(expect.arrayContaining([{ scheme: 'ip', id: '10.0.0.7' }, { scheme: 'digest', id: 'user' }, { scheme: 'digest', id: 'bob' }]));
    server.engine.checkInvariants();
  });

  it('a client re-sends its auth after a reconnect', async () => {
    const server = startServer();
    const client = await server.client();
    await client.addAuthInfo('digest', 'user:pass');
    await client.create('/mine', bytes('m'), { acl: [digestAcl(Perm.all, userPassDigest)] });
    client.disconnect();
    server.advance(0);
    await client.waitForConnected();
    expect((await client.getData('/mine')).data).toEqual(bytes('m'));
    server.engine.checkInvariants();
  });
});

// Probe of the REAL ZooKeeper 3.8 (Debian package) with node-zookeeper-client 1.1.3, plus raw
// wire frames for what that client cannot send (paths it rejects client-side, TTL/container creates).
// Every observation is printed (see docs/zookeeper-3.8-observations.md) and pinned by an assertion,
// so this stays an honest test: if a server upgrade changes an answer, this fails.
// The steps run in order on one server; zxids depend on that order (session creations use zxids too).
import { readFileSync } from 'node:fs';
import zookeeper, { type Stat as NzcStat } from 'node-zookeeper-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isRealZooKeeperAvailable, startRealZooKeeper, type RealZooKeeperServer } from './real-zookeeper.ts';
import {
  JuteReader,
  JuteWriter,
  OpCode,
  RawZooKeeperSession,
  createBody,
  createTtlBody,
  deleteBody,
  pathWatchBody,
} from './raw-zookeeper-session.ts';

type Client = ReturnType<typeof zookeeper.createClient>;
type Outcome<T> = { ok: true; value: T; extra?: unknown } | { ok: false; code: number };

const available = isRealZooKeeperAvailable();
const tickTimeMs = 2000;

/** Runs a node-zookeeper-client callback API and returns its value or its error code. */
function call<T>(invoke: (callback: (error: unknown, value: T, extra?: unknown) => void) => void): Promise<Outcome<T>> {
  return new Promise((resolve) => {
    invoke((error, value, extra) => {
      if (error) {
        const code = (error as { code?: unknown }).code;
        resolve({ ok: false, code: typeof code === 'number' ? code : Number.NaN });
      } else {
        resolve({ ok: true, value, extra });
      }
    });
  });
}

function errorCode<T>(outcome: Outcome<T>): number {
  return outcome.ok ? 0 : outcome.code;
}

const hex = (value: bigint): string => `0x${value.toString(16)}`;

/** The 11 Stat fields, zxids/ephemeralOwner as hex strings, times as numbers. */
function statOf(stat: NzcStat): Record<string, string | number> {
  return {
    czxid: hex(stat.czxid.readBigInt64BE()),
    mzxid: hex(stat.mzxid.readBigInt64BE()),
    ctime: Number(stat.ctime.readBigInt64BE()),
    mtime: Number(stat.mtime.readBigInt64BE()),
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    ephemeralOwner: hex(stat.ephemeralOwner.readBigInt64BE()),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
    pzxid: hex(stat.pzxid.readBigInt64BE()),
  };
}

/** ctime/mtime of nodes created during the probe are wall-clock: pin them as 'now' if recent. */
function withTimesMasked(stat: Record<string, string | number>, startedMs: number): Record<string, string | number> {
  const mask = (value: string | number): string | number =>
    typeof value === 'number' && value >= startedMs && value <= Date.now() ? 'now' : value;
  return { ...stat, ctime: mask(stat['ctime']!), mtime: mask(stat['mtime']!) };
}

function show(title: string, value: unknown): void {
  console.log(`### ${title}\n${JSON.stringify(value, null, 2)}`);
}

async function connectClient(connectString: string, sessionTimeout: number): Promise<Client> {
  const client = zookeeper.createClient(connectString, { sessionTimeout, retries: 0 });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('node-zookeeper-client did not connect in 10 s')), 10_000);
    client.once('connected', () => {
      clearTimeout(timer);
      resolve();
    });
    client.connect();
  });
  return client;
}

describe.skipIf(!available)('probe: real ZooKeeper 3.8 behaviour', () => {
  let zk: RealZooKeeperServer;
  let client: Client;
  let raw: RawZooKeeperSession;
  let startedMs = 0;
  const data = (text: string): Buffer => Buffer.from(text);

  const lastZxid = async (): Promise<string> => {
    const srvr = await zk.fourLetterWord('srvr');
    const match = /^Zxid: (0x[0-9a-f]+)$/m.exec(srvr);
    if (!match) throw new Error(`no Zxid in srvr: ${srvr}`);
    return match[1]!;
  };
  const exists = async (path: string): Promise<Record<string, string | number>> => {
    const outcome = await call<NzcStat | undefined>((cb) => client.exists(path, cb));
    if (!outcome.ok || outcome.value === undefined) throw new Error(`exists ${path}: ${outcome.ok ? 'missing' : outcome.code}`);
    return withTimesMasked(statOf(outcome.value), startedMs);
  };
  const create = (path: string, content: Buffer | null, mode: number): Promise<Outcome<string>> =>
    call<string>((cb) => client.create(path, content ?? undefined, zookeeper.ACL.OPEN_ACL_UNSAFE, mode, cb));
  const remove = (path: string, version = -1): Promise<Outcome<void>> => call<void>((cb) => client.remove(path, version, cb));

  beforeAll(async () => {
    startedMs = Date.now();
    zk = await startRealZooKeeper({ tickTimeMs });
    show('zoo.cfg', readFileSync(zk.configFile, 'utf8'));
    client = await connectClient(zk.connectString, 30_000);
    raw = await RawZooKeeperSession.open(zk.host, zk.port);
  }, 60_000);

  afterAll(async () => {
    client?.close();
    await raw?.close();
    await zk?.stop();
  });

  it('setup: the two session creations used zxids 0x1 and 0x2', async () => {
    const srvr = await zk.fourLetterWord('srvr');
    show('srvr after two sessions', srvr);
    expect(await lastZxid()).toBe('0x2');
    expect(readFileSync(zk.configFile, 'utf8')).toMatch(/^tickTime=2000$/m);
  });

  it('a. built-in nodes: stat, data (null vs empty), ACL', async () => {
    const observed: Record<string, unknown> = {};
    for (const path of ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config']) {
      const got = await call<Buffer | undefined>((cb) => client.getData(path, cb));
      if (!got.ok) throw new Error(`getData ${path}: ${got.code}`);
      const rawReply = await raw.request(OpCode.getData, pathWatchBody(path));
      const rawData = new JuteReader(rawReply.body).buffer();
      const acl = await call<Array<{ permission: number; id: { scheme: string; id: string } }>>((cb) => client.getACL(path, cb));
      if (!acl.ok) throw new Error(`getACL ${path}: ${acl.code}`);
      const children = await call<string[]>((cb) => client.getChildren(path, cb));
      observed[path] = {
        stat: statOf(got.extra as NzcStat),
        data: rawData === null ? 'null (length -1)' : `${rawData.length} bytes ${JSON.stringify(rawData.toString('utf8'))}`,
        acl: acl.value.map((entry) => `${entry.id.scheme}:${entry.id.id}:${entry.permission}`),
        aclStatAversion: (acl.extra as NzcStat).aversion,
        children: children.ok ? [...children.value].sort() : children.code,
      };
    }
    show('a. built-in nodes', observed);
    const zeroStat = {
      czxid: '0x0', mzxid: '0x0', ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0,
      ephemeralOwner: '0x0', dataLength: 0, numChildren: 0, pzxid: '0x0',
    };
    expect(observed).toEqual({
      '/': {
        stat: { ...zeroStat, cversion: -1, numChildren: 1 },
        data: '0 bytes ""',
        acl: ['world:anyone:31'],
        aclStatAversion: 0,
        children: ['zookeeper'],
      },
      '/zookeeper': {
        stat: { ...zeroStat, cversion: -2, numChildren: 2 },
        data: '0 bytes ""',
        acl: ['world:anyone:31'],
        aclStatAversion: 0,
        children: ['config', 'quota'],
      },
      '/zookeeper/quota': {
        stat: zeroStat,
        data: '0 bytes ""',
        acl: ['world:anyone:31'],
        aclStatAversion: 0,
        children: [],
      },
      '/zookeeper/config': {
        stat: { ...zeroStat, aversion: -1 },
        data: '0 bytes ""',
        acl: ['world:anyone:1'],
        aclStatAversion: -1,
        children: [],
      },
    });
  });

  it('b. create /a (persistent, data x): stat of /a and of /', async () => {
    const created = await create('/a', data('x'), zookeeper.CreateMode.PERSISTENT);
    const observed = { created, a: await exists('/a'), root: await exists('/'), lastZxid: await lastZxid() };
    show('b. after create /a', observed);
    expect(observed).toEqual({
      created: { ok: true, value: '/a', extra: undefined },
      a: {
        czxid: '0x3', mzxid: '0x3', ctime: 'now', mtime: 'now', version: 0, cversion: 0, aversion: 0,
        ephemeralOwner: '0x0', dataLength: 1, numChildren: 0, pzxid: '0x3',
      },
      root: {
        czxid: '0x0', mzxid: '0x0', ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0,
        ephemeralOwner: '0x0', dataLength: 0, numChildren: 2, pzxid: '0x3',
      },
      lastZxid: '0x3',
    });
  });

  it('c. persistent-sequential names, and after a delete', async () => {
    const parent = async (): Promise<Record<string, string | number>> => {
      const stat = await exists('/a');
      return { cversion: stat['cversion']!, numChildren: stat['numChildren']!, pzxid: stat['pzxid']! };
    };
    const steps: Array<Record<string, unknown>> = [];
    const first = await create('/a/s-', null, zookeeper.CreateMode.PERSISTENT_SEQUENTIAL);
    steps.push({ op: 'create /a/s- (seq)', result: first, parent: await parent() });
    const second = await create('/a/s-', null, zookeeper.CreateMode.PERSISTENT_SEQUENTIAL);
    steps.push({ op: 'create /a/s- (seq)', result: second, parent: await parent() });
    const removed = await remove(first.ok ? first.value : '/a/s-0000000000');
    steps.push({ op: 'delete first', result: removed, parent: await parent() });
    const third = await create('/a/s-', null, zookeeper.CreateMode.PERSISTENT_SEQUENTIAL);
    steps.push({ op: 'create /a/s- (seq)', result: third, parent: await parent() });
    const plain = await create('/a/plain', null, zookeeper.CreateMode.PERSISTENT);
    steps.push({ op: 'create /a/plain', result: plain, parent: await parent() });
    const fourth = await create('/a/s-', null, zookeeper.CreateMode.PERSISTENT_SEQUENTIAL);
    steps.push({ op: 'create /a/s- (seq)', result: fourth, parent: await parent() });
    show('c. sequential', steps);
    expect(steps).toEqual([
      { op: 'create /a/s- (seq)', result: { ok: true, value: '/a/s-0000000000', extra: undefined }, parent: { cversion: 1, numChildren: 1, pzxid: '0x4' } },
      { op: 'create /a/s- (seq)', result: { ok: true, value: '/a/s-0000000001', extra: undefined }, parent: { cversion: 2, numChildren: 2, pzxid: '0x5' } },
      { op: 'delete first', result: { ok: true, value: undefined, extra: undefined }, parent: { cversion: 3, numChildren: 1, pzxid: '0x6' } },
      { op: 'create /a/s- (seq)', result: { ok: true, value: '/a/s-0000000002', extra: undefined }, parent: { cversion: 4, numChildren: 2, pzxid: '0x7' } },
      { op: 'create /a/plain', result: { ok: true, value: '/a/plain', extra: undefined }, parent: { cversion: 5, numChildren: 3, pzxid: '0x8' } },
      { op: 'create /a/s- (seq)', result: { ok: true, value: '/a/s-0000000004', extra: undefined }, parent: { cversion: 6, numChildren: 4, pzxid: '0x9' } },
    ]);
  });

  it('d. error codes, and which failed requests use a zxid', async () => {
    // Each row: [request, sent via, error code, how much the server's last zxid (srvr) advanced].
    const rows: Array<[string, string, number, number]> = [];
    const row = async (op: string, via: string, run: () => Promise<number>): Promise<void> => {
      const zxidBefore = BigInt(await lastZxid());
      const err = await run();
      rows.push([op, via, err, Number(BigInt(await lastZxid()) - zxidBefore)]);
    };
    const rawErr = async (type: number, body: Buffer): Promise<number> => (await raw.request(type, body)).err;
    const P = zookeeper.CreateMode.PERSISTENT;

    await row('create /a again', 'client', async () => errorCode(await create('/a', null, P)));
    await row('create /nope/x', 'client', async () => errorCode(await create('/nope/x', null, P)));
    await row("create '/a/'", 'raw', () => rawErr(OpCode.create, createBody('/a/', null, 0)));
    await row("create '/a//b'", 'raw', () => rawErr(OpCode.create, createBody('/a//b', null, 0)));
    await row("create 'a' (no leading /)", 'raw', () => rawErr(OpCode.create, createBody('a', null, 0)));
    await row("create '/a/.'", 'raw', () => rawErr(OpCode.create, createBody('/a/.', null, 0)));
    await row("create '/a/b\\u0000'", 'raw', () => rawErr(OpCode.create, createBody('/a/b\u0000', null, 0)));
    await row('create /a/x with flags 7 (invalid)', 'raw', () => rawErr(OpCode.create, createBody('/a/x', null, 7)));
    await row('delete /', 'client', async () => errorCode(await remove('/')));
    await row('delete /zookeeper', 'client', async () => errorCode(await remove('/zookeeper')));
    await row('delete /zookeeper/quota', 'client', async () => errorCode(await remove('/zookeeper/quota')));
    await row('delete /zookeeper/config', 'client', async () => errorCode(await remove('/zookeeper/config')));
    await row('delete /nope (missing)', 'client', async () => errorCode(await remove('/nope')));
    await row('delete /a version 99', 'client', async () => errorCode(await remove('/a', 99)));
    await row('setData /a version 99', 'client', async () =>
      errorCode(await call((cb) => client.setData('/a', data('y'), 99, cb))),
    );
    await row('setData /nope', 'client', async () => errorCode(await call((cb) => client.setData('/nope', data('y'), -1, cb))));
    await row('delete /a (has children)', 'client', async () => errorCode(await remove('/a')));
    await row('create /e (ephemeral)', 'client', async () => errorCode(await create('/e', null, zookeeper.CreateMode.EPHEMERAL)));
    await row('create /e/c under ephemeral', 'client', async () => errorCode(await create('/e/c', null, P)));
    await row("getData 'bad//path'", 'raw', () => rawErr(OpCode.getData, pathWatchBody('bad//path')));
    await row("getData '/bad//path'", 'raw', () => rawErr(OpCode.getData, pathWatchBody('/bad//path')));
    await row("exists '/a\\u0000b'", 'client', async () => errorCode(await call((cb) => client.exists('/a\u0000b', cb))));
    await row("exists '/a\\u0000b'", 'raw', () => rawErr(OpCode.exists, pathWatchBody('/a\u0000b')));
    await row("exists '/a/'", 'raw', () => rawErr(OpCode.exists, pathWatchBody('/a/')));
    await row("exists '/nope'", 'raw', () => rawErr(OpCode.exists, pathWatchBody('/nope')));
    await row("getData '/a\\u0000b'", 'raw', () => rawErr(OpCode.getData, pathWatchBody('/a\u0000b')));
    await row("delete '/a/'", 'raw', () => rawErr(OpCode.delete, deleteBody('/a/')));
    show('d. errors', rows.map((r) => r.join(' | ')));
    expect(rows).toEqual([
      ['create /a again', 'client', -110, 1],
      ['create /nope/x', 'client', -101, 1],
      ["create '/a/'", 'raw', -8, 1],
      ["create '/a//b'", 'raw', -101, 1],
      ["create 'a' (no leading /)", 'raw', -8, 1],
      ["create '/a/.'", 'raw', -8, 1],
      ["create '/a/b\\u0000'", 'raw', -8, 1],
      ['create /a/x with flags 7 (invalid)', 'raw', -8, 1],
      ['delete /', 'client', -8, 1],
      ['delete /zookeeper', 'client', -8, 1],
      ['delete /zookeeper/quota', 'client', -8, 1],
      ['delete /zookeeper/config', 'client', -8, 1],
      ['delete /nope (missing)', 'client', -101, 1],
      ['delete /a version 99', 'client', -103, 1],
      ['setData /a version 99', 'client', -103, 1],
      ['setData /nope', 'client', -101, 1],
      ['delete /a (has children)', 'client', -111, 1],
      ['create /e (ephemeral)', 'client', 0, 1],
      ['create /e/c under ephemeral', 'client', -108, 1],
      ["getData 'bad//path'", 'raw', -101, 0],
      ["getData '/bad//path'", 'raw', -101, 0],
      ["exists '/a\\u0000b'", 'client', -8, 0],
      ["exists '/a\\u0000b'", 'raw', -8, 0],
      ["exists '/a/'", 'raw', -101, 0],
      ["exists '/nope'", 'raw', -101, 0],
      ["getData '/a\\u0000b'", 'raw', -101, 0],
      ["delete '/a/'", 'raw', -101, 1],
    ]);
  });

  it('e. multi [create /m, create /m]: per-op results, zxid use', async () => {
    const nodeState = async (path: string): Promise<string> => {
      const outcome = await call<NzcStat | undefined>((cb) => client.exists(path, cb));
      // node-zookeeper-client reports a missing node as (null, undefined), not as an error.
      return outcome.ok ? (outcome.value ? 'exists' : 'missing') : `error ${outcome.code}`;
    };
    const before = await lastZxid();
    const outcome = await new Promise<{ error: number; results: unknown }>((resolve) => {
      client
        .transaction()
        .create('/m')
        .create('/m')
        .commit((error: unknown, results: unknown) =>
          resolve({ error: error ? ((error as { code: number }).code ?? Number.NaN) : 0, results }),
        );
    });
    const afterClientMulti = await lastZxid();
    // The same multi as raw frames, to see the reply header and the body's MultiHeaders.
    const multi = new JuteWriter();
    for (let i = 0; i < 2; i++) multi.int(OpCode.create).bool(false).int(-1).ustring('/m').buffer(null).openAcl().int(0);
    multi.int(-1).bool(true).int(-1);
    const reply = await raw.request(OpCode.multi, multi.toBuffer());
    const reader = new JuteReader(reply.body);
    const bodyHeaders: string[] = [];
    for (;;) {
      const type = reader.int();
      const done = reader.bool();
      const err = reader.int();
      if (done) {
        bodyHeaders.push(`{type ${type}, done, err ${err}}`);
        break;
      }
      bodyHeaders.push(`{type ${type}, err ${err}} + ErrorResponse{${type === -1 ? reader.int() : '?'}}`);
    }
    const afterRawMulti = await lastZxid();
    const next = await create('/after-multi', null, zookeeper.CreateMode.PERSISTENT);
    const observed = {
      zxidBefore: before,
      clientError: outcome.error,
      clientResults: outcome.results,
      zxidAfterClientMulti: afterClientMulti,
      rawReplyHeader: { err: reply.err, zxid: hex(reply.zxid) },
      rawBody: bodyHeaders,
      zxidAfterRawMulti: afterRawMulti,
      m: await nodeState('/m'),
      nextCreate: next,
      nextCzxid: (await exists('/after-multi'))['czxid'],
    };
    show('e. failed multi', observed);
    expect(observed).toEqual({
      zxidBefore: '0x1d',
      clientError: -110,
      clientResults: [
        { type: -1, err: 0 },
        { type: -1, err: -110 },
      ],
      zxidAfterClientMulti: '0x1e',
      rawReplyHeader: { err: 0, zxid: '0x1f' },
      rawBody: ['{type -1, err 0} + ErrorResponse{0}', '{type -1, err -110} + ErrorResponse{-110}', '{type -1, done, err -1}'],
      zxidAfterRawMulti: '0x1f',
      m: 'missing',
      nextCreate: { ok: true, value: '/after-multi', extra: undefined },
      nextCzxid: '0x20',
    });
  });

  it('f. a failed create (NODEEXISTS) uses a zxid', async () => {
    const P = zookeeper.CreateMode.PERSISTENT;
    const x1 = await create('/x', null, P);
    const x2 = await create('/x', null, P);
    const y = await create('/y', null, P);
    const czxidX = (await exists('/x'))['czxid'] as string;
    const czxidY = (await exists('/y'))['czxid'] as string;
    // Reply headers (raw): a failed write reports the zxid it used; a read reports the last one.
    const failed = await raw.request(OpCode.create, createBody('/x', null, 0));
    const read = await raw.request(OpCode.exists, pathWatchBody('/x'));
    const observed = {
      createX: x1,
      createXAgain: errorCode(x2),
      createY: y,
      czxidX,
      czxidY,
      difference: Number(BigInt(czxidY) - BigInt(czxidX)),
      rawCreateXAgain: { err: failed.err, replyZxid: hex(failed.zxid) },
      rawExistsX: { err: read.err, replyZxid: hex(read.zxid) },
      srvrZxid: await lastZxid(),
    };
    show('f. failed create zxid', observed);
    expect(observed).toEqual({
      createX: { ok: true, value: '/x', extra: undefined },
      createXAgain: -110,
      createY: { ok: true, value: '/y', extra: undefined },
      czxidX: '0x21',
      czxidY: '0x23',
      difference: 2,
      rawCreateXAgain: { err: -110, replyZxid: '0x24' },
      rawExistsX: { err: 0, replyZxid: '0x24' },
      srvrZxid: '0x24',
    });
  });

  it('g. negotiated session timeouts (tickTime 2000)', async () => {
    const observed: Record<string, number> = {};
    for (const requested of [1000, 4000, 30_000, 40_000, 100_000]) {
      const session = await connectClient(zk.connectString, requested);
      observed[`client ${requested}`] = session.getSessionTimeout();
      session.close();
    }
    for (const requested of [0, 1, 3999, 40_001]) {
      const session = await RawZooKeeperSession.open(zk.host, zk.port, requested);
      observed[`raw ${requested}`] = session.negotiatedTimeoutMs;
      await session.close();
    }
    show('g. session timeouts', observed);
    expect(observed).toEqual({
      'client 1000': 4000,
      'client 4000': 4000,
      'client 30000': 30000,
      'client 40000': 40000,
      'client 100000': 40000,
      'raw 0': 4000,
      'raw 1': 4000,
      'raw 3999': 4000,
      'raw 40001': 40000,
    });
  });

  it('h. TTL and container creates (extendedTypesEnabled unset, then true)', async () => {
    const attempt = async (session: RawZooKeeperSession, what: string, type: number, body: Buffer): Promise<Record<string, unknown>> => {
      const reply = await session.request(type, body);
      const result: Record<string, unknown> = { what, err: reply.err };
      if (reply.err === 0 && reply.body.length > 0) {
        const reader = new JuteReader(reply.body);
        result['path'] = reader.ustring();
        if (type !== OpCode.create) {
          const stat = reader.stat();
          result['ephemeralOwner'] = hex(stat.ephemeralOwner);
        }
      }
      return result;
    };
    const probe = async (session: RawZooKeeperSession): Promise<Array<Record<string, unknown>>> => [
      await attempt(session, 'createTTL /ttl flags=5 ttl=10000', OpCode.createTTL, createTtlBody('/ttl', null, 5, 10_000n)),
      await attempt(session, 'createTTL /ttls- flags=6 ttl=10000', OpCode.createTTL, createTtlBody('/ttls-', null, 6, 10_000n)),
      await attempt(session, 'createTTL /ttl0 flags=5 ttl=0', OpCode.createTTL, createTtlBody('/ttl0', null, 5, 0n)),
      await attempt(session, 'createTTL /ttlp flags=0 ttl=10000', OpCode.createTTL, createTtlBody('/ttlp', null, 0, 10_000n)),
      await attempt(session, 'create (op 1) /ttlc flags=5', OpCode.create, createBody('/ttlc', null, 5)),
      await attempt(session, 'createContainer /c flags=4', OpCode.createContainer, createBody('/c', null, 4)),
      await attempt(session, 'create (op 1) /c1 flags=4', OpCode.create, createBody('/c1', null, 4)),
      await attempt(session, 'create2 /ttl2 flags=5', OpCode.create2, createBody('/ttl2', null, 5)),
    ];
    const unset = await probe(raw);
    const extended = await startRealZooKeeper({ tickTimeMs, extendedTypesEnabled: true });
    let enabled: Array<Record<string, unknown>>;
    try {
      const session = await RawZooKeeperSession.open(extended.host, extended.port);
      enabled = await probe(session);
      await session.close();
    } finally {
      await extended.stop();
    }
    const observed = { extendedTypesUnset: unset, extendedTypesEnabled: enabled };
    show('h. TTL / container', observed);
    expect(observed).toEqual({
      extendedTypesUnset: [
        { what: 'createTTL /ttl flags=5 ttl=10000', err: -6 },
        { what: 'createTTL /ttls- flags=6 ttl=10000', err: -6 },
        { what: 'createTTL /ttl0 flags=5 ttl=0', err: -6 },
        { what: 'createTTL /ttlp flags=0 ttl=10000', err: -8 },
        { what: 'create (op 1) /ttlc flags=5', err: -6 },
        { what: 'createContainer /c flags=4', err: 0, path: '/c', ephemeralOwner: '0x0' },
        { what: 'create (op 1) /c1 flags=4', err: 0, path: '/c1' },
        { what: 'create2 /ttl2 flags=5', err: -6 },
      ],
      extendedTypesEnabled: [
        { what: 'createTTL /ttl flags=5 ttl=10000', err: 0, path: '/ttl', ephemeralOwner: '0x0' },
        { what: 'createTTL /ttls- flags=6 ttl=10000', err: 0, path: '/ttls-0000000001', ephemeralOwner: '0x0' },
        { what: 'createTTL /ttl0 flags=5 ttl=0', err: -8 },
        { what: 'createTTL /ttlp flags=0 ttl=10000', err: -8 },
        { what: 'create (op 1) /ttlc flags=5', err: -8 },
        { what: 'createContainer /c flags=4', err: 0, path: '/c', ephemeralOwner: '0x0' },
        { what: 'create (op 1) /c1 flags=4', err: 0, path: '/c1' },
        { what: 'create2 /ttl2 flags=5', err: -8 },
      ],
    });
  });
});

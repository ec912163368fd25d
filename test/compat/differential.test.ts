// Differential suite: one scripted scenario of RAW WIRE FRAMES runs against the real Apache
// ZooKeeper 3.8 (Debian package, started by test/support/real-zookeeper.ts) and against Vivarium's
// wire server, with the same options (extendedTypesEnabled, superDigest, tickTime 1000), the same
// connections and the same xids. Every frame either server sends (replies, notifications, and the
// server closing a connection) is decoded, rendered field by field and compared step by step.
//
// Ignored, as the brief says: zxid values (reply-header zxids, czxid/mzxid/pzxid; the stat keeps
// how the three relate, e.g. `c=m<p`), times (ctime/mtime) and session ids (ephemeralOwner and
// ConnectResponse.sessionId are rendered as the connection that created the session: `a`, `b`..., or 0).
//
// After each step every open connection is fenced with a ping (xid -2): its reply comes after
// everything the server queued to that connection before it, so notifications fired by another
// connection's request are attributed to the right step on both servers, without sleeping.
//
// INTENDED DIFFERENCES (each is named where it applies):
//  1. Child order. ZooKeeper lists children in HashSet order; Vivarium in creation order (DESIGN:
//     iterate in a defined order). getChildren/getChildren2/multiRead children and getEphemerals
//     paths are compared as sorted sets.
//  2. ZooKeeper 3.8.4+: `exists` checks READ on an existing node (ZOOKEEPER-2590). The Debian server
//     is 3.8.0 (with the CVE-2024-23944 fix backported, so events are ACL-filtered on both);
//     Vivarium targets 3.8.4+/3.9.2+. Steps marked `intended` pin both answers.
//  3. Four-letter words: the version string (`3.8.0-...` vs `3.8.4-vivarium-...`), the metrics that
//     `mntr` lists (ZooKeeper 3.6+ dumps ~480 metrics, Vivarium the classic subset), the counters
//     that depend on traffic and timing (Received/Sent/latency), and java-specific `envi` keys.
//  4. Hash-set order elsewhere: a connection's auth ids (whoAmI) live in a hash set in ZooKeeper
//     (ServerCnxn.authInfo), and a closing session's ephemerals are deleted in HashSet order
//     (DataTree.killSession), so the events of one closeSession come in hash order. Vivarium keeps
//     insertion/creation order. whoAmI ids are compared as sorted lists; the events of a closing
//     session's deletes are compared as a set (steps marked `eventOrder: 'set'`).
//  5. Newer ZooKeeper behaviour that Vivarium follows on purpose (steps marked `intended`):
//     - ip ACLs with IPv6 addresses are accepted (ZOOKEEPER-4240, after 3.9.3; 3.8 answers INVALIDACL);
//     - watches of different modes on one path coexist (ZOOKEEPER-4466, 3.9.0; in 3.8 a standard
//       watch set on a path that has a persistent watch replaces its mode, so after it fires the
//       persistent data watch is gone);
//     - a bare `check` (op 13) outside multi is answered UNIMPLEMENTED and the connection closed, as
//       3.9.3 does; 3.8.0 never answers it (a client would wait for its request timeout);
//     - deleteContainer (op 20) sent by a client deletes an empty container, as 3.9 does; 3.8.0 reads
//       the body as raw path bytes and answers BADARGUMENTS.
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import {
  ErrorCode,
  OpCode,
  Xid,
  errorCodeWireName,
  opCodeName,
  type Acl,
  type DecodedServerMessage,
  type MultiResult,
  type Request,
  type Stat,
} from '@vivarium/protocol';
import { startWireServer, type RunningWireServer } from '@vivarium/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendFourLetterWord } from '../support/four-letter-word.ts';
import { isRealZooKeeperAvailable, startRealZooKeeper, type RealZooKeeperServer } from '../support/real-zookeeper.ts';
import { WireSession, type WireConnectOptions } from './wire-session.ts';

const available = isRealZooKeeperAvailable();
const superDigest = 'super:D/InIHSb7yEEbrWz8b9l71RjZJU='; // password 'test'
const tickTimeMs = 1000; // sessions negotiate 2000..20000 ms, so the expiry step takes 2-3 s
const replyDeadlineMs = 10_000;
const closeDeadlineMs = 5_000;
const expiryDeadlineMs = 15_000;

// ------------------------------------------------------------------ request builders

const world = (perms: number): Acl => ({ perms, id: { scheme: 'world', id: 'anyone' } });
const OPEN = [world(31)];
const READ_ONLY = [world(1)];
const digestOf = (user: string, password: string): string =>
  `${user}:${createHash('sha1').update(`${user}:${password}`).digest('base64')}`;
const digestAcl = (user: string, password: string, perms = 31): Acl => ({ perms, id: { scheme: 'digest', id: digestOf(user, password) } });
const ipAcl = (id: string, perms = 31): Acl => ({ perms, id: { scheme: 'ip', id } });
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

type CreateOp = 'create' | 'create2' | 'createContainer';
const create = (path: string, data: string | null = '', flags = 0, acl: Acl[] = OPEN, op: CreateOp = 'create'): Request => ({
  type: OpCode[op],
  path,
  data: data === null ? null : bytes(data),
  acl,
  flags,
});
const create2 = (path: string, data: string | null = '', flags = 0, acl: Acl[] = OPEN): Request => create(path, data, flags, acl, 'create2');
const createTtl = (path: string, ttl: number, flags = 5, data = ''): Request => ({ type: OpCode.createTtl, path, data: bytes(data), acl: OPEN, flags, ttl });
const del = (path: string, version = -1): Request => ({ type: OpCode.delete, path, version });
const exists = (path: string, watch = false): Request => ({ type: OpCode.exists, path, watch });
const getData = (path: string, watch = false): Request => ({ type: OpCode.getData, path, watch });
const setData = (path: string, data: string | null, version = -1): Request => ({ type: OpCode.setData, path, data: data === null ? null : bytes(data), version });
const getAcl = (path: string): Request => ({ type: OpCode.getAcl, path });
const setAcl = (path: string, acl: Acl[], version = -1): Request => ({ type: OpCode.setAcl, path, acl, version });
const children2 = (path: string, watch = false): Request => ({ type: OpCode.getChildren2, path, watch });
const children = (path: string, watch = false): Request => ({ type: OpCode.getChildren, path, watch });
const check = (path: string, version: number): Request => ({ type: OpCode.check, path, version });
const auth = (scheme: string, credentials: string): Request => ({ type: OpCode.auth, authType: 0, scheme, auth: bytes(credentials) });
const addWatch = (path: string, mode: number): Request => ({ type: OpCode.addWatch, path, mode });
const checkWatches = (path: string, watcherType: number): Request => ({ type: OpCode.checkWatches, path, watcherType });
const removeWatches = (path: string, watcherType: number): Request => ({ type: OpCode.removeWatches, path, watcherType });
const multi = (ops: Request[]): Request => ({ type: OpCode.multi, ops: ops as never });
const multiRead = (ops: Request[]): Request => ({ type: OpCode.multiRead, ops: ops as never });
const closeSession: Request = { type: OpCode.closeSession };
const whoAmI: Request = { type: OpCode.whoAmI };
const sync = (path: string): Request => ({ type: OpCode.sync, path });
const getEphemerals = (prefixPath: string): Request => ({ type: OpCode.getEphemerals, prefixPath });
const allChildren = (path: string): Request => ({ type: OpCode.getAllChildrenNumber, path });

/** A request frame with an opcode no ZooKeeper knows. */
function unknownOpcodeFrame(xid: number, type: number): Uint8Array {
  const frame = Buffer.alloc(12);
  frame.writeInt32BE(8, 0);
  frame.writeInt32BE(xid, 4);
  frame.writeInt32BE(type, 8);
  return frame;
}

// ------------------------------------------------------------------ the scenario

interface SideContext {
  /** The zxid in the last reply header this connection received (what a client sends as relativeZxid). */
  lastZxid(connection: string): bigint;
}

type Rendered = Record<string, string[]>;

interface Intended {
  why: string;
  check(zookeeper: Rendered, vivarium: Rendered): void;
}

type ErrName = keyof typeof ErrorCode;

type Step =
  | {
      name: string;
      on: string;
      send: Request | ((context: SideContext) => Request);
      closes?: true;
      err?: ErrName;
      intended?: Intended;
      /** Intended difference 4: compare runs of consecutive events as sets. */
      eventOrder?: 'set';
      /** Do not wait for a reply: fence the sender with a ping at once (for requests a server may never answer). */
      noReplyWait?: true;
    }
  | {
      name: string;
      connect: string;
      timeOutMs: number;
      as?: string;
      wrongPassword?: true;
      zxidAhead?: true;
      oldStyle?: true;
      closes?: true;
      /** Requests sent in the same write as the ConnectRequest (xids 1, 2, ...). */
      early?: Request[];
    }
  | { name: string; drop: string }
  | { name: string; raw: string; frame: (xid: number) => Uint8Array; replyType?: number; closes: true }
  /**
   * Wait for the server to close `waitClosed`; then, with `thenEventOn`, for the watch event that the
   * closing session's txn fires on that other connection. The real server may answer the fence's ping
   * on that connection before it applies the closeSession (reads of other sessions do not wait for it),
   * so without this the event can land in the next step.
   */
  | { name: string; waitClosed: string; thenEventOn?: string };

const noReadAcl = [digestAcl('v', 'q')];

const intendedExistsNeedsRead: Intended = {
  why: 'ZOOKEEPER-2590 (3.8.4+): exists needs READ on an existing node; the Debian server is 3.8.0',
  check(zookeeper, vivarium) {
    expect(zookeeper['a']?.[0]).toMatch(/^#\d+ exists OK /);
    expect(vivarium['a']).toEqual([expect.stringMatching(/^#\d+ exists NOAUTH$/)]);
  },
};

const intendedIpv6Acl = (zookeeperAnswer: string, vivariumAnswer: string): Intended => ({
  why: 'ZOOKEEPER-4240 (after 3.9.3): ip ACLs accept IPv6 addresses; ZooKeeper 3.8 rejects them with INVALIDACL',
  check(zookeeper, vivarium) {
    expect(zookeeper['a']).toEqual([expect.stringMatching(new RegExp(`^#\\d+ \\w+ ${zookeeperAnswer}$`))]);
    expect(vivarium['a']).toEqual([expect.stringMatching(new RegExp(`^#\\d+ \\w+ ${vivariumAnswer}`))]);
  },
});

const intendedWatchModesCoexist: Intended = {
  why: 'ZOOKEEPER-4466 (3.9.0): a standard watch on a path with a persistent watch no longer replaces the persistent mode',
  check(zookeeper, vivarium) {
    expect(zookeeper['a']).toEqual([expect.stringMatching(/^#\d+ checkWatches NOWATCHER$/)]);
    expect(vivarium['a']).toEqual([expect.stringMatching(/^#\d+ checkWatches OK$/)]);
  },
};

const intendedClientDeleteContainer = (zookeeperAnswer: string, vivariumAnswer: string): Intended => ({
  why:
    "deleteContainer (op 20) sent by a client: 3.8.0 reads the body as raw path bytes (the op is its ContainerManager's), so a jute string's length prefix makes the path invalid (BADARGUMENTS); Vivarium follows 3.9's DeleteContainerRequest (test/store/containers-and-ttl.test.ts)",
  check(zookeeper, vivarium) {
    expect(zookeeper['a2']).toEqual([expect.stringMatching(new RegExp(`^#\\d+ \\w+ ${zookeeperAnswer}`))]);
    expect(vivarium['a2']).toEqual([expect.stringMatching(new RegExp(`^#\\d+ \\w+ ${vivariumAnswer}`))]);
  },
});

const intendedBareCheck: Intended = {
  why: 'a bare check (op 13) outside multi: 3.9.3 answers UNIMPLEMENTED and closes; 3.8.0 never answers',
  check(zookeeper, vivarium) {
    expect(zookeeper['chk'] ?? []).toEqual([]);
    expect(vivarium['chk']).toEqual([expect.stringMatching(/^#\d+ check UNIMPLEMENTED$/), 'closed']);
  },
};

const scenario: Step[] = [
  // ---- handshake
  { name: 'connect a (45-byte ConnectRequest with readOnly)', connect: 'a', timeOutMs: 30_000 },
  { name: 'connect b', connect: 'b', timeOutMs: 30_000 },
  { name: 'old-style connect (44 bytes) gets a 36-byte answer', connect: 'old', timeOutMs: 10_000, oldStyle: true },
  { name: 'old: closeSession', on: 'old', send: closeSession, closes: true },
  { name: 'timeout 1 ms is raised to 2*tickTime', connect: 'tmin', timeOutMs: 1 },
  { name: 'tmin: closeSession', on: 'tmin', send: closeSession, closes: true },
  { name: 'timeout 100000 ms is capped at 20*tickTime', connect: 'tmax', timeOutMs: 100_000 },
  { name: 'tmax: closeSession', on: 'tmax', send: closeSession, closes: true },

  // ---- built-in nodes
  { name: 'getData /', on: 'a', send: getData('/') },
  { name: 'getData /zookeeper', on: 'a', send: getData('/zookeeper') },
  { name: 'getData /zookeeper/quota', on: 'a', send: getData('/zookeeper/quota') },
  { name: 'getData /zookeeper/config', on: 'a', send: getData('/zookeeper/config') },
  { name: 'getACL /zookeeper/config', on: 'a', send: getAcl('/zookeeper/config') },
  { name: 'getACL /', on: 'a', send: getAcl('/') },
  { name: 'getChildren2 /zookeeper', on: 'a', send: children2('/zookeeper') },
  { name: 'getChildren /zookeeper', on: 'a', send: children('/zookeeper') },
  { name: 'getAllChildrenNumber / (fresh)', on: 'a', send: allChildren('/') },

  // ---- every create mode
  { name: 'create /d (CreateResponse)', on: 'a', send: create('/d', 'x') },
  { name: 'create2 /d/p (Create2Response)', on: 'a', send: create2('/d/p', 'y') },
  { name: 'create2 /d/e ephemeral', on: 'a', send: create2('/d/e', 'e', 1) },
  { name: 'create2 /d/s- persistent sequential', on: 'a', send: create2('/d/s-', 's', 2) },
  { name: 'create2 /d/es- ephemeral sequential', on: 'a', send: create2('/d/es-', 's', 3) },
  { name: 'createContainer /d/c', on: 'a', send: create('/d/c', '', 4, OPEN, 'createContainer') },
  { name: 'create (op 1) /d/c1 with the container flag', on: 'a', send: create('/d/c1', '', 4) },
  { name: 'createTTL /d/t', on: 'a', send: createTtl('/d/t', 60_000) },
  { name: 'createTTL /d/ts- sequential', on: 'a', send: createTtl('/d/ts-', 60_000, 6) },
  { name: 'create2 /d/null with null data', on: 'a', send: create2('/d/null', null) },
  { name: 'create2 /d/empty with empty data', on: 'a', send: create2('/d/empty', '') },
  { name: 'getData /d/null (null stays null)', on: 'a', send: getData('/d/null') },
  { name: 'getData /d/empty', on: 'a', send: getData('/d/empty') },
  { name: 'exists /d/t (TTL owner reads 0)', on: 'a', send: exists('/d/t') },
  { name: 'exists /d/c (container owner reads 0)', on: 'a', send: exists('/d/c') },
  { name: 'exists /d/e (owner: this session)', on: 'a', send: exists('/d/e') },
  { name: 'b: create2 /d/eb ephemeral', on: 'b', send: create2('/d/eb', 'b', 1) },
  { name: 'exists /d/eb (owner: the other session)', on: 'a', send: exists('/d/eb') },
  { name: 'getChildren2 /d', on: 'a', send: children2('/d') },
  { name: 'delete /d/s-0000000002', on: 'a', send: del('/d/s-0000000002') },
  { name: 'create2 /d/s- after a delete: numbering counts creations', on: 'a', send: create2('/d/s-', 's', 2) },
  { name: 'create2 /d/ sequential: the suffix makes the path valid', on: 'a', send: create2('/d/', '', 2) },

  // ---- create: every error, and which wins (reference 2.2)
  { name: 'createTTL ttl 0', on: 'a', send: createTtl('/d/tx', 0), err: 'badArguments' },
  { name: 'createTTL ttl 0 under a missing parent: TTL is checked first', on: 'a', send: createTtl('/nope/tx', 0), err: 'badArguments' },
  { name: 'createTTL with a non-TTL mode', on: 'a', send: createTtl('/d/tx', 1000, 0), err: 'badArguments' },
  { name: 'createTTL ttl above 2^40-1', on: 'a', send: createTtl('/d/tx', 2 ** 40), err: 'badArguments' },
  { name: 'create (op 1) with the TTL flag', on: 'a', send: create('/d/tx', '', 5), err: 'badArguments' },
  { name: 'create2 with the sequential TTL flag', on: 'a', send: create2('/d/tx', '', 6), err: 'badArguments' },
  { name: 'createContainer with flags 0', on: 'a', send: create('/d/cx', '', 0, OPEN, 'createContainer') },
  { name: 'create flags 7', on: 'a', send: create('/d/x', '', 7), err: 'badArguments' },
  { name: 'create flags -1', on: 'a', send: create('/d/x', '', -1), err: 'badArguments' },
  { name: 'create d (relative)', on: 'a', send: create('d'), err: 'badArguments' },
  { name: 'create /d/ (trailing slash)', on: 'a', send: create('/d/'), err: 'badArguments' },
  { name: 'create /d/.', on: 'a', send: create('/d/.'), err: 'badArguments' },
  { name: 'create /d/..', on: 'a', send: create('/d/..'), err: 'badArguments' },
  { name: 'create /d//x: the parent /d/ is looked up first', on: 'a', send: create('/d//x'), err: 'noNode' },
  { name: 'create /d/x\\u0000', on: 'a', send: create('/d/x\u0000'), err: 'badArguments' },
  { name: 'create /d/\\u0001', on: 'a', send: create('/d/\u0001'), err: 'badArguments' },
  { name: 'create /d/\\ufff0', on: 'a', send: create('/d/\ufff0'), err: 'badArguments' },
  { name: 'create /', on: 'a', send: create('/') },
  { name: 'create with an empty ACL', on: 'a', send: create('/d/x', '', 0, []), err: 'invalidAcl' },
  { name: 'create with an empty ACL under a missing parent: ACL first', on: 'a', send: create('/nope/x', '', 0, []), err: 'invalidAcl' },
  { name: 'create with world:someone', on: 'a', send: create('/d/x', '', 0, [{ perms: 31, id: { scheme: 'world', id: 'someone' } }]), err: 'invalidAcl' },
  { name: 'create with an unknown scheme', on: 'a', send: create('/d/x', '', 0, [{ perms: 31, id: { scheme: 'bogus', id: 'x' } }]), err: 'invalidAcl' },
  { name: 'create with auth: and no authenticated id', on: 'a', send: create('/d/x', '', 0, [{ perms: 31, id: { scheme: 'auth', id: '' } }]), err: 'invalidAcl' },
  { name: 'create with a digest id without a colon', on: 'a', send: create('/d/x', '', 0, [{ perms: 31, id: { scheme: 'digest', id: 'nocolon' } }]), err: 'invalidAcl' },
  { name: 'create with a bad ip', on: 'a', send: create('/d/x', '', 0, [ipAcl('1.2.3.300')]), err: 'invalidAcl' },
  { name: 'create with perms 0', on: 'a', send: create('/d/perms0', '', 0, [world(0)]) },
  { name: 'create under a missing parent', on: 'a', send: create('/nope/x'), err: 'noNode' },
  { name: 'create under an ephemeral', on: 'a', send: create('/d/e/x'), err: 'noChildrenForEphemerals' },
  { name: 'create an existing node', on: 'a', send: create('/d'), err: 'nodeExists' },
  { name: 'create /lk', on: 'a', send: create('/lk') },
  { name: 'create /lk/c', on: 'a', send: create('/lk/c') },
  { name: 'setACL /lk read-only', on: 'a', send: setAcl('/lk', READ_ONLY, 0) },
  { name: 'create an existing child without CREATE on the parent: NOAUTH wins', on: 'a', send: create('/lk/c'), err: 'noAuth' },
  { name: 'create with an empty ACL without CREATE on the parent: INVALIDACL wins', on: 'a', send: create('/lk/x', '', 0, []), err: 'invalidAcl' },
  { name: 'create under a missing grandchild of /lk', on: 'a', send: create('/lk/nope/x'), err: 'noNode' },
  { name: 'create2 /d/e2 ephemeral, read-only ACL', on: 'a', send: create2('/d/e2', '', 1, READ_ONLY) },
  { name: 'create under a read-only ephemeral: NOAUTH before NOCHILDRENFOREPHEMERALS', on: 'a', send: create('/d/e2/x'), err: 'noAuth' },
  { name: 'create /dup with a duplicated ACL entry', on: 'a', send: create('/dup', '', 0, [world(31), world(31)]) },
  { name: 'getACL /dup (one entry left)', on: 'a', send: getAcl('/dup') },

  // ---- delete
  { name: 'delete /', on: 'a', send: del('/'), err: 'badArguments' },
  { name: 'delete /zookeeper', on: 'a', send: del('/zookeeper'), err: 'badArguments' },
  { name: 'delete /zookeeper/config', on: 'a', send: del('/zookeeper/config'), err: 'badArguments' },
  { name: 'delete /zookeeper/quota', on: 'a', send: del('/zookeeper/quota'), err: 'badArguments' },
  { name: 'delete under a missing parent', on: 'a', send: del('/nope/x'), err: 'noNode' },
  { name: 'delete a missing node', on: 'a', send: del('/nope'), err: 'noNode' },
  { name: 'delete /d with a bad version: BADVERSION before NOTEMPTY', on: 'a', send: del('/d', 99), err: 'badVersion' },
  { name: 'delete /d with children', on: 'a', send: del('/d'), err: 'notEmpty' },
  { name: 'create /nodel (no DELETE)', on: 'a', send: create('/nodel', '', 0, [world(31 & ~8)]) },
  { name: 'create /nodel/c', on: 'a', send: create('/nodel/c') },
  { name: 'delete /nodel/c without DELETE on the parent', on: 'a', send: del('/nodel/c'), err: 'noAuth' },
  { name: 'delete a missing child without DELETE on the parent: NOAUTH wins', on: 'a', send: del('/nodel/missing'), err: 'noAuth' },
  { name: 'delete /d/ (trailing slash)', on: 'a', send: del('/d/'), err: 'noNode' },
  { name: 'delete /d/p with version 1', on: 'a', send: del('/d/p', 1), err: 'badVersion' },
  { name: 'delete /d/p with version 0', on: 'a', send: del('/d/p', 0) },
  { name: 'delete bad//path', on: 'a', send: del('bad//path') },

  // ---- setData
  { name: 'setData a missing node', on: 'a', send: setData('/nope', 'x'), err: 'noNode' },
  { name: 'setData /d with a bad version', on: 'a', send: setData('/d', 'x', 99), err: 'badVersion' },
  { name: 'create /ro read-only', on: 'a', send: create('/ro', 'r', 0, READ_ONLY) },
  { name: 'setData /ro with a bad version: NOAUTH wins', on: 'a', send: setData('/ro', 'x', 99), err: 'noAuth' },
  { name: 'setData /d version 0', on: 'a', send: setData('/d', 'x2', 0) },
  { name: 'setData /d/empty to null', on: 'a', send: setData('/d/empty', null) },
  { name: 'getData /d/empty (now null)', on: 'a', send: getData('/d/empty') },

  // ---- setACL / getACL
  { name: 'setACL a missing node with an empty ACL: INVALIDACL first', on: 'a', send: setAcl('/nope', []), err: 'invalidAcl' },
  { name: 'setACL a missing node', on: 'a', send: setAcl('/nope', OPEN), err: 'noNode' },
  { name: 'create /noadmin (no ADMIN)', on: 'a', send: create('/noadmin', '', 0, [world(15)]) },
  { name: 'setACL /noadmin with a bad version: NOAUTH wins', on: 'a', send: setAcl('/noadmin', OPEN, 99), err: 'noAuth' },
  { name: 'setACL /d with a bad aversion', on: 'a', send: setAcl('/d', OPEN, 99), err: 'badVersion' },
  { name: 'setACL /d version 0', on: 'a', send: setAcl('/d', OPEN, 0) },
  { name: 'getACL /noadmin (READ, no ADMIN)', on: 'a', send: getAcl('/noadmin') },
  { name: 'create /noread (digest v:q only)', on: 'a', send: create('/noread', 'n', 0, noReadAcl) },
  { name: 'getACL /noread (neither READ nor ADMIN)', on: 'a', send: getAcl('/noread'), err: 'noAuth' },
  { name: 'getData /noread', on: 'a', send: getData('/noread'), err: 'noAuth' },

  // ---- auth: digest, auth:, ip, super
  { name: 'whoAmI before auth', on: 'a', send: whoAmI },
  { name: 'addauth digest u:p', on: 'a', send: auth('digest', 'u:p') },
  { name: 'whoAmI after auth', on: 'a', send: whoAmI },
  { name: 'create /dg (digest u:p all, world read)', on: 'a', send: create('/dg', 'g', 0, [digestAcl('u', 'p'), world(1)]) },
  { name: 'b: getACL /dg (READ only: digest masked?)', on: 'b', send: getAcl('/dg') },
  { name: 'getACL /dg (ADMIN)', on: 'a', send: getAcl('/dg') },
  { name: 'b: setData /dg', on: 'b', send: setData('/dg', 'x'), err: 'noAuth' },
  { name: 'setData /dg', on: 'a', send: setData('/dg', 'g2') },
  { name: 'create /au with auth:', on: 'a', send: create('/au', '', 0, [{ perms: 31, id: { scheme: 'auth', id: '' } }]) },
  { name: 'getACL /au (auth: expanded to the digest id)', on: 'a', send: getAcl('/au') },
  { name: 'b: create with auth: and no digest', on: 'b', send: create('/au2', '', 0, [{ perms: 31, id: { scheme: 'auth', id: 'whatever' } }]), err: 'invalidAcl' },
  { name: 'create /ip (ip:127.0.0.1)', on: 'a', send: create('/ip', 'i', 0, [ipAcl('127.0.0.1')]) },
  { name: 'getData /ip', on: 'a', send: getData('/ip') },
  { name: 'create /ip8 (ip:10.0.0.0/8)', on: 'a', send: create('/ip8', 'i', 0, [ipAcl('10.0.0.0/8')]) },
  { name: 'getData /ip8', on: 'a', send: getData('/ip8'), err: 'noAuth' },
  { name: 'create /ip127 (ip:127.0.0.0/8 read)', on: 'a', send: create('/ip127', 'i', 0, [ipAcl('127.0.0.0/8', 1)]) },
  { name: 'getData /ip127', on: 'a', send: getData('/ip127') },
  { name: 'create /v6', on: 'a', send: create('/v6') },
  { name: 'create /v6/ip6 (ip:::1)', on: 'a', send: create('/v6/ip6', 'i', 0, [ipAcl('::1')]), intended: intendedIpv6Acl('INVALIDACL', 'OK') },
  { name: 'getData /v6/ip6 from an IPv4 client', on: 'a', send: getData('/v6/ip6'), intended: intendedIpv6Acl('NONODE', 'NOAUTH') },
  { name: 'delete /v6/ip6', on: 'a', send: del('/v6/ip6'), intended: intendedIpv6Acl('NONODE', 'OK') },
  { name: 'delete /v6', on: 'a', send: del('/v6') },
  { name: 'connect s', connect: 's', timeOutMs: 30_000 },
  { name: 's: addauth digest super:test', on: 's', send: auth('digest', 'super:test') },
  { name: 's: whoAmI as super', on: 's', send: whoAmI },
  { name: 's: setData /dg as super', on: 's', send: setData('/dg', 'su') },
  { name: 's: getACL /noread as super', on: 's', send: getAcl('/noread') },
  { name: 's: getData /ip8 as super', on: 's', send: getData('/ip8') },
  { name: 's: addauth digest super:wrong (no super)', on: 's', send: auth('digest', 'super:wrong') },
  { name: 's: whoAmI', on: 's', send: whoAmI },
  { name: 's: closeSession', on: 's', send: closeSession, closes: true },

  // ---- standard watches (a watches, b writes)
  { name: 'exists /w watch on a missing node', on: 'a', send: exists('/w', true), err: 'noNode' },
  { name: 'b: create /w fires NodeCreated', on: 'b', send: create('/w', 'w') },
  { name: 'getData /w watch', on: 'a', send: getData('/w', true) },
  { name: 'getChildren2 /w watch', on: 'a', send: children2('/w', true) },
  { name: 'exists /w watch', on: 'a', send: exists('/w', true) },
  { name: 'b: setData /w fires one NodeDataChanged', on: 'b', send: setData('/w', 'w2') },
  { name: 'b: create /w/c fires NodeChildrenChanged', on: 'b', send: create('/w/c') },
  { name: 'getData /w watch again', on: 'a', send: getData('/w', true) },
  { name: 'getChildren2 /w watch again', on: 'a', send: children2('/w', true) },
  { name: 'b: delete /w/c fires NodeChildrenChanged', on: 'b', send: del('/w/c') },
  { name: 'getChildren2 /w watch once more', on: 'a', send: children2('/w', true) },
  { name: 'b: delete /w fires one NodeDeleted', on: 'b', send: del('/w') },
  { name: 'getData /nw watch on a missing node registers nothing', on: 'a', send: getData('/nw', true), err: 'noNode' },
  { name: 'getChildren2 /nw watch on a missing node registers nothing', on: 'a', send: children2('/nw', true), err: 'noNode' },
  { name: 'b: create /nw (no event)', on: 'b', send: create('/nw') },
  { name: 'getData /nw watch', on: 'a', send: getData('/nw', true) },
  { name: 'own setData /nw: the event comes before the reply', on: 'a', send: setData('/nw', 'own') },
  { name: 'getData /nw watch again', on: 'a', send: getData('/nw', true) },
  { name: 'b: setACL /nw fires nothing', on: 'b', send: setAcl('/nw', OPEN) },
  { name: 'b: sync /nw fires nothing', on: 'b', send: sync('/nw') },
  { name: 'b: getData /nw fires nothing', on: 'b', send: getData('/nw') },
  { name: 'getChildren2 / watch', on: 'a', send: children2('/', true) },
  { name: 'b: create /rootchild fires NodeChildrenChanged /', on: 'b', send: create('/rootchild') },
  { name: 'b: delete /nw fires the pending data watch', on: 'b', send: del('/nw') },

  // ---- ACL and events/exists: intended difference 2
  { name: 'b: addauth digest v:q', on: 'b', send: auth('digest', 'v:q') },
  { name: 'b: create /sec (open)', on: 'b', send: create('/sec', 's') },
  { name: 'getData /sec watch', on: 'a', send: getData('/sec', true) },
  { name: 'b: setACL /sec to digest v:q only', on: 'b', send: setAcl('/sec', noReadAcl, 0) },
  // ZOOKEEPER-4799 / CVE-2024-23944 (3.8.4): the Debian 3.8.0-11+deb12u2 build carries the fix, so both filter.
  { name: 'b: setData /sec: no event for a, which may not read it any more', on: 'b', send: setData('/sec', 's2') },
  { name: 'exists /sec without READ', on: 'a', send: exists('/sec'), intended: intendedExistsNeedsRead },
  { name: 'b: getData /noread with digest v:q', on: 'b', send: getData('/noread') },

  // ---- persistent and recursive watches
  { name: 'addWatch /pw persistent', on: 'a', send: addWatch('/pw', 0) },
  { name: 'addWatch /rw persistent recursive', on: 'a', send: addWatch('/rw', 1) },
  { name: 'b: create /pw', on: 'b', send: create('/pw') },
  { name: 'b: create /pw/c', on: 'b', send: create('/pw/c') },
  { name: 'b: setData /pw/c (not recursive: nothing)', on: 'b', send: setData('/pw/c', 'x') },
  { name: 'b: setData /pw', on: 'b', send: setData('/pw', 'x') },
  { name: 'b: delete /pw/c', on: 'b', send: del('/pw/c') },
  { name: 'b: create /rw', on: 'b', send: create('/rw') },
  { name: 'b: create /rw/a', on: 'b', send: create('/rw/a') },
  { name: 'b: create /rw/a/b', on: 'b', send: create('/rw/a/b') },
  { name: 'b: setData /rw/a/b', on: 'b', send: setData('/rw/a/b', 'x') },
  { name: 'b: delete /rw/a/b (no NodeChildrenChanged for recursive watches)', on: 'b', send: del('/rw/a/b') },
  { name: 'addWatch mode 2', on: 'a', send: addWatch('/x', 2) },
  { name: 'getData /pw watch on top of the persistent watch', on: 'a', send: getData('/pw', true) },
  { name: 'b: setData /pw: one frame for both watches', on: 'b', send: setData('/pw', 'y') },
  { name: 'checkWatches /pw data', on: 'a', send: checkWatches('/pw', 2), intended: intendedWatchModesCoexist },
  { name: 'checkWatches /pw children', on: 'a', send: checkWatches('/pw', 1) },
  { name: 'checkWatches /pw any', on: 'a', send: checkWatches('/pw', 3) },
  { name: 'checkWatches /rw/a any (recursive watch is on /rw)', on: 'a', send: checkWatches('/rw/a', 3) },
  { name: 'checkWatches /nothing data', on: 'a', send: checkWatches('/nothing', 2), err: 'noWatcher' },
  { name: 'removeWatches /nothing any', on: 'a', send: removeWatches('/nothing', 3), err: 'noWatcher' },
  { name: 'b: create /cw', on: 'b', send: create('/cw') },
  { name: 'getData /cw watch', on: 'a', send: getData('/cw', true) },
  { name: 'checkWatches /cw children', on: 'a', send: checkWatches('/cw', 1), err: 'noWatcher' },
  { name: 'checkWatches /cw data', on: 'a', send: checkWatches('/cw', 2) },
  { name: 'removeWatches /cw data', on: 'a', send: removeWatches('/cw', 2) },
  { name: 'b: setData /cw (watch removed: nothing)', on: 'b', send: setData('/cw', 'x') },
  { name: 'removeWatches /pw any', on: 'a', send: removeWatches('/pw', 3) },
  { name: 'b: setData /pw after removeWatches', on: 'b', send: setData('/pw', 'z') },
  { name: 'removeWatches /rw data', on: 'a', send: removeWatches('/rw', 2) },
  { name: 'b: create /rw/z after removeWatches', on: 'b', send: create('/rw/z') },

  // ---- multi
  { name: 'b: create /mw1', on: 'b', send: create('/mw1') },
  { name: 'b: create /mw2', on: 'b', send: create('/mw2') },
  { name: 'getData /mw1 watch', on: 'a', send: getData('/mw1', true) },
  { name: 'getData /mw2 watch', on: 'a', send: getData('/mw2', true) },
  { name: 'b: multi [setData /mw2, setData /mw1]: events in op order', on: 'b', send: multi([setData('/mw2', 'x'), setData('/mw1', 'x')]) },
  {
    name: 'multi success with every write op',
    on: 'a',
    send: multi([
      create('/m', 'a'),
      create2('/m/s-', '', 2),
      create('/m/k', '', 4, OPEN, 'createContainer'),
      createTtl('/m/t', 60_000),
      setData('/m', 'b', 0),
      check('/m', 1),
      del('/m/k'),
      create2('/m/s-', '', 2),
    ]),
  },
  { name: 'getChildren2 /m', on: 'a', send: children2('/m') },
  { name: 'multi rollback [create, bad check, create]', on: 'a', send: multi([create('/r1'), check('/d', 99), create('/r2')]) },
  { name: 'exists /r1 after the rollback', on: 'a', send: exists('/r1'), err: 'noNode' },
  { name: 'multi rollback with the first op failing', on: 'a', send: multi([del('/nope'), create('/r3')]) },
  { name: 'multi with a bad path', on: 'a', send: multi([create('/r4'), create('/bad/')]) },
  { name: 'multi with a bad TTL', on: 'a', send: multi([createTtl('/r5', 0)]) },
  { name: 'multi [check /ro, setData /ro]: NOAUTH inside', on: 'a', send: multi([check('/ro', 0), setData('/ro', 'x')]) },
  { name: 'multi [check a missing node]', on: 'a', send: multi([check('/nope', 0)]) },
  { name: 'multi [check /noread, bad version]: NOAUTH before BADVERSION', on: 'a', send: multi([check('/noread', 99)]) },
  { name: 'multi [setData /ro, bad version]: NOAUTH before BADVERSION', on: 'a', send: multi([setData('/ro', 'x', 99)]) },
  { name: 'multi [delete /nodel/c]: NOAUTH inside', on: 'a', send: multi([del('/nodel/c')]) },
  { name: 'multi [create /mm, create /mm/c]: later ops see earlier ones', on: 'a', send: multi([create('/mm'), create('/mm/c')]) },
  { name: 'empty multi', on: 'a', send: multi([]) },
  { name: 'multi [create /mc with the container flag]: a container, answered as create2', on: 'a', send: multi([create('/mc', '', 4)]) },
  { name: 'multi [createContainer /mc0 with flags 0]: a plain create', on: 'a', send: multi([create('/mc0', '', 0, OPEN, 'createContainer')]) },
  { name: 'multi [createTTL /mt0 with flags 0]: a plain create, ttl ignored', on: 'a', send: multi([createTtl('/mt0', 1000, 0)]) },
  { name: 'multi [createTTL /mt seq-TTL]', on: 'a', send: multi([createTtl('/mt-', 60_000, 6)]) },
  { name: 'getData /mw1 watch again', on: 'a', send: getData('/mw1', true) },
  { name: 'b: failed multi touching /mw1 fires nothing', on: 'b', send: multi([setData('/mw1', 'y'), check('/d', 99)]) },
  { name: 'b: setData /mw1 fires the watch kept through the rollback', on: 'b', send: setData('/mw1', 'z') },

  // ---- multiRead
  {
    name: 'multiRead with per-op errors',
    on: 'a',
    send: multiRead([getData('/d'), getData('/nope'), children('/d'), children('/noread'), getData('/noread'), getData('/d/null'), children('/nope')]),
  },
  { name: 'multiRead getData with watch', on: 'a', send: multiRead([getData('/mw2', true), children('/mw2', true)]) },
  { name: 'b: setData /mw2 (watch from multiRead?)', on: 'b', send: setData('/mw2', 'mr') },
  { name: 'b: create /mw2/c (child watch from multiRead?)', on: 'b', send: create('/mw2/c') },

  // ---- getEphemerals, getAllChildrenNumber, whoAmI, sync, the rest
  { name: 'getEphemerals ""', on: 'a', send: getEphemerals('') },
  { name: 'getEphemerals /', on: 'a', send: getEphemerals('/') },
  { name: 'getEphemerals /d', on: 'a', send: getEphemerals('/d') },
  { name: 'getEphemerals /d/e (prefix match)', on: 'a', send: getEphemerals('/d/e') },
  { name: 'getEphemerals /zz', on: 'a', send: getEphemerals('/zz') },
  { name: 'b: getEphemerals /', on: 'b', send: getEphemerals('/') },
  { name: 'getAllChildrenNumber /d', on: 'a', send: allChildren('/d') },
  { name: 'getAllChildrenNumber /', on: 'a', send: allChildren('/') },
  { name: 'getAllChildrenNumber /nope', on: 'a', send: allChildren('/nope'), err: 'noNode' },
  { name: 'getAllChildrenNumber /noread', on: 'a', send: allChildren('/noread'), err: 'noAuth' },
  { name: 'sync /d', on: 'a', send: sync('/d') },
  { name: 'sync /nope', on: 'a', send: sync('/nope') },
  { name: 'getChildren (op 8) /d', on: 'a', send: children('/d') },
  { name: 'connect chk', connect: 'chk', timeOutMs: 30_000 },
  { name: 'chk: check (op 13) outside multi', on: 'chk', send: check('/d', 1), noReplyWait: true, intended: intendedBareCheck },
  { name: 'chk: closeSession (if still open)', drop: 'chk' },

  // ---- reads on bad paths
  { name: 'getData bad//path', on: 'a', send: getData('bad//path'), err: 'noNode' },
  { name: 'getData /bad//path', on: 'a', send: getData('/bad//path'), err: 'noNode' },
  { name: 'getData /d/', on: 'a', send: getData('/d/'), err: 'noNode' },
  { name: 'getData /a\\u0000b', on: 'a', send: getData('/a\u0000b'), err: 'noNode' },
  { name: 'exists /a\\u0000b', on: 'a', send: exists('/a\u0000b'), err: 'badArguments' },
  { name: 'exists /d/', on: 'a', send: exists('/d/'), err: 'noNode' },
  { name: 'getData ""', on: 'a', send: getData('') },
  { name: 'exists ""', on: 'a', send: exists('') },
  { name: 'getChildren2 ""', on: 'a', send: children2('') },
  { name: 'getACL ""', on: 'a', send: getAcl('') },
  { name: 'setData ""', on: 'a', send: setData('', 'x') },
  { name: 'delete ""', on: 'a', send: del('') },
  { name: 'setACL ""', on: 'a', send: setAcl('', OPEN) },
  { name: 'getChildren2 relative', on: 'a', send: children2('relative'), err: 'noNode' },

  // ---- watches across a reconnect: SetWatches and SetWatches2
  { name: 'b: create /sw', on: 'b', send: create('/sw', 'v') },
  { name: 'b: create /sw2', on: 'b', send: create('/sw2', 'v') },
  { name: 'b: create /swc', on: 'b', send: create('/swc') },
  { name: 'b: create /gone', on: 'b', send: create('/gone') },
  { name: 'getData /sw watch', on: 'a', send: getData('/sw', true) },
  { name: 'exists /swmiss watch', on: 'a', send: exists('/swmiss', true), err: 'noNode' },
  { name: 'getChildren2 /swc watch', on: 'a', send: children2('/swc', true) },
  { name: 'client drops connection a (no closeSession)', drop: 'a' },
  { name: 'b: setData /sw while a is away', on: 'b', send: setData('/sw', 'v2') },
  { name: 'b: create /swmiss while a is away', on: 'b', send: create('/swmiss') },
  { name: 'b: create /swc/x while a is away', on: 'b', send: create('/swc/x') },
  { name: 'b: delete /gone while a is away', on: 'b', send: del('/gone') },
  { name: 'a2 reattaches to session a', connect: 'a2', as: 'a', timeOutMs: 30_000 },
  {
    name: 'a2: SetWatches fires what changed since relativeZxid, registers the rest',
    on: 'a2',
    send: (context) => ({
      type: OpCode.setWatches,
      relativeZxid: context.lastZxid('a'),
      dataWatches: ['/sw', '/sw2', '/gone'],
      existWatches: ['/swmiss', '/swmiss2'],
      childWatches: ['/swc', '/sw2', '/gone'],
    }),
  },
  { name: 'b: setData /sw2 fires the re-registered data watch', on: 'b', send: setData('/sw2', 'v2') },
  { name: 'b: create /swmiss2 fires the re-registered exist watch', on: 'b', send: create('/swmiss2') },
  { name: 'b: create /sw2/k fires the re-registered child watch', on: 'b', send: create('/sw2/k') },
  { name: 'a2: whoAmI (auth belongs to the connection)', on: 'a2', send: whoAmI },
  {
    name: 'a2: SetWatches2 with persistent and recursive paths',
    on: 'a2',
    send: (context) => ({
      type: OpCode.setWatches2,
      relativeZxid: context.lastZxid('a2'),
      dataWatches: [],
      existWatches: [],
      childWatches: [],
      persistentWatches: ['/sp'],
      persistentRecursiveWatches: ['/sr'],
    }),
  },
  { name: 'b: create /sp', on: 'b', send: create('/sp') },
  { name: 'b: create /sp/x', on: 'b', send: create('/sp/x') },
  { name: 'b: create /sr', on: 'b', send: create('/sr') },
  { name: 'b: create /sr/y', on: 'b', send: create('/sr/y') },

  // ---- closeSession deletes ephemerals; events on both sides
  { name: 'b: create2 /d/eb2 ephemeral', on: 'b', send: create2('/d/eb2', '', 1) },
  { name: 'b: getData /d/eb2 watch (its own ephemeral)', on: 'b', send: getData('/d/eb2', true) },
  { name: 'b: addWatch /d recursive', on: 'b', send: addWatch('/d', 1) },
  { name: 'a2: getData /d/eb watch', on: 'a2', send: getData('/d/eb', true) },
  { name: 'a2: getChildren2 /d watch', on: 'a2', send: children2('/d', true) },
  { name: 'b: closeSession', on: 'b', send: closeSession, closes: true, eventOrder: 'set' },
  { name: 'a2: getChildren2 /d after b closed', on: 'a2', send: children2('/d') },

  // ---- session expiry
  { name: 'connect c with a 1 ms timeout (negotiated 2000)', connect: 'c', timeOutMs: 1 },
  { name: 'c: create2 /exp ephemeral', on: 'c', send: create2('/exp', 'x', 1) },
  { name: 'a2: getData /exp watch', on: 'a2', send: getData('/exp', true) },
  { name: 'c expires: connection closed, no notification; a2 sees NodeDeleted', waitClosed: 'c', thenEventOn: 'a2' },
  { name: 'c2: reconnect to the expired session', connect: 'c2', as: 'c', timeOutMs: 30_000, closes: true },
  { name: 'connect with lastZxidSeen ahead of the server', connect: 'ahead', timeOutMs: 30_000, zxidAhead: true, closes: true },

  // ---- large values and limits
  { name: 'a2: create2 /big with 1,000,000 bytes', on: 'a2', send: create2('/big', 'z'.repeat(1_000_000)) },
  { name: 'a2: getData /big', on: 'a2', send: getData('/big') },
  { name: 'connect big', connect: 'big', timeOutMs: 30_000 },
  {
    name: 'big: a 2 MB frame closes the connection',
    raw: 'big',
    frame: (xid) => {
      const body = Buffer.from(encodeForSize(xid, 2 * 1024 * 1024));
      return body;
    },
    closes: true,
  },
  { name: 'a2: exists /big after the oversized frame elsewhere', on: 'a2', send: exists('/big') },

  // ---- unknown opcode, reconfig, failed auth, wrong password
  { name: 'a2: reconfig on a standalone server', on: 'a2', send: { type: OpCode.reconfig, joiningServers: null, leavingServers: null, newMembers: null, curConfigId: -1n } },
  { name: 'connect unk', connect: 'unk', timeOutMs: 30_000 },
  { name: 'unk: opcode 99 gets UNIMPLEMENTED, then close', raw: 'unk', frame: (xid) => unknownOpcodeFrame(xid, 99), replyType: 99, closes: true },
  { name: 'connect af', connect: 'af', timeOutMs: 30_000 },
  { name: 'af: addauth with an unknown scheme gets AUTHFAILED, then close', on: 'af', send: auth('bogus', 'x'), closes: true },
  { name: 'a2: still served', on: 'a2', send: exists('/d') },
  {
    name: 'requests in the same write as the ConnectRequest run once the session exists',
    connect: 'early',
    timeOutMs: 30_000,
    early: [getData('/d'), create2('/early', 'e', 1), getEphemerals('/')],
  },
  { name: 'early: closeSession', on: 'early', send: closeSession, closes: true },
  { name: 'connect sasl', connect: 'sasl', timeOutMs: 30_000 },
  { name: 'sasl: a SASL token with no SASL configured: OK, null token, connection kept', on: 'sasl', send: { type: OpCode.sasl, token: new Uint8Array([1, 2, 3]) } },
  { name: 'sasl: still served', on: 'sasl', send: exists('/d') },
  { name: 'sasl: closeSession', on: 'sasl', send: closeSession, closes: true },
  { name: 'a2: createContainer /dcx', on: 'a2', send: create('/dcx', '', 4, OPEN, 'createContainer') },
  { name: 'a2: deleteContainer (op 20) from a client', on: 'a2', send: { type: OpCode.deleteContainer, path: '/dcx' }, intended: intendedClientDeleteContainer('BADARGUMENTS', 'OK') },
  { name: 'a2: exists /dcx after it', on: 'a2', send: exists('/dcx'), intended: intendedClientDeleteContainer('OK', 'NONODE') },
  { name: 'a2: delete /dcx', on: 'a2', send: del('/dcx'), intended: intendedClientDeleteContainer('OK', 'NONODE') },
  { name: 'wrong password for the live session a', connect: 'wrongpw', as: 'a', wrongPassword: true, timeOutMs: 30_000, closes: true },
];

/** A create request frame whose data makes the frame `size` bytes, for the frame-limit step. */
function encodeForSize(xid: number, size: number): Uint8Array {
  const path = '/too-big';
  const dataBytes = size - (4 + 8 + 4 + path.length + 4 + 4 + 4 + 4 + 5 + 4 + 6 + 4);
  const frame = Buffer.alloc(4 + size - 4);
  let at = 0;
  const int = (value: number): void => {
    frame.writeInt32BE(value, at);
    at += 4;
  };
  const str = (value: string): void => {
    int(Buffer.byteLength(value));
    at += frame.write(value, at);
  };
  int(frame.length - 4);
  int(xid);
  int(OpCode.create);
  str(path);
  int(dataBytes);
  frame.fill(0x61, at, at + dataBytes);
  at += dataBytes;
  int(1);
  int(31);
  str('world');
  str('anyone');
  int(0);
  if (at !== frame.length) throw new Error(`frame size arithmetic: ${at} != ${frame.length}`);
  return frame;
}

// ------------------------------------------------------------------ rendering

const eventNames: Record<number, string> = { 1: 'NodeCreated', 2: 'NodeDeleted', 3: 'NodeDataChanged', 4: 'NodeChildrenChanged' };

interface Labels {
  /** Session id -> the connection that created the session. */
  sessionLabel(sessionId: bigint): string;
}

function relation(a: bigint, b: bigint): string {
  return a === b ? '=' : a < b ? '<' : '>';
}

function renderData(data: Uint8Array | null): string {
  if (data === null) return 'null';
  const text = Buffer.from(data).toString('utf8');
  if (data.length <= 40 && /^[\x20-\x7e]*$/.test(text)) return JSON.stringify(text);
  return `<${data.length} bytes sha1 ${createHash('sha1').update(data).digest('hex').slice(0, 12)}>`;
}

function renderStat(stat: Stat, labels: Labels): string {
  const zxids = `c${relation(stat.czxid, stat.mzxid)}m,m${relation(stat.mzxid, stat.pzxid)}p,c${relation(stat.czxid, stat.pzxid)}p`;
  const owner = stat.ephemeralOwner === 0n ? '0' : labels.sessionLabel(stat.ephemeralOwner);
  return `{v=${stat.version} cv=${stat.cversion} av=${stat.aversion} owner=${owner} len=${stat.dataLength} kids=${stat.numChildren} ${zxids}}`;
}

function renderAcl(acl: Acl[]): string {
  return `[${acl.map((entry) => `${entry.id.scheme}:${entry.id.id}:${entry.perms}`).join(', ')}]`;
}

/** Intended difference 1: child lists are sets. */
const sorted = (values: readonly string[]): string[] => [...values].sort();

function renderMultiResult(result: MultiResult, labels: Labels): string {
  switch (result.type) {
    case OpCode.create:
      return `create ${result.path}`;
    case OpCode.create2:
      return `create2 ${result.path} ${renderStat(result.stat, labels)}`;
    case OpCode.setData:
      return `setData ${renderStat(result.stat, labels)}`;
    case OpCode.getData:
      return `getData ${renderData(result.data)} ${renderStat(result.stat, labels)}`;
    case OpCode.getChildren:
      return `getChildren ${JSON.stringify(sorted(result.children))}`;
    case OpCode.error:
      return `error ${errorCodeWireName(result.err)}`;
    default:
      return opCodeName(result.type);
  }
}

function renderBody(requestType: number, response: unknown, labels: Labels): string {
  if (response === undefined) return '';
  const r = response as Record<string, unknown>;
  const parts: string[] = [];
  if (typeof r['path'] === 'string') parts.push(r['path']);
  if ('data' in r) parts.push(`data=${renderData(r['data'] as Uint8Array | null)}`);
  if (Array.isArray(r['acl'])) parts.push(`acl=${renderAcl(r['acl'] as Acl[])}`);
  if (Array.isArray(r['children'])) parts.push(`children=${JSON.stringify(sorted(r['children'] as string[]))}`);
  if (Array.isArray(r['ephemerals'])) parts.push(`ephemerals=${JSON.stringify(sorted(r['ephemerals'] as string[]))}`);
  if (typeof r['totalNumber'] === 'number') parts.push(`total=${r['totalNumber']}`);
  // Intended difference 4: auth ids are a hash set in ZooKeeper.
  if (Array.isArray(r['clientInfo'])) parts.push(`ids=${JSON.stringify(sorted((r['clientInfo'] as Array<{ scheme: string; id: string }>).map((id) => `${id.scheme}:${id.id}`)))}`);
  if (typeof r['err'] === 'number') parts.push(`err=${r['err']}`);
  if ('token' in r) parts.push(`token=${renderData(r['token'] as Uint8Array | null)}`);
  if (Array.isArray(r['results'])) parts.push(`[${(r['results'] as MultiResult[]).map((result) => renderMultiResult(result, labels)).join(' | ')}]`);
  if (r['stat'] !== undefined) parts.push(renderStat(r['stat'] as Stat, labels));
  if (parts.length === 0) parts.push(`(${opCodeName(requestType)} body ${JSON.stringify(Object.keys(r))})`);
  return parts.join(' ');
}

function renderMessage(message: DecodedServerMessage, labels: Labels): string {
  if (message.kind === 'notification') {
    const { event, header } = message;
    // The notification header zxid: -1 up to 3.8 on both (3.9 would send the event zxid).
    const zxid = header.zxid === -1n ? '' : ' header-zxid!=-1';
    const state = event.state === 3 ? '' : ` state=${event.state}`;
    return `event ${eventNames[event.type] ?? event.type} ${event.path}${state}${zxid}`;
  }
  const { header, requestType, response } = message;
  const body = renderBody(requestType, response, labels);
  return `#${header.xid} ${opCodeName(requestType)} ${errorCodeWireName(header.err)}${body === '' ? '' : ` ${body}`}`;
}

// ------------------------------------------------------------------ running one side

interface StepRecord {
  name: string;
  frames: Rendered;
  /** Reply-header zxids of the step's replies (for the zxid accounting check). */
  zxids: bigint[];
  /** The server's last zxid after the step, from the fence's ping replies (undefined: nothing left to ping). */
  zxidAfter: bigint | undefined;
}

interface Connection {
  session: WireSession;
  xid: number;
}

interface Target {
  label: 'zookeeper' | 'vivarium';
  host: string;
  port: number;
}

/** Intended difference 4: consecutive events sorted, replies and closes kept in place. */
function sortEventRuns(lines: readonly string[]): string[] {
  const out: string[] = [];
  let run: string[] = [];
  for (const line of lines) {
    if (line.startsWith('event ')) run.push(line);
    else {
      out.push(...run.sort(), line);
      run = [];
    }
  }
  return [...out, ...run.sort()];
}

/** Session passwords by `${side}:${connection}`, for reattaching. */
const passwords = new Map<string, Uint8Array>();

async function runScenario(target: Target, steps: readonly Step[]): Promise<StepRecord[]> {
  const connections = new Map<string, Connection>();
  const sessionLabels = new Map<bigint, string>();
  /** Last reply-header zxid seen per connection; kept after the connection goes (SetWatches needs it). */
  const lastZxids = new Map<string, bigint>();
  const labels: Labels = { sessionLabel: (id) => sessionLabels.get(id) ?? 'unknown-session' };
  const context: SideContext = {
    lastZxid: (name) => lastZxids.get(name) ?? 0n,
  };
  const records: StepRecord[] = [];
  let pingZxid: bigint | undefined;

  /** Reads frames until `stop` says so, the connection closes, or the deadline passes. */
  const drain = async (name: string, connection: Connection, out: Rendered, stop: (message: DecodedServerMessage) => boolean, deadlineMs: number, zxids?: bigint[]): Promise<void> => {
    const lines = (out[name] ??= []);
    for (;;) {
      const event = await connection.session.next(Date.now() + deadlineMs);
      if (event === undefined) {
        lines.push('(timeout)');
        return;
      }
      if (event.kind === 'closed') {
        lines.push('closed');
        return;
      }
      if (event.kind === 'undecodable') {
        lines.push(`undecodable: ${event.error}`);
        continue;
      }
      const message = event.message;
      if (message.kind === 'reply' && message.header.xid !== Xid.ping && message.header.xid !== Xid.auth) lastZxids.set(name, message.header.zxid);
      if (message.kind === 'reply' && message.header.xid !== Xid.ping) zxids?.push(message.header.zxid);
      if (message.kind === 'reply' && message.header.xid === Xid.ping) pingZxid = message.header.zxid;
      const isStop = stop(message);
      if (!(message.kind === 'reply' && message.header.xid === Xid.ping)) lines.push(renderMessage(message, labels));
      if (isStop) return;
    }
  };

  const fence = async (out: Rendered, except: ReadonlySet<string>): Promise<void> => {
    for (const [name, connection] of [...connections]) {
      if (except.has(name)) continue;
      // A connection the server has closed meanwhile: record what it sent, then the close.
      if (!connection.session.closed) connection.session.ping();
      await drain(name, connection, out, (m) => m.kind === 'reply' && m.header.xid === Xid.ping, replyDeadlineMs);
      if (connection.session.closed) connections.delete(name);
    }
  };

  const untilClosed = async (name: string, connection: Connection, out: Rendered, deadlineMs: number, zxids: bigint[]): Promise<void> => {
    await drain(name, connection, out, () => false, deadlineMs, zxids);
    connections.delete(name);
  };

  try {
    for (const step of steps) {
      const frames: Rendered = {};
      const zxids: bigint[] = [];
      const skipFence = new Set<string>();
      pingZxid = undefined;
      if ('connect' in step) {
        const sessionOwner = step.as === undefined ? undefined : [...sessionLabels].find(([, label]) => label === step.as)?.[0];
        const options: WireConnectOptions = { host: target.host, port: target.port, timeOutMs: step.timeOutMs };
        if (step.oldStyle) options.readOnly = undefined;
        if (step.as !== undefined) {
          options.sessionId = sessionOwner ?? 0n;
          options.passwd = step.wrongPassword ? new Uint8Array(16).fill(7) : (passwords.get(`${target.label}:${step.as}`) ?? new Uint8Array(16));
          options.lastZxidSeen = lastZxids.get(step.as) ?? 0n;
        }
        if (step.zxidAhead) options.lastZxidSeen = 0x7fff_ffff_ffffn;
        if (step.early !== undefined) options.early = step.early.map((request, index) => ({ xid: index + 1, request }));
        const session = await WireSession.open(options);
        const response = session.handshake.response;
        const lines = (frames[step.connect] = [] as string[]);
        if (response === undefined) lines.push('no ConnectResponse');
        else {
          const passwdZero = response.passwd.every((byte) => byte === 0);
          const sessionText = response.sessionId === 0n ? '0' : sessionLabels.get(response.sessionId) ?? 'new';
          lines.push(
            `ConnectResponse ${session.handshake.responseBytes} bytes: protocolVersion=${response.protocolVersion} timeOut=${response.timeOutMs} session=${sessionText} passwd=${response.passwd.length} bytes${passwdZero ? ' (zeros)' : ''} readOnly=${response.readOnly}`,
          );
          if (response.sessionId !== 0n && !sessionLabels.has(response.sessionId)) {
            sessionLabels.set(response.sessionId, step.connect);
            passwords.set(`${target.label}:${step.connect}`, response.passwd);
          }
        }
        const connection: Connection = { session, xid: step.early?.length ?? 0 };
        connections.set(step.connect, connection);
        if (step.early !== undefined && step.early.length > 0) {
          const lastXid = step.early.length;
          await drain(step.connect, connection, frames, (m) => m.kind === 'reply' && m.header.xid === lastXid, replyDeadlineMs, zxids);
        }
        if (step.closes) {
          await untilClosed(step.connect, connection, frames, closeDeadlineMs, zxids);
          skipFence.add(step.connect);
        }
      } else if ('drop' in step) {
        const connection = connections.get(step.drop);
        connection?.session.destroy();
        connections.delete(step.drop);
      } else if ('waitClosed' in step) {
        const connection = connections.get(step.waitClosed);
        if (connection === undefined) throw new Error(`${step.name}: no connection ${step.waitClosed}`);
        await untilClosed(step.waitClosed, connection, frames, expiryDeadlineMs, zxids);
        if (step.thenEventOn !== undefined) {
          const watcher = connections.get(step.thenEventOn);
          if (watcher === undefined) throw new Error(`${step.name}: no connection ${step.thenEventOn}`);
          await drain(step.thenEventOn, watcher, frames, (m) => m.kind === 'notification', replyDeadlineMs, zxids);
        }
      } else {
        const name = 'on' in step ? step.on : step.raw;
        const connection = connections.get(name);
        if (connection === undefined) throw new Error(`${target.label}: step "${step.name}": connection ${name} is not open`);
        if ('on' in step) {
          const request = typeof step.send === 'function' ? step.send(context) : step.send;
          const xid = request.type === OpCode.auth ? Xid.auth : ++connection.xid;
          connection.session.send(xid, request);
          if (step.closes) await untilClosed(name, connection, frames, closeDeadlineMs, zxids);
          else if (step.noReplyWait) frames[name] = [];
          else await drain(name, connection, frames, (m) => m.kind === 'reply' && m.header.xid === xid, replyDeadlineMs, zxids);
        } else {
          const xid = ++connection.xid;
          connection.session.sendRaw(step.frame(xid), step.replyType === undefined ? undefined : { xid, type: step.replyType });
          await untilClosed(name, connection, frames, closeDeadlineMs, zxids);
        }
        if (step.closes) skipFence.add(name);
      }
      await fence(frames, skipFence);
      for (const name of Object.keys(frames)) {
        if (frames[name]?.length === 0) delete frames[name];
        else if ('eventOrder' in step && step.eventOrder === 'set') frames[name] = sortEventRuns(frames[name] ?? []);
      }
      records.push({ name: step.name, frames, zxids, zxidAfter: pingZxid });
    }
  } finally {
    for (const connection of connections.values()) connection.session.destroy();
  }
  return records;
}

// ------------------------------------------------------------------ the suite

describe.skipIf(!available)('differential: raw wire frames against the real ZooKeeper 3.8 and Vivarium', () => {
  let zookeeper: RealZooKeeperServer | undefined;
  let vivarium: RunningWireServer | undefined;
  let zookeeperRun: StepRecord[] = [];
  let vivariumRun: StepRecord[] = [];

  beforeAll(async () => {
    [zookeeper, vivarium] = await Promise.all([
      startRealZooKeeper({ extendedTypesEnabled: true, superDigest, tickTimeMs }),
      startWireServer({ clientPortAddress: '127.0.0.1', extendedTypesEnabled: true, superDigest, tickTimeMs, maxClientCnxns: 0 }),
    ]);
    const started = Date.now();
    [zookeeperRun, vivariumRun] = await Promise.all([
      runScenario({ label: 'zookeeper', host: zookeeper.host, port: zookeeper.port }, scenario),
      runScenario({ label: 'vivarium', host: vivarium.host, port: vivarium.port }, scenario),
    ]);
    console.log(`differential scenario: ${scenario.length} steps on both servers in ${Date.now() - started} ms`);
    const dump = process.env['VIVARIUM_DIFFERENTIAL_DUMP'];
    if (dump !== undefined) {
      const render = (run: StepRecord[]): string => run.map((record, index) => `${index} ${record.name}\n${JSON.stringify(record.frames)}`).join('\n');
      writeFileSync(`${dump}.zookeeper.txt`, render(zookeeperRun));
      writeFileSync(`${dump}.vivarium.txt`, render(vivariumRun));
    }
  }, 90_000);

  afterAll(async () => {
    await Promise.all([zookeeper?.stop(), vivarium?.close()]);
  }, 30_000);

  it('the real ZooKeeper answers as the scenario documents (the oracle agrees with the reference)', { timeout: 10_000 }, () => {
    const surprises: string[] = [];
    scenario.forEach((step, index) => {
      if (!('on' in step) || step.err === undefined) return;
      const first = zookeeperRun[index]?.frames[step.on]?.find((line) => line.startsWith('#'));
      const expected = errorCodeWireName(ErrorCode[step.err]);
      if (first === undefined || !first.split(' ')[2]?.startsWith(expected)) surprises.push(`${step.name}: expected ${expected}, real ZooKeeper: ${first}`);
    });
    expect(surprises).toEqual([]);
  });

  it('every step: the same frames, field by field (zxids, times and session ids aside)', { timeout: 10_000 }, () => {
    const differences: string[] = [];
    scenario.forEach((step, index) => {
      const real = zookeeperRun[index];
      const ours = vivariumRun[index];
      if (real === undefined || ours === undefined) {
        differences.push(`${step.name}: missing record`);
        return;
      }
      if ('intended' in step && step.intended !== undefined) return;
      if (JSON.stringify(real.frames) !== JSON.stringify(ours.frames)) {
        differences.push(`step ${index} "${step.name}"\n  zookeeper: ${JSON.stringify(real.frames)}\n  vivarium:  ${JSON.stringify(ours.frames)}`);
      }
    });
    expect(differences.join('\n')).toBe('');
  });

  it('intended differences: both sides answer exactly as named', { timeout: 10_000 }, () => {
    const intended = scenario.flatMap((step, index) => ('intended' in step && step.intended !== undefined ? [{ step, intended: step.intended, index }] : []));
    expect(intended.length).toBeGreaterThan(0);
    for (const { intended: difference, index } of intended) {
      difference.check(zookeeperRun[index]?.frames ?? {}, vivariumRun[index]?.frames ?? {});
    }
  });

  it('zxid accounting: each step uses the same number of zxids, and replies carry the same zxids relative to it', { timeout: 10_000 }, () => {
    // Zxid values are not compared; how each step moves them is (failed writes, sessions and
    // closeSession use a zxid; reads report the last one). Intended steps may differ: both sides
    // then continue from their own zxid.
    const differences: string[] = [];
    let zookeeperBefore = 0n;
    let vivariumBefore = 0n;
    const relative = (zxids: bigint[], before: bigint): string[] => zxids.map((zxid) => (zxid === -1n ? '-1' : zxid === 0n ? '0' : `+${zxid - before}`));
    scenario.forEach((step, index) => {
      const real = zookeeperRun[index];
      const ours = vivariumRun[index];
      if (real === undefined || ours === undefined) return;
      const realView = { replies: relative(real.zxids, zookeeperBefore), after: real.zxidAfter === undefined ? '-' : `+${real.zxidAfter - zookeeperBefore}` };
      const ourView = { replies: relative(ours.zxids, vivariumBefore), after: ours.zxidAfter === undefined ? '-' : `+${ours.zxidAfter - vivariumBefore}` };
      const intended = 'intended' in step && step.intended !== undefined;
      if (!intended && JSON.stringify(realView) !== JSON.stringify(ourView)) {
        differences.push(`${step.name}: zookeeper ${JSON.stringify(realView)} vivarium ${JSON.stringify(ourView)}`);
      }
      zookeeperBefore = real.zxidAfter ?? zookeeperBefore;
      vivariumBefore = ours.zxidAfter ?? vivariumBefore;
    });
    expect(differences.join('\n')).toBe('');
  });

  it('four-letter words after the scenario: same shape, same tree and watch counts', async () => {
    if (zookeeper === undefined || vivarium === undefined) throw new Error('servers not started');
    const words = ['ruok', 'isro', 'srvr', 'stat', 'conf', 'envi', 'mntr', 'wchs', 'cons', 'dump'] as const;
    const real: Record<string, string> = {};
    const ours: Record<string, string> = {};
    for (const word of words) {
      real[word] = await sendFourLetterWord(zookeeper.host, zookeeper.port, word);
      // Vivarium forgets a connection once its socket has closed on both sides (ZooKeeper before it
      // closes): let the previous word's connection go, so connection counts compare exactly.
      const settleDeadline = Date.now() + 5_000;
      while (vivarium.connectionCount > 0 && Date.now() < settleDeadline) await new Promise((resolve) => setTimeout(resolve, 5));
      ours[word] = await sendFourLetterWord(vivarium.host, vivarium.port, word);
    }
    expect(ours['ruok']).toBe(real['ruok']);
    expect(ours['isro']).toBe(real['isro']);
    // srvr/stat: same lines in the same order; the version line and traffic counters are intended difference 3.
    const keysOf = (text: string): string[] => text.split('\n').filter((line) => line !== '' && !line.startsWith(' ')).map((line) => line.split(':')[0] ?? '');
    expect(keysOf(ours['srvr']!)).toEqual(keysOf(real['srvr']!));
    expect(keysOf(ours['stat']!)).toEqual(keysOf(real['stat']!));
    const line = (text: string, key: string): string | undefined => text.split('\n').find((l) => l.startsWith(`${key}:`));
    for (const key of ['Mode', 'Node count']) expect(line(ours['srvr']!, key), key).toBe(line(real['srvr']!, key));
    expect(real['srvr']).toMatch(/^Zookeeper version: 3\.8\.0-/);
    expect(ours['srvr']).toMatch(/^Zookeeper version: 3\.8\.4-vivarium-/);
    // conf: the same keys; values that both derive from the same settings agree.
    const props = (text: string): Map<string, string> => new Map(text.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const realConf = props(real['conf']!);
    const ourConf = props(ours['conf']!);
    expect([...ourConf.keys()]).toEqual([...realConf.keys()]);
    for (const key of ['tickTime', 'minSessionTimeout', 'maxSessionTimeout', 'secureClientPort', 'clientPortListenBacklog', 'serverId']) {
      expect(ourConf.get(key), key).toBe(realConf.get(key));
    }
    // envi: 'Environment:' then zookeeper.version first (kazoo parses it); the java.* keys are intended difference 3.
    expect(ours['envi']!.split('\n').slice(0, 2).map((l) => l.split('=')[0])).toEqual(real['envi']!.split('\n').slice(0, 2).map((l) => l.split('=')[0]));
    // mntr: the classic keys are a subset of ZooKeeper's metrics dump, and the counts agree.
    const mntr = (text: string): Map<string, string> => new Map(text.split('\n').filter((l) => l.includes('\t')).map((l) => l.split('\t') as [string, string]));
    const realMntr = mntr(real['mntr']!);
    const ourMntr = mntr(ours['mntr']!);
    const missing = [...ourMntr.keys()].filter((key) => !realMntr.has(key));
    expect(missing).toEqual([]);
    for (const key of ['zk_server_state', 'zk_znode_count', 'zk_watch_count', 'zk_ephemerals_count', 'zk_num_alive_connections', 'zk_outstanding_requests', 'zk_approximate_data_size']) {
      expect(ourMntr.get(key), key).toBe(realMntr.get(key));
    }
    // wchs: the same watches are left on both servers after the scenario.
    expect(ours['wchs']).toBe(real['wchs']);
    // cons: one line per connection plus a blank line; dump: the same sections.
    expect(ours['cons']!.split('\n').length).toBe(real['cons']!.split('\n').length);
    const sections = (text: string): string[] => text.split('\n').filter((l) => /^[A-Z][A-Za-z ]+( dump)?:|^Sessions with Ephemerals/.test(l)).map((l) => l.replace(/\(\d+\)/g, '(n)'));
    expect(sections(ours['dump']!)).toEqual(sections(real['dump']!));
  }, 30_000);
});

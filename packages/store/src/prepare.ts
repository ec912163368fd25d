import type { Acl, Data, Id, MultiWriteOp, Request } from '@vivarium/protocol';
import { CreateFlag, ErrorCode, OpCode, Perm, ttlMaxMs, ZooKeeperError } from '@vivarium/protocol';
import { checkAcl, fixupAcl } from './acl.ts';
import { isSpecialPath } from './data-tree.ts';
import { validatePath } from './path.ts';
import type { PendingChanges } from './pending-changes.ts';
import type { CreateTxn, MultiSubTxn, TxnBody } from './txn.ts';
import { NodeKind, type NodeKindValue } from './znode.ts';

/** The settings prepare consults. */
export interface PrepareConfig {
  /** zookeeper.extendedTypesEnabled: TTL nodes (containers are always on, as in ZooKeeper). */
  extendedTypesEnabled: boolean;
  /** skipACL: every permission check passes. */
  skipAcl: boolean;
  /** Largest znode value accepted (the frame limit jute.maxbuffer covers this on the wire). */
  dataBytesMax: number;
  /** Most ops accepted in one multi. */
  multiOpsMax: number;
}

export interface PrepareContext {
  sessionId: bigint;
  authIds: readonly Id[];
  config: PrepareConfig;
  changes: PendingChanges;
}

export type WriteRequest = Extract<
  Request,
  { type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer | typeof OpCode.createTtl
    | typeof OpCode.delete | typeof OpCode.deleteContainer | typeof OpCode.setData | typeof OpCode.multi }
>;

export function isWriteRequest(request: Request): request is WriteRequest {
  switch (request.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTtl:
    case OpCode.delete:
    case OpCode.deleteContainer:
    case OpCode.setData:
    case OpCode.multi:
      return true;
    default:
      return false;
  }
}

/**
 * Turn a write request into a txn body (ZooKeeper's PrepRequestProcessor), with
 * its checks in ZooKeeper's order so the same error wins. A failed check gives
 * an ErrorTxn: failed writes still take a zxid. Successful changes are recorded
 * in ctx.changes for later ops and requests to see.
 */
export function prepareWrite(request: WriteRequest, ctx: PrepareContext): TxnBody {
  if (request.type === OpCode.multi) return prepareMulti(request.ops, ctx);
  try {
    const body = prepareOp(request, ctx);
    if (body.type === 'check') throw new Error('check outside multi reached prepareWrite');
    return body;
  } catch (error) {
    if (error instanceof ZooKeeperError) return { type: 'error', err: error.code };
    throw error;
  }
}

function prepareMulti(ops: readonly MultiWriteOp[], ctx: PrepareContext): TxnBody {
  if (ops.length > ctx.config.multiOpsMax) {
    return { type: 'error', err: ErrorCode.badArguments };
  }
  const rollback = ctx.changes.snapshot();
  const prepared: MultiSubTxn[] = [];
  let failedAt = -1;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as MultiWriteOp;
    try {
      prepared.push(prepareOp(op, ctx));
    } catch (error) {
      if (!(error instanceof ZooKeeperError)) throw error;
      failedAt = i;
      prepared.push({ type: 'error', err: error.code });
      break;
    }
  }
  if (failedAt < 0) return { type: 'multi', ops: prepared };
  // Rolled back: ops before the failure report 0, the failing op its code, later ops -2.
  ctx.changes.restore(rollback);
  const failedCode = (prepared[failedAt] as { err: number }).err;
  return {
    type: 'multi',
    ops: ops.map((_, i): MultiSubTxn => ({
      type: 'error',
      err: i < failedAt ? ErrorCode.ok : i === failedAt ? failedCode : ErrorCode.runtimeInconsistency,
    })),
  };
}

function prepareOp(request: WriteRequest | MultiWriteOp, ctx: PrepareContext): MultiSubTxn {
  switch (request.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
      return prepareCreate(request.type, request.path, request.data, request.acl, request.flags, -1, ctx);
    case OpCode.createTtl:
      return prepareCreate(request.type, request.path, request.data, request.acl, request.flags, request.ttl, ctx);
    case OpCode.delete:
      return prepareDelete(request.path, request.version, ctx);
    case OpCode.deleteContainer:
      return prepareDeleteContainer(request.path, ctx);
    case OpCode.setData:
      return prepareSetData(request.path, request.data, request.version, ctx);
    case OpCode.check:
      return prepareCheck(request.path, request.version, ctx);
    case OpCode.multi:
      throw new ZooKeeperError(ErrorCode.badArguments, { detail: 'multi inside multi' });
  }
}

/** Create flags to what they mean (CreateMode.fromFlag). */
interface CreateMode {
  sequential: boolean;
  ephemeral: boolean;
  container: boolean;
  ttl: boolean;
}

function createModeOf(flags: number, path: string): CreateMode {
  switch (flags) {
    case CreateFlag.persistent: return { sequential: false, ephemeral: false, container: false, ttl: false };
    case CreateFlag.ephemeral: return { sequential: false, ephemeral: true, container: false, ttl: false };
    case CreateFlag.persistentSequential: return { sequential: true, ephemeral: false, container: false, ttl: false };
    case CreateFlag.ephemeralSequential: return { sequential: true, ephemeral: true, container: false, ttl: false };
    case CreateFlag.container: return { sequential: false, ephemeral: false, container: true, ttl: false };
    case CreateFlag.persistentWithTtl: return { sequential: false, ephemeral: false, container: false, ttl: true };
    case CreateFlag.persistentSequentialWithTtl: return { sequential: true, ephemeral: false, container: false, ttl: true };
    default:
      throw new ZooKeeperError(ErrorCode.badArguments, { path, detail: `unknown create flags ${flags}` });
  }
}

/** Java's String.format("%010d", n) for an int, as the sequential suffix. */
export function sequenceSuffix(counter: number): string {
  if (counter < 0) return `-${String(-counter).padStart(9, '0')}`;
  return String(counter).padStart(10, '0');
}

function prepareCreate(
  type: number,
  requestedPath: string,
  data: Data,
  acl: Acl[],
  flags: number,
  ttl: number,
  ctx: PrepareContext,
): CreateTxn {
  const mode = createModeOf(flags, requestedPath);
  // 1. TTL support and value (validateCreateRequest).
  if (mode.ttl && !ctx.config.extendedTypesEnabled) throw new ZooKeeperError(ErrorCode.unimplemented, { path: requestedPath, detail: 'TTL nodes need extendedTypesEnabled' });
  if (mode.ttl ? !(ttl > 0 && ttl <= ttlMaxMs) : ttl >= 0) {
    throw new ZooKeeperError(ErrorCode.badArguments, { path: requestedPath, detail: `ttl ${ttl} is not valid for create flags ${flags}` });
  }
  // 3. Path shape before the suffix (validatePathForCreate).
  const lastSlash = requestedPath.lastIndexOf('/');
  if (lastSlash === -1 || requestedPath.includes('\0')) throw new ZooKeeperError(ErrorCode.badArguments, { path: requestedPath });
  const parentPath = lastSlash === 0 ? '/' : requestedPath.slice(0, lastSlash);
  // 4. ACL fix-up, 5. parent, 6. CREATE on the parent.
  const fixedAcl = fixupAcl(acl, ctx.authIds);
  const parent = ctx.changes.get(parentPath);
  requirePermission(parent.acl, Perm.create, requestedPath, ctx);
  // 7. Sequence suffix from the parent's stored cversion, 8. the full path.
  const path = mode.sequential ? requestedPath + sequenceSuffix(parent.storedCversion) : requestedPath;
  validatePath(path);
  // 9. Exists, 10. ephemeral parent.
  if (ctx.changes.find(path) !== undefined) throw new ZooKeeperError(ErrorCode.nodeExists, { path });
  if (parent.kind === NodeKind.ephemeral) throw new ZooKeeperError(ErrorCode.noChildrenForEphemerals, { path });
  // 11. Size, where ZooKeeper checks quota.
  checkDataSize(path, data, ctx);

  // The opcode decides the stored kind, as ZooKeeper's CreateTxn/CreateContainerTxn/CreateTTLTxn do.
  const kind: NodeKindValue =
    type === OpCode.createContainer ? NodeKind.container
      : type === OpCode.createTtl ? NodeKind.ttl
        : mode.ephemeral ? NodeKind.ephemeral : NodeKind.persistent;
  const parentCversion = (parent.storedCversion + 1) | 0;
  ctx.changes.set(parentPath, { ...parent, storedCversion: parentCversion, childCount: parent.childCount + 1 });
  ctx.changes.set(path, {
    version: 0,
    aversion: 0,
    storedCversion: 0,
    childCount: 0,
    kind,
    ephemeralOwner: kind === NodeKind.ephemeral ? ctx.sessionId : 0n,
    acl: fixedAcl,
  });
  return {
    type: 'create',
    path,
    data,
    acl: fixedAcl,
    kind,
    ephemeralOwner: kind === NodeKind.ephemeral ? ctx.sessionId : 0n,
    ttlMs: kind === NodeKind.ttl ? ttl : 0,
    parentCversion,
  };
}

/** getParentPathAndValidate: a '/' somewhere, no NUL, not a built-in node. */
function parentForDelete(path: string): string {
  const lastSlash = path.lastIndexOf('/');
  if (lastSlash === -1 || path.includes('\0') || isSpecialPath(path)) throw new ZooKeeperError(ErrorCode.badArguments, { path });
  return lastSlash === 0 ? '/' : path.slice(0, lastSlash);
}

function prepareDelete(path: string, version: number, ctx: PrepareContext): MultiSubTxn {
  const parentPath = parentForDelete(path);
  const parent = ctx.changes.get(parentPath);
  requirePermission(parent.acl, Perm.delete, path, ctx);
  const node = ctx.changes.get(path);
  checkVersion(node.version, version, path);
  if (node.childCount > 0) throw new ZooKeeperError(ErrorCode.notEmpty, { path });
  recordDelete(path, parentPath, parent, ctx);
  return { type: 'delete', path };
}

/** The reaper's delete (and a client's, which ZooKeeper lets through with no ACL check). */
function prepareDeleteContainer(path: string, ctx: PrepareContext): MultiSubTxn {
  const parentPath = parentForDelete(path);
  const node = ctx.changes.get(path);
  if (node.childCount > 0) throw new ZooKeeperError(ErrorCode.notEmpty, { path });
  if (node.kind === NodeKind.ephemeral) throw new ZooKeeperError(ErrorCode.badVersion, { path, detail: 'a session ephemeral is not a container' });
  const parent = ctx.changes.get(parentPath);
  recordDelete(path, parentPath, parent, ctx);
  return { type: 'delete', path };
}

function recordDelete(path: string, parentPath: string, parent: ReturnType<PendingChanges['get']>, ctx: PrepareContext): void {
  ctx.changes.set(parentPath, { ...parent, childCount: parent.childCount - 1 });
  ctx.changes.markDeleted(path);
}

function prepareSetData(path: string, data: Data, version: number, ctx: PrepareContext): MultiSubTxn {
  validatePath(path);
  const node = ctx.changes.get(path);
  requirePermission(node.acl, Perm.write, path, ctx);
  checkDataSize(path, data, ctx);
  const newVersion = checkVersion(node.version, version, path);
  ctx.changes.set(path, { ...node, version: newVersion });
  return { type: 'setData', path, data, version: newVersion };
}

function prepareCheck(path: string, version: number, ctx: PrepareContext): MultiSubTxn {
  validatePath(path);
  const node = ctx.changes.get(path);
  requirePermission(node.acl, Perm.read, path, ctx);
  checkVersion(node.version, version, path);
  return { type: 'check', path };
}

/** setACL is not allowed in multi, so it has its own entry point. */
export function prepareSetAcl(path: string, acl: Acl[], version: number, ctx: PrepareContext): TxnBody {
  try {
    validatePath(path);
    const fixedAcl = fixupAcl(acl, ctx.authIds);
    const node = ctx.changes.get(path);
    requirePermission(node.acl, Perm.admin, path, ctx);
    const aversion = checkVersion(node.aversion, version, path);
    ctx.changes.set(path, { ...node, aversion, acl: fixedAcl });
    return { type: 'setAcl', path, acl: fixedAcl, aversion };
  } catch (error) {
    if (error instanceof ZooKeeperError) return { type: 'error', err: error.code };
    throw error;
  }
}

/** closeSession: the session's ephemerals, including ones still pending. */
export function prepareCloseSession(sessionId: bigint, committedEphemerals: ReadonlySet<string>, ctx: PrepareContext): TxnBody {
  const paths = new Set(committedEphemerals);
  const { created, deleted } = ctx.changes.ephemeralChangesOf(sessionId);
  for (const path of deleted) paths.delete(path);
  for (const path of created) paths.add(path);
  for (const path of paths) {
    const parentPath = path.slice(0, Math.max(1, path.lastIndexOf('/')));
    const parent = ctx.changes.find(parentPath);
    if (parent !== undefined) ctx.changes.set(parentPath, { ...parent, childCount: parent.childCount - 1 });
    ctx.changes.markDeleted(path);
  }
  return { type: 'closeSession', sessionId, ephemeralPaths: [...paths] };
}

/** A version of -1 matches any; the next version skips -1 on wrap (ZOOKEEPER-4743). */
function checkVersion(current: number, expected: number, path: string): number {
  if (expected !== -1 && expected !== current) throw new ZooKeeperError(ErrorCode.badVersion, { path });
  const next = (current + 1) | 0;
  return next === -1 ? 0 : next;
}

function checkDataSize(path: string, data: Data, ctx: PrepareContext): void {
  if (data !== null && data.length > ctx.config.dataBytesMax) {
    throw new ZooKeeperError(ErrorCode.badArguments, {
      path,
      detail: `data of ${data.length} bytes exceeds dataBytesMax (${ctx.config.dataBytesMax}, ZooKeeper's jute.maxbuffer)`,
    });
  }
}

function requirePermission(acl: readonly Acl[], perm: number, path: string, ctx: PrepareContext): void {
  if (!checkAcl(acl, ctx.authIds, perm, { skipAcl: ctx.config.skipAcl })) throw new ZooKeeperError(ErrorCode.noAuth, { path });
}

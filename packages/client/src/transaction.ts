import type { Acl, Data, MultiWriteOp } from '@vivarium/protocol';
import { OpCode } from '@vivarium/protocol';
import { createFlagOf, isTtlMode, type CreateMode } from './create-mode.ts';
import type { CreateOptions, MultiOutcome } from './zookeeper-client.ts';

/** What a transaction runs on: the client's multi. */
export interface TransactionTarget {
  multiOps(ops: MultiWriteOp[], toServer: (path: string) => string): Promise<MultiOutcome[]>;
}

/**
 * Builds a multi: ops run atomically, all or none. `commit()` resolves with the
 * per-op outcomes, or rejects with a MultiError naming the op that failed.
 */
export class Transaction {
  private readonly ops: MultiWriteOp[] = [];
  private readonly target: TransactionTarget;
  private readonly toServer: (path: string) => string;

  constructor(target: TransactionTarget, toServer: (path: string) => string) {
    this.target = target;
    this.toServer = toServer;
  }

  create(path: string, data: Data = null, options: CreateOptions = {}): this {
    this.ops.push(createOp(this.toServer(path), data, options));
    return this;
  }

  delete(path: string, version = -1): this {
    this.ops.push({ type: OpCode.delete, path: this.toServer(path), version });
    return this;
  }

  setData(path: string, data: Data, version = -1): this {
    this.ops.push({ type: OpCode.setData, path: this.toServer(path), data, version });
    return this;
  }

  check(path: string, version: number): this {
    this.ops.push({ type: OpCode.check, path: this.toServer(path), version });
    return this;
  }

  get size(): number {
    return this.ops.length;
  }

  commit(): Promise<MultiOutcome[]> {
    return this.target.multiOps(this.ops, (p) => p);
  }
}

export const defaultAcl: readonly Acl[] = Object.freeze([{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]);

/** The wire request for a create with these options: create2 unless a container or TTL needs its own opcode. */
export function createOp(serverPath: string, data: Data, options: CreateOptions): MultiWriteOp {
  const mode: CreateMode = options.mode ?? 'persistent';
  const acl = [...(options.acl ?? defaultAcl)];
  const flags = createFlagOf(mode);
  if (isTtlMode(mode)) {
    if (options.ttlMs === undefined) throw new TypeError(`create ${serverPath}: mode ${mode} needs ttlMs`);
    return { type: OpCode.createTtl, path: serverPath, data, acl, flags, ttl: options.ttlMs };
  }
  if (options.ttlMs !== undefined) throw new TypeError(`create ${serverPath}: ttlMs given for mode ${mode}, which has no TTL`);
  if (mode === 'container') return { type: OpCode.createContainer, path: serverPath, data, acl, flags };
  return { type: OpCode.create2, path: serverPath, data, acl, flags };
}

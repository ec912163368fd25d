import { assert } from './assert.ts';
import type { Snapshot } from './snapshot.ts';
import type { RecoveredState, Storage } from './storage.ts';
import type { Txn } from './txn.ts';

/** The storage calls a crash point can land on: every call that writes. */
export const storageSteps = ['append', 'flush', 'saveSnapshot', 'installSnapshot', 'truncateAfter', 'setAcceptedEpoch', 'setCurrentEpoch'] as const;
export type StorageStep = (typeof storageSteps)[number];

/**
 * Where a member dies inside one of its steps: at the `nth` (1-based) storage
 * call of kind `step` ('any': of any kind) made after arming, either `before`
 * the call takes effect or `after` it returned. 'after' on a flush is the
 * moment a txn is durable and nothing that depends on it has left yet.
 */
export interface CrashPoint {
  step: StorageStep | 'any';
  nth: number;
  when: 'before' | 'after';
}

/** Storage a crash can hit: `crash()` loses what a crash loses (InMemoryStorage is one). */
export interface CrashableStorage extends Storage {
  crash(): void;
}

/**
 * Thrown out of a storage call when an armed crash point is reached. It is
 * the member's process dying there: whoever drives the member catches it and
 * tears the member down, so the rest of its step never runs.
 */
export class CrashPointReached extends Error {
  readonly storage: CrashPointStorage;
  readonly point: CrashPoint;

  constructor(storage: CrashPointStorage, point: CrashPoint, what: string) {
    super(`crash point reached ${point.when} ${what} (${point.step} #${point.nth})`);
    this.name = 'CrashPointReached';
    this.storage = storage;
    this.point = point;
  }
}

/**
 * One run of a member's view of its storage, able to kill the member between
 * any two storage steps of a single input: the in-memory ensemble gives each
 * incarnation a fresh one over the storage that outlives it. Once a crash
 * point fired, every further write throws again (a dead process writes
 * nothing, even if some caller swallowed the first signal), until `release()`
 * says the member is torn down and its shutdown path may run as a no-op.
 */
export class CrashPointStorage implements Storage {
  private readonly inner: CrashableStorage;
  private armed: { point: CrashPoint; seen: number } | undefined;
  private firedPoint: CrashPoint | undefined;
  private released = false;

  constructor(inner: CrashableStorage) {
    this.inner = inner;
  }

  /** Crash at `point`, counting storage calls from now; replaces any point armed before. */
  arm(point: CrashPoint): void {
    assert(Number.isInteger(point.nth) && point.nth >= 1, `CrashPointStorage.arm: nth must be an integer >= 1, got ${point.nth}`);
    assert(this.firedPoint === undefined, 'CrashPointStorage.arm: this run already crashed');
    this.armed = { point, seen: 0 };
  }

  disarm(): void {
    this.armed = undefined;
  }

  get isArmed(): boolean {
    return this.armed !== undefined;
  }

  /** The point this run died at, once it did. */
  get fired(): CrashPoint | undefined {
    return this.firedPoint;
  }

  /** The member is torn down: its shutdown path writes nothing and no longer throws. */
  release(): void {
    this.released = true;
  }

  recover(): RecoveredState {
    return this.inner.recover();
  }

  readLogAfter(zxid: bigint): Txn[] {
    return this.inner.readLogAfter(zxid);
  }

  append(txn: Txn): void {
    this.write('append', `append of 0x${txn.zxid.toString(16)}`, () => this.inner.append(txn));
  }

  flush(): void {
    this.write('flush', 'flush', () => this.inner.flush());
  }

  saveSnapshot(snapshot: Snapshot): void {
    this.write('saveSnapshot', `snapshot at 0x${snapshot.lastZxid.toString(16)}`, () => this.inner.saveSnapshot(snapshot));
  }

  get snapshotZxid(): bigint {
    return this.inner.snapshotZxid;
  }

  installSnapshot(snapshot: Snapshot): void {
    this.write('installSnapshot', `installed snapshot at 0x${snapshot.lastZxid.toString(16)}`, () => this.inner.installSnapshot(snapshot));
  }

  truncateAfter(zxid: bigint): void {
    this.write('truncateAfter', `truncate after 0x${zxid.toString(16)}`, () => this.inner.truncateAfter(zxid));
  }

  setAcceptedEpoch(epoch: number): void {
    this.write('setAcceptedEpoch', `accepted epoch ${epoch}`, () => this.inner.setAcceptedEpoch(epoch));
  }

  setCurrentEpoch(epoch: number): void {
    this.write('setCurrentEpoch', `current epoch ${epoch}`, () => this.inner.setCurrentEpoch(epoch));
  }

  close(): void {
    if (this.firedPoint !== undefined) return;
    this.inner.close();
  }

  private write(step: StorageStep, what: string, effect: () => void): void {
    if (this.released) return;
    if (this.firedPoint !== undefined) throw new CrashPointReached(this, this.firedPoint, `${what} (already dead)`);
    const armed = this.armed;
    const hit = armed !== undefined && (armed.point.step === 'any' || armed.point.step === step) && ++armed.seen === armed.point.nth;
    if (!hit) {
      effect();
      return;
    }
    if (armed.point.when === 'after') effect();
    // The power goes here: what was appended and not flushed is gone.
    this.inner.crash();
    this.armed = undefined;
    this.firedPoint = armed.point;
    throw new CrashPointReached(this, armed.point, what);
  }
}

import { assert } from './assert.ts';
import type { Snapshot } from './snapshot.ts';
import type { RecoveredState, Storage } from './storage.ts';
import type { Txn } from './txn.ts';

/**
 * Storage in memory that outlives its member: the fixture keeps it across a
 * simulated crash. `crash()` loses exactly what a real crash loses, the txns
 * appended since the last flush; everything else comes back on `recover()`.
 */
export class InMemoryStorage implements Storage {
  private durableTxns: Txn[] = [];
  private volatileTxns: Txn[] = [];
  private snapshot: Snapshot | undefined;
  private acceptedEpoch = 0;
  private currentEpoch = 0;
  /** Counters so tests can crash a member between any two storage steps. */
  appendCount = 0;
  flushCount = 0;

  recover(): RecoveredState {
    const after = this.snapshot?.lastZxid ?? 0n;
    return {
      snapshot: this.snapshot,
      txns: this.durableTxns.filter((txn) => txn.zxid > after),
      acceptedEpoch: this.acceptedEpoch,
      currentEpoch: this.currentEpoch,
    };
  }

  append(txn: Txn): void {
    const last = this.volatileTxns.at(-1) ?? this.durableTxns.at(-1);
    assert(last === undefined || txn.zxid > last.zxid, `InMemoryStorage.append: zxid 0x${txn.zxid.toString(16)} not after 0x${last?.zxid.toString(16)}`);
    this.volatileTxns.push(txn);
    this.appendCount++;
  }

  flush(): void {
    if (this.volatileTxns.length === 0) return;
    this.durableTxns.push(...this.volatileTxns);
    this.volatileTxns = [];
    this.flushCount++;
  }

  saveSnapshot(snapshot: Snapshot): void {
    this.snapshot = snapshot;
  }

  /** One step in memory: nothing can crash between dropping the log and keeping the snapshot. */
  installSnapshot(snapshot: Snapshot): void {
    this.durableTxns = [];
    this.volatileTxns = [];
    this.snapshot = snapshot;
  }

  truncateAfter(zxid: bigint): void {
    this.flush();
    this.durableTxns = this.durableTxns.filter((txn) => txn.zxid <= zxid);
  }

  readLogAfter(zxid: bigint): Txn[] {
    return [...this.durableTxns, ...this.volatileTxns].filter((txn) => txn.zxid > zxid);
  }

  setAcceptedEpoch(epoch: number): void {
    this.acceptedEpoch = epoch;
  }

  setCurrentEpoch(epoch: number): void {
    this.currentEpoch = epoch;
  }

  close(): void {
    this.flush();
  }

  /** Lose what a crash loses: everything appended since the last flush. */
  crash(): void {
    this.volatileTxns = [];
  }

  /** The last snapshot's zxid (0 without one): log entries at or before it are superseded by it. */
  get snapshotZxid(): bigint {
    return this.snapshot?.lastZxid ?? 0n;
  }

  /** Every txn ever made durable and still logged (for assertions). */
  durableLog(): readonly Txn[] {
    return this.durableTxns;
  }
}

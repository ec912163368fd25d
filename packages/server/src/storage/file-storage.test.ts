import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, snapshotFormatVersion, type Snapshot, type Txn } from '@vivarium/store';
import { FileStorage, type FileStorageOptions } from './file-storage.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'vivarium-fs-'));
  dirs.push(dir);
  return dir;
}

function open(options: FileStorageOptions): { storage: FileStorage; recovered: ReturnType<FileStorage['recover']> } {
  const storage = new FileStorage(options);
  return { storage, recovered: storage.recover() };
}

function txn(zxid: bigint): Txn {
  return { zxid, timeMs: 1000 + Number(zxid), sessionId: 0x100n, body: { type: 'setData', path: `/n${zxid}`, data: new Uint8Array([Number(zxid & 0xffn)]), version: 1 } };
}

function snapshotAt(lastZxid: bigint): Snapshot {
  return { formatVersion: snapshotFormatVersion, lastZxid, nodes: [], sessions: [{ sessionId: 0x100n, timeoutMs: 30_000, passwd: new Uint8Array(16).fill(7) }] };
}

const zxids = (txns: readonly Txn[]): bigint[] => txns.map((t) => t.zxid);
const names = (paths: readonly string[]): string[] => paths.map((p) => basename(p));

describe('FileStorage', () => {
  it('starts empty on an empty dataDir, creating version-2 under dataDir and dataLogDir', () => {
    const dataDir = tempDir();
    const dataLogDir = tempDir();
    const { storage, recovered } = open({ dataDir, dataLogDir });
    expect(recovered).toEqual({ snapshot: undefined, txns: [], acceptedEpoch: 0, currentEpoch: 0 });
    expect(statSync(join(dataDir, 'version-2')).isDirectory()).toBe(true);
    expect(statSync(join(dataLogDir, 'version-2')).isDirectory()).toBe(true);
    storage.close();
  });

  it('lays files out as ZooKeeper does: log.<first zxid>, snapshot.<zxid>, a new log after each snapshot', () => {
    const dataDir = tempDir();
    const dataLogDir = tempDir();
    const { storage } = open({ dataDir, dataLogDir });
    for (let z = 1n; z <= 3n; z++) storage.append(txn(z));
    storage.flush();
    storage.saveSnapshot(snapshotAt(3n));
    for (let z = 4n; z <= 0x1an; z++) storage.append(txn(z));
    storage.flush();
    expect(readdirSync(join(dataLogDir, 'version-2')).sort()).toEqual(['log.1', 'log.4']);
    expect(readdirSync(join(dataDir, 'version-2')).sort()).toEqual(['snapshot.3']);
    storage.setAcceptedEpoch(5);
    storage.setCurrentEpoch(4);
    expect(readFileSync(join(dataDir, 'version-2', 'acceptedEpoch'), 'utf8')).toBe('5\n');
    expect(readFileSync(join(dataDir, 'version-2', 'currentEpoch'), 'utf8')).toBe('4\n');
    storage.close();
    const again = open({ dataDir, dataLogDir });
    expect(again.recovered.snapshot?.lastZxid).toBe(3n);
    expect(zxids(again.recovered.txns)).toEqual(Array.from({ length: 0x1a - 3 }, (_, i) => BigInt(i + 4)));
    expect(again.recovered.txns[0]).toEqual(txn(4n));
    expect([again.recovered.acceptedEpoch, again.recovered.currentEpoch]).toEqual([5, 4]);
    again.storage.close();
  });

  it('loses exactly the appends not yet flushed when the process dies', () => {
    const dataDir = tempDir();
    const first = open({ dataDir });
    first.storage.append(txn(1n));
    first.storage.append(txn(2n));
    first.storage.flush();
    first.storage.append(txn(3n));
    first.storage.crash();
    const second = open({ dataDir });
    expect(zxids(second.recovered.txns)).toEqual([1n, 2n]);
    // Appends continue in the same file, after the recovered ones.
    second.storage.append(txn(3n));
    second.storage.close();
    const third = open({ dataDir });
    expect(zxids(third.recovered.txns)).toEqual([1n, 2n, 3n]);
    expect(names(third.storage.files().logs)).toEqual(['log.1']);
    third.storage.close();
  });

  it('writes on flush with forceSync off too (only the fdatasync is skipped)', () => {
    const dataDir = tempDir();
    const { storage } = open({ dataDir, forceSync: false });
    storage.append(txn(1n));
    storage.flush();
    const size = statSync(join(dataDir, 'version-2', 'log.1')).size;
    expect(size).toBeGreaterThan(20);
    storage.crash();
    const again = open({ dataDir });
    expect(zxids(again.recovered.txns)).toEqual([1n]);
    again.storage.close();
  });

  it('refuses an append that does not follow the last zxid', () => {
    const { storage } = open({ dataDir: tempDir() });
    storage.append(txn(2n));
    expect(() => storage.append(txn(2n))).toThrow(/not after 0x2/);
    storage.close();
  });

  it('readLogAfter returns logged txns after a zxid across files, flushed or not', () => {
    const { storage } = open({ dataDir: tempDir() });
    for (let z = 1n; z <= 5n; z++) storage.append(txn(z));
    storage.saveSnapshot(snapshotAt(5n));
    for (let z = 6n; z <= 9n; z++) storage.append(txn(z));
    storage.flush();
    storage.append(txn(10n));
    expect(zxids(storage.readLogAfter(3n))).toEqual([4n, 5n, 6n, 7n, 8n, 9n, 10n]);
    expect(zxids(storage.readLogAfter(7n))).toEqual([8n, 9n, 10n]);
    expect(storage.readLogAfter(10n)).toEqual([]);
    storage.close();
  });

  it('truncateAfter drops later txns, later log files and later snapshots, durably', () => {
    const dataDir = tempDir();
    const { storage } = open({ dataDir });
    for (let z = 1n; z <= 4n; z++) storage.append(txn(z));
    storage.saveSnapshot(snapshotAt(4n));
    for (let z = 5n; z <= 8n; z++) storage.append(txn(z));
    storage.saveSnapshot(snapshotAt(8n));
    for (let z = 9n; z <= 10n; z++) storage.append(txn(z));
    storage.flush();
    expect(names(storage.files().logs)).toEqual(['log.1', 'log.5', 'log.9']);
    storage.truncateAfter(6n);
    expect(names(storage.files().logs)).toEqual(['log.1', 'log.5']);
    expect(names(storage.files().snapshots)).toEqual(['snapshot.4']);
    expect(zxids(storage.readLogAfter(0n))).toEqual([1n, 2n, 3n, 4n, 5n, 6n]);
    // The history continues from 6 (ZAB appends the leader's txns after a TRUNC).
    storage.append(txn(7n));
    storage.flush();
    storage.crash();
    const again = open({ dataDir });
    expect(again.recovered.snapshot?.lastZxid).toBe(4n);
    expect(zxids(again.recovered.txns)).toEqual([5n, 6n, 7n]);
    again.storage.close();
  });

  it('truncateAfter removes a log file left empty and refuses what it cannot rebuild', () => {
    const dataDir = tempDir();
    const { storage } = open({ dataDir, snapRetainCount: 3 });
    for (let z = 1n; z <= 2n; z++) storage.append(txn(z));
    storage.saveSnapshot(snapshotAt(2n));
    storage.append(txn(3n));
    storage.flush();
    storage.truncateAfter(2n);
    expect(names(storage.files().logs)).toEqual(['log.1']);
    storage.append(txn(3n));
    storage.flush();
    expect(names(storage.files().logs)).toEqual(['log.1', 'log.3']);
    storage.close();

    // Once the log before a snapshot is purged, the state before that snapshot is gone.
    const purged = tempDir();
    const p = open({ dataDir: purged });
    for (let z = 1n; z <= 6n; z++) {
      p.storage.append(txn(z));
      p.storage.saveSnapshot(snapshotAt(z));
    }
    p.storage.purge();
    expect(() => p.storage.truncateAfter(1n)).toThrow(/nothing retained rebuilds that state/);
    p.storage.close();
  });

  it('installSnapshot replaces the log with a leader\'s snapshot; a crash at any step loses nothing logged up to it', () => {
    // A member that logged 1..6 (5 and 6 from an old epoch the leader never had) is sent a snapshot at 4.
    const prepare = (dataDir: string): FileStorage => {
      const { storage } = open({ dataDir });
      for (let z = 1n; z <= 3n; z++) storage.append(txn(z));
      storage.flush();
      storage.saveSnapshot(snapshotAt(3n));
      for (let z = 4n; z <= 6n; z++) storage.append(txn(z));
      storage.flush();
      return storage;
    };
    for (const step of ['floor', 'snapshot', 'cleanup'] as const) {
      const dataDir = tempDir();
      const storage = prepare(dataDir);
      storage.installStepHook = (at) => {
        if (at === step) throw new Error(`crash at ${at}`);
      };
      expect(() => storage.installSnapshot(snapshotAt(4n))).toThrow(`crash at ${step}`);
      storage.crash();
      const { storage: reopened, recovered } = open({ dataDir });
      if (step === 'cleanup') {
        // The snapshot was written: it is the whole state; the old log is void and gone.
        expect(recovered.snapshot?.lastZxid).toBe(4n);
        expect(recovered.txns).toEqual([]);
        expect(reopened.readLogAfter(0n)).toEqual([]);
        expect(reopened.files().logs).toEqual([]);
      } else {
        // Before the snapshot: the old state, minus only what lay beyond the snapshot (never the leader's history).
        expect(recovered.snapshot?.lastZxid).toBe(3n);
        expect(zxids(recovered.txns)).toEqual([4n]);
        expect(zxids(reopened.readLogAfter(0n))).toEqual([1n, 2n, 3n, 4n]);
      }
      reopened.close();
    }
    // Uninterrupted: the snapshot is the state, appends continue after it, and a restart agrees.
    const dataDir = tempDir();
    const storage = prepare(dataDir);
    storage.installSnapshot(snapshotAt(4n));
    expect(storage.readLogAfter(0n)).toEqual([]);
    storage.append(txn(7n));
    storage.flush();
    storage.close();
    const { storage: reopened, recovered } = open({ dataDir });
    expect(recovered.snapshot?.lastZxid).toBe(4n);
    expect(zxids(recovered.txns)).toEqual([7n]);
    expect(zxids(reopened.readLogAfter(0n))).toEqual([7n]);
    reopened.close();
  });

  it('purge keeps snapRetainCount snapshots and the logs needed from the oldest of them', () => {
    const dataDir = tempDir();
    const lines: string[] = [];
    const { storage } = open({ dataDir, log: (line) => lines.push(line) });
    let z = 0n;
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 3; i++) storage.append(txn(++z));
      storage.saveSnapshot(snapshotAt(z));
    }
    storage.append(txn(++z));
    storage.flush();
    expect(names(storage.files().snapshots)).toEqual(['snapshot.3', 'snapshot.6', 'snapshot.9', 'snapshot.c', 'snapshot.f', 'snapshot.12']);
    const deleted = storage.purge();
    expect(deleted.snapshotsDeleted).toEqual(['snapshot.9', 'snapshot.6', 'snapshot.3']);
    // snapshot.c is the oldest kept: log.d onwards is needed, log.a holds only zxids up to 0xc.
    expect(deleted.logsDeleted).toEqual(['log.1', 'log.4', 'log.7', 'log.a']);
    expect(names(storage.files().logs)).toEqual(['log.d', 'log.10', 'log.13']);
    expect(lines.some((l) => l.startsWith('purge:'))).toBe(true);
    storage.close();
    const again = open({ dataDir });
    expect(again.recovered.snapshot?.lastZxid).toBe(0x12n);
    expect(zxids(again.recovered.txns)).toEqual([0x13n]);
    again.storage.close();
  });

  it('purges every purgeIntervalHours on its own (autopurge.purgeInterval)', () => {
    vi.useFakeTimers();
    try {
      const { storage } = open({ dataDir: tempDir(), purgeIntervalHours: 1 });
      for (let z = 1n; z <= 5n; z++) {
        storage.append(txn(z));
        storage.saveSnapshot(snapshotAt(z));
      }
      expect(storage.files().snapshots).toHaveLength(5);
      vi.advanceTimersByTime(3_600_000 - 1);
      expect(storage.files().snapshots).toHaveLength(5);
      vi.advanceTimersByTime(1);
      expect(names(storage.files().snapshots)).toEqual(['snapshot.3', 'snapshot.4', 'snapshot.5']);
      storage.close();
      expect(vi.getTimerCount()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a second recover reads the durable state back without changing it', () => {
    const { storage } = open({ dataDir: tempDir() });
    storage.append(txn(1n));
    storage.saveSnapshot(snapshotAt(1n));
    storage.append(txn(2n));
    storage.setAcceptedEpoch(3);
    const again = storage.recover();
    expect(again.snapshot?.lastZxid).toBe(1n);
    expect(zxids(again.txns)).toEqual([2n]);
    expect(again.acceptedEpoch).toBe(3);
    storage.close();
  });

  it('stops taking writes after an I/O error (fail-stop), naming the first failure', () => {
    const dataDir = tempDir();
    const { storage } = open({ dataDir });
    storage.append(txn(1n));
    storage.saveSnapshot(snapshotAt(1n));
    rmSync(join(dataDir, 'version-2'), { recursive: true });
    storage.append(txn(2n));
    expect(() => storage.flush()).toThrow(/ENOENT/);
    expect(() => storage.append(txn(3n))).toThrow(/failed earlier.*ENOENT/);
    storage.close();
  });

  it('validates its options, naming the key', () => {
    expect(() => new FileStorage({ dataDir: '' })).toThrow(ConfigError);
    expect(() => new FileStorage({ dataDir: tempDir(), snapRetainCount: 2 })).toThrow(/snapRetainCount/);
    expect(() => new FileStorage({ dataDir: tempDir(), purgeIntervalHours: -1 })).toThrow(/purgeIntervalHours/);
    expect(() => new FileStorage({ dataDir: tempDir(), forceSync: 'yes' as unknown as boolean })).toThrow(/forceSync/);
  });

  it('removes temp files a crash left behind', () => {
    const dataDir = tempDir();
    const first = open({ dataDir });
    first.storage.append(txn(1n));
    first.storage.saveSnapshot(snapshotAt(1n));
    first.storage.close();
    writeFileSync(join(dataDir, 'version-2', 'snapshot.2.tmp'), 'half a snapshot');
    writeFileSync(join(dataDir, 'version-2', 'currentEpoch.tmp'), '9');
    const again = open({ dataDir });
    expect(again.recovered.snapshot?.lastZxid).toBe(1n);
    expect(existsSync(join(dataDir, 'version-2', 'snapshot.2.tmp'))).toBe(false);
    expect(existsSync(join(dataDir, 'version-2', 'currentEpoch.tmp'))).toBe(false);
    again.storage.close();
  });
});

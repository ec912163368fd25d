/**
 * Durable storage in files, laid out as ZooKeeper lays out its dataDir:
 *
 *   <dataLogDir>/version-2/log.<first zxid hex>      the transaction log, a new file after each snapshot
 *   <dataDir>/version-2/snapshot.<last zxid hex>     snapshots
 *   <dataDir>/version-2/acceptedEpoch, currentEpoch  ZAB epochs, decimal text, replaced atomically
 *   <dataDir>/version-2/logFloor                      after a leader's snapshot was installed (SNAP sync): log
 *                                                     entries at or below this zxid (hex) are void once a snapshot
 *                                                     at or beyond it exists; replaced atomically
 *
 * `append` only encodes; `flush` writes the batch and, with forceSync (the
 * default, as ZooKeeper), fdatasyncs it before returning, so anything a client
 * was told about survives a crash. Recovery loads the newest valid snapshot
 * (a damaged one is set aside for the previous one), replays the log after it,
 * cuts a torn tail off the last log file, and stops with the file and byte
 * offset on damage anywhere else. docs/storage.md describes the format and
 * every failure's outcome.
 */
import { closeSync, existsSync, fdatasyncSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { createMemberCodec, snapshotNodesPerPartDefault, type MemberCodec, type SnapshotRecord, type TxnRecord } from '@vivarium/protocol';
import { ConfigError, type RecoveredState, type Snapshot, type Storage, type Txn } from '@vivarium/store';
import { fsyncDirectory, removeFile, writeFileAtomically, writeFully } from './durable-files.ts';
import { lastZxidOf, logFileName, logFilePattern, scanLogFile, type LogScan } from './log-file.ts';
import { concat, readSnapshotFile, snapshotFilePattern, writeSnapshotFile } from './snapshot-file.ts';
import { encodeFileHeader, FileMagic, fileHeaderBytes, frameRecord, readFileHeader, StorageCorruptionError } from './storage-format.ts';

// The member codec declares the store's record shapes itself (protocol sits below store).
// These fail to compile the moment the two drift apart.
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const txnShapesAgree: Same<Txn, TxnRecord> = true;
const snapshotShapesAgree: Same<Snapshot, SnapshotRecord> = true;
void txnShapesAgree;
void snapshotShapesAgree;

export interface FileStorageOptions {
  /** Snapshots and epochs go to `<dataDir>/version-2`. */
  dataDir: string;
  /** The transaction log goes to `<dataLogDir>/version-2`. Default: dataDir. */
  dataLogDir?: string | undefined;
  /** fdatasync the log on every flush (zoo.cfg forceSync). Default true. Off: writes reach the OS only, and an OS crash or power cut can lose acknowledged writes. */
  forceSync?: boolean | undefined;
  /** Snapshots kept by a purge (autopurge.snapRetainCount), and the logs needed to replay from the oldest of them. Default 3, at least 3. */
  snapRetainCount?: number | undefined;
  /** Hours between automatic purges (autopurge.purgeInterval); 0 = never (the default, as ZooKeeper). */
  purgeIntervalHours?: number | undefined;
  /** Nodes (and sessions) per snapshot record. Default 4096. */
  snapshotNodesPerPart?: number | undefined;
  /** Receives one line per notable event: a torn tail cut, a damaged snapshot set aside, a purge. */
  log?: ((line: string) => void) | undefined;
}

export const fileStorageDefaults = {
  forceSync: true,
  snapRetainCount: 3,
  purgeIntervalHours: 0,
} as const;

interface FileEntry {
  name: string;
  path: string;
  zxid: bigint;
}

interface OpenLog {
  path: string;
  fd: number;
  size: number;
}

/** What the last snapshot and purge cost (for the bench and `mntr`-style reporting). */
export interface FileStorageStats {
  flushes: number;
  bytesLogged: number;
  snapshots: number;
  lastSnapshotBytes: number;
}

export class FileStorage implements Storage {
  readonly snapDir: string;
  readonly logDir: string;
  readonly forceSync: boolean;
  readonly snapRetainCount: number;
  readonly purgeIntervalHours: number;
  readonly stats: FileStorageStats = { flushes: 0, bytesLogged: 0, snapshots: 0, lastSnapshotBytes: 0 };
  private readonly nodesPerPart: number;
  private readonly log: (line: string) => void;
  /** Our own codec: never shared with another member or channel. */
  private readonly codec: MemberCodec = createMemberCodec();
  private pendingFrames: Uint8Array[] = [];
  private pendingBytes = 0;
  private pendingTxns: Txn[] = [];
  private lastAppendedZxid = 0n;
  private lastDurableZxid = 0n;
  private lastSnapshotZxid = 0n;
  /** The log file appends go to; undefined after a snapshot (the next flush starts a new file). */
  private current: OpenLog | undefined;
  private state: 'new' | 'open' | 'closed' | 'failed' = 'new';
  private failure: Error | undefined;
  private purgeTimer: ReturnType<typeof setInterval> | undefined;
  private acceptedEpoch = 0;
  private currentEpoch = 0;
  /** Log entries at or below this zxid are void (a leader's snapshot replaced them); 0 when none was installed. */
  private logFloor = 0n;
  /** Test hook: called at each step of installSnapshot; a throw there is a crash at that step. */
  installStepHook: ((step: 'floor' | 'snapshot' | 'cleanup') => void) | undefined;

  constructor(options: FileStorageOptions) {
    if (typeof options.dataDir !== 'string' || options.dataDir === '') throw new ConfigError('dataDir', options.dataDir, 'a directory path');
    const dataLogDir = options.dataLogDir ?? options.dataDir;
    if (typeof dataLogDir !== 'string' || dataLogDir === '') throw new ConfigError('dataLogDir', options.dataLogDir, 'a directory path');
    this.snapDir = join(options.dataDir, 'version-2');
    this.logDir = join(dataLogDir, 'version-2');
    const forceSync = options.forceSync ?? fileStorageDefaults.forceSync;
    if (typeof forceSync !== 'boolean') throw new ConfigError('forceSync', forceSync, 'true or false');
    this.forceSync = forceSync;
    const retain = options.snapRetainCount ?? fileStorageDefaults.snapRetainCount;
    if (!Number.isInteger(retain) || retain < 3) throw new ConfigError('snapRetainCount', retain, 'an integer >= 3 (ZooKeeper keeps at least 3 snapshots)');
    this.snapRetainCount = retain;
    const hours = options.purgeIntervalHours ?? fileStorageDefaults.purgeIntervalHours;
    if (typeof hours !== 'number' || !Number.isFinite(hours) || hours < 0) throw new ConfigError('purgeIntervalHours', hours, 'a number of hours >= 0 (0 = never)');
    this.purgeIntervalHours = hours;
    const perPart = options.snapshotNodesPerPart ?? snapshotNodesPerPartDefault;
    if (!Number.isInteger(perPart) || perPart < 1) throw new ConfigError('snapshotNodesPerPart', perPart, 'a positive integer');
    this.nodesPerPart = perPart;
    this.log = options.log ?? (() => undefined);
  }

  // ------------------------------------------------------------------ Storage

  /**
   * The first call recovers: it reads the dataDir, cuts a torn tail, sets a
   * damaged snapshot aside, and opens the log for appends. A later call (the
   * quorum peer asks again for its epochs) flushes, then reads the durable
   * state back without changing anything.
   */
  recover(): RecoveredState {
    if (this.state === 'open') return this.readBack();
    if (this.state !== 'new') throw new Error(`FileStorage.recover: storage is ${this.state}`);
    return this.guard(() => {
      mkdirSync(this.snapDir, { recursive: true });
      mkdirSync(this.logDir, { recursive: true });
      this.removeTempFiles();
      const acceptedEpoch = (this.acceptedEpoch = this.readEpoch('acceptedEpoch'));
      const currentEpoch = (this.currentEpoch = this.readEpoch('currentEpoch'));

      let snapshot: Snapshot | undefined;
      const damaged: string[] = [];
      for (const entry of this.listSnapshots()) {
        try {
          snapshot = readSnapshotFile(entry.path, this.codec);
          break;
        } catch (error) {
          if (!(error instanceof StorageCorruptionError)) throw error;
          this.log(`${error.message}; falling back to the previous snapshot`);
          damaged.push(entry.path);
        }
      }
      const snapshotZxid = snapshot?.lastZxid ?? 0n;
      // An installed leader's snapshot voids the log below it, once it exists (see installSnapshot).
      const floor = this.readLogFloor();
      this.logFloor = floor > 0n && snapshot !== undefined && snapshotZxid >= floor ? floor : 0n;
      if (this.logFloor > 0n) this.removeVoidLogs(this.logFloor);

      const logs = this.listLogs();
      const txns: Txn[] = [];
      let logEnd: bigint | undefined;
      let lastScan: LogScan | undefined;
      for (let i = firstLogNeeded(logs, snapshotZxid); i < logs.length; i++) {
        const entry = logs[i] as FileEntry;
        const last = i === logs.length - 1;
        const scan = scanLogFile(entry.path, readFileSync(entry.path), this.codec, last);
        if (scan.base !== undefined) {
          if (logEnd === undefined) {
            if (scan.base > snapshotZxid) {
              const from = snapshot === undefined ? 'there is no valid snapshot (the state starts empty at zxid 0)' : `the snapshot ends at zxid 0x${snapshotZxid.toString(16)}`;
              throw new StorageCorruptionError(entry.path, 8, `this log continues from zxid 0x${scan.base.toString(16)}, but ${from}: the log in between is missing`);
            }
          } else if (scan.base !== logEnd) {
            throw new StorageCorruptionError(entry.path, 8, `this log continues from zxid 0x${scan.base.toString(16)}, but the previous log file ends at 0x${logEnd.toString(16)}: a log file is missing`);
          }
        }
        for (const txn of scan.txns) if (txn.zxid > snapshotZxid) txns.push(txn);
        logEnd = lastZxidOf(scan) ?? logEnd;
        if (last) lastScan = scan;
      }

      // Cut the torn tail (or drop a last file with nothing intact in it), durably, before anything is appended after it.
      let reopen: OpenLog | undefined;
      if (lastScan !== undefined) {
        if (lastScan.torn !== undefined) {
          this.log(`${lastScan.file}: torn tail at byte offset ${lastScan.torn.offset} (${lastScan.torn.reason}); cut off, as after a crash`);
        }
        if (lastScan.txns.length === 0) {
          removeFile(lastScan.file);
          fsyncDirectory(this.logDir);
        } else {
          const fd = openSync(lastScan.file, 'r+');
          if (lastScan.torn !== undefined) {
            ftruncateSync(fd, lastScan.validEnd);
            fsyncSync(fd);
          }
          reopen = { path: lastScan.file, fd, size: lastScan.validEnd };
        }
      }
      for (const path of damaged) renameSync(path, `${path}.damaged`);
      if (damaged.length > 0) fsyncDirectory(this.snapDir);

      const logged = logEnd ?? 0n;
      this.lastSnapshotZxid = snapshotZxid;
      this.lastAppendedZxid = this.lastDurableZxid = logged > snapshotZxid ? logged : snapshotZxid;
      // A log that ends before the snapshot (the snapshot came from elsewhere) is not continued: the next txn starts a new file.
      if (reopen !== undefined && logged < snapshotZxid) closeSync(reopen.fd);
      else this.current = reopen;
      this.state = 'open';
      this.startPurgeTimer();
      return { snapshot, txns, acceptedEpoch, currentEpoch };
    });
  }

  append(txn: Txn): void {
    this.checkOpen('append');
    if (txn.zxid <= this.lastAppendedZxid) {
      throw new Error(`FileStorage.append: zxid 0x${txn.zxid.toString(16)} is not after 0x${this.lastAppendedZxid.toString(16)}`);
    }
    const framed = frameRecord(this.codec.encodeTxn(txn));
    this.pendingFrames.push(framed);
    this.pendingBytes += framed.length;
    this.pendingTxns.push(txn);
    this.lastAppendedZxid = txn.zxid;
  }

  flush(): void {
    this.checkOpen('flush');
    if (this.pendingTxns.length === 0) return;
    this.guard(() => {
      const batch = concat(this.pendingFrames, this.pendingBytes);
      if (this.current === undefined) {
        const first = (this.pendingTxns[0] as Txn).zxid;
        const path = join(this.logDir, logFileName(first));
        const base = this.lastDurableZxid > this.lastSnapshotZxid ? this.lastDurableZxid : this.lastSnapshotZxid;
        // 'wx': a log file is never overwritten; an existing name here is a bug, not something to paper over.
        const fd = openSync(path, 'wx');
        this.current = { path, fd, size: 0 };
        const header = encodeFileHeader(FileMagic.log, base);
        writeFully(fd, concat([header, batch]), 0);
        this.current.size = header.length + batch.length;
        if (this.forceSync) {
          fdatasyncSync(fd);
          fsyncDirectory(this.logDir);
        }
      } else {
        writeFully(this.current.fd, batch, this.current.size);
        this.current.size += batch.length;
        if (this.forceSync) fdatasyncSync(this.current.fd);
      }
      this.lastDurableZxid = (this.pendingTxns.at(-1) as Txn).zxid;
      this.stats.flushes++;
      this.stats.bytesLogged += batch.length;
      this.pendingFrames = [];
      this.pendingBytes = 0;
      this.pendingTxns = [];
    });
  }

  saveSnapshot(snapshot: Snapshot): void {
    this.flush();
    this.guard(() => {
      const written = writeSnapshotFile(this.snapDir, snapshot, this.codec, this.nodesPerPart);
      if (snapshot.lastZxid > this.lastSnapshotZxid) this.lastSnapshotZxid = snapshot.lastZxid;
      if (snapshot.lastZxid > this.lastAppendedZxid) this.lastAppendedZxid = this.lastDurableZxid = snapshot.lastZxid;
      this.stats.snapshots++;
      this.stats.lastSnapshotBytes = written.bytes;
      // A new log file after each snapshot, as ZooKeeper rolls its log.
      this.closeCurrent();
    });
  }

  /**
   * Crash-safe, in four durable steps: (1) drop logged txns beyond the snapshot (history the leader never had;
   * what stays is a prefix of this member's own log); (2) write the log floor; (3) write the snapshot (an atomic
   * rename): from here recovery starts from it and the log at or below the floor is void; (4) remove the void
   * log files (a crash before leaves them to the next recovery, which removes them). A crash before (3) leaves
   * the old state minus (1): the floor applies only once a snapshot at or beyond it exists.
   */
  /** The newest snapshot's zxid as of now (0 without one). */
  get snapshotZxid(): bigint {
    return this.lastSnapshotZxid;
  }

  installSnapshot(snapshot: Snapshot): void {
    this.flush();
    const zxid = snapshot.lastZxid;
    if (this.lastAppendedZxid > zxid) this.truncate(zxid, false);
    this.guard(() => {
      this.installStepHook?.('floor');
      writeFileAtomically(join(this.snapDir, 'logFloor'), new TextEncoder().encode(`${zxid.toString(16)}\n`));
      this.installStepHook?.('snapshot');
      const written = writeSnapshotFile(this.snapDir, snapshot, this.codec, this.nodesPerPart);
      this.closeCurrent();
      this.logFloor = zxid;
      this.lastSnapshotZxid = zxid;
      this.lastAppendedZxid = this.lastDurableZxid = zxid;
      this.stats.snapshots++;
      this.stats.lastSnapshotBytes = written.bytes;
      this.installStepHook?.('cleanup');
      this.removeVoidLogs(zxid);
    });
  }

  truncateAfter(zxid: bigint): void {
    this.flush();
    if (zxid >= this.lastAppendedZxid) return;
    this.truncate(zxid, true);
  }

  /** Drop logged txns after `zxid`; with `rebuildable`, refuse when nothing kept rebuilds the state at `zxid`. */
  private truncate(zxid: bigint, rebuildable: boolean): void {
    this.guard(() => {
      const snapshots = this.listSnapshots();
      const kept = snapshots.find((s) => s.zxid <= zxid);
      const keptZxid = kept?.zxid ?? 0n;
      const logs = this.listLogs().map((entry) => ({ ...entry, base: this.readLogBase(entry.path) }));
      const keptLogs = logs.filter((entry) => entry.base < zxid);
      if (rebuildable && keptZxid < zxid && !keptLogs.some((entry) => entry.base <= keptZxid)) {
        throw new Error(
          `FileStorage.truncateAfter(0x${zxid.toString(16)}): nothing retained rebuilds that state (newest snapshot at or before it: ${kept === undefined ? 'none' : kept.name}; ` +
            `oldest log continues from ${logs[0] === undefined ? 'nothing' : `0x${logs[0].base.toString(16)}`})`,
        );
      }
      this.closeCurrent();
      // Newest first, so a crash part-way leaves a prefix of the old history, never a gap.
      for (const entry of snapshots) if (entry.zxid > zxid) removeFile(entry.path);
      fsyncDirectory(this.snapDir);
      let logEnd = keptZxid;
      for (let i = logs.length - 1; i >= 0; i--) {
        const entry = logs[i] as (typeof logs)[number];
        if (entry.base >= zxid) {
          removeFile(entry.path);
          continue;
        }
        const scan = scanLogFile(entry.path, readFileSync(entry.path), this.codec, true);
        const keep = scan.txns.filter((txn) => txn.zxid <= zxid).length;
        if (keep === 0) {
          removeFile(entry.path);
          logEnd = entry.base > logEnd ? entry.base : logEnd;
        } else {
          const end = scan.ends[keep - 1] as number;
          const fd = openSync(entry.path, 'r+');
          ftruncateSync(fd, end);
          fsyncSync(fd);
          this.current = { path: entry.path, fd, size: end };
          const last = (scan.txns[keep - 1] as Txn).zxid;
          logEnd = last > logEnd ? last : logEnd;
        }
        break;
      }
      fsyncDirectory(this.logDir);
      // A log that ends at the kept snapshot is not continued: as after any snapshot, the next txn starts a new file.
      if (logEnd <= keptZxid) this.closeCurrent();
      this.lastSnapshotZxid = keptZxid;
      this.lastAppendedZxid = this.lastDurableZxid = logEnd;
    });
  }

  readLogAfter(after: bigint): Txn[] {
    this.checkOpen('readLogAfter');
    const zxid = after > this.logFloor ? after : this.logFloor;
    return this.guard(() => {
      const logs = this.listLogs();
      const txns: Txn[] = [];
      for (let i = 0; i < logs.length; i++) {
        const next = logs[i + 1];
        if (next !== undefined && next.zxid <= zxid + 1n) continue;
        const entry = logs[i] as FileEntry;
        // Only what is durable is in the file; the current file's bytes are exactly its flushed records.
        const scan = scanLogFile(entry.path, readFileSync(entry.path), this.codec, next === undefined);
        for (const txn of scan.txns) if (txn.zxid > zxid) txns.push(txn);
      }
      for (const txn of this.pendingTxns) if (txn.zxid > zxid) txns.push(txn);
      return txns;
    });
  }

  setAcceptedEpoch(epoch: number): void {
    this.writeEpoch('acceptedEpoch', epoch);
    this.acceptedEpoch = epoch;
  }

  setCurrentEpoch(epoch: number): void {
    this.writeEpoch('currentEpoch', epoch);
    this.currentEpoch = epoch;
  }

  close(): void {
    if (this.state === 'closed') return;
    if (this.state === 'open') this.flush();
    this.release();
  }

  // ------------------------------------------------------------------ beyond Storage

  /**
   * Test hook: lose exactly what a process crash loses, the appends not yet
   * flushed, and let go of the files without writing anything more.
   */
  crash(): void {
    this.pendingFrames = [];
    this.pendingBytes = 0;
    this.pendingTxns = [];
    this.release();
  }

  /**
   * autopurge: keep the `snapRetainCount` newest snapshots and the log files
   * needed to replay from the oldest of them; delete the rest. Runs every
   * `purgeIntervalHours` when that is set, and on demand.
   */
  purge(): { snapshotsDeleted: string[]; logsDeleted: string[] } {
    this.checkOpen('purge');
    const snapshots = this.listSnapshots();
    const deleted = { snapshotsDeleted: [] as string[], logsDeleted: [] as string[] };
    if (snapshots.length < this.snapRetainCount) return deleted;
    const oldestKept = snapshots[this.snapRetainCount - 1] as FileEntry;
    for (const entry of snapshots.slice(this.snapRetainCount)) {
      removeFile(entry.path);
      deleted.snapshotsDeleted.push(entry.name);
    }
    const logs = this.listLogs();
    // A log file holds zxids below the next file's first one: it is needed while that next one starts after oldestKept + 1.
    for (let i = 0; i + 1 < logs.length; i++) {
      const next = logs[i + 1] as FileEntry;
      if (next.zxid > oldestKept.zxid + 1n) break;
      const entry = logs[i] as FileEntry;
      if (entry.path === this.current?.path) break;
      removeFile(entry.path);
      deleted.logsDeleted.push(entry.name);
    }
    if (deleted.snapshotsDeleted.length + deleted.logsDeleted.length > 0) {
      fsyncDirectory(this.snapDir);
      if (this.logDir !== this.snapDir) fsyncDirectory(this.logDir);
      this.log(`purge: kept ${this.snapRetainCount} snapshots from ${oldestKept.name}; deleted ${deleted.snapshotsDeleted.length} snapshot(s) and ${deleted.logsDeleted.length} log file(s)`);
    }
    return deleted;
  }

  /** The log files and snapshots on disk, oldest first (for tests and tools). */
  files(): { logs: string[]; snapshots: string[] } {
    return { logs: this.listLogs().map((e) => e.path), snapshots: this.listSnapshots().reverse().map((e) => e.path) };
  }

  // ------------------------------------------------------------------ internals

  private readBack(): RecoveredState {
    this.flush();
    return this.guard(() => {
      let snapshot: Snapshot | undefined;
      for (const entry of this.listSnapshots()) {
        try {
          snapshot = readSnapshotFile(entry.path, this.codec);
          break;
        } catch (error) {
          if (!(error instanceof StorageCorruptionError)) throw error;
        }
      }
      return { snapshot, txns: this.readLogAfter(snapshot?.lastZxid ?? 0n), acceptedEpoch: this.acceptedEpoch, currentEpoch: this.currentEpoch };
    });
  }

  private checkOpen(operation: string): void {
    if (this.state === 'open') return;
    if (this.state === 'failed') throw new Error(`FileStorage.${operation}: storage failed earlier and takes no more writes (${this.failure?.message})`);
    throw new Error(`FileStorage.${operation}: storage is ${this.state === 'new' ? 'not recovered yet' : 'closed'}`);
  }

  /**
   * Any I/O error leaves the files in a state this process no longer knows,
   * so the storage stops: every later call fails (fail-stop, as ZooKeeper
   * exits on a log write error). Nothing is acknowledged past the failure.
   */
  private guard<T>(operation: () => T): T {
    try {
      return operation();
    } catch (error) {
      this.failure = error instanceof Error ? error : new Error(String(error));
      this.release();
      this.state = 'failed';
      throw error;
    }
  }

  private release(): void {
    this.closeCurrent();
    if (this.purgeTimer !== undefined) clearInterval(this.purgeTimer);
    this.purgeTimer = undefined;
    if (this.state !== 'failed') this.state = 'closed';
  }

  private closeCurrent(): void {
    if (this.current === undefined) return;
    const fd = this.current.fd;
    this.current = undefined;
    closeSync(fd);
  }

  private startPurgeTimer(): void {
    if (this.purgeIntervalHours === 0) return;
    // setInterval takes at most 2^31-1 ms (~24.8 days) and turns anything longer into 1 ms; purging more often than asked is harmless.
    this.purgeTimer = setInterval(() => {
      try {
        if (this.state === 'open') this.purge();
      } catch (error) {
        this.log(`purge failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }, Math.min(this.purgeIntervalHours * 3_600_000, 0x7fffffff));
    this.purgeTimer.unref();
  }

  private removeTempFiles(): void {
    for (const dir of new Set([this.snapDir, this.logDir])) {
      for (const name of readdirSync(dir)) if (name.endsWith('.tmp')) removeFile(join(dir, name));
    }
  }

  /** Snapshots, newest first. */
  private listSnapshots(): FileEntry[] {
    return listMatching(this.snapDir, snapshotFilePattern).sort((a, b) => (a.zxid > b.zxid ? -1 : a.zxid < b.zxid ? 1 : 0));
  }

  /** Log files, oldest first. */
  private listLogs(): FileEntry[] {
    return listMatching(this.logDir, logFilePattern).sort((a, b) => (a.zxid < b.zxid ? -1 : a.zxid > b.zxid ? 1 : 0));
  }

  private readLogBase(path: string): bigint {
    const fd = openSync(path, 'r');
    try {
      const header = new Uint8Array(fileHeaderBytes);
      const read = readSyncFully(fd, header);
      const parsed = readFileHeader(header.subarray(0, read), FileMagic.log, path);
      if (parsed.kind === 'short') throw new StorageCorruptionError(path, 0, 'shorter than a file header');
      return parsed.zxid;
    } finally {
      closeSync(fd);
    }
  }

  private readLogFloor(): bigint {
    const path = join(this.snapDir, 'logFloor');
    if (!existsSync(path)) return 0n;
    const text = readFileSync(path, 'utf8').trim();
    if (!/^[0-9a-f]{1,16}$/.test(text)) throw new StorageCorruptionError(path, 0, `expected a zxid (hex), found ${JSON.stringify(text.slice(0, 40))}`);
    return BigInt(`0x${text}`);
  }

  /** Remove the log files that hold only entries at or below `floor` (file i holds zxids below file i+1's first). */
  private removeVoidLogs(floor: bigint): void {
    const logs = this.listLogs();
    let removed = 0;
    for (let i = 0; i < logs.length; i++) {
      const entry = logs[i] as FileEntry;
      if (entry.path === this.current?.path) continue;
      const next = logs[i + 1];
      const allVoid = next !== undefined ? next.zxid <= floor + 1n : (lastZxidOf(scanLogFile(entry.path, readFileSync(entry.path), this.codec, true)) ?? 0n) <= floor;
      if (!allVoid) continue;
      removeFile(entry.path);
      removed++;
    }
    if (removed > 0) fsyncDirectory(this.logDir);
  }

  private readEpoch(name: string): number {
    const path = join(this.snapDir, name);
    if (!existsSync(path)) return 0;
    const text = readFileSync(path, 'utf8').trim();
    if (!/^\d{1,15}$/.test(text)) throw new StorageCorruptionError(path, 0, `expected an epoch (a decimal number), found ${JSON.stringify(text.slice(0, 40))}`);
    return Number(text);
  }

  private writeEpoch(name: string, epoch: number): void {
    this.checkOpen(`set${name[0]?.toUpperCase()}${name.slice(1)}`);
    if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`${name} must be an integer >= 0, got ${epoch}`);
    // Always synced, whatever forceSync says: a member that forgets an epoch it promised can break ZAB.
    this.guard(() => writeFileAtomically(join(this.snapDir, name), new TextEncoder().encode(`${epoch}\n`)));
  }
}

/** The first log file that can hold a txn after `zxid`: file i holds zxids below file i+1's first. */
function firstLogNeeded(logs: readonly FileEntry[], zxid: bigint): number {
  let first = 0;
  for (let i = 0; i + 1 < logs.length; i++) if ((logs[i + 1] as FileEntry).zxid <= zxid + 1n) first = i + 1;
  return first;
}

function listMatching(dir: string, pattern: RegExp): FileEntry[] {
  const entries: FileEntry[] = [];
  for (const name of readdirSync(dir)) {
    const match = pattern.exec(name);
    if (match !== null) entries.push({ name, path: join(dir, name), zxid: BigInt(`0x${match[1]}`) });
  }
  return entries;
}

function readSyncFully(fd: number, into: Uint8Array): number {
  // A 20-byte header: one read is enough on a regular file, but loop to be exact.
  let read = 0;
  for (;;) {
    const n = readSyncAt(fd, into, read);
    if (n === 0) return read;
    read += n;
    if (read === into.length) return read;
  }
}

function readSyncAt(fd: number, into: Uint8Array, offset: number): number {
  return readSync(fd, into, offset, into.length - offset, offset);
}

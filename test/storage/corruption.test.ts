/**
 * Damaged dataDirs: each case ends in the outcome docs/storage.md documents.
 *   torn or damaged tail of the last log  -> cut off, with a notice; everything before it recovers
 *   damage in the middle / in an older log -> start-up error naming the file and byte offset; nothing changed
 *   damaged newest snapshot                -> set aside (renamed .damaged) for the previous one, with a notice
 *   no snapshot, whole log                 -> the log alone rebuilds the state
 *   no snapshot, log purged                -> start-up error: the log in between is missing
 *   a missing log file in the middle       -> start-up error
 *   empty dataDir                          -> starts empty
 *   newer format / ZooKeeper's own files   -> refused, naming the versions
 */
import { existsSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageCorruptionError, StorageFormatError, startWireServer } from '@vivarium/server';
import { filesOf, openMember, recordOffsets, stateOf, tempDir, versionDir, writeThrough } from './helpers.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A dataDir with three snapshots and four log files; returns the state it holds. */
function populated(): { dataDir: string; state: unknown; lastZxid: bigint } {
  const dataDir = tempDir();
  dirs.push(dataDir);
  const member = openMember(dataDir);
  writeThrough(member, 40, 12);
  const state = stateOf(member.engine);
  const lastZxid = member.engine.lastProcessedZxid;
  member.engine.close();
  expect(filesOf(dataDir, 'snapshot')).toHaveLength(3);
  expect(filesOf(dataDir, 'log')).toHaveLength(4);
  return { dataDir, state, lastZxid };
}

function flipByte(path: string, offset: number): void {
  const bytes = readFileSync(path);
  bytes[offset] = (bytes[offset] as number) ^ 0x5a;
  writeFileSync(path, bytes);
}

function startupError(dataDir: string): Error {
  try {
    openMember(dataDir).engine.close();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected recovery to fail');
}

describe('recovery from a damaged dataDir', () => {
  it('an empty dataDir starts empty', () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const member = openMember(dataDir);
    expect(member.engine.lastProcessedZxid).toBe(0n);
    expect(member.engine.database.sessions.size).toBe(0);
    expect([...member.engine.database.tree.walk()].map(([path]) => path).sort()).toEqual(['/', '/zookeeper', '/zookeeper/config', '/zookeeper/quota']);
    member.engine.close();
  });

  it('a log truncated mid-record (torn tail) recovers every whole record before it, cuts the rest, and carries on', () => {
    const { dataDir, lastZxid } = populated();
    const last = filesOf(dataDir, 'log').at(-1) as string;
    const offsets = recordOffsets(last);
    const cut = (offsets.at(-1) as number) + 5;
    truncateSync(last, cut);
    const member = openMember(dataDir);
    expect(member.engine.lastProcessedZxid).toBe(lastZxid - 1n);
    member.engine.checkInvariants();
    expect(member.lines.some((l) => l.includes(`${basename(last)}: torn tail at byte offset ${offsets.at(-1)}`))).toBe(true);
    expect(statSync(last).size).toBe(offsets.at(-1));
    // The member goes on writing after the cut, and all of it comes back.
    writeThrough(member, 3, 0, 'after');
    const state = stateOf(member.engine);
    member.engine.close();
    const again = openMember(dataDir);
    expect(stateOf(again.engine)).toEqual(state);
    expect(again.lines).toEqual([]);
    again.engine.close();
  });

  it('a torn file header on the last log (crash right after creating it) removes that file', () => {
    const { dataDir, state } = populated();
    const next = join(versionDir(dataDir), 'log.ffff');
    writeFileSync(next, Buffer.from([0x56, 0x56, 0x4c]));
    const member = openMember(dataDir);
    expect(stateOf(member.engine)).toEqual(state);
    expect(existsSync(next)).toBe(false);
    expect(member.lines.some((l) => l.includes('log.ffff: torn tail at byte offset 0'))).toBe(true);
    member.engine.close();
  });

  it('a flipped byte in the last record of the last log is a torn tail: that record is dropped', () => {
    const { dataDir, lastZxid } = populated();
    const last = filesOf(dataDir, 'log').at(-1) as string;
    const offset = recordOffsets(last).at(-1) as number;
    flipByte(last, offset + 12);
    const member = openMember(dataDir);
    expect(member.engine.lastProcessedZxid).toBe(lastZxid - 1n);
    expect(member.lines.some((l) => l.includes(`torn tail at byte offset ${offset} (record checksum mismatch)`))).toBe(true);
    member.engine.close();
  });

  it('a flipped byte in the middle of the last log stops start-up, naming the file and offset, and changes nothing', () => {
    const { dataDir } = populated();
    const last = filesOf(dataDir, 'log').at(-1) as string;
    const offsets = recordOffsets(last);
    const victim = offsets[2] as number;
    flipByte(last, victim + 10);
    const size = statSync(last).size;
    const error = startupError(dataDir);
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect((error as StorageCorruptionError).file).toBe(last);
    expect((error as StorageCorruptionError).offset).toBe(victim);
    expect(error.message).toContain(`${last}: corrupt at byte offset ${victim}`);
    expect(error.message).toContain(`an intact record follows at byte offset ${offsets[3]}`);
    expect(statSync(last).size).toBe(size);
  });

  it('a damaged length in the middle of the last log is corruption too, not a torn tail', () => {
    const { dataDir } = populated();
    const last = filesOf(dataDir, 'log').at(-1) as string;
    const victim = recordOffsets(last)[1] as number;
    const bytes = readFileSync(last);
    bytes.writeUInt32BE(0x00ffffff, victim);
    writeFileSync(last, bytes);
    const error = startupError(dataDir);
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect(error.message).toContain(`corrupt at byte offset ${victim}: record of ${0x00ffffff} bytes runs past the end of the file`);
  });

  it('damage at the very end of an older log file is corruption (only the last file can be torn)', () => {
    const { dataDir } = populated();
    // Drop the snapshots so the older logs are needed, then damage the end of the first one.
    for (const snapshot of filesOf(dataDir, 'snapshot')) rmSync(snapshot);
    const first = filesOf(dataDir, 'log')[0] as string;
    const size = statSync(first).size;
    truncateSync(first, size - 3);
    const error = startupError(dataDir);
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect(error.message).toContain(`${first}: corrupt at byte offset ${recordOffsets(first).at(-1)}`);
    expect(error.message).toContain('not the last log file');
  });

  it('no snapshot at all (log only): the log rebuilds the whole state', () => {
    const { dataDir, state } = populated();
    for (const snapshot of filesOf(dataDir, 'snapshot')) rmSync(snapshot);
    const member = openMember(dataDir);
    expect(stateOf(member.engine)).toEqual(state);
    member.engine.checkInvariants();
    member.engine.close();
  });

  it('no snapshot and the early log purged: start-up error, the log in between is missing', () => {
    const { dataDir } = populated();
    for (const snapshot of filesOf(dataDir, 'snapshot')) rmSync(snapshot);
    const second = filesOf(dataDir, 'log')[1] as string;
    rmSync(filesOf(dataDir, 'log')[0] as string);
    const error = startupError(dataDir);
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect(error.message).toContain(second);
    expect(error.message).toContain('there is no valid snapshot');
    expect(error.message).toContain('the log in between is missing');
  });

  it('a log file missing from the middle: start-up error naming the file after the gap', () => {
    const { dataDir } = populated();
    const logs = filesOf(dataDir, 'log');
    // Keep the oldest snapshot only, so logs 2..4 are all needed, then lose log 3.
    for (const snapshot of filesOf(dataDir, 'snapshot').slice(1)) rmSync(snapshot);
    rmSync(logs[2] as string);
    const error = startupError(dataDir);
    expect(error).toBeInstanceOf(StorageCorruptionError);
    expect(error.message).toContain(logs[3] as string);
    expect(error.message).toContain('a log file is missing');
  });

  it('a damaged newest snapshot is set aside for the previous one, with a notice; the state is whole', () => {
    const { dataDir, state } = populated();
    const snapshots = filesOf(dataDir, 'snapshot');
    const newest = snapshots.at(-1) as string;
    flipByte(newest, (recordOffsets(newest)[1] as number) + 40);
    const member = openMember(dataDir);
    expect(stateOf(member.engine)).toEqual(state);
    expect(member.lines.some((l) => l.startsWith(`${newest}: corrupt at byte offset`) && l.endsWith('falling back to the previous snapshot'))).toBe(true);
    expect(existsSync(`${newest}.damaged`)).toBe(true);
    expect(existsSync(newest)).toBe(false);
    member.engine.close();
    // Next start: no notice, same state.
    const again = openMember(dataDir);
    expect(again.lines).toEqual([]);
    expect(stateOf(again.engine)).toEqual(state);
    again.engine.close();
  });

  it('a truncated newest snapshot (no end part) falls back the same way', () => {
    const { dataDir, state } = populated();
    const newest = filesOf(dataDir, 'snapshot').at(-1) as string;
    truncateSync(newest, recordOffsets(newest).at(-1) as number);
    const member = openMember(dataDir);
    expect(stateOf(member.engine)).toEqual(state);
    expect(member.lines.some((l) => l.includes('no end part'))).toBe(true);
    member.engine.close();
  });

  it('a dataDir from a newer storage format is refused, naming the version found and the one supported', () => {
    const { dataDir } = populated();
    const last = filesOf(dataDir, 'log').at(-1) as string;
    const bytes = readFileSync(last);
    bytes.writeUInt32BE(2, 4);
    writeFileSync(last, bytes);
    const error = startupError(dataDir);
    expect(error).toBeInstanceOf(StorageFormatError);
    expect(error.message).toBe(`${last}: written by storage format version 2; this Vivarium supports storage format version 1 (use a newer Vivarium, or another dataDir)`);
    expect((error as StorageFormatError).foundVersion).toBe(2);
  });

  it('a record from a newer member codec is refused the same way (not mistaken for a torn tail)', () => {
    const { dataDir } = populated();
    const last = filesOf(dataDir, 'log').at(-1) as string;
    const offset = recordOffsets(last).at(-1) as number;
    const bytes = readFileSync(last);
    bytes[offset + 8] = 9;
    // Keep the checksum valid: this is a well-formed record of a later version.
    const { crc32 } = crcOf();
    bytes.writeUInt32BE(crc32(bytes.subarray(offset + 8, offset + 8 + bytes.readUInt32BE(offset))), offset + 4);
    writeFileSync(last, bytes);
    const error = startupError(dataDir);
    expect(error).toBeInstanceOf(StorageFormatError);
    expect(error.message).toContain('member codec version 9; this Vivarium reads version 1');
  });

  it("Apache ZooKeeper's own dataDir is refused with a clear message", () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const zkLog = Buffer.alloc(16);
    zkLog.write('ZKLG', 0, 'latin1');
    zkLog.writeUInt32BE(2, 4);
    rmSync(versionDir(dataDir), { recursive: true, force: true });
    openMember(dataDir).engine.close();
    writeFileSync(join(versionDir(dataDir), 'log.1'), Buffer.concat([zkLog, Buffer.alloc(64)]));
    const error = startupError(dataDir);
    expect(error).toBeInstanceOf(StorageFormatError);
    expect(error.message).toContain("is an Apache ZooKeeper file; Vivarium keeps its own format and cannot read ZooKeeper's dataDir");
  });

  it('an unreadable epoch file stops start-up, naming it', () => {
    const { dataDir } = populated();
    writeFileSync(join(versionDir(dataDir), 'currentEpoch'), 'banana\n');
    const error = startupError(dataDir);
    expect(error.message).toContain(`${join(versionDir(dataDir), 'currentEpoch')}: corrupt at byte offset 0: expected an epoch`);
  });

  it('startWireServer reports the same start-up error and does not open its port', async () => {
    const { dataDir } = populated();
    const last = filesOf(dataDir, 'log').at(-1) as string;
    flipByte(last, (recordOffsets(last)[1] as number) + 9);
    await expect(startWireServer({ dataDir, clock: 'manual', seed: 1 })).rejects.toThrow(/corrupt at byte offset \d+.*not a torn tail/);
  });
});

/** The CRC-32 the storage uses (the standard one), for forging a well-formed record. */
function crcOf(): { crc32: (bytes: Uint8Array) => number } {
  const table = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  return {
    crc32: (bytes) => {
      let crc = 0xffffffff;
      for (const byte of bytes) crc = (table[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
      return (crc ^ 0xffffffff) >>> 0;
    },
  };
}

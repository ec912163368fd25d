/**
 * Snapshot files: `snapshot.<lastZxid hex>`, a header then the snapshot as a
 * stream of checksummed member-codec parts (head, nodes..., sessions..., end).
 * Written to a temp file, fsynced and renamed, so a snapshot file either is
 * complete or does not exist; a damaged one fails its checksums or its end part.
 */
import { closeSync, fdatasyncSync, openSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { assembleSnapshot, MemberCodecError, type MemberCodec, type SnapshotPart } from '@vivarium/protocol';
import { snapshotFormatVersion, type Snapshot } from '@vivarium/store';
import { fsyncDirectory, writeFully } from './durable-files.ts';
import { encodeFileHeader, FileMagic, fileHeaderBytes, frameRecord, readFileHeader, readFrame, StorageCorruptionError, StorageFormatError } from './storage-format.ts';

export const snapshotFilePattern = /^snapshot\.([0-9a-f]{1,16})$/;

export function snapshotFileName(zxid: bigint): string {
  return `snapshot.${zxid.toString(16)}`;
}

/** Writes batched into buffers of about this size. */
const writeBatchBytes = 1 << 20;

/** Write `snapshot` durably into `dir`; returns the file's path and size. */
export function writeSnapshotFile(dir: string, snapshot: Snapshot, codec: MemberCodec, nodesPerPart: number): { path: string; bytes: number } {
  const path = join(dir, snapshotFileName(snapshot.lastZxid));
  const temp = `${path}.tmp`;
  const fd = openSync(temp, 'w');
  let total = 0;
  try {
    let batch: Uint8Array[] = [encodeFileHeader(FileMagic.snapshot, snapshot.lastZxid)];
    let batchBytes = fileHeaderBytes;
    const writeBatch = (): void => {
      const joined = concat(batch, batchBytes);
      writeFully(fd, joined);
      total += joined.length;
      batch = [];
      batchBytes = 0;
    };
    for (const part of codec.encodeSnapshotParts(snapshot, nodesPerPart)) {
      const framed = frameRecord(part);
      batch.push(framed);
      batchBytes += framed.length;
      if (batchBytes >= writeBatchBytes) writeBatch();
    }
    writeBatch();
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path);
  fsyncDirectory(dir);
  return { path, bytes: total };
}

/**
 * Read a whole snapshot file. A damaged file throws StorageCorruptionError
 * (the caller falls back to an older snapshot); one from a newer format
 * throws StorageFormatError (the caller refuses the dataDir).
 */
export function readSnapshotFile(path: string, codec: MemberCodec): Snapshot {
  const bytes = readFileSync(path);
  const header = readFileHeader(bytes, FileMagic.snapshot, path);
  if (header.kind === 'short') throw new StorageCorruptionError(path, 0, `${bytes.length} bytes, shorter than a file header`);
  let offset = fileHeaderBytes;
  function* parts(): Generator<SnapshotPart> {
    while (offset < bytes.length) {
      const frame = readFrame(bytes, offset);
      if (frame.kind === 'bad') throw new StorageCorruptionError(path, offset, frame.reason);
      try {
        yield codec.decodeSnapshotPart(frame.payload);
      } catch (error) {
        throw codecErrorAt(path, offset, error);
      }
      offset = frame.next;
    }
  }
  let snapshot: Snapshot;
  try {
    snapshot = assembleSnapshot(parts());
  } catch (error) {
    if (error instanceof MemberCodecError) throw new StorageCorruptionError(path, offset, error.message);
    throw error;
  }
  if (snapshot.formatVersion > snapshotFormatVersion) {
    throw new StorageFormatError(path, `holds snapshot format version ${snapshot.formatVersion}; this Vivarium supports snapshot format version ${snapshotFormatVersion}`, snapshot.formatVersion);
  }
  if (snapshot.formatVersion !== snapshotFormatVersion) throw new StorageCorruptionError(path, fileHeaderBytes, `unknown snapshot format version ${snapshot.formatVersion}`);
  if (snapshot.lastZxid !== header.zxid) {
    throw new StorageCorruptionError(path, fileHeaderBytes, `snapshot says zxid 0x${snapshot.lastZxid.toString(16)}, its header 0x${header.zxid.toString(16)}`);
  }
  return snapshot;
}

/** A member-codec error at a record: a newer codec refuses the dataDir, anything else is corruption. */
export function codecErrorAt(file: string, offset: number, error: unknown): Error {
  if (error instanceof MemberCodecError) {
    if (error.reason === 'version') return new StorageFormatError(file, `record at byte offset ${offset}: ${error.message}`, error.foundVersion);
    return new StorageCorruptionError(file, offset, `record has a valid checksum but does not decode: ${error.message}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

export function concat(chunks: readonly Uint8Array[], totalBytes?: number): Uint8Array {
  const total = totalBytes ?? chunks.reduce((n, c) => n + c.length, 0);
  if (chunks.length === 1 && (chunks[0] as Uint8Array).length === total) return chunks[0] as Uint8Array;
  const out = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

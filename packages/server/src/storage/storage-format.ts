/**
 * The on-disk format of FileStorage (docs/storage.md has the full picture).
 *
 * Every file starts with a 20-byte header:
 *   magic (4 bytes: "VVLG" log, "VVSN" snapshot) | format version (u32 BE)
 *   | zxid (u64 BE: a log's base zxid, a snapshot's last zxid) | CRC-32 of the 16 bytes before (u32 BE)
 * and continues with records, each:
 *   payload length (u32 BE) | CRC-32 of the payload (u32 BE) | payload (a member-codec record)
 */
import { crc32 } from './crc32.ts';

/** Bumped when the file layout changes; a reader refuses files from a newer version. */
export const storageFormatVersion = 1;

export const fileHeaderBytes = 20;
export const recordHeaderBytes = 8;
/** Larger than any txn a client can cause (frames are limited to jute.maxbuffer), small enough to reject a garbage length. */
export const recordBytesMax = 256 * 1024 * 1024;

export const FileMagic = {
  log: 0x56564c47, // "VVLG"
  snapshot: 0x5656534e, // "VVSN"
  zookeeperLog: 0x5a4b4c47, // "ZKLG": Apache ZooKeeper's own files
  zookeeperSnapshot: 0x5a4b534e, // "ZKSN"
} as const;

/** A file (or a record in it) that is damaged: start-up stops and names the place. */
export class StorageCorruptionError extends Error {
  readonly file: string;
  readonly offset: number;

  constructor(file: string, offset: number, detail: string) {
    super(`${file}: corrupt at byte offset ${offset}: ${detail}`);
    this.name = 'StorageCorruptionError';
    this.file = file;
    this.offset = offset;
  }
}

/** A dataDir this Vivarium cannot read: written by a newer version, or by something else entirely. */
export class StorageFormatError extends Error {
  readonly file: string;
  readonly foundVersion: number | undefined;

  constructor(file: string, detail: string, foundVersion?: number) {
    super(`${file}: ${detail}`);
    this.name = 'StorageFormatError';
    this.file = file;
    this.foundVersion = foundVersion;
  }
}

export function encodeFileHeader(magic: number, zxid: bigint): Uint8Array {
  const header = new Uint8Array(fileHeaderBytes);
  const view = new DataView(header.buffer);
  view.setUint32(0, magic);
  view.setUint32(4, storageFormatVersion);
  view.setBigUint64(8, zxid);
  view.setUint32(16, crc32(header, 0, 16));
  return header;
}

export type HeaderRead = { kind: 'ok'; zxid: bigint } | { kind: 'short' };

/**
 * Read and check a file header. Short files answer `short` (the caller decides
 * whether that is a torn tail); anything else wrong throws, naming the file.
 */
export function readFileHeader(bytes: Uint8Array, expectedMagic: number, file: string): HeaderRead {
  if (bytes.length < fileHeaderBytes) return { kind: 'short' };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  if (magic === FileMagic.zookeeperLog || magic === FileMagic.zookeeperSnapshot) {
    throw new StorageFormatError(file, 'is an Apache ZooKeeper file; Vivarium keeps its own format and cannot read ZooKeeper\'s dataDir (point dataDir at an empty directory)');
  }
  if (magic !== expectedMagic) throw new StorageCorruptionError(file, 0, `bad magic 0x${magic.toString(16).padStart(8, '0')} (expected 0x${expectedMagic.toString(16)})`);
  const version = view.getUint32(4);
  if (version > storageFormatVersion) {
    throw new StorageFormatError(
      file,
      `written by storage format version ${version}; this Vivarium supports storage format version ${storageFormatVersion} (use a newer Vivarium, or another dataDir)`,
      version,
    );
  }
  if (version !== storageFormatVersion) throw new StorageCorruptionError(file, 4, `unknown storage format version ${version}`);
  if (view.getUint32(16) !== crc32(bytes, 0, 16)) throw new StorageCorruptionError(file, 16, 'header checksum mismatch');
  return { kind: 'ok', zxid: view.getBigUint64(8) };
}

/** One record as it goes to disk: length, checksum, payload. */
export function frameRecord(payload: Uint8Array): Uint8Array {
  const framed = new Uint8Array(recordHeaderBytes + payload.length);
  const view = new DataView(framed.buffer);
  view.setUint32(0, payload.length);
  view.setUint32(4, crc32(payload));
  framed.set(payload, recordHeaderBytes);
  return framed;
}

export type FrameRead =
  | { kind: 'ok'; payload: Uint8Array; next: number }
  | { kind: 'bad'; reason: string };

/** The record at `offset`, or why there is no intact one there. */
export function readFrame(bytes: Uint8Array, offset: number): FrameRead {
  const remaining = bytes.length - offset;
  if (remaining < recordHeaderBytes) return { kind: 'bad', reason: `${remaining} bytes left, less than a record header` };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const length = view.getUint32(offset);
  if (length === 0 || length > recordBytesMax) return { kind: 'bad', reason: `record length ${length} is outside 1..${recordBytesMax}` };
  const end = offset + recordHeaderBytes + length;
  if (end > bytes.length) return { kind: 'bad', reason: `record of ${length} bytes runs past the end of the file (${remaining - recordHeaderBytes} bytes left)` };
  if (view.getUint32(offset + 4) !== crc32(bytes, offset + recordHeaderBytes, end)) return { kind: 'bad', reason: 'record checksum mismatch' };
  return { kind: 'ok', payload: bytes.subarray(offset + recordHeaderBytes, end), next: end };
}

/**
 * The offset of the first intact record after `from` whose payload starts with
 * `firstBytes`, if any: a damaged record followed by good ones is corruption in
 * the middle, not a torn tail. The prefix check keeps the search cheap.
 */
export function findIntactRecordAfter(bytes: Uint8Array, from: number, firstBytes: readonly number[]): number | undefined {
  for (let offset = from + 1; offset + recordHeaderBytes + firstBytes.length <= bytes.length; offset++) {
    let matches = true;
    for (let k = 0; k < firstBytes.length; k++) {
      if (bytes[offset + recordHeaderBytes + k] !== firstBytes[k]) {
        matches = false;
        break;
      }
    }
    if (matches && readFrame(bytes, offset).kind === 'ok') return offset;
  }
  return undefined;
}

/**
 * Transaction log files: `log.<first zxid hex>`, a header carrying the base
 * zxid (the state the file continues from), then one checksummed member-codec
 * txn record per txn, zxids strictly increasing.
 *
 * Reading tells a torn tail (normal after a crash: the last file ends in a
 * partial or damaged record with nothing intact after it) from corruption (a
 * damaged record followed by intact ones, or any damage in a file that is not
 * the last), which stops start-up with the file and byte offset.
 */
import { memberCodecVersion, MemberRecordType, type MemberCodec } from '@vivarium/protocol';
import type { Txn } from '@vivarium/store';
import { codecErrorAt } from './snapshot-file.ts';
import { FileMagic, fileHeaderBytes, findIntactRecordAfter, readFileHeader, readFrame, StorageCorruptionError } from './storage-format.ts';

export const logFilePattern = /^log\.([0-9a-f]{1,16})$/;

export function logFileName(firstZxid: bigint): string {
  return `log.${firstZxid.toString(16)}`;
}

export interface LogScan {
  file: string;
  /** The zxid the file continues from; undefined when its header is torn (last file only). */
  base: bigint | undefined;
  txns: Txn[];
  /** End offset of each txn's record, parallel to `txns`. */
  ends: number[];
  /** Where the intact records end: the file's size, or the start of a torn tail. */
  validEnd: number;
  /** The torn tail found at the end of the last file, if any. */
  torn: { offset: number; reason: string } | undefined;
}

const txnRecordPrefix = [memberCodecVersion, MemberRecordType.txn] as const;

/** Read every record of one log file. Throws StorageCorruptionError / StorageFormatError as described above. */
export function scanLogFile(file: string, bytes: Uint8Array, codec: MemberCodec, last: boolean): LogScan {
  const scan: LogScan = { file, base: undefined, txns: [], ends: [], validEnd: 0, torn: undefined };
  if (last && bytes.every((b) => b === 0)) {
    // A file created just before a crash whose blocks never reached the disk reads back as zeros.
    scan.torn = bytes.length === 0 ? undefined : { offset: 0, reason: `${bytes.length} zero bytes and no header` };
    return scan;
  }
  const header = readFileHeader(bytes, FileMagic.log, file);
  if (header.kind === 'short') {
    if (!last) throw new StorageCorruptionError(file, 0, `${bytes.length} bytes, shorter than a file header, and not the last log file`);
    scan.torn = { offset: 0, reason: `${bytes.length} bytes, shorter than a file header` };
    return scan;
  }
  scan.base = header.zxid;
  let previous = header.zxid;
  let offset = fileHeaderBytes;
  while (offset < bytes.length) {
    const frame = readFrame(bytes, offset);
    if (frame.kind === 'bad') {
      if (!last) throw new StorageCorruptionError(file, offset, `${frame.reason} (not the last log file, so not a torn tail)`);
      const intact = findIntactRecordAfter(bytes, offset, txnRecordPrefix);
      if (intact !== undefined) {
        throw new StorageCorruptionError(file, offset, `${frame.reason}, and an intact record follows at byte offset ${intact}: corruption in the middle of the log, not a torn tail`);
      }
      scan.torn = { offset, reason: frame.reason };
      break;
    }
    let txn: Txn;
    try {
      txn = codec.decodeTxn(frame.payload) as Txn;
    } catch (error) {
      throw codecErrorAt(file, offset, error);
    }
    if (txn.zxid <= previous) {
      throw new StorageCorruptionError(file, offset, `txn zxid 0x${txn.zxid.toString(16)} does not follow 0x${previous.toString(16)}`);
    }
    previous = txn.zxid;
    scan.txns.push(txn);
    scan.ends.push(frame.next);
    offset = frame.next;
  }
  scan.validEnd = scan.torn === undefined ? bytes.length : scan.torn.offset;
  return scan;
}

/** The zxid a log file's contents end at: its last txn, else its base. */
export function lastZxidOf(scan: LogScan): bigint | undefined {
  return scan.txns.at(-1)?.zxid ?? scan.base;
}

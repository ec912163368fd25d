/**
 * A bounds-checked big-endian reader for jute (BinaryInputArchive). Every read
 * names its field so a JuteDecodeError says what was being parsed and where.
 *
 * Policy for nulls: jute writes null buffers, strings and vectors as length -1.
 * The nullable readers (`readBuffer`, `readUstring`) return null; the non-null
 * readers (`readBufferNonNull`, `readString`, `readStringVector`,
 * `readVectorCount`) reject -1 with a JuteDecodeError, because the record types
 * have no null there. Buffers are copied out, so a decoded record never pins
 * the (possibly much larger) socket chunk it came from.
 */
import { juteMaxBufferDefault } from './constants.ts';
import { JuteDecodeError } from './jute-decode-error.ts';
import type { Data } from './records.ts';

export interface JuteReaderOptions {
  /** Largest accepted buffer or string length (jute.maxbuffer). Default 0xfffff. */
  bufferBytesMax?: number;
}

/** Byte length under which a per-byte ASCII loop beats TextDecoder. */
const asciiLoopBytesMax = 32;
/** ignoreBOM: keep a leading U+FEFF as a character; it is data, not an encoding mark. */
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export class JuteReader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos = 0;
  readonly bufferBytesMax: number;

  constructor(bytes: Uint8Array, options: JuteReaderOptions = {}) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const max = options.bufferBytesMax ?? juteMaxBufferDefault;
    if (!Number.isInteger(max) || max < 0) {
      throw new RangeError(`JuteReader bufferBytesMax must be a non-negative integer, got ${max}`);
    }
    this.bufferBytesMax = max;
  }

  /** Bytes consumed so far. */
  get offset(): number {
    return this.pos;
  }

  /** Bytes not yet consumed. */
  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throw unless `count` more bytes are available. */
  need(count: number, field: string): void {
    if (this.bytes.length - this.pos < count) {
      throw new JuteDecodeError(field, this.pos, `need ${count} bytes, ${this.bytes.length - this.pos} left`);
    }
  }

  readInt(field: string): number {
    this.need(4, field);
    const value = this.view.getInt32(this.pos);
    this.pos += 4;
    return value;
  }

  readLong(field: string): bigint {
    this.need(8, field);
    const value = this.view.getBigInt64(this.pos);
    this.pos += 8;
    return value;
  }

  /**
   * A jute long as a number (times, TTLs). Values beyond 2^53 lose precision
   * but keep their magnitude, so range checks downstream still reject them.
   */
  readLongNumber(field: string): number {
    this.need(8, field);
    const value = this.view.getInt32(this.pos) * 0x1_0000_0000 + this.view.getUint32(this.pos + 4);
    this.pos += 8;
    return value;
  }

  /** Any non-zero byte is true, as in BinaryInputArchive. */
  readBoolean(field: string): boolean {
    this.need(1, field);
    return this.bytes[this.pos++] !== 0;
  }

  /** A length prefix: -1 means null; other negatives and lengths over the limits throw. */
  private readLength(field: string): number {
    const at = this.pos;
    const length = this.readInt(field);
    if (length === -1) return -1;
    if (length < 0) throw new JuteDecodeError(field, at, `negative length ${length}`);
    if (length > this.bufferBytesMax) {
      throw new JuteDecodeError(field, at, `length ${length} exceeds bufferBytesMax ${this.bufferBytesMax}`);
    }
    if (length > this.bytes.length - this.pos) {
      throw new JuteDecodeError(field, at, `length ${length} but only ${this.bytes.length - this.pos} bytes left`);
    }
    return length;
  }

  /** jute `buffer`; -1 is null. */
  readBuffer(field: string): Data {
    const length = this.readLength(field);
    if (length < 0) return null;
    const start = this.pos;
    this.pos += length;
    // A copy into a plain Uint8Array: slice() on a Node Buffer (what a socket hands over) is a view that pins the chunk.
    return new Uint8Array(this.bytes.subarray(start, start + length));
  }

  /** jute `buffer` where the record has no null. */
  readBufferNonNull(field: string): Uint8Array {
    const at = this.pos;
    const data = this.readBuffer(field);
    if (data === null) throw new JuteDecodeError(field, at, 'null buffer where a value is required');
    return data;
  }

  /** jute `ustring`, decoded as standard UTF-8 (malformed bytes become U+FFFD); -1 is null. */
  readUstring(field: string): string | null {
    const length = this.readLength(field);
    if (length < 0) return null;
    const start = this.pos;
    this.pos += length;
    const bytes = this.bytes;
    if (length <= asciiLoopBytesMax) {
      let out = '';
      let i = start;
      const end = start + length;
      for (; i < end; i++) {
        const b = bytes[i] as number;
        if (b >= 0x80) break;
        out += String.fromCharCode(b);
      }
      if (i === end) return out;
    }
    return decoder.decode(bytes.subarray(start, start + length));
  }

  /** jute `ustring` where the record has no null. */
  readString(field: string): string {
    const at = this.pos;
    const value = this.readUstring(field);
    if (value === null) throw new JuteDecodeError(field, at, 'null string where a value is required');
    return value;
  }

  /**
   * A vector's element count, which must be non-null. `elementBytesMin` is the
   * smallest encoding of one element; a count that cannot fit in the remaining
   * bytes is rejected up front, so garbage never drives a long loop.
   */
  readVectorCount(field: string, elementBytesMin: number): number {
    const at = this.pos;
    const count = this.readInt(field);
    if (count === -1) throw new JuteDecodeError(field, at, 'null vector where a value is required');
    if (count < 0) throw new JuteDecodeError(field, at, `negative vector count ${count}`);
    if (count * elementBytesMin > this.bytes.length - this.pos) {
      throw new JuteDecodeError(
        field,
        at,
        `vector count ${count} cannot fit in ${this.bytes.length - this.pos} remaining bytes`,
      );
    }
    return count;
  }

  /** jute `vector<ustring>` (non-null). */
  readStringVector(field: string): string[] {
    const count = this.readVectorCount(field, 4);
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = this.readString(field);
    return out;
  }

  /** jute `vector<T>` (non-null) with a per-element reader. */
  readVector<T>(field: string, elementBytesMin: number, readItem: (reader: JuteReader) => T): T[] {
    const count = this.readVectorCount(field, elementBytesMin);
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) out[i] = readItem(this);
    return out;
  }
}

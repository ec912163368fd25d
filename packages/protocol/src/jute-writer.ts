/**
 * A growable big-endian writer for jute (BinaryOutputArchive). It is on the hot
 * path of every reply, so it keeps one ArrayBuffer and one DataView across
 * messages: `finish()` hands out the bytes and resets the writer for the next
 * message. Small messages are copied out (one exact-size allocation, and the
 * scratch buffer stays warm); big ones hand over the buffer itself, so a 1 MB
 * getData reply is never copied twice.
 */
import type { Data } from './records.ts';

export interface JuteWriterOptions {
  /** Start capacity of the scratch buffer. It doubles as needed. Default 1024. */
  initialBytes?: number;
  /**
   * Reserve 4 bytes at the start for the frame length and fill them in
   * `finish()` with the number of bytes that follow, so a whole frame is built
   * in one buffer. Default false.
   */
  framed?: boolean;
}

/** Above this many bytes `finish()` hands over its buffer instead of copying. */
const handOverBytesMin = 16 * 1024;
/** UTF-16 length under which a per-char ASCII loop beats TextEncoder.encodeInto. */
const asciiLoopCharsMax = 64;

const encoder = new TextEncoder();

export class JuteWriter {
  private bytes: Uint8Array;
  private view: DataView;
  private pos: number;
  private readonly initialBytes: number;
  private readonly start: number;

  constructor(options: JuteWriterOptions = {}) {
    const initialBytes = options.initialBytes ?? 1024;
    if (!Number.isInteger(initialBytes) || initialBytes < 8) {
      throw new RangeError(`JuteWriter initialBytes must be an integer >= 8, got ${initialBytes}`);
    }
    this.initialBytes = initialBytes;
    this.start = options.framed === true ? 4 : 0;
    this.bytes = new Uint8Array(initialBytes);
    this.view = new DataView(this.bytes.buffer);
    this.pos = this.start;
  }

  /** Bytes written so far, including a reserved frame prefix. */
  get length(): number {
    return this.pos;
  }

  /** Drop anything written since the last `finish()` (e.g. after an encoder threw). */
  reset(): void {
    this.pos = this.start;
  }

  /**
   * The bytes written since the last reset. Fills the frame length when the
   * writer is framed. The writer is reset and may be reused at once; the
   * returned array is never touched by it again.
   */
  finish(): Uint8Array {
    const end = this.pos;
    if (this.start === 4) this.view.setInt32(0, end - 4);
    this.pos = this.start;
    if (end >= handOverBytesMin) {
      // Hand the buffer over when at most half of it is slack; otherwise copy.
      // Either way drop the big scratch so one huge reply is not kept forever.
      const out = end * 2 >= this.bytes.length ? new Uint8Array(this.bytes.buffer, 0, end) : this.bytes.slice(0, end);
      this.bytes = new Uint8Array(this.initialBytes);
      this.view = new DataView(this.bytes.buffer);
      return out;
    }
    return this.bytes.slice(0, end);
  }

  private ensure(extra: number): void {
    const needed = this.pos + extra;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.pos));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** jute `int`: a signed 32-bit integer. Anything else is a caller bug. */
  writeInt(value: number): void {
    if ((value | 0) !== value) throw new RangeError(`jute int out of range: ${value}`);
    this.ensure(4);
    this.view.setInt32(this.pos, value);
    this.pos += 4;
  }

  /** jute `long` from a bigint, taken modulo 2^64 (so unsigned spellings give the same bytes). */
  writeLong(value: bigint): void {
    this.ensure(8);
    this.view.setBigInt64(this.pos, value);
    this.pos += 8;
  }

  /**
   * jute `long` from a number (millisecond times, TTLs). Must be a safe integer;
   * this avoids a bigint allocation per Stat time field.
   */
  writeLongNumber(value: number): void {
    if (!Number.isSafeInteger(value)) throw new RangeError(`jute long (as number) not a safe integer: ${value}`);
    this.ensure(8);
    const high = Math.floor(value / 0x1_0000_0000);
    this.view.setInt32(this.pos, high);
    this.view.setUint32(this.pos + 4, value - high * 0x1_0000_0000);
    this.pos += 8;
  }

  /** jute `boolean`: one byte, 0 or 1. */
  writeBoolean(value: boolean): void {
    this.ensure(1);
    this.bytes[this.pos++] = value ? 1 : 0;
  }

  /** Raw bytes with no length prefix. */
  writeRaw(data: Uint8Array): void {
    this.ensure(data.length);
    this.bytes.set(data, this.pos);
    this.pos += data.length;
  }

  /** jute `buffer`: int32 length + bytes; null is length -1 with no bytes. */
  writeBuffer(data: Data): void {
    if (data === null) {
      this.writeInt(-1);
      return;
    }
    this.ensure(4 + data.length);
    this.view.setInt32(this.pos, data.length);
    this.bytes.set(data, this.pos + 4);
    this.pos += 4 + data.length;
  }

  /**
   * jute `ustring`: int32 byte length + UTF-8; null is length -1. Lone
   * surrogates become U+FFFD (TextEncoder), so only well-formed strings round-trip.
   */
  writeUstring(value: string | null): void {
    if (value === null) {
      this.writeInt(-1);
      return;
    }
    const chars = value.length;
    this.ensure(4 + chars * 3);
    const bodyStart = this.pos + 4;
    const bytes = this.bytes;
    let byteLength = -1;
    if (chars <= asciiLoopCharsMax) {
      let i = 0;
      for (; i < chars; i++) {
        const c = value.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[bodyStart + i] = c;
      }
      if (i === chars) byteLength = chars;
    }
    if (byteLength < 0) byteLength = encoder.encodeInto(value, bytes.subarray(bodyStart)).written;
    this.view.setInt32(this.pos, byteLength);
    this.pos = bodyStart + byteLength;
  }

  /** jute `vector<ustring>`; null is count -1. */
  writeStringVector(values: readonly string[] | null): void {
    if (values === null) {
      this.writeInt(-1);
      return;
    }
    this.writeInt(values.length);
    for (const value of values) this.writeUstring(value);
  }

  /** jute `vector<T>` with a per-element writer; null is count -1. */
  writeVector<T>(values: readonly T[] | null, writeItem: (writer: JuteWriter, item: T) => void): void {
    if (values === null) {
      this.writeInt(-1);
      return;
    }
    this.writeInt(values.length);
    for (const value of values) writeItem(this, value);
  }
}

/**
 * Splits a byte stream into frames: int32 length + that many bytes
 * (reference §1.1). Chunks are queued as they arrive and each byte is copied at
 * most once: a frame lying inside one chunk is returned as a view of it (no
 * copy), a frame spanning chunks is assembled once into a new array. So frames
 * may alias pushed chunks; do not mutate a chunk after pushing it.
 *
 * Four-letter words: a fresh connection's first 4 bytes may be `ruok`, `srvr`...
 * rather than a length, and as a length they exceed frameBytesMax. So the
 * server calls `peekFirstWord()` (and `peek(12)` for `stmk`) before the first
 * `next()`: peeking never consumes or validates anything. Once `next()` has
 * been called the bytes are a length, checked against frameBytesMax.
 */
import { juteMaxBufferDefault } from './constants.ts';
import { FrameTooLargeError } from './jute-decode-error.ts';

export interface FrameReaderOptions {
  /** Largest accepted frame body (jute.maxbuffer). Default 0xfffff. */
  frameBytesMax?: number;
}

const latin1 = new TextDecoder('latin1');
const empty = new Uint8Array(0);

export class FrameReader {
  readonly frameBytesMax: number;
  private chunks: (Uint8Array | undefined)[] = [];
  /** Index in `chunks` of the oldest chunk still holding unread bytes. */
  private head = 0;
  /** Read position inside `chunks[head]`. */
  private headOffset = 0;
  private buffered = 0;
  /** Bytes consumed from the stream so far. */
  private consumed = 0;
  /** Length of the frame whose prefix has been consumed, or -1 between frames. */
  private pendingLength = -1;
  private frames = 0;
  private failure: FrameTooLargeError | undefined;

  constructor(options: FrameReaderOptions = {}) {
    const max = options.frameBytesMax ?? juteMaxBufferDefault;
    if (!Number.isInteger(max) || max < 0 || max > 0x7fffffff) {
      throw new RangeError(`FrameReader frameBytesMax must be an integer in 0..2^31-1, got ${max}`);
    }
    this.frameBytesMax = max;
  }

  /** Bytes received and not yet returned (a consumed length prefix no longer counts). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Complete frames returned by `next()` so far. */
  get framesRead(): number {
    return this.frames;
  }

  /** Queue bytes from the socket. */
  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next complete frame body (without its length prefix), or undefined
   * until more bytes arrive. A negative length or one above frameBytesMax
   * throws FrameTooLargeError, and every later call throws it again: the
   * connection must be closed.
   */
  next(): Uint8Array | undefined {
    if (this.failure !== undefined) throw this.failure;
    if (this.pendingLength < 0) {
      if (this.buffered < 4) return undefined;
      const at = this.consumed;
      const prefix = this.take(4);
      const length = ((prefix[0] as number) << 24) | ((prefix[1] as number) << 16) | ((prefix[2] as number) << 8) | (prefix[3] as number);
      if (length < 0 || length > this.frameBytesMax) {
        this.failure = new FrameTooLargeError(length, this.frameBytesMax, at);
        throw this.failure;
      }
      this.pendingLength = length;
    }
    if (this.buffered < this.pendingLength) return undefined;
    const body = this.take(this.pendingLength);
    this.pendingLength = -1;
    this.frames++;
    return body;
  }

  /** Every complete frame now buffered. */
  *[Symbol.iterator](): Generator<Uint8Array, void, undefined> {
    for (let frame = this.next(); frame !== undefined; frame = this.next()) yield frame;
  }

  /** The next `count` unread bytes without consuming them, or undefined if fewer are buffered. */
  peek(count: number): Uint8Array | undefined {
    if (this.buffered < count) return undefined;
    const out = new Uint8Array(count);
    let written = 0;
    let offset = this.headOffset;
    for (let i = this.head; written < count; i++) {
      const chunk = this.chunks[i] as Uint8Array;
      const n = Math.min(chunk.length - offset, count - written);
      out.set(chunk.subarray(offset, offset + n), written);
      written += n;
      offset = 0;
    }
    return out;
  }

  /**
   * The connection's first 4 bytes as a 4-character latin1 string (e.g.
   * 'ruok'), for the four-letter-word check. Undefined until 4 bytes have
   * arrived, and once anything has been consumed (the stream is past its start).
   */
  peekFirstWord(): string | undefined {
    if (this.consumed !== 0 || this.pendingLength >= 0) return undefined;
    const word = this.peek(4);
    return word === undefined ? undefined : latin1.decode(word);
  }

  /** Consume `count` buffered bytes (caller checked they are there). */
  private take(count: number): Uint8Array {
    if (count === 0) return empty;
    this.buffered -= count;
    this.consumed += count;
    const first = this.chunks[this.head] as Uint8Array;
    const available = first.length - this.headOffset;
    if (available >= count) {
      const out = first.subarray(this.headOffset, this.headOffset + count);
      this.headOffset += count;
      if (this.headOffset === first.length) this.dropHead();
      return out;
    }
    const out = new Uint8Array(count);
    let written = 0;
    while (written < count) {
      const chunk = this.chunks[this.head] as Uint8Array;
      const n = Math.min(chunk.length - this.headOffset, count - written);
      out.set(chunk.subarray(this.headOffset, this.headOffset + n), written);
      written += n;
      this.headOffset += n;
      if (this.headOffset === chunk.length) this.dropHead();
    }
    return out;
  }

  /** Release the exhausted head chunk; compact the queue now and then so it never grows without bound. */
  private dropHead(): void {
    this.chunks[this.head] = undefined;
    this.head++;
    this.headOffset = 0;
    if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    } else if (this.head >= 64 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}

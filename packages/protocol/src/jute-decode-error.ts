/**
 * The one error the jute decoders throw: bytes that do not parse as the record
 * they claim to be (truncated, a negative or oversized length, an op that cannot
 * appear where it was found). A server answers it by closing the connection, as
 * ZooKeeper does on an IOException while reading a request.
 */
export class JuteDecodeError extends Error {
  /** The field being read, e.g. `CreateRequest.path`. */
  readonly field: string;
  /** Byte offset of that field in the body (or, for frame errors, in the stream). */
  readonly offset: number;

  constructor(field: string, offset: number, detail: string) {
    super(`jute decode failed at ${field} (offset ${offset}): ${detail}`);
    this.name = 'JuteDecodeError';
    this.field = field;
    this.offset = offset;
  }
}

/**
 * A frame length prefix that is negative or above `frameBytesMax`
 * (jute.maxbuffer, NIOServerCnxn.readLength). The connection must be closed.
 */
export class FrameTooLargeError extends JuteDecodeError {
  readonly length: number;
  readonly limit: number;

  constructor(length: number, limit: number, streamOffset: number) {
    super('frame length', streamOffset, `length ${length} is outside 0..${limit} (frameBytesMax)`);
    this.name = 'FrameTooLargeError';
    this.length = length;
    this.limit = limit;
  }
}

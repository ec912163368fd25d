import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unicodeString } from '../test-support/arbitraries.ts';
import { fcParams, fcSeed } from '../test-support/fast-check-settings.ts';
import { JuteDecodeError } from './jute-decode-error.ts';
import { JuteReader } from './jute-reader.ts';
import { JuteWriter } from './jute-writer.ts';

const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));

function decodeError(run: () => unknown): JuteDecodeError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(JuteDecodeError);
    return error as JuteDecodeError;
  }
  throw new Error('expected a JuteDecodeError');
}

describe(`JuteReader (fc seed ${fcSeed})`, () => {
  it('reads what the writer wrote (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.maxSafeInteger(),
        fc.boolean(),
        fc.option(fc.uint8Array({ maxLength: 50 }), { nil: null }),
        fc.option(unicodeString(50), { nil: null }),
        fc.array(fc.string({ maxLength: 10 }), { maxLength: 5 }),
        (i, l, n, b, buf, s, v) => {
          const w = new JuteWriter();
          w.writeInt(i);
          w.writeLong(l);
          w.writeLongNumber(n);
          w.writeBoolean(b);
          w.writeBuffer(buf);
          w.writeUstring(s);
          w.writeStringVector(v);
          const r = new JuteReader(w.finish());
          expect(r.readInt('i')).toBe(i);
          expect(r.readLong('l')).toBe(l);
          expect(r.readLongNumber('n')).toBe(n);
          expect(r.readBoolean('b')).toBe(b);
          expect(r.readBuffer('buf')).toStrictEqual(buf);
          expect(r.readUstring('s')).toBe(s);
          expect(r.readStringVector('v')).toStrictEqual(v);
          expect(r.remaining).toBe(0);
        },
      ),
      fcParams(300),
    );
  });

  it('treats any non-zero byte as true', () => {
    expect(new JuteReader(fromHex('7f')).readBoolean('b')).toBe(true);
  });

  it('names the field and offset of a truncated read', () => {
    const r = new JuteReader(fromHex('0000000100'));
    r.readInt('first');
    const error = decodeError(() => r.readInt('Stat.version'));
    expect(error.field).toBe('Stat.version');
    expect(error.offset).toBe(4);
    expect(error.message).toContain('Stat.version');
    expect(error.message).toContain('offset 4');
  });

  it('rejects negative lengths other than -1', () => {
    const error = decodeError(() => new JuteReader(fromHex('fffffffe')).readBuffer('GetDataResponse.data'));
    expect(error.message).toContain('negative length -2');
  });

  it('rejects lengths above bufferBytesMax (default jute.maxbuffer) before looking for the bytes', () => {
    expect(decodeError(() => new JuteReader(fromHex('00100000')).readUstring('p')).message).toContain(
      'exceeds bufferBytesMax 1048575',
    );
    const small = new JuteReader(fromHex('00000003616263'), { bufferBytesMax: 2 });
    expect(decodeError(() => small.readString('p')).message).toContain('length 3 exceeds bufferBytesMax 2');
    expect(new JuteReader(fromHex('00000003616263'), { bufferBytesMax: 3 }).readString('p')).toBe('abc');
  });

  it('rejects lengths running past the end', () => {
    expect(decodeError(() => new JuteReader(fromHex('0000000561')).readString('p')).message).toContain(
      'only 1 bytes left',
    );
  });

  it('returns null for nullable -1 and rejects it where the record has no null', () => {
    const minusOne = fromHex('ffffffff');
    expect(new JuteReader(minusOne).readBuffer('d')).toBeNull();
    expect(new JuteReader(minusOne).readUstring('s')).toBeNull();
    expect(decodeError(() => new JuteReader(minusOne).readString('CreateRequest.path')).message).toContain('null string');
    expect(decodeError(() => new JuteReader(minusOne).readBufferNonNull('AuthPacket.auth')).message).toContain('null buffer');
    expect(decodeError(() => new JuteReader(minusOne).readStringVector('SetWatches.dataWatches')).message).toContain(
      'null vector',
    );
  });

  it('rejects a vector count that cannot fit in the remaining bytes without looping', () => {
    const error = decodeError(() => new JuteReader(fromHex('7fffffff00000000')).readStringVector('children'));
    expect(error.message).toContain('vector count 2147483647');
  });

  it('decodes standard UTF-8, including 4-byte sequences, and replaces malformed bytes', () => {
    expect(new JuteReader(fromHex('00000004f09f9880')).readString('s')).toBe('\u{1F600}');
    expect(new JuteReader(fromHex('000000022fff')).readString('s')).toBe('/\uFFFD');
  });

  it('keeps a leading U+FEFF (byte order mark) as part of the string', () => {
    const w = new JuteWriter();
    w.writeUstring('\uFEFF/a');
    w.writeUstring('\uFEFF');
    const r = new JuteReader(w.finish());
    expect(r.readString('s')).toBe('\uFEFF/a');
    expect(r.readString('s')).toBe('\uFEFF');
  });

  it('copies buffers out, so a decoded value does not alias the frame', () => {
    const frame = fromHex('000000020102');
    const data = new JuteReader(frame).readBufferNonNull('d');
    frame[4] = 9;
    expect([...data]).toEqual([1, 2]);
  });

  it('reads from a view with a non-zero byteOffset', () => {
    const backing = fromHex('ffff0000002a');
    expect(new JuteReader(backing.subarray(2)).readInt('i')).toBe(42);
  });

  it('copies a buffer out of a Node Buffer (a socket chunk) into a plain Uint8Array that does not pin the chunk', () => {
    const chunk = Buffer.alloc(64 * 1024);
    chunk.writeInt32BE(3, 0);
    chunk.write('abc', 4);
    const data = new JuteReader(chunk.subarray(0, 100)).readBuffer('data') as Uint8Array;
    expect(Object.getPrototypeOf(data)).toBe(Uint8Array.prototype);
    expect(data.buffer).not.toBe(chunk.buffer);
    expect(data.buffer.byteLength).toBe(3);
    expect([...data]).toEqual([0x61, 0x62, 0x63]);
  });
});

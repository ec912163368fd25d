import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { unicodeString } from '../test-support/arbitraries.ts';
import { fcParams, fcSeed } from '../test-support/fast-check-settings.ts';
import { JuteWriter } from './jute-writer.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

describe(`JuteWriter (fc seed ${fcSeed})`, () => {
  it('writes big-endian ints, longs and booleans', () => {
    const w = new JuteWriter();
    w.writeInt(-2);
    w.writeLong(0x0100000c36270000n);
    w.writeLongNumber(-1);
    w.writeLongNumber(0x1a201515245);
    w.writeBoolean(true);
    w.writeBoolean(false);
    expect(hex(w.finish())).toBe('fffffffe' + '0100000c36270000' + 'ffffffffffffffff' + '000001a201515245' + '0100');
  });

  it('takes longs modulo 2^64, so an unsigned spelling gives the signed bytes', () => {
    const w = new JuteWriter();
    w.writeLong(0xff00000000000000n);
    w.writeLong(-(2n ** 63n));
    expect(hex(w.finish())).toBe('ff00000000000000' + '8000000000000000');
  });

  it('writes null buffers and strings as length -1 and empty ones as 0', () => {
    const w = new JuteWriter();
    w.writeBuffer(null);
    w.writeBuffer(new Uint8Array(0));
    w.writeUstring(null);
    w.writeUstring('');
    w.writeStringVector(null);
    w.writeVector(null, () => {});
    expect(hex(w.finish())).toBe('ffffffff' + '00000000' + 'ffffffff' + '00000000' + 'ffffffff' + 'ffffffff');
  });

  it('encodes strings as standard UTF-8 (including 4-byte sequences)', () => {
    const w = new JuteWriter();
    w.writeUstring('/é');
    w.writeUstring('\u{1F600}');
    w.writeUstring('x'.repeat(70) + 'ü');
    const out = w.finish();
    expect(hex(out.subarray(0, 15))).toBe('00000003' + '2fc3a9' + '00000004' + 'f09f9880');
    expect(new DataView(out.buffer, out.byteOffset).getInt32(15)).toBe(72);
  });

  it('rejects ints outside int32 and unsafe long numbers (caller bugs)', () => {
    const w = new JuteWriter();
    expect(() => w.writeInt(2 ** 31)).toThrow(RangeError);
    expect(() => w.writeInt(1.5)).toThrow(RangeError);
    expect(() => w.writeLongNumber(2 ** 53)).toThrow(RangeError);
  });

  it('reserves and fills the frame length prefix when framed', () => {
    const w = new JuteWriter({ framed: true });
    w.writeInt(7);
    w.writeUstring('/a');
    expect(hex(w.finish())).toBe('0000000a' + '00000007' + '00000002' + '2f61');
    // Reusable at once: the next frame starts after a fresh prefix.
    w.writeBoolean(true);
    expect(hex(w.finish())).toBe('00000001' + '01');
  });

  it('grows by doubling past its initial capacity, and returned bytes stay intact after reuse', () => {
    const w = new JuteWriter({ initialBytes: 8 });
    const big = new Uint8Array(100_000).map((_, i) => i & 0xff);
    w.writeBuffer(big);
    const first = w.finish();
    w.writeInt(1);
    const second = w.finish();
    expect(first.length).toBe(100_004);
    expect(Buffer.compare(first.subarray(4), big)).toBe(0);
    expect(hex(second)).toBe('00000001');
  });

  it('reset() drops a half-written message', () => {
    const w = new JuteWriter({ framed: true });
    w.writeInt(1);
    w.reset();
    expect(w.length).toBe(4);
    expect(hex(w.finish())).toBe('00000000');
  });

  it('produces the same bytes as a naive concatenation (property)', () => {
    const item = fc.oneof(
      fc.record({ kind: fc.constant('int' as const), value: fc.integer({ min: -0x8000_0000, max: 0x7fff_ffff }) }),
      fc.record({ kind: fc.constant('str' as const), value: unicodeString(80) }),
      fc.record({ kind: fc.constant('buf' as const), value: fc.uint8Array({ maxLength: 300 }) }),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 30 }), fc.integer({ min: 8, max: 64 }), (items, initialBytes) => {
        const w = new JuteWriter({ initialBytes });
        const parts: Buffer[] = [];
        for (const it of items) {
          if (it.kind === 'int') {
            w.writeInt(it.value);
            const b = Buffer.alloc(4);
            b.writeInt32BE(it.value);
            parts.push(b);
          } else {
            const payload = it.kind === 'str' ? Buffer.from(it.value, 'utf8') : Buffer.from(it.value);
            if (it.kind === 'str') w.writeUstring(it.value);
            else w.writeBuffer(it.value);
            const b = Buffer.alloc(4);
            b.writeInt32BE(payload.length);
            parts.push(b, payload);
          }
        }
        expect(hex(w.finish())).toBe(Buffer.concat(parts).toString('hex'));
      }),
      fcParams(300),
    );
  });
});

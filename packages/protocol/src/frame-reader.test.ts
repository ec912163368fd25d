import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { zk380Capture } from '../test-support/zk-3.8.0-capture.ts';
import { fcParams, fcSeed } from '../test-support/fast-check-settings.ts';
import { FrameReader } from './frame-reader.ts';
import { FrameTooLargeError, JuteDecodeError } from './jute-decode-error.ts';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));

function frameOf(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setInt32(0, body.length);
  out.set(body, 4);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

/** Push the chunks one by one, draining after each push as a server would. */
function readAll(chunks: readonly Uint8Array[], reader = new FrameReader()): string[] {
  const out: string[] = [];
  for (const chunk of chunks) {
    reader.push(chunk);
    for (const frame of reader) out.push(hex(frame));
  }
  expect(reader.bufferedBytes).toBe(0);
  return out;
}

/** Every client->server frame kazoo sent on connection c1 of the 3.8.0 capture. */
const capturedBodies = zk380Capture.filter((f) => f.connection === 'c1' && f.direction === 'C>S').map((f) => fromHex(f.hex));
const capturedStream = concat(capturedBodies.map(frameOf));
const capturedHex = capturedBodies.map(hex);

describe(`FrameReader (fc seed ${fcSeed})`, () => {
  it('yields every frame of one chunk holding many frames', () => {
    expect(readAll([capturedStream])).toStrictEqual(capturedHex);
  });

  it('yields the same frames when the stream is split at every byte boundary', () => {
    for (let cut = 0; cut <= capturedStream.length; cut++) {
      const frames = readAll([capturedStream.subarray(0, cut), capturedStream.subarray(cut)]);
      expect(frames).toStrictEqual(capturedHex);
    }
  });

  it('yields the same frames when fed one byte at a time', () => {
    const bytes = [...capturedStream].map((b) => Uint8Array.of(b));
    expect(readAll(bytes)).toStrictEqual(capturedHex);
  });

  it('yields the same frames under any chunking (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (bodies, rawCuts) => {
          const stream = concat(bodies.map(frameOf));
          const cuts = [...new Set(rawCuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const chunks: Uint8Array[] = [];
          let start = 0;
          for (const cut of [...cuts, stream.length]) {
            chunks.push(stream.subarray(start, cut));
            start = cut;
          }
          expect(readAll(chunks)).toStrictEqual(bodies.map(hex));
        },
      ),
      fcParams(300),
    );
  });

  it('returns a frame inside one chunk as a view of it (no copy)', () => {
    const chunk = frameOf(Uint8Array.of(1, 2, 3));
    const reader = new FrameReader();
    reader.push(chunk);
    const frame = reader.next();
    expect(frame?.buffer).toBe(chunk.buffer);
    expect(reader.next()).toBeUndefined();
    expect(reader.framesRead).toBe(1);
  });

  it('yields an empty body for a zero-length frame', () => {
    const reader = new FrameReader();
    reader.push(fromHex('00000000'));
    expect(reader.next()?.length).toBe(0);
  });

  it('assembles a large frame delivered in 1-byte chunks in linear time', () => {
    const body = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
    const stream = frameOf(body);
    const reader = new FrameReader();
    let frame: Uint8Array | undefined;
    for (let i = 0; i < stream.length; i++) {
      reader.push(stream.subarray(i, i + 1));
      frame = reader.next() ?? frame;
    }
    expect(frame !== undefined && Buffer.compare(frame, body) === 0).toBe(true);
  });

  it('accepts a frame of exactly frameBytesMax and rejects one byte more, naming length and limit', () => {
    const ok = new FrameReader({ frameBytesMax: 5 });
    ok.push(frameOf(new Uint8Array(5)));
    expect(ok.next()?.length).toBe(5);

    const tooBig = new FrameReader({ frameBytesMax: 5 });
    tooBig.push(frameOf(new Uint8Array(6)));
    let caught: unknown;
    try {
      tooBig.next();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(FrameTooLargeError);
    expect(caught).toBeInstanceOf(JuteDecodeError);
    expect(caught).toMatchObject({ length: 6, limit: 5 });
    expect((caught as Error).message).toMatch(/length 6 .*5 \(frameBytesMax\)/);
    // The reader stays failed: the connection must be closed.
    expect(() => tooBig.next()).toThrow(FrameTooLargeError);
  });

  it('rejects a negative length and one above the default jute.maxbuffer (0xfffff)', () => {
    const negative = new FrameReader();
    negative.push(fromHex('ffffffff'));
    expect(() => negative.next()).toThrow(/length -1/);

    const reader = new FrameReader();
    expect(reader.frameBytesMax).toBe(0xfffff);
    reader.push(fromHex('00100000'));
    expect(() => reader.next()).toThrow(/length 1048576 is outside 0..1048575/);
  });

  it('reports the stream offset of the bad length prefix', () => {
    const reader = new FrameReader({ frameBytesMax: 10 });
    reader.push(concat([frameOf(new Uint8Array(3)), fromHex('0000000b')]));
    expect(reader.next()?.length).toBe(3);
    expect(() => reader.next()).toThrow(expect.objectContaining({ offset: 7 }));
  });

  it('lets the server peek a four-letter word before treating it as a length', () => {
    const reader = new FrameReader();
    reader.push(new TextEncoder().encode('ru'));
    expect(reader.peekFirstWord()).toBeUndefined();
    reader.push(new TextEncoder().encode('ok'));
    expect(reader.peekFirstWord()).toBe('ruok');
    expect(reader.bufferedBytes).toBe(4);
    // As a length, 'ruok' is far above jute.maxbuffer.
    expect(() => reader.next()).toThrow(FrameTooLargeError);
  });

  it('peeks stmk and its 8-byte argument without consuming them', () => {
    const reader = new FrameReader();
    reader.push(new TextEncoder().encode('stmk'));
    reader.push(fromHex('00000000000001ff'));
    expect(reader.peekFirstWord()).toBe('stmk');
    expect(hex(reader.peek(12) as Uint8Array)).toBe('73746d6b00000000000001ff');
    expect(reader.peek(13)).toBeUndefined();
    expect(reader.bufferedBytes).toBe(12);
  });

  it('has no first word once a frame has been consumed', () => {
    const reader = new FrameReader();
    reader.push(concat([frameOf(Uint8Array.of(1)), new TextEncoder().encode('ruok')]));
    expect(reader.peekFirstWord()).toBe('\u0000\u0000\u0000\u0001');
    expect(reader.next()?.length).toBe(1);
    expect(reader.peekFirstWord()).toBeUndefined();
  });

  it('validates frameBytesMax at construction', () => {
    expect(() => new FrameReader({ frameBytesMax: -1 })).toThrow(/frameBytesMax/);
    expect(() => new FrameReader({ frameBytesMax: 1.5 })).toThrow(/frameBytesMax/);
  });
});

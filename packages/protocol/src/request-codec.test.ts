import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as arb from '../test-support/arbitraries.ts';
import { fcParams, fcSeed } from '../test-support/fast-check-settings.ts';
import { JuteDecodeError } from './jute-decode-error.ts';
import { OpCode } from './op-codes.ts';
import type { Request, RequestType } from './records.ts';
import { decodeRequest, encodeRequest, isRequestType } from './request-codec.ts';

const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

function checkRoundTrip(xid: number, request: Request): void {
  const frame = encodeRequest(xid, request);
  expect(new DataView(frame.buffer, frame.byteOffset).getInt32(0)).toBe(frame.length - 4);
  const body = frame.subarray(4);
  const decoded = decodeRequest(body);
  expect(decoded.header).toStrictEqual({ xid, type: request.type });
  expect(decoded.request).toStrictEqual(request);
  // Re-encoding the decoded request gives the same bytes.
  expect(hex(encodeRequest(xid, decoded.request as Request))).toBe(hex(frame));
}

describe(`request codec (fc seed ${fcSeed})`, () => {
  describe('round-trips every request type', () => {
    for (const [name, arbitrary] of Object.entries(arb.requestByName)) {
      it(name, () => {
        fc.assert(fc.property(arb.xid, arbitrary, checkRoundTrip), fcParams(name.startsWith('multi') ? 200 : 100));
      });
    }
  });

  it('covers every Request type in records.ts', () => {
    const covered = new Set<number>(Object.keys(arb.requestByName).map((name) => OpCode[name as keyof typeof OpCode]));
    const all: RequestType[] = [
      1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 100, 101, 102, 103, 104, 105, 106, 107, -11,
    ];
    expect([...covered].sort((a, b) => a - b)).toStrictEqual([...all].sort((a, b) => a - b));
    for (const type of all) expect(isRequestType(type)).toBe(true);
  });

  it('round-trips a mix of request types in one property', () => {
    fc.assert(fc.property(arb.xid, arb.anyRequest, checkRoundTrip), fcParams(300));
  });

  it('encodes multi with MultiHeader framing and the {-1, true, -1} terminator', () => {
    const frame = encodeRequest(9, {
      type: OpCode.multi,
      ops: [
        { type: OpCode.delete, path: '/x', version: -1 },
        { type: OpCode.check, path: '/y', version: 3 },
      ],
    });
    expect(hex(frame.subarray(4))).toBe(
      '00000009' + '0000000e' +
        '00000002' + '00' + 'ffffffff' + '00000002' + '2f78' + 'ffffffff' +
        '0000000d' + '00' + 'ffffffff' + '00000002' + '2f79' + '00000003' +
        'ffffffff' + '01' + 'ffffffff',
    );
  });

  it('encodes an empty multi as just the done header', () => {
    expect(hex(encodeRequest(1, { type: OpCode.multi, ops: [] }).subarray(4))).toBe('00000001' + '0000000e' + 'ffffffff01ffffffff');
  });

  it('encodes deleteContainer with its path as a jute buffer of UTF-8', () => {
    expect(hex(encodeRequest(1, { type: OpCode.deleteContainer, path: '/é' }).subarray(4))).toBe(
      '00000001' + '00000014' + '00000003' + '2fc3a9',
    );
  });

  it('encodes reconfig null strings as -1', () => {
    const body = encodeRequest(1, {
      type: OpCode.reconfig, joiningServers: null, leavingServers: '2', newMembers: null, curConfigId: -1n,
    }).subarray(4);
    expect(hex(body)).toBe('00000001' + '00000010' + 'ffffffff' + '0000000132' + 'ffffffff' + 'ffffffffffffffff');
  });

  it('decodes the header of an unknown opcode and returns request undefined', () => {
    for (const type of [0, -1, -10, 10, 23, 99, 108, 0x7fffffff]) {
      const decoded = decodeRequest(fromHex(`0000002a${(type >>> 0).toString(16).padStart(8, '0')}deadbeef`));
      expect(decoded).toStrictEqual({ header: { xid: 42, type }, request: undefined });
      expect(isRequestType(type)).toBe(false);
    }
  });

  it('throws JuteDecodeError when a known opcode has a bad body', () => {
    // getData with a path length running past the end.
    expect(() => decodeRequest(fromHex('0000000100000004000000102f61'))).toThrow(JuteDecodeError);
    // create with a null path.
    expect(() => decodeRequest(fromHex('0000000100000001ffffffff'))).toThrow(/CreateRequest.path/);
    // A header cut short.
    expect(() => decodeRequest(fromHex('000000010000'))).toThrow(/RequestHeader.type/);
  });

  it('rejects ops that cannot appear in multi / multiRead', () => {
    // multi containing getData (4).
    const badMulti = '00000001' + '0000000e' + '00000004' + '00' + 'ffffffff' + '000000022f6100' + 'ffffffff01ffffffff';
    expect(() => decodeRequest(fromHex(badMulti))).toThrow(/op type 4 is not allowed in multi/);
    // multiRead containing delete (2).
    const badRead = '00000001' + '00000016' + '00000002' + '00' + 'ffffffff' + '000000022f61ffffffff' + 'ffffffff01ffffffff';
    expect(() => decodeRequest(fromHex(badRead))).toThrow(/op type 2 is not allowed in multiRead/);
    // A multi with no done header.
    expect(() => decodeRequest(fromHex('00000001' + '0000000e'))).toThrow(JuteDecodeError);
  });

  it('ignores bytes after a complete body, as the Java server does', () => {
    const decoded = decodeRequest(fromHex('fffffffe0000000b' + '00'));
    expect(decoded.request).toStrictEqual({ type: OpCode.ping });
  });

  it('applies bufferBytesMax to lengths inside the body', () => {
    const frame = encodeRequest(1, { type: OpCode.setData, path: '/a', data: new Uint8Array(100), version: -1 });
    expect(() => decodeRequest(frame.subarray(4), { bufferBytesMax: 99 })).toThrow(/SetDataRequest.data.*bufferBytesMax 99/);
    expect(decodeRequest(frame.subarray(4), { bufferBytesMax: 100 }).request).toBeDefined();
  });
});

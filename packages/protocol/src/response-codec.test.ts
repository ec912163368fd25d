import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as arb from '../test-support/arbitraries.ts';
import { fcParams, fcSeed } from '../test-support/fast-check-settings.ts';
import { JuteDecodeError } from './jute-decode-error.ts';
import { OpCode, opCodeName } from './op-codes.ts';
import type { MultiResponse, ReplyHeader, RequestType, Response, Stat } from './records.ts';
import { decodeReply, encodeNotification, encodeReply, replyHasBody } from './response-codec.ts';

const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

const zeroStat: Stat = {
  czxid: 0n, mzxid: 0n, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0,
  ephemeralOwner: 0n, dataLength: 0, numChildren: 0, pzxid: 0n,
};

const requestTypes = Object.keys(arb.responseByType).map(Number) as RequestType[];

describe(`response codec (fc seed ${fcSeed})`, () => {
  describe('round-trips the OK reply of every request type', () => {
    for (const type of requestTypes) {
      it(`${opCodeName(type)} (${type})`, () => {
        fc.assert(
          fc.property(arb.ordinaryReplyXid, arb.int64, arb.responseByType[type], (xid, zxid, response) => {
            // Ping and auth replies always carry their special xids; xid -1, -2 and -4 mean
            // notification, ping and auth whatever the client sent, so ordinary replies avoid them.
            const replyXid = type === OpCode.ping ? -2 : type === OpCode.auth ? -4 : xid;
            const header: ReplyHeader = { xid: replyXid, zxid, err: 0 };
            const frame = encodeReply(header, type, response);
            expect(new DataView(frame.buffer, frame.byteOffset).getInt32(0)).toBe(frame.length - 4);
            if (!replyHasBody(type)) expect(frame.length).toBe(20);
            const decoded = decodeReply(frame.subarray(4), () => type);
            expect(decoded).toStrictEqual({ kind: 'reply', header, requestType: type, response });
            expect(hex(encodeReply(header, type, response))).toBe(hex(frame));
          }),
          fcParams(type === OpCode.multi || type === OpCode.multiRead ? 300 : 80),
        );
      });
    }
  });

  it('writes only the 16-byte header when err != 0, whatever the type', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...requestTypes),
        arb.ordinaryReplyXid,
        arb.int64,
        arb.int32.filter((e) => e !== 0),
        (type, xid, zxid, err) => {
          const frame = encodeReply({ xid, zxid, err }, type, undefined);
          expect(frame.length).toBe(20);
          const decoded = decodeReply(frame.subarray(4), type);
          expect(decoded).toStrictEqual({ kind: 'reply', header: { xid, zxid, err }, requestType: type, response: undefined });
        },
      ),
      fcParams(200),
    );
  });

  it('answers addWatch with ErrorResponse{0}: 4 bytes of body', () => {
    const frame = encodeReply({ xid: 9, zxid: 0xfn, err: 0 }, OpCode.addWatch, { err: 0 });
    expect(hex(frame.subarray(4))).toBe('00000009' + '000000000000000f' + '00000000' + '00000000');
  });

  it('encodes a failed multi as error results with header err 0', () => {
    const response: MultiResponse = {
      results: [
        { type: OpCode.error, err: 0 },
        { type: OpCode.error, err: -101 },
        { type: OpCode.error, err: -2 },
      ],
    };
    const frame = encodeReply({ xid: 9, zxid: 7n, err: 0 }, OpCode.multi, response);
    expect(hex(frame.subarray(4))).toBe(
      '00000009000000000000000700000000' +
        'ffffffff' + '00' + '00000000' + '00000000' +
        'ffffffff' + '00' + 'ffffff9b' + 'ffffff9b' +
        'ffffffff' + '00' + 'fffffffe' + 'fffffffe' +
        'ffffffff' + '01' + 'ffffffff',
    );
  });

  it('writes header err 0 for successful multi results', () => {
    const frame = encodeReply({ xid: 1, zxid: 1n, err: 0 }, OpCode.multi, {
      results: [{ type: OpCode.create2, path: '/a', stat: zeroStat }, { type: OpCode.delete }],
    });
    const body = hex(frame.subarray(4 + 16));
    expect(body.startsWith('0000000f' + '00' + '00000000' + '00000002' + '2f61')).toBe(true);
    expect(body.endsWith('00000002' + '00' + '00000000' + 'ffffffff01ffffffff')).toBe(true);
  });

  it('encodes and decodes notifications (xid -1)', () => {
    fc.assert(
      fc.property(arb.watcherEvent, arb.int64, (event, zxid) => {
        const frame = encodeNotification(event, zxid);
        const decoded = decodeReply(frame.subarray(4), () => {
          throw new Error('a notification must not look up an xid');
        });
        expect(decoded).toStrictEqual({ kind: 'notification', header: { xid: -1, zxid, err: 0 }, event });
      }),
      fcParams(200),
    );
    expect(hex(encodeNotification({ type: 3, state: 3, path: '/a' }, -1n).subarray(4))).toBe(
      'ffffffffffffffffffffffff00000000' + '00000003' + '00000003' + '000000022f61',
    );
  });

  it('knows ping (-2) and auth (-4) replies without asking', () => {
    const resolver = (): number => {
      throw new Error('not consulted');
    };
    expect(decodeReply(fromHex('fffffffe000000000000000d00000000'), resolver)).toStrictEqual({
      kind: 'reply', header: { xid: -2, zxid: 0xdn, err: 0 }, requestType: OpCode.ping, response: undefined,
    });
    expect(decodeReply(fromHex('fffffffc0000000000000000ffffff8d'), resolver)).toMatchObject({
      requestType: OpCode.auth, header: { err: -115 }, response: undefined,
    });
  });

  it('throws JuteDecodeError when no outstanding request has the xid', () => {
    expect(() => decodeReply(fromHex('00000005000000000000000100000000'), () => undefined)).toThrow(/xid 5/);
  });

  it('refuses to encode a body for a header-only type, or no body for a body type (caller bugs)', () => {
    const header = { xid: 1, zxid: 1n, err: 0 };
    expect(() => encodeReply(header, OpCode.delete, { stat: zeroStat } as unknown as Response)).toThrow(RangeError);
    expect(() => encodeReply(header, OpCode.getData, undefined as unknown as Response)).toThrow(/needs a response/);
    // Unknown type with err -6 (UNIMPLEMENTED): just the header.
    expect(encodeReply({ xid: 1, zxid: 1n, err: -6 }, 77).length).toBe(20);
  });

  it('throws JuteDecodeError for an unknown multi result type', () => {
    const body = '00000001000000000000000100000000' + '00000013' + '00' + '00000000' + 'ffffffff01ffffffff';
    expect(() => decodeReply(fromHex(body), OpCode.multi)).toThrow(JuteDecodeError);
  });
});

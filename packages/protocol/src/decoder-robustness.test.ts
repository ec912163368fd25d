/**
 * Decoders given hostile input: truncated bodies, random bytes and mutated
 * frames either decode or throw JuteDecodeError; never another exception type,
 * never a hang.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as arb from '../test-support/arbitraries.ts';
import { fcParams, fcSeed } from '../test-support/fast-check-settings.ts';
import { JuteDecodeError } from './jute-decode-error.ts';
import { decodeConnectRequest, decodeConnectResponse } from './record-codec.ts';
import type { RequestType } from './records.ts';
import { decodeRequest, encodeRequest } from './request-codec.ts';
import { decodeReply, encodeReply } from './response-codec.ts';

const requestTypes = Object.keys(arb.responseByType).map(Number) as RequestType[];
/** Known request types, a few unknown ones, and notification. */
const anyType = fc.oneof(fc.constantFrom(...requestTypes), fc.constantFrom(0, -1, -10, 10, 23, 108));

/** The cut points (0 .. length-1) at which `decode` of a strict prefix did NOT throw JuteDecodeError. */
function prefixesNotRejected(body: Uint8Array, decode: (prefix: Uint8Array) => unknown): number[] {
  const accepted: number[] = [];
  for (let cut = 0; cut < body.length; cut++) {
    try {
      decode(body.subarray(0, cut));
      accepted.push(cut);
    } catch (error) {
      if (!(error instanceof JuteDecodeError)) throw error;
    }
  }
  return accepted;
}

/** Runs `decode`; anything thrown must be a JuteDecodeError. */
function decodesOrJuteError(decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    if (!(error instanceof JuteDecodeError)) throw error;
  }
}

function withHeader(prefix: readonly number[], rest: Uint8Array): Uint8Array {
  const out = new Uint8Array(prefix.length * 4 + rest.length);
  const view = new DataView(out.buffer);
  prefix.forEach((value, i) => view.setInt32(i * 4, value));
  out.set(rest, prefix.length * 4);
  return out;
}

const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 });

function mutate(bytes: Uint8Array, changes: readonly [number, number][]): Uint8Array {
  const out = bytes.slice();
  for (const [at, value] of changes) if (out.length > 0) out[at % out.length] = value;
  return out;
}

describe(`decoder robustness (fc seed ${fcSeed})`, () => {
  it('every strict prefix of a request body throws JuteDecodeError', () => {
    fc.assert(
      fc.property(arb.xid, arb.anyRequest, (xid, request) => {
        const body = encodeRequest(xid, request).subarray(4);
        expect(prefixesNotRejected(body, (prefix) => decodeRequest(prefix))).toStrictEqual([]);
      }),
      fcParams(200),
    );
  });

  it('every strict prefix of a reply body throws JuteDecodeError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...requestTypes).chain((type) => fc.tuple(fc.constant(type), arb.responseByType[type])),
        arb.int64,
        ([type, response], zxid) => {
          const body = encodeReply({ xid: 7, zxid, err: 0 }, type, response).subarray(4);
          expect(prefixesNotRejected(body, (prefix) => decodeReply(prefix, type))).toStrictEqual([]);
        },
      ),
      fcParams(200),
    );
  });

  it('random bodies behind a valid request header decode or throw JuteDecodeError', () => {
    fc.assert(
      fc.property(arb.xid, anyType, fc.uint8Array({ maxLength: 200 }), (xid, type, rest) => {
        decodesOrJuteError(() => decodeRequest(withHeader([xid, type], rest)));
      }),
      fcParams(500),
    );
  });

  it('random bodies behind a valid reply header decode or throw JuteDecodeError', () => {
    fc.assert(
      fc.property(arb.xid, anyType, fc.uint8Array({ maxLength: 200 }), (xid, type, rest) => {
        decodesOrJuteError(() => decodeReply(withHeader([xid, 0, 0, 0], rest), type));
      }),
      fcParams(500),
    );
  });

  it('mutated valid requests and replies decode or throw JuteDecodeError', () => {
    fc.assert(
      fc.property(arb.anyRequest, mutation, (request, changes) => {
        decodesOrJuteError(() => decodeRequest(mutate(encodeRequest(1, request).subarray(4), changes)));
      }),
      fcParams(300),
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...requestTypes).chain((type) => fc.tuple(fc.constant(type), arb.responseByType[type])),
        mutation,
        ([type, response], changes) => {
          const body = encodeReply({ xid: 3, zxid: 1n, err: 0 }, type, response).subarray(4);
          decodesOrJuteError(() => decodeReply(mutate(body, changes), type));
        },
      ),
      fcParams(300),
    );
  });

  it('random bytes as any first frame or server frame decode or throw JuteDecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), anyType, (bytes, type) => {
        decodesOrJuteError(() => decodeRequest(bytes));
        decodesOrJuteError(() => decodeReply(bytes, type));
        decodesOrJuteError(() => decodeConnectRequest(bytes));
        decodesOrJuteError(() => decodeConnectResponse(bytes));
      }),
      fcParams(500),
    );
  });

  it('a huge vector count in a small body fails fast instead of looping', () => {
    // getChildren reply claiming 2^31-1 children.
    const body = withHeader([1, 0, 0, 0, 0x7fffffff], new Uint8Array(8));
    expect(() => decodeReply(body, 8)).toThrow(/vector count 2147483647/);
    // setWatches with a huge dataWatches count.
    expect(() => decodeRequest(withHeader([1, 101, 0, 0, 0x7fffffff], new Uint8Array(0)))).toThrow(JuteDecodeError);
  });
});

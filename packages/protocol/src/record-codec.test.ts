import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as arb from '../test-support/arbitraries.ts';
import { fcParams, fcSeed } from '../test-support/fast-check-settings.ts';
import { JuteDecodeError } from './jute-decode-error.ts';
import { JuteReader } from './jute-reader.ts';
import { JuteWriter } from './jute-writer.ts';
import {
  decodeConnectRequest,
  decodeConnectResponse,
  encodeConnectRequest,
  encodeConnectResponse,
  readAcl,
  readId,
  readMultiHeader,
  readReplyHeader,
  readRequestHeader,
  readStat,
  readWatcherEvent,
  statBytes,
  writeAcl,
  writeId,
  writeMultiHeader,
  writeReplyHeader,
  writeRequestHeader,
  writeStat,
  writeWatcherEvent,
} from './record-codec.ts';
import type { ConnectRequest } from './records.ts';

const fromHex = (hex: string): Uint8Array => new Uint8Array(Buffer.from(hex, 'hex'));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Write with `write`, read back with `read`: same value, every byte consumed; returns the bytes. */
function roundTrip<T>(value: T, write: (w: JuteWriter, v: T) => void, read: (r: JuteReader) => T): Uint8Array {
  const w = new JuteWriter();
  write(w, value);
  const bytes = w.finish();
  const r = new JuteReader(bytes);
  expect(read(r)).toStrictEqual(value);
  expect(r.remaining).toBe(0);
  return bytes;
}

describe(`record codec (fc seed ${fcSeed})`, () => {
  it('round-trips Stat in exactly 68 bytes', () => {
    fc.assert(
      fc.property(arb.stat, (stat) => {
        expect(roundTrip(stat, writeStat, readStat).length).toBe(statBytes);
      }),
      fcParams(300),
    );
  });

  it('decodes a captured Stat (getData / on 3.8.0: cversion -1, numChildren 4)', () => {
    const stat = readStat(
      new JuteReader(
        fromHex(
          '0000000000000000000000000000000000000000000000000000000000000000' +
            '00000000ffffffff000000000000000000000000000000000000000400000000' +
            '0000000e',
        ).subarray(0, 68),
      ),
    );
    expect(stat).toMatchObject({ version: 0, cversion: -1, aversion: 0, numChildren: 4, pzxid: 0x0en });
  });

  it('round-trips Id and ACL', () => {
    fc.assert(
      fc.property(arb.id, arb.acl, (id, acl) => {
        roundTrip(id, writeId, readId);
        roundTrip(acl, writeAcl, readAcl);
      }),
      fcParams(300),
    );
  });

  it('round-trips the request, reply and multi headers and WatcherEvent', () => {
    fc.assert(
      fc.property(arb.xid, arb.int32, arb.int64, arb.int32, fc.boolean(), arb.watcherEvent, (xid, type, zxid, err, done, event) => {
        expect(roundTrip({ xid, type }, writeRequestHeader, readRequestHeader).length).toBe(8);
        expect(roundTrip({ xid, zxid, err }, writeReplyHeader, readReplyHeader).length).toBe(16);
        expect(roundTrip({ type, done, err }, writeMultiHeader, readMultiHeader).length).toBe(9);
        roundTrip(event, writeWatcherEvent, readWatcherEvent);
      }),
      fcParams(300),
    );
  });

  it('round-trips ConnectRequest with and without the trailing readOnly byte', () => {
    fc.assert(
      fc.property(arb.connectRequest, (request) => {
        const frame = encodeConnectRequest(request);
        const expectedLength = 4 + 8 + 4 + 8 + 4 + request.passwd.length + (request.readOnly === undefined ? 0 : 1);
        expect(new DataView(frame.buffer, frame.byteOffset).getInt32(0)).toBe(expectedLength);
        expect(frame.length).toBe(4 + expectedLength);
        expect(decodeConnectRequest(frame.subarray(4))).toStrictEqual(request);
      }),
      fcParams(300),
    );
  });

  it('round-trips ConnectResponse with and without the trailing readOnly byte', () => {
    fc.assert(
      fc.property(arb.connectResponse, (response) => {
        const frame = encodeConnectResponse(response);
        expect(frame.length).toBe(4 + 4 + 4 + 8 + 4 + response.passwd.length + (response.readOnly === undefined ? 0 : 1));
        expect(decodeConnectResponse(frame.subarray(4))).toStrictEqual(response);
      }),
      fcParams(300),
    );
  });

  it('detects an old-style 44-byte ConnectRequest and answers in 36 bytes', () => {
    const old = decodeConnectRequest(
      fromHex('000000000000000000000000000003e800000000000000000000001000000000000000000000000000000000'),
    );
    expect(old).toStrictEqual<ConnectRequest>({
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeOutMs: 1000,
      sessionId: 0n,
      passwd: new Uint8Array(16),
      readOnly: undefined,
    });
    const reply = encodeConnectResponse({
      protocolVersion: 0,
      timeOutMs: 4000,
      sessionId: 0x0100000c36270001n,
      passwd: fromHex('1e21e4c1dc6344725648895ab9417418'),
      readOnly: old.readOnly,
    });
    expect(hex(reply)).toBe('00000024' + '0000000000000fa00100000c36270001000000101e21e4c1dc6344725648895ab9417418');
  });

  it('reads the readOnly byte of a 45-byte ConnectRequest', () => {
    const request = decodeConnectRequest(
      fromHex('000000000000000000000000000027100000000000000000000000100000000000000000000000000000000001'),
    );
    expect(request.readOnly).toBe(true);
    expect(request.timeOutMs).toBe(10_000);
  });

  it('throws JuteDecodeError on a truncated ConnectRequest', () => {
    const body = encodeConnectRequest({
      protocolVersion: 0, lastZxidSeen: 0n, timeOutMs: 0, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false,
    }).subarray(4);
    for (let cut = 0; cut < 44; cut++) {
      expect(() => decodeConnectRequest(body.subarray(0, cut))).toThrow(JuteDecodeError);
    }
  });
});

/**
 * Golden bytes: every frame a real ZooKeeper 3.8.0 and its clients exchanged in
 * the capture (test-support/zk-3.8.0-capture.ts) decodes, and re-encodes to the
 * identical bytes.
 */
import { describe, expect, it } from 'vitest';
import { zk380Capture } from '../test-support/zk-3.8.0-capture.ts';
import type { CapturedFrame } from '../test-support/zk-3.8.0-capture.ts';
import { ErrorCode } from './error-codes.ts';
import { OpCode } from './op-codes.ts';
import {
  decodeConnectRequest,
  decodeConnectResponse,
  encodeConnectRequest,
  encodeConnectResponse,
} from './record-codec.ts';
import type { Request } from './records.ts';
import { decodeRequest, encodeRequest } from './request-codec.ts';
import { decodeReply, encodeNotification, encodeReply } from './response-codec.ts';
import type { DecodedServerMessage } from './response-codec.ts';

const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

interface Replayed {
  frame: CapturedFrame;
  kind: 'connectRequest' | 'connectResponse' | 'request' | 'reply';
  request?: Request;
  reply?: DecodedServerMessage;
}

/** Decode and re-encode the whole capture, connection by connection. */
function replay(): Replayed[] {
  const out: Replayed[] = [];
  const connections = new Map<string, { requestSeen: boolean; responseSeen: boolean; typeByXid: Map<number, number> }>();
  for (const frame of zk380Capture) {
    const body = fromHex(frame.hex);
    expect(body.length, `${frame.connection} ${frame.step}`).toBe(frame.length);
    let conn = connections.get(frame.connection);
    if (conn === undefined) {
      conn = { requestSeen: false, responseSeen: false, typeByXid: new Map() };
      connections.set(frame.connection, conn);
    }
    const where = `${frame.direction} ${frame.connection} "${frame.step}" ${frame.hex.slice(0, 24)}…`;
    if (frame.direction === 'C>S' && !conn.requestSeen) {
      conn.requestSeen = true;
      const request = decodeConnectRequest(body);
      expect(hex(encodeConnectRequest(request).subarray(4)), where).toBe(frame.hex);
      out.push({ frame, kind: 'connectRequest' });
    } else if (frame.direction === 'S>C' && !conn.responseSeen) {
      conn.responseSeen = true;
      const response = decodeConnectResponse(body);
      expect(hex(encodeConnectResponse(response).subarray(4)), where).toBe(frame.hex);
      out.push({ frame, kind: 'connectResponse' });
    } else if (frame.direction === 'C>S') {
      const { header, request } = decodeRequest(body);
      expect(request, where).toBeDefined();
      conn.typeByXid.set(header.xid, header.type);
      const encoded = encodeRequest(header.xid, request as Request);
      expect(hex(encoded.subarray(4)), where).toBe(frame.hex);
      expect(new DataView(encoded.buffer, encoded.byteOffset).getInt32(0)).toBe(frame.length);
      out.push({ frame, kind: 'request', request: request as Request });
    } else {
      const typeByXid = conn.typeByXid;
      const reply = decodeReply(body, (xid) => typeByXid.get(xid));
      const encoded =
        reply.kind === 'notification'
          ? encodeNotification(reply.event, reply.header.zxid)
          : encodeReply(reply.header, reply.requestType, reply.response);
      expect(hex(encoded.subarray(4)), where).toBe(frame.hex);
      out.push({ frame, kind: 'reply', reply });
    }
  }
  return out;
}

describe('ZooKeeper 3.8.0 capture (golden bytes)', () => {
  const replayed = replay();
  const find = (step: string, direction: 'C>S' | 'S>C', index = 0): Replayed => {
    const matches = replayed.filter((r) => r.frame.step.startsWith(step) && r.frame.direction === direction);
    const match = matches[index];
    if (match === undefined) throw new Error(`no ${direction} frame #${index} in step ${step}`);
    return match;
  };

  it('decodes and re-encodes every client request and server reply byte for byte', () => {
    expect(replayed.length).toBe(zk380Capture.length);
    const counts = { connectRequest: 0, connectResponse: 0, request: 0, reply: 0 };
    for (const r of replayed) counts[r.kind]++;
    expect(counts).toStrictEqual({ connectRequest: 5, connectResponse: 5, request: 40, reply: 43 });
  });

  it('covers the opcodes the capture exercises', () => {
    const types = new Set(replayed.flatMap((r) => (r.request === undefined ? [] : [r.request.type])));
    expect([...types].sort((a, b) => a - b)).toStrictEqual([
      -11, 1, 2, 3, 4, 5, 6, 8, 9, 11, 12, 13, 14, 15, 18, 19, 21, 22, 100, 101, 103, 104, 106, 107,
    ]);
  });

  it('reads the failed multi as RolledBack / NoNode / RuntimeInconsistency error results', () => {
    const multi = find('multi failing', 'C>S');
    expect(multi.request).toMatchObject({
      type: OpCode.multi,
      ops: [{ type: OpCode.create, path: '/c' }, { type: OpCode.delete, path: '/nonexist', version: -1 }, { type: OpCode.setData, path: '/a' }],
    });
    const reply = find('add_auth', 'S>C').reply;
    expect(reply).toMatchObject({
      kind: 'reply',
      header: { err: 0 },
      response: {
        results: [
          { type: OpCode.error, err: 0 },
          { type: OpCode.error, err: ErrorCode.noNode },
          { type: OpCode.error, err: ErrorCode.runtimeInconsistency },
        ],
      },
    });
  });

  it('reads the multiRead reply: data for /dup, NoNode for /nope', () => {
    const reply = find('RAW: multiRead', 'S>C').reply;
    expect(reply).toMatchObject({
      response: { results: [{ type: OpCode.getData, data: new Uint8Array([0x5a]) }, { type: OpCode.error, err: -101 }] },
    });
  });

  it('reads the NodeDataChanged notification sent before the setData reply', () => {
    expect(find('set /a', 'S>C', 0).reply).toStrictEqual({
      kind: 'notification', header: { xid: -1, zxid: -1n, err: 0 }, event: { type: 3, state: 3, path: '/a' },
    });
    expect(find('set /a', 'S>C', 1).reply).toMatchObject({ kind: 'reply', requestType: OpCode.setData });
  });

  it('reads the old-style connect (no readOnly byte) and the 36-byte answer', () => {
    const step = 'RAW: old client connect';
    const request = decodeConnectRequest(fromHex(find(step, 'C>S').frame.hex));
    const response = decodeConnectResponse(fromHex(find(step, 'S>C').frame.hex));
    expect(request.readOnly).toBeUndefined();
    expect(response).toMatchObject({ timeOutMs: 4000, sessionId: 0x0100000c36270001n, readOnly: undefined });
  });

  it('reads the C client setWatches with xid -8 and its header-only reply', () => {
    expect(find('RAW: setWatches', 'C>S').request).toStrictEqual({
      type: OpCode.setWatches, relativeZxid: 0n, dataWatches: ['/dup'], existWatches: ['/newnode'], childWatches: ['/nope'],
    });
    expect(find('RAW: setWatches', 'S>C', 2).reply).toMatchObject({
      header: { xid: -8, err: 0 }, requestType: OpCode.setWatches, response: undefined,
    });
  });

  it('reads whoAmI, addWatch (ErrorResponse{0}) and createTTL replies', () => {
    expect(find('RAW: whoAmI', 'S>C', 0).reply).toMatchObject({
      response: { clientInfo: [{ scheme: 'ip', id: '127.0.0.1' }] },
    });
    expect(find('RAW: addWatch', 'S>C', 0).reply).toMatchObject({ requestType: OpCode.addWatch, response: { err: 0 } });
    expect(find('RAW: createTTL', 'C>S', 0).request).toMatchObject({ type: OpCode.createTtl, path: '/ttl', flags: 5, ttl: 100_000 });
    expect(find('RAW: createTTL', 'S>C', 0).reply).toMatchObject({ requestType: OpCode.createTtl, response: { path: '/ttl' } });
  });
});

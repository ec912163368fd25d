import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ConnectRequest, Request } from '@vivarium/protocol';
import {
  decodeConnectResponse,
  decodeReply,
  encodeConnectRequest,
  encodeRequest,
  ErrorCode,
  FrameReader,
  OpCode,
  type DecodedServerMessage,
} from '@vivarium/protocol';
import { Engine, ManualClock, SeededRandom } from '@vivarium/store';
import { propertySeed } from '../../../../test/support/property-seed.ts';
import { zk380Capture } from '../../../protocol/test-support/zk-3.8.0-capture.ts';
import { answerFourLetterWord, fourLetterWordResponder, type FourLetterContext } from './four-letter-words.ts';
import { WireConnection } from './wire-connection.ts';

const openAcl = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (byte) => parseInt(byte, 16));
}

function newEngine(): Engine {
  const clock = new ManualClock();
  const engine = new Engine({ clock, random: new SeededRandom(3), tickTimeMs: 2000 });
  clock.subscribe(engine);
  return engine;
}

function contextFor(engine: Engine): FourLetterContext {
  return {
    engine,
    connections: () => [],
    packetsReceived: () => 0,
    packetsSent: () => 0,
    mode: 'standalone',
    readOnly: false,
    serving: true,
    clientPort: 2181,
    dataDir: '/tmp/d',
    dataLogDir: '/tmp/d',
    maxClientCnxns: 60,
    nowMs: () => 0,
  };
}

/** A WireConnection with its output split back into frames, the way a client reads it. */
function connection(engine: Engine, options: { whitelist?: '*' | ReadonlySet<string> } = {}) {
  const written: Uint8Array[] = [];
  let ended = false;
  const wire = new WireConnection(
    {
      engine,
      remoteAddress: '127.0.0.1',
      frameBytesMax: 0xfffff,
      outstandingRequestsMax: 100,
      fourLetterWord: fourLetterWordResponder(options.whitelist ?? '*', contextFor(engine)),
      sink: { write: (bytes) => written.push(Uint8Array.from(bytes)), end: () => { ended = true; } },
      log: () => undefined,
    },
    0,
  );
  const reader = new FrameReader();
  const types = new Map<number, number>();
  let connected = false;
  return {
    wire,
    get ended() {
      return ended;
    },
    text(): string {
      return written.map((b) => new TextDecoder().decode(b)).join('');
    },
    send(xid: number, request: Request): void {
      types.set(xid, request.type);
      wire.receive(encodeRequest(xid, request));
    },
    /** Declare what was sent for each xid when the bytes go in raw. */
    expect(xid: number, type: number): void {
      types.set(xid, type);
    },
    /** Every server message so far: the connect response, then replies and notifications. */
    messages(): Array<{ connectBytes?: number; message?: DecodedServerMessage }> {
      for (const chunk of written.splice(0)) reader.push(chunk);
      const out: Array<{ connectBytes?: number; message?: DecodedServerMessage }> = [];
      for (let body = reader.next(); body !== undefined; body = reader.next()) {
        if (!connected) {
          connected = true;
          out.push({ connectBytes: body.length });
          continue;
        }
        out.push({ message: decodeReply(body, (xid) => types.get(xid)) });
      }
      return out;
    },
  };
}

const connectRequest = (overrides: Partial<ConnectRequest> = {}): ConnectRequest => ({
  protocolVersion: 0,
  lastZxidSeen: 0n,
  timeOutMs: 10_000,
  sessionId: 0n,
  passwd: new Uint8Array(16),
  readOnly: false,
  ...overrides,
});

describe('WireConnection handshake', () => {
  it('answers a 45-byte ConnectRequest (with readOnly) with 37 bytes, as the captured kazoo session shows', () => {
    const captured = zk380Capture.filter((f) => f.connection === 'c1');
    const request = captured[0];
    const response = captured[1];
    expect(request?.length).toBe(45);
    const conn = connection(newEngine());
    const body = hexBytes(request?.hex ?? '');
    const frame = new Uint8Array(4 + body.length);
    new DataView(frame.buffer).setInt32(0, body.length);
    frame.set(body, 4);
    conn.wire.receive(frame);
    const [first] = conn.messages();
    expect(first?.connectBytes).toBe(response?.length);
    expect(response?.length).toBe(37);
  });

  it('answers an old-style 44-byte ConnectRequest (node-zookeeper-client) with 36 bytes', () => {
    const conn = connection(newEngine());
    const frame = encodeConnectRequest(connectRequest({ readOnly: undefined }));
    expect(frame.length).toBe(4 + 44);
    conn.wire.receive(frame);
    expect(conn.messages()[0]?.connectBytes).toBe(36);
  });

  it('negotiates the timeout into [2, 20] ticks and hands out a 16-byte password', () => {
    const engine = newEngine();
    const written: Uint8Array[] = [];
    const wire = new WireConnection({ engine, remoteAddress: '127.0.0.1', frameBytesMax: 0xfffff, outstandingRequestsMax: 10, fourLetterWord: () => undefined, sink: { write: (b) => written.push(b), end: () => undefined }, log: () => undefined }, 0);
    wire.receive(encodeConnectRequest(connectRequest({ timeOutMs: 1000 })));
    const reader = new FrameReader();
    reader.push(written[0] as Uint8Array);
    const response = decodeConnectResponse(reader.next() as Uint8Array);
    expect(response.timeOutMs).toBe(4000);
    expect(response.passwd).toHaveLength(16);
    expect(response.sessionId >> 56n).toBe(1n);
  });

  it('runs requests that arrive in the same chunk as the ConnectRequest after the session exists', () => {
    const conn = connection(newEngine());
    const connect = encodeConnectRequest(connectRequest());
    const create = encodeRequest(1, { type: OpCode.create, path: '/early', data: null, acl: openAcl, flags: 0 });
    const exists = encodeRequest(2, { type: OpCode.exists, path: '/early', watch: false });
    conn.expect(1, OpCode.create);
    conn.expect(2, OpCode.exists);
    conn.wire.receive(Uint8Array.from([...connect, ...create, ...exists]));
    const messages = conn.messages();
    expect(messages[0]?.connectBytes).toBe(37);
    expect(messages.slice(1).map((m) => [m.message?.header.xid, m.message?.header.err])).toEqual([[1, 0], [2, 0]]);
  });

  it('refuses a client whose lastZxidSeen is ahead of the server by closing without a reply', () => {
    const conn = connection(newEngine());
    conn.wire.receive(encodeConnectRequest(connectRequest({ lastZxidSeen: 99n })));
    expect(conn.messages()).toEqual([]);
    expect(conn.ended).toBe(true);
  });

  it('answers an unknown session with the zero ConnectResponse, then closes', () => {
    const engine = newEngine();
    const written: Uint8Array[] = [];
    let ended = false;
    const wire = new WireConnection({ engine, remoteAddress: '127.0.0.1', frameBytesMax: 0xfffff, outstandingRequestsMax: 10, fourLetterWord: () => undefined, sink: { write: (b) => written.push(b), end: () => { ended = true; } }, log: () => undefined }, 0);
    wire.receive(encodeConnectRequest(connectRequest({ sessionId: 0x1234n })));
    const reader = new FrameReader();
    reader.push(written[0] as Uint8Array);
    const response = decodeConnectResponse(reader.next() as Uint8Array);
    expect(response).toEqual({ protocolVersion: 0, timeOutMs: 0, sessionId: 0n, passwd: new Uint8Array(16), readOnly: false });
    expect(ended).toBe(true);
  });
});

describe('WireConnection requests', () => {
  it('echoes each xid in order, sends the watch event before the reply that fired it, and errors as a bare header', () => {
    const conn = connection(newEngine());
    conn.wire.receive(encodeConnectRequest(connectRequest()));
    conn.messages();
    conn.send(0x6b0262d2, { type: OpCode.create, path: '/a', data: new Uint8Array([1]), acl: openAcl, flags: 0 });
    conn.send(0x6b0262d3, { type: OpCode.getData, path: '/a', watch: true });
    conn.send(0x6b0262d4, { type: OpCode.setData, path: '/a', data: null, version: -1 });
    conn.send(0x6b0262d5, { type: OpCode.delete, path: '/missing', version: -1 });
    const messages = conn.messages().map((m) => m.message);
    expect(messages.map((m) => m?.header.xid)).toEqual([0x6b0262d2, 0x6b0262d3, -1, 0x6b0262d4, 0x6b0262d5]);
    expect(messages[2]?.kind === 'notification' && messages[2].event).toEqual({ type: 3, state: 3, path: '/a' });
    expect(messages[2]?.header.zxid).toBe(-1n);
    expect(messages[4]?.header.err).toBe(ErrorCode.noNode);
    expect(messages[4]?.kind === 'reply' && messages[4].response).toBeUndefined();
  });

  it('answers an unknown opcode with UNIMPLEMENTED, then closes', () => {
    const conn = connection(newEngine());
    conn.wire.receive(encodeConnectRequest(connectRequest()));
    conn.messages();
    conn.expect(5, 77);
    conn.wire.receive(Uint8Array.from([0, 0, 0, 8, 0, 0, 0, 5, 0, 0, 0, 77]));
    const [reply] = conn.messages();
    // The header zxid is -1, the request's unassigned zxid, as ZooKeeper 3.8.0 sends it.
    expect(reply?.message?.header).toEqual({ xid: 5, zxid: -1n, err: ErrorCode.unimplemented });
    expect(conn.ended).toBe(true);
  });

  it('closes the connection on an oversized frame and on a body that does not parse', () => {
    const engine = newEngine();
    const big = connection(engine);
    big.wire.receive(encodeConnectRequest(connectRequest()));
    big.wire.receive(Uint8Array.from([0x00, 0x10, 0x00, 0x00]));
    expect(big.ended).toBe(true);
    const garbled = connection(engine);
    garbled.wire.receive(encodeConnectRequest(connectRequest()));
    garbled.wire.receive(Uint8Array.from([0, 0, 0, 10, 0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xff]));
    expect(garbled.ended).toBe(true);
    engine.checkInvariants();
  });
});

describe('four-letter words', () => {
  it('answers on a fresh connection and closes; refuses words outside the whitelist', () => {
    const engine = newEngine();
    const ruok = connection(engine);
    ruok.wire.receive(new TextEncoder().encode('ruok'));
    expect(ruok.text()).toBe('imok');
    expect(ruok.ended).toBe(true);
    const refused = connection(engine, { whitelist: new Set(['srvr']) });
    refused.wire.receive(new TextEncoder().encode('mntr'));
    expect(refused.text()).toBe('mntr is not executed because it is not in the whitelist.\n');
  });

  it('reports a fresh server as ZooKeeper 3.8 does: node count 5, zxid 0x0, standalone', () => {
    const srvr = answerFourLetterWord('srvr', contextFor(newEngine()));
    expect(srvr).toMatch(/^Zookeeper version: 3\.8\.4-vivarium/);
    expect(srvr).toContain('Zxid: 0x0\n');
    expect(srvr).toContain('Mode: standalone\n');
    expect(srvr).toContain('Node count: 5\n');
    expect(answerFourLetterWord('envi', contextFor(newEngine())).split('\n')[1]).toMatch(/^zookeeper\.version=3\.8\.4/);
  });

  it('answers as ZooKeeper does while not serving (an electing member) and while read-only', () => {
    const electing = { ...contextFor(newEngine()), mode: 'follower' as const, serving: false };
    for (const word of ['srvr', 'stat', 'mntr', 'cons', 'conf', 'dump', 'wchs', 'wchc', 'wchp'] as const) {
      expect(answerFourLetterWord(word, electing), word).toBe('This ZooKeeper instance is not currently serving requests\n');
    }
    expect(answerFourLetterWord('isro', electing)).toBe('null');
    expect(answerFourLetterWord('ruok', electing)).toBe('imok');
    expect(answerFourLetterWord('envi', electing)).toMatch(/^Environment:/);
    const readOnly = { ...contextFor(newEngine()), mode: 'read-only' as const, readOnly: true };
    expect(answerFourLetterWord('isro', readOnly)).toBe('ro');
    expect(answerFourLetterWord('srvr', readOnly).split('\n').slice(1, 2)).toEqual(['READ-ONLY mode; serving only read-only clients']);
    expect(answerFourLetterWord('srvr', readOnly)).toContain('Mode: read-only\n');
    expect(answerFourLetterWord('isro', contextFor(newEngine()))).toBe('rw');
  });
});

describe('WireConnection under garbage', () => {
  it('random and mutated bytes on one connection never throw and never disturb a healthy one', () => {
    const seed = propertySeed(99, 'wire fuzz');
    const valid = [
      encodeConnectRequest(connectRequest()),
      encodeRequest(1, { type: OpCode.create, path: '/f', data: new Uint8Array(3), acl: openAcl, flags: 1 }),
      encodeRequest(2, { type: OpCode.getChildren2, path: '/', watch: true }),
      encodeRequest(3, { type: OpCode.multi, ops: [{ type: OpCode.check, path: '/f', version: 0 }, { type: OpCode.delete, path: '/f', version: -1 }] }),
    ];
    const stream = Uint8Array.from(valid.flatMap((f) => [...f]));
    const mutatedStream = fc.tuple(fc.array(fc.tuple(fc.nat(stream.length - 1), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }), fc.nat(stream.length))
      .map(([flips, cut]) => {
        const copy = Uint8Array.from(stream);
        for (const [at, value] of flips) copy[at] = value;
        return copy.subarray(0, cut);
      });
    const garbage = fc.oneof(fc.uint8Array({ maxLength: 200 }), mutatedStream);
    fc.assert(
      fc.property(garbage, fc.array(fc.integer({ min: 1, max: 17 }), { minLength: 1, maxLength: 8 }), (bytes, splits) => {
        const engine = newEngine();
        const healthy = connection(engine);
        healthy.wire.receive(encodeConnectRequest(connectRequest()));
        healthy.messages();
        const hostile = connection(engine);
        // Deliver the garbage in uneven pieces: frames split at arbitrary boundaries.
        let at = 0;
        let i = 0;
        while (at < bytes.length) {
          const size = splits[i++ % splits.length] as number;
          hostile.wire.receive(bytes.subarray(at, at + size));
          at += size;
        }
        hostile.wire.transportClosed();
        healthy.send(10, { type: OpCode.create, path: '/still-here', data: null, acl: openAcl, flags: 0 });
        const replies = healthy.messages().map((m) => m.message).filter((m) => m?.header.xid === 10);
        expect(replies).toHaveLength(1);
        expect(replies[0]?.header.err).toBe(0);
        engine.checkInvariants();
      }),
      { seed, numRuns: 400 },
    );
  });

  it('a valid stream split at every byte boundary gives the same replies as one chunk', () => {
    const frames = [
      encodeConnectRequest(connectRequest()),
      encodeRequest(1, { type: OpCode.create, path: '/s', data: new Uint8Array([7]), acl: openAcl, flags: 0 }),
      encodeRequest(2, { type: OpCode.getData, path: '/s', watch: false }),
    ];
    const stream = Uint8Array.from(frames.flatMap((f) => [...f]));
    const summarize = (conn: ReturnType<typeof connection>) => conn.messages().map((m) => m.connectBytes ?? `${m.message?.header.xid}:${m.message?.header.err}`);
    const whole = connection(newEngine());
    whole.expect(1, OpCode.create);
    whole.expect(2, OpCode.getData);
    whole.wire.receive(stream);
    const reference = summarize(whole);
    expect(reference).toEqual([37, '1:0', '2:0']);
    for (let cut = 1; cut < stream.length; cut++) {
      const split = connection(newEngine());
      split.expect(1, OpCode.create);
      split.expect(2, OpCode.getData);
      split.wire.receive(stream.subarray(0, cut));
      split.wire.receive(stream.subarray(cut));
      expect(summarize(split)).toEqual(reference);
    }
  });
});

describe('WireConnection limits', () => {
  it('closes a connection with more than outstandingRequestsMax requests unanswered, and only that one', async () => {
    const { createEnsemble } = await import('../ensemble/create-ensemble.ts');
    const ensemble = createEnsemble({ members: 3, seed: 2 });
    try {
      const leader = await ensemble.waitForLeader();
      const follower = ensemble.members.find((m) => m.id !== leader.id)!;
      let ended = false;
      const lines: string[] = [];
      const wire = new WireConnection({
        engine: follower.engine, remoteAddress: '127.0.0.1', frameBytesMax: 0xfffff, outstandingRequestsMax: 5,
        fourLetterWord: () => undefined, sink: { write: () => undefined, end: () => { ended = true; } }, log: (line) => lines.push(line),
      }, 0);
      wire.receive(encodeConnectRequest(connectRequest()));
      await ensemble.quiesce();
      // Cut the follower off so its writes wait for a leader that never answers.
      ensemble.isolate(follower.id);
      for (let xid = 1; xid <= 5; xid++) wire.receive(encodeRequest(xid, { type: OpCode.create, path: `/w${xid}`, data: null, acl: openAcl, flags: 0 }));
      expect(ended).toBe(false);
      wire.receive(encodeRequest(6, { type: OpCode.create, path: '/w6', data: null, acl: openAcl, flags: 0 }));
      expect(ended).toBe(true);
      expect(lines.join('\n')).toMatch(/more than outstandingRequestsMax \(5\)/);
      ensemble.heal();
    } finally {
      await ensemble.close();
    }
  });
});

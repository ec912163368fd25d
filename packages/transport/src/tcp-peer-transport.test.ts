/**
 * The TCP peer transport on loopback: envelopes arrive exactly and in order,
 * one connection per pair whoever speaks first, reconnects after a peer comes
 * back, and garbage on a peer port closes that connection only. Real sockets:
 * every wait is bounded by a deadline.
 */
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Envelope } from '@vivarium/ensemble';
import { encodeHello } from './peer-frames.ts';
import { TcpPeerTransport, type TcpPeerTransportOptions } from './tcp-peer-transport.ts';

const open: TcpPeerTransport[] = [];
const sockets: Socket[] = [];

afterEach(() => {
  for (const transport of open.splice(0)) transport.close();
  for (const socket of sockets.splice(0)) socket.destroy();
});

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

interface Member {
  id: number;
  transport: TcpPeerTransport;
  inbox: Envelope[];
  logs: string[];
}

/** Members 1..n listening on free ports, each knowing the others. */
async function mesh(n: number, extra: Partial<TcpPeerTransportOptions> = {}, attach = true): Promise<Member[]> {
  const members: Member[] = [];
  for (let id = 1; id <= n; id++) {
    const logs: string[] = [];
    const transport = await TcpPeerTransport.open({ myId: id, peers: [], listen: [{ host: '127.0.0.1', port: 0 }, { host: '127.0.0.1', port: 0 }], log: (line) => logs.push(line), ...extra });
    open.push(transport);
    members.push({ id, transport, inbox: [], logs });
  }
  // Peers are only known once every port is: rebuild each transport's view through a second open.
  for (const member of members) member.transport.close();
  open.length = 0;
  const ports = members.map((m) => m.transport.addresses.map((a) => a.port));
  const rebuilt: Member[] = [];
  for (const member of members) {
    const transport = await TcpPeerTransport.open({
      myId: member.id,
      peers: members.map((m) => ({ id: m.id, host: '127.0.0.1', port: (ports[m.id - 1] as number[])[1] as number })),
      listen: (ports[member.id - 1] as number[]).map((port) => ({ host: '127.0.0.1', port })),
      log: (line) => member.logs.push(line),
      ...extra,
    });
    open.push(transport);
    const m = { ...member, transport };
    if (attach) transport.attach(m.id, (envelope) => m.inbox.push(envelope));
    rebuilt.push(m);
  }
  return rebuilt;
}

function ping(from: number, to: number, seq: number): Envelope {
  return { from, to, message: { type: 'ping', touched: [BigInt(seq), -1n, 2n ** 63n] }, seq, incarnation: 7, toIncarnation: 0 };
}

describe('TcpPeerTransport', () => {
  it('carries envelopes exactly and in order both ways, over one connection per pair', async () => {
    const [a, b, c] = await mesh(3);
    for (let i = 1; i <= 200; i++) {
      a!.transport.send(ping(1, 2, i));
      b!.transport.send(ping(2, 1, i));
      c!.transport.send(ping(3, 1, i));
    }
    await until(() => a!.inbox.length === 400 && b!.inbox.length === 200, 'every message');
    expect(b!.inbox.map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(b!.inbox[0]).toEqual(ping(1, 2, 1));
    expect(a!.inbox.filter((e) => e.from === 3).map((e) => e.seq)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    await until(() => a!.transport.connectedPeers.length === 2 && b!.transport.connectedPeers.length === 2, 'the mesh');
    // The higher id of each pair keeps its outgoing connection: 2 and 3 dialled, 1 accepted.
    expect(a!.transport.stats.connectionsOpened).toBe(0);
    expect(a!.transport.stats.connectionsAccepted).toBe(2);
    expect(c!.transport.stats.connectionsOpened).toBe(2);
  });

  it('a lower id speaking first gets called back; a restarted peer is reconnected', async () => {
    const members = await mesh(2, { reconnectDelayMaxMs: 200 }, false);
    const [a, b] = members as [Member, Member];
    a.transport.attach(1, (e) => a.inbox.push(e));
    // Member 2 is not attached yet: member 1's message waits in its queue, then gets through once 2 is up.
    a.transport.send(ping(1, 2, 1));
    b.transport.attach(2, (e) => b.inbox.push(e));
    await until(() => b.inbox.length === 1, 'the first message');
    const port = b.transport.addresses;
    b.transport.close();
    await until(() => a.transport.connectedPeers.length === 0, 'member 1 to see member 2 go');
    a.transport.send(ping(1, 2, 2));
    const again = await TcpPeerTransport.open({ myId: 2, peers: [{ id: 1, host: '127.0.0.1', port: a.transport.addresses[1]!.port }], listen: port });
    open.push(again);
    const inbox: Envelope[] = [];
    again.attach(2, (e) => inbox.push(e));
    await until(() => inbox.some((e) => e.seq === 2), 'the queued message after the restart');
    again.send(ping(2, 1, 9));
    await until(() => a.inbox.some((e) => e.seq === 9), 'the restarted member talking back');
  });

  it('closes a connection that sends garbage, an oversized frame, or a bad HELLO, and keeps talking to its peers', async () => {
    const [a, b] = await mesh(2, { frameBytesMax: 4096, handshakeTimeoutMs: 300 });
    a!.transport.send(ping(1, 2, 1));
    await until(() => b!.inbox.length === 1, 'the mesh');
    const target = b!.transport.addresses;
    const attempts: Array<Uint8Array> = [
      new Uint8Array([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]), // a 2 GiB frame
      new Uint8Array([0, 0, 0, 14, ...Array.from({ length: 14 }, () => 0xaa)]), // HELLO length, not a HELLO
      encodeHello(9, 2), // a member that is not in the ensemble
      encodeHello(1, 3), // meant for another member
      new Uint8Array(Array.from({ length: 300 }, (_, i) => (i * 37) & 0xff)),
    ];
    for (const [i, bytes] of attempts.entries()) {
      const socket = connect({ host: '127.0.0.1', port: target[i % 2]!.port });
      sockets.push(socket);
      let closed = false;
      socket.on('close', () => { closed = true; });
      socket.on('error', () => undefined);
      socket.write(bytes);
      await until(() => closed, `garbage ${i} to be refused`);
    }
    // Silence after connecting: the handshake deadline closes it.
    const silent = connect({ host: '127.0.0.1', port: target[0]!.port });
    sockets.push(silent);
    let silentClosed = false;
    silent.on('close', () => { silentClosed = true; });
    silent.on('error', () => undefined);
    await until(() => silentClosed, 'the silent connection to time out');
    // Each garbage connection and the silent one.
    expect(b!.transport.stats.connectionsRejected).toBe(attempts.length + 1);
    expect(b!.transport.stats.handshakeTimeouts).toBe(1);
    expect(b!.logs.some((line) => /first frame of 2147483647 bytes is not a HELLO/.test(line))).toBe(true);
    // The real peer's connection was never touched.
    a!.transport.send(ping(1, 2, 2));
    b!.transport.send(ping(2, 1, 3));
    await until(() => b!.inbox.length === 2 && a!.inbox.length === 1, 'the peers to keep talking');
    expect(a!.transport.stats.connectionsLost).toBe(0);
  });

  it('a frame that does not decode as an envelope closes the connection; the peers reconnect', async () => {
    const [a, b] = await mesh(2, { reconnectDelayMaxMs: 100 });
    a!.transport.send(ping(1, 2, 1));
    await until(() => b!.inbox.length === 1, 'the mesh');
    // Pretend to be member 2 (higher id, so member 1 accepts) and send a broken envelope.
    const socket = connect({ host: '127.0.0.1', port: a!.transport.addresses[0]!.port });
    sockets.push(socket);
    let closed = false;
    socket.on('close', () => { closed = true; });
    socket.on('error', () => undefined);
    socket.write(encodeHello(2, 1));
    socket.write(new Uint8Array([0, 0, 0, 5, 2, 1, 7, 0x92, 0xc1]));
    await until(() => closed, 'the impostor to be refused');
    expect(a!.logs.some((line) => /does not parse|malformed|expected/.test(line))).toBe(true);
    // After a good HELLO, a frame over frameBytesMax (64 MiB by default) is refused before it is buffered.
    const big = connect({ host: '127.0.0.1', port: a!.transport.addresses[1]!.port });
    sockets.push(big);
    let bigClosed = false;
    big.on('close', () => { bigClosed = true; });
    big.on('error', () => undefined);
    big.write(encodeHello(2, 1));
    big.write(new Uint8Array([0x10, 0, 0, 0, 2]));
    await until(() => bigClosed, 'the oversized frame to be refused');
    expect(a!.logs.some((line) => /frameBytesMax/.test(line))).toBe(true);
    // The impostor replaced member 2's connection on member 1; member 2 notices and dials again.
    b!.transport.send(ping(2, 1, 5));
    await until(() => a!.inbox.some((e) => e.seq === 5), 'member 2 to reach member 1 again', 5000);
  });

  it('bounds the send queue and the frame size: past either a message is dropped and counted', async () => {
    const [a] = await mesh(2, { sendQueueMessagesMax: 10, frameBytesMax: 2048 }, false);
    // Not attached, so nothing drains the queue.
    for (let i = 1; i <= 25; i++) a!.transport.send(ping(1, 2, i));
    expect(a!.transport.stats.droppedQueueFull).toBe(15);
    a!.transport.send({ from: 1, to: 2, message: { type: 'ping', touched: Array.from({ length: 400 }, (_, i) => BigInt(i)) } });
    expect(a!.transport.stats.droppedOversize).toBe(1);
    a!.transport.send({ from: 1, to: 42, message: { type: 'upToDate' } });
    expect(a!.transport.stats.droppedUnknownPeer).toBe(1);
  });

  it('blocks and heals links on request', async () => {
    const [a, b] = await mesh(2);
    a!.transport.setBlockedPeers([2]);
    a!.transport.send(ping(1, 2, 1));
    b!.transport.send(ping(2, 1, 2));
    await until(() => a!.transport.stats.droppedBlocked === 2, 'both directions to be dropped');
    a!.transport.setBlockedPeers([]);
    a!.transport.send(ping(1, 2, 3));
    await until(() => b!.inbox.length === 1, 'the healed link');
    expect(b!.inbox[0]?.seq).toBe(3);
  });
});

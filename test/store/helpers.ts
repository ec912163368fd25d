/**
 * Shared fixtures for the store suites: a server per test (closed when the test ends), a way to
 * let in-process output reach clients, an engine-level "raw" connection for what the promise
 * client cannot send or cannot show (exact frames, reply-header zxids, odd flags), and a client
 * whose traffic can be cut, to let a session time out while its client still believes it is alive.
 *
 * Expected values in these suites come from the real ZooKeeper 3.8 (docs/zookeeper-3.8-observations.md)
 * and the reference (zookeeper-wire-and-semantics.md); comments cite which.
 */
import { expect, onTestFinished } from 'vitest';
import { createServer, type ServerOptions, type VivariumServer } from '@vivarium/server';
import { localChannelFactory, manualScheduler, ZooKeeperClient, type ChannelFactory, type WatchedEvent } from '@vivarium/client';
import type { EngineOutput } from '@vivarium/store';
import type { Acl, ReplyHeader, Request, Response, WatcherEvent } from '@vivarium/protocol';

export const encoder = new TextEncoder();
export const decoder = new TextDecoder();

export function bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

export function text(data: Uint8Array | null): string | null {
  return data === null ? null : decoder.decode(data);
}

/** A server on a manual clock, closed when the current test finishes (pass or fail). */
export type TestServer = VivariumServer & {
  clockNow(): number;
  advance(ms: number): void;
  /** Run before the server closes at the end of the test (clients the server does not know about). */
  beforeClose(cleanup: () => Promise<void>): void;
};

export function startServer(options: ServerOptions = {}): TestServer {
  const server = createServer({ seed: 1, ...options });
  const cleanups: Array<() => Promise<void>> = [];
  onTestFinished(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await server.close();
  });
  const clock = server.manualClock;
  if (clock === undefined) throw new Error('startServer: expected a manual clock');
  return Object.assign(server, {
    clockNow: () => clock.nowMs(),
    advance: (ms: number) => clock.advance(ms),
    beforeClose: (cleanup: () => Promise<void>) => {
      cleanups.push(cleanup);
    },
  });
}

/** Let every queued microtask and in-process delivery run (no wall-clock wait). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Assert that `promise` rejects with a ZooKeeperError of `code`. */
export async function expectCode(promise: Promise<unknown>, code: number): Promise<void> {
  await expect(promise).rejects.toMatchObject({ code });
}

/** Records watch events; `watcher` can be handed to any watch-setting call. */
export function recorder(): { events: WatchedEvent[]; watcher: (event: WatchedEvent) => void } {
  const events: WatchedEvent[] = [];
  return { events, watcher: (event) => events.push(event) };
}

export function worldAcl(perms: number): Acl[] {
  return [{ perms, id: { scheme: 'world', id: 'anyone' } }];
}

export function digestAcl(perms: number, idWithHash: string): Acl {
  return { perms, id: { scheme: 'digest', id: idWithHash } };
}

/** user:pass -> user:smGaoVKd/cQkjm7b88GyorAUz20= (base64(sha1("user:pass"))), checked with ZooKeeper's DigestAuthenticationProvider. */
export const userPassDigest = 'user:smGaoVKd/cQkjm7b88GyorAUz20=';
/** The superDigest for password "test" (reference §2.5). */
export const superDigest = 'super:D/InIHSb7yEEbrWz8b9l71RjZJU=';

export interface RawReply {
  header: ReplyHeader;
  response: Response | undefined;
  /** Events that reached this connection during the call, in order, before the reply. */
  events: WatcherEvent[];
  /** Everything this connection received during the call, in order. */
  outputs: EngineOutput[];
}

/**
 * A connection straight into the engine, with no client library in between: what it sends is
 * exactly one request, and what it gets is exactly the engine's output (one frame each).
 */
export class RawSession {
  readonly server: VivariumServer;
  readonly connectionId: number;
  readonly outputs: EngineOutput[] = [];
  sessionId = 0n;
  passwd: Uint8Array = new Uint8Array(16);
  negotiatedTimeoutMs = 0;
  private xid = 1;

  constructor(server: VivariumServer, options: { remoteAddress?: string } = {}) {
    this.server = server;
    this.connectionId = server.engine.openConnection({
      remoteAddress: options.remoteAddress ?? '127.0.0.1',
      sink: (outputs) => this.outputs.push(...outputs),
    });
  }

  /** Handshake; returns the ConnectResponse output. */
  connect(options: { timeoutMs?: number; sessionId?: bigint; passwd?: Uint8Array } = {}): Extract<EngineOutput, { kind: 'connected' }> {
    const start = this.outputs.length;
    this.server.engine.connect(this.connectionId, {
      protocolVersion: 0,
      lastZxidSeen: 0n,
      timeOutMs: options.timeoutMs ?? 4000,
      sessionId: options.sessionId ?? 0n,
      passwd: options.passwd ?? new Uint8Array(16),
      readOnly: false,
    });
    const connected = this.outputs.slice(start).find((o) => o.kind === 'connected');
    if (connected === undefined || connected.kind !== 'connected') throw new Error('RawSession: no ConnectResponse');
    this.sessionId = connected.response.sessionId;
    this.passwd = connected.response.passwd;
    this.negotiatedTimeoutMs = connected.response.timeOutMs;
    return connected;
  }

  /** Send one request; returns its reply and whatever else arrived meanwhile. */
  call(request: Request): RawReply {
    const start = this.outputs.length;
    const xid = request.type === 11 ? -2 : request.type === 100 ? -4 : this.xid++;
    this.server.engine.submit(this.connectionId, xid, request);
    const outputs = this.outputs.slice(start);
    const reply = outputs.find((o): o is Extract<EngineOutput, { kind: 'reply' }> => o.kind === 'reply' && o.header.xid === xid);
    if (reply === undefined) throw new Error(`RawSession: no reply to request type ${request.type}`);
    const events = outputs.filter((o): o is Extract<EngineOutput, { kind: 'event' }> => o.kind === 'event').map((o) => o.event);
    return { header: reply.header, response: reply.response, events, outputs };
  }

  /** Events received since output index `from`. */
  eventsSince(from: number): WatcherEvent[] {
    return this.outputs.slice(from).filter((o): o is Extract<EngineOutput, { kind: 'event' }> => o.kind === 'event').map((o) => o.event);
  }

  get closed(): boolean {
    return this.outputs.some((o) => o.kind === 'close');
  }

  closeReason(): string | undefined {
    const close = this.outputs.find((o) => o.kind === 'close');
    return close?.kind === 'close' ? close.reason : undefined;
  }
}

export function rawSession(server: VivariumServer, options: { remoteAddress?: string; timeoutMs?: number } = {}): RawSession {
  const raw = new RawSession(server, options);
  raw.connect(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs });
  return raw;
}

/**
 * A real in-process client whose requests (pings included) can be dropped on the floor, as a
 * network partition would: the server stops hearing from it while the client still thinks it is
 * connected. Handshakes still go through, so a reconnect after the partition learns the verdict.
 */
export async function partitionableClient(
  server: TestServer,
  options: { sessionTimeoutMs?: number } = {},
): Promise<{ client: ZooKeeperClient; partition(): void; heal(): void }> {
  const clock = server.manualClock;
  if (clock === undefined) throw new Error('partitionableClient: needs a manual clock');
  let partitioned = false;
  const base = localChannelFactory(server.engine);
  const channelFactory: ChannelFactory = (handler, attempt) => {
    const channel = base(handler, attempt);
    return {
      connect: (request) => channel.connect(request),
      send: (xid, request) => {
        if (!partitioned) channel.send(xid, request);
      },
      close: () => channel.close(),
    };
  };
  const client = new ZooKeeperClient({
    channelFactory,
    scheduler: manualScheduler(clock),
    sessionTimeoutMs: options.sessionTimeoutMs ?? 4000,
  });
  server.beforeClose(async () => {
    partitioned = false;
    await client.close();
  });
  await client.waitForConnected();
  return {
    client,
    partition: () => {
      partitioned = true;
    },
    heal: () => {
      partitioned = false;
    },
  };
}

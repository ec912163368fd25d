import { localChannelFactory, ZooKeeperClient, type ChannelFactory, type ChannelHandler, type ServerChannel, type SessionState } from '@vivarium/client';
import type { Engine } from '@vivarium/store';
import type { TrackedScheduler } from './tracked-time.ts';
import type { TraceFold } from './trace-fold.ts';

/** How a fixture's in-process client is made. */
export interface FixtureClientOptions {
  /** Requested session timeout; the server clamps it to [2, 20] ticks as ZooKeeper does. Default 30 s. */
  sessionTimeoutMs?: number;
  /** Every path this client uses is under this one (it must exist for writes to succeed). */
  chroot?: string;
  /** The address the server sees, for ip ACLs. Default 127.0.0.1. */
  remoteAddress?: string;
  /**
   * Ensembles only: the member (1-based server id) to connect to first. On each
   * reconnect the client moves on to the next id, as a ZooKeeper client walks its
   * connect string. Default: the first serving member.
   */
  member?: number;
  /** Delay before each reconnect. Default tickTimeMs / 20 (100 ms with the default tick), as the ensemble's own clients. */
  reconnectDelayMs?: number;
}

/** Where a connection attempt goes: an engine, or why there is none (the client then tries the next). */
export type EngineChoice = { engine: Engine } | { down: string };

interface TrackedClient {
  readonly label: string;
  readonly client: ZooKeeperClient;
  crashed: boolean;
}

/**
 * The in-process clients a fixture made: each one is closed by the fixture's
 * close(), can be "crashed" (its process dies: the connection drops and it never
 * comes back, so its session lives on until the server expires it), and its
 * session id is folded into the fixture's trace when it connects.
 */
export class FixtureClients {
  private readonly clients: TrackedClient[] = [];
  private readonly scheduler: TrackedScheduler;
  private readonly trace: TraceFold;
  private nextLabel = 1;

  constructor(scheduler: TrackedScheduler, trace: TraceFold) {
    this.scheduler = scheduler;
    this.trace = trace;
  }

  open(options: FixtureClientOptions, reconnectDelayMs: number, engineFor: (attempt: number) => EngineChoice): ZooKeeperClient {
    const label = `c${this.nextLabel++}`;
    const record = { crashed: false };
    const channelFactory: ChannelFactory = (handler, attempt) => {
      if (record.crashed) return silentChannel();
      const choice = engineFor(attempt);
      if ('down' in choice) return deadChannel(handler, choice.down);
      return localChannelFactory(choice.engine, options.remoteAddress === undefined ? {} : { remoteAddress: options.remoteAddress })(handler, attempt);
    };
    const client = new ZooKeeperClient({
      channelFactory,
      scheduler: this.scheduler,
      reconnectDelayMs: options.reconnectDelayMs ?? reconnectDelayMs,
      ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
      ...(options.chroot === undefined ? {} : { chroot: options.chroot }),
    });
    const tracked: TrackedClient = Object.assign(record, { label, client });
    this.clients.push(tracked);
    this.trace.add(`${label} open${options.member === undefined ? '' : ` member ${options.member}`}${options.chroot === undefined ? '' : ` chroot ${options.chroot}`}`);
    client.onStateChange((state) => {
      // Session ids and the granted timeout come from the seed: folding them makes the trace seed-sensitive.
      this.trace.add(`${label} ${state}${state === 'connected' ? ` 0x${client.sessionId.toString(16)} ${client.negotiatedTimeoutMs}` : ''}`);
    });
    return client;
  }

  /** The client's process dies: the connection drops, no close is sent, and it never reconnects. */
  crash(client: ZooKeeperClient): void {
    const tracked = this.find(client);
    if (tracked === undefined) throw new Error('crashClient: this client was not made by this fixture');
    if (tracked.crashed) return;
    tracked.crashed = true;
    this.trace.add(`${tracked.label} crash`);
    // disconnect() closes the transport (the server sees the connection go, the session stays)
    // and schedules a reconnect, which now gets a channel that never answers.
    client.disconnect();
  }

  isCrashed(client: ZooKeeperClient): boolean {
    return this.find(client)?.crashed ?? false;
  }

  /** Live (not crashed, not finished) clients that hold this session. */
  holding(sessionId: bigint): ZooKeeperClient[] {
    return this.clients.filter((t) => !t.crashed && t.client.sessionId === sessionId && !isTerminal(t.client.state)).map((t) => t.client);
  }

  /** Start closing every client; the promises settle once each has finished (server reply, or its transport gone). */
  closeAll(): Array<Promise<void>> {
    return this.clients.map((t) => t.client.close().catch(() => undefined));
  }

  /** Clients not yet closed, expired or refused, as `label state` lines. */
  unfinished(): string[] {
    return this.clients.filter((t) => !isTerminal(t.client.state)).map((t) => `${t.label} ${t.client.state}${t.crashed ? ' (crashed)' : ''}`);
  }

  get count(): number {
    return this.clients.length;
  }

  private find(client: ZooKeeperClient): TrackedClient | undefined {
    return this.clients.find((t) => t.client === client);
  }
}

export function isTerminal(state: SessionState): boolean {
  return state === 'closed' || state === 'expired' || state === 'authFailed';
}

/** A member that is down: the attempt fails at once (asynchronously, as a refused socket does). */
function deadChannel(handler: ChannelHandler, reason: string): ServerChannel {
  let closed = false;
  queueMicrotask(() => {
    if (!closed) handler.onTransportLost(reason);
  });
  return { connect: () => undefined, send: () => undefined, close: () => { closed = true; } };
}

/** What a dead process's client gets: nothing, ever. It arms no timer, so it leaks nothing. */
function silentChannel(): ServerChannel {
  return { connect: () => undefined, send: () => undefined, close: () => undefined };
}

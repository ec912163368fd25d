import { localChannelFactory, ZooKeeperClient, type ChannelFactory, type ChannelHandler, type ServerChannel, type SessionState } from '@vivarium/client';
import type { Engine } from '@vivarium/store';
import { CuttableChannel } from './cuttable-channel.ts';
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
  /** The network between this client and every member is down (cutLink). */
  cut: boolean;
  /** Its open channels, so a cut reaches the connection in use. */
  readonly channels: Set<CuttableChannel>;
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
    const record = { crashed: false, cut: false, channels: new Set<CuttableChannel>() };
    const channelFactory: ChannelFactory = (handler, attempt) => {
      if (record.crashed) return silentChannel();
      let open: ((inner: ChannelHandler) => ServerChannel) | undefined;
      // Across a cut link no member is reachable, up or down: the attempt just times out.
      if (!record.cut) {
        const choice = engineFor(attempt);
        if ('down' in choice) return deadChannel(handler, choice.down);
        open = (inner) => localChannelFactory(choice.engine, options.remoteAddress === undefined ? {} : { remoteAddress: options.remoteAddress })(inner, attempt);
      }
      const channel: CuttableChannel = new CuttableChannel({ handler, scheduler: this.scheduler, open, onClosed: () => record.channels.delete(channel) });
      record.channels.add(channel);
      return channel;
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
    const tracked = this.require(client, 'crashClient');
    if (tracked.crashed) return;
    tracked.crashed = true;
    this.trace.add(`${tracked.label} crash`);
    // disconnect() closes the transport (the server sees the connection go, the session stays)
    // and schedules a reconnect, which now gets a channel that never answers.
    client.disconnect();
  }

  /** The network between the client and every member goes away (see CuttableChannel), until healLink. */
  cutLink(client: ZooKeeperClient): void {
    const tracked = this.require(client, 'cutClientLink');
    if (tracked.cut) return;
    tracked.cut = true;
    this.trace.add(`${tracked.label} link cut`);
    for (const channel of tracked.channels) channel.cut();
  }

  /** The network comes back: the client's next connection attempt gets through (the connection that saw the cut stays dead). */
  healLink(client: ZooKeeperClient): void {
    const tracked = this.require(client, 'healClientLink');
    if (!tracked.cut) return;
    tracked.cut = false;
    this.trace.add(`${tracked.label} link healed`);
  }

  isLinkCut(client: ZooKeeperClient): boolean {
    return this.find(client)?.cut ?? false;
  }

  isCrashed(client: ZooKeeperClient): boolean {
    return this.find(client)?.crashed ?? false;
  }

  /** Live (not crashed, not finished) clients that hold this session. */
  holding(sessionId: bigint): ZooKeeperClient[] {
    return this.clients.filter((t) => !t.crashed && t.client.sessionId === sessionId && !isTerminal(t.client.state)).map((t) => t.client);
  }

  /** Live clients (not crashed, not finished), in the order they were made. */
  live(): ZooKeeperClient[] {
    return this.clients.filter((t) => !t.crashed && !isTerminal(t.client.state)).map((t) => t.client);
  }

  /**
   * Start closing every client; the promises settle once each has finished (server reply, or its transport gone).
   * A client whose connection saw a cut could never hear the reply: it drops that connection first and closes
   * locally (its session is left to the servers, as a client that cannot reach them would).
   */
  closeAll(): Array<Promise<void>> {
    for (const tracked of this.clients) {
      const stalled = tracked.cut || [...tracked.channels].some((channel) => channel.isBroken);
      tracked.cut = false;
      // Only a connected client waits for a reply; one between connections closes locally on its own.
      const state = tracked.client.state;
      if (stalled && (state === 'connected' || state === 'connectedReadOnly')) tracked.client.disconnect();
    }
    return this.clients.map((t) => t.client.close().catch(() => undefined));
  }

  /** Clients not yet closed, expired or refused, as `label state` lines. */
  unfinished(): string[] {
    return this.clients.filter((t) => !isTerminal(t.client.state)).map((t) => `${t.label} ${t.client.state}${t.crashed ? ' (crashed)' : ''}`);
  }

  get count(): number {
    return this.clients.length;
  }

  private require(client: ZooKeeperClient, what: string): TrackedClient {
    const tracked = this.find(client);
    if (tracked === undefined) throw new Error(`${what}: this client was not made by this fixture`);
    return tracked;
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

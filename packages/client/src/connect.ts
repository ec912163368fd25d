import { ErrorCode, ZooKeeperError } from '@vivarium/protocol';
import type { Random } from '@vivarium/store';
import { formatHostAndPort, parseConnectString } from './connect-string.ts';
import type { Scheduler } from './scheduler.ts';
import { tcpChannelFactory } from './tcp-channel.ts';
import { ZooKeeperClient } from './zookeeper-client.ts';

export interface ConnectZooKeeperOptions {
  /** Requested session timeout; the server clamps it to its min/max. Default 30000. */
  sessionTimeoutMs?: number;
  /** Pause before each reconnect after the connection is lost. Default 200 ms. */
  reconnectDelayMs?: number;
  /** Reattach to an existing session (with its password). */
  sessionId?: bigint;
  sessionPassword?: Uint8Array;
  /** Let a read-only server accept the session (readOnly byte of the ConnectRequest). Default false. */
  canBeReadOnly?: boolean;
  /** Bound on one connection attempt until the ConnectResponse. Default: session timeout / number of hosts. */
  connectTimeoutMs?: number;
  /**
   * Bound on the wait for the first session, over all attempts; past it the client is closed and the
   * promise rejects with CONNECTIONLOSS. Default: the session timeout.
   */
  initialConnectTimeoutMs?: number;
  /** Largest frame accepted from the server (jute.maxbuffer). Default 0xfffff. */
  frameBytesMax?: number;
  /** Shuffle the connect string's hosts with this generator (as the Java client does). Default: keep their order. */
  random?: Random;
  requestsInFlightMax?: number;
  onWatcherError?: (error: unknown) => void;
}

const sessionTimeoutDefaultMs = 30_000;
const reconnectDelayDefaultMs = 200;

/**
 * Connects to a ZooKeeper ensemble (Vivarium or Apache ZooKeeper) over TCP and resolves once the
 * session is established. `connectString` is `host:port[,host:port...][/chroot]`.
 *
 *   const zk = await connectZooKeeper('127.0.0.1:2181/app');
 *   try { await zk.create('/x', bytes) } finally { await zk.close() }
 */
export async function connectZooKeeper(connectString: string, options: ConnectZooKeeperOptions = {}): Promise<ZooKeeperClient> {
  const parsed = parseConnectString(connectString, options.random === undefined ? {} : { random: options.random });
  const sessionTimeoutMs = options.sessionTimeoutMs ?? sessionTimeoutDefaultMs;
  const scheduler = keepAliveScheduler();
  const client = new ZooKeeperClient({
    channelFactory: tcpChannelFactory({
      hosts: parsed.hosts,
      ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
      ...(options.frameBytesMax === undefined ? {} : { frameBytesMax: options.frameBytesMax }),
      canBeReadOnly: options.canBeReadOnly ?? false,
      scheduler,
    }),
    scheduler,
    sessionTimeoutMs,
    reconnectDelayMs: options.reconnectDelayMs ?? reconnectDelayDefaultMs,
    ...(parsed.chroot === undefined ? {} : { chroot: parsed.chroot }),
    ...(options.sessionId === undefined ? {} : { sessionId: options.sessionId }),
    ...(options.sessionPassword === undefined ? {} : { sessionPassword: options.sessionPassword }),
    ...(options.requestsInFlightMax === undefined ? {} : { requestsInFlightMax: options.requestsInFlightMax }),
    ...(options.onWatcherError === undefined ? {} : { onWatcherError: options.onWatcherError }),
  });
  const boundMs = options.initialConnectTimeoutMs ?? sessionTimeoutMs;
  let cancel: (() => void) | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    cancel = scheduler.setTimer(boundMs, () => {
      const where = parsed.hosts.map(formatHostAndPort).join(',');
      reject(new ZooKeeperError(ErrorCode.connectionLoss, { detail: `no session with ${where} within ${boundMs} ms` }));
    });
  });
  try {
    await Promise.race([client.waitForConnected(), timedOut]);
    return client;
  } catch (error) {
    // Stop the retries; an expired or refused client is already finished.
    if (client.state === 'connecting' || client.state === 'disconnected' || client.state === 'connected') await client.close();
    throw error;
  } finally {
    cancel?.();
  }
}

/**
 * Real timers that keep the process alive. systemScheduler() unrefs its timers so a forgotten
 * in-process client never holds a process open; over TCP the open socket holds it anyway, and
 * between a lost connection and the next attempt the reconnect timer is the only thing left: if
 * it were unref'd, a program awaiting a request across a server restart would simply exit.
 * The client cancels every timer on close(), so nothing outlives it.
 */
function keepAliveScheduler(): Scheduler {
  return {
    nowMs: () => Date.now(),
    setTimer(delayMs, task) {
      const handle = setTimeout(task, Math.max(0, delayMs));
      return () => clearTimeout(handle);
    },
  };
}

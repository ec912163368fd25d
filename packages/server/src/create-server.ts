import { localChannelFactory, manualScheduler, systemScheduler, ZooKeeperClient, type Scheduler } from '@vivarium/client';
import { ManualClock, type Clock, type Engine, type EngineConfig } from '@vivarium/store';
import { composeMember } from './composition-root.ts';

export interface ServerOptions extends Partial<EngineConfig> {
  /** 'manual' (default): time moves only by `clock.advance`. 'system': the wall clock. Or a ManualClock to share. */
  clock?: 'manual' | 'system' | ManualClock;
  /** Seeds session ids and passwords; random when omitted (and reported as `seed`). */
  seed?: number;
}

export interface ClientConnectOptions {
  sessionTimeoutMs?: number;
  chroot?: string;
  /** The address the server sees, for ip ACLs. Default 127.0.0.1. */
  remoteAddress?: string;
  /** Reattach to an existing session. */
  sessionId?: bigint;
  sessionPassword?: Uint8Array;
}

/** A standalone member in this process, and clients that talk to it without sockets. */
export interface VivariumServer {
  readonly engine: Engine;
  readonly clock: Clock;
  /** The manual clock, when the server runs on one. */
  readonly manualClock: ManualClock | undefined;
  readonly seed: number;
  /** A connected in-process client. */
  client(options?: ClientConnectOptions): Promise<ZooKeeperClient>;
  /** Expire a session now: its ephemerals go, watches fire, its client learns on reconnect. */
  expireSession(sessionId: bigint): boolean;
  close(): Promise<void>;
}

function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}

export function createServer(options: ServerOptions = {}): VivariumServer {
  const { clock: clockOption = 'manual', seed = randomSeed(), ...engineOptions } = options;
  const member = composeMember({ clock: clockOption, seed, engineOptions });
  const { engine, clock, manualClock } = member;
  const scheduler: Scheduler = manualClock !== undefined ? manualScheduler(manualClock) : systemScheduler();
  const clients = new Set<ZooKeeperClient>();
  let closed = false;

  return {
    engine,
    clock,
    manualClock,
    seed,
    async client(clientOptions = {}) {
      if (closed) throw new Error('createServer: the server is closed');
      const client = new ZooKeeperClient({
        channelFactory: localChannelFactory(engine, clientOptions.remoteAddress === undefined ? {} : { remoteAddress: clientOptions.remoteAddress }),
        scheduler,
        ...(clientOptions.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: clientOptions.sessionTimeoutMs }),
        ...(clientOptions.chroot === undefined ? {} : { chroot: clientOptions.chroot }),
        ...(clientOptions.sessionId === undefined ? {} : { sessionId: clientOptions.sessionId, sessionPassword: clientOptions.sessionPassword ?? new Uint8Array(16) }),
      });
      clients.add(client);
      client.onStateChange((state) => {
        if (state === 'closed' || state === 'expired' || state === 'authFailed') clients.delete(client);
      });
      return client.waitForConnected();
    },
    expireSession(sessionId) {
      return engine.expireSession(sessionId);
    },
    async close() {
      if (closed) return;
      closed = true;
      // Close each client's session properly first, so nothing is left pending.
      await Promise.all([...clients].map((client) => client.close()));
      await member.dispose();
    },
  };
}

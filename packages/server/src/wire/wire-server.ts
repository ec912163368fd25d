import { ManualClock, type Engine } from '@vivarium/store';
import { composeMember } from '../composition-root.ts';
import { FileStorage } from '../storage/file-storage.ts';
import { listenForClients } from './client-listener.ts';
import type { WireServerOptions } from './wire-server-options.ts';

export interface RunningWireServer {
  /** The address clients should use (the first one listened on). */
  readonly host: string;
  readonly port: number;
  /** `host:port`, ready for any ZooKeeper client. */
  readonly connectString: string;
  readonly engine: Engine;
  /** The manual clock when started with clock: 'manual'. */
  readonly manualClock: ManualClock | undefined;
  readonly seed: number;
  /** Live client connections. */
  readonly connectionCount: number;
  close(): Promise<void>;
}

function randomSeed(): number {
  return Math.floor(Math.random() * 0x7fffffff);
}

/**
 * A standalone member answering the ZooKeeper client protocol on TCP. Any
 * ZooKeeper client connects to it unchanged.
 */
export async function startWireServer(options: WireServerOptions = {}): Promise<RunningWireServer> {
  const {
    clientPort: _clientPort, clientPortAddress: _clientPortAddress, maxClientCnxns: _max, frameBytesMax: _frame, outstandingRequestsMax: _out,
    outputBytesMax: _outBytes, fourLetterWordWhitelist: _wl, readOnlyModeEnabled: _ro, clock: clockOption, seed: seedOption, dataDir, dataLogDir, log,
    forceSync, snapRetainCount, purgeIntervalHours,
    ...engineOptions
  } = options;
  const seed = seedOption ?? randomSeed();
  // A dataDir means durable storage (recovered here, before the port opens); without one the member lives in memory.
  const storage = dataDir === undefined || dataDir === ''
    ? undefined
    : () => new FileStorage({ dataDir, dataLogDir: dataLogDir === '' ? undefined : dataLogDir, forceSync, snapRetainCount, purgeIntervalHours, log });
  const member = composeMember({ clock: clockOption ?? 'system', seed, engineOptions, storage });
  const { engine, clock, manualClock } = member;
  let listener;
  try {
    listener = await listenForClients({ ...options, engine: () => engine, clock, mode: () => 'standalone' });
  } catch (error) {
    await member.dispose();
    throw error;
  }
  const opened = listener;
  return {
    host: opened.host,
    port: opened.port,
    connectString: opened.connectString,
    engine,
    manualClock,
    seed,
    get connectionCount() {
      return opened.connectionCount;
    },
    async close() {
      await opened.close();
      await member.dispose();
    },
  };
}

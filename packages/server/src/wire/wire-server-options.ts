import type { EngineConfig } from '@vivarium/store';

/** The four-letter words Vivarium answers. */
export const fourLetterWords = ['ruok', 'isro', 'srvr', 'stat', 'cons', 'wchs', 'wchc', 'wchp', 'dump', 'envi', 'conf', 'mntr'] as const;
export type FourLetterWord = (typeof fourLetterWords)[number];

/**
 * Everything the client-facing wire server can be told. `startWireServer`
 * validates it once, with messages naming the key and the bad value.
 */
export interface WireServerOptions extends Partial<EngineConfig> {
  /** Port to listen on; 0 picks a free one (reported by the running server). Default 0. */
  clientPort?: number;
  /**
   * Address to listen on. Undefined: loopback IPv4 and IPv6 (the embedded default).
   * '0.0.0.0' or '::': all interfaces, as ZooKeeper does for a zoo.cfg without clientPortAddress.
   */
  clientPortAddress?: string;
  /** Connections per client IP (maxClientCnxns); 0 = unlimited. Default 60, as ZooKeeper. */
  maxClientCnxns?: number;
  /** Largest frame accepted from a client (jute.maxbuffer). Default 0xfffff. */
  frameBytesMax?: number;
  /** Requests a connection may have decoded and not yet answered. Default 1000. */
  outstandingRequestsMax?: number;
  /** Bytes queued to a slow client before it is disconnected. Default 64 MiB. */
  outputBytesMax?: number;
  /** Four-letter words enabled: '*' for all (the embedded default), or a list (zoo.cfg default: ['srvr']). */
  fourLetterWordWhitelist?: '*' | readonly string[];
  /** Reported by srvr/stat/mntr/envi. */
  readOnlyModeEnabled?: boolean;
  /** 'manual' clock for tests; 'system' (default) for a real server. */
  clock?: 'system' | 'manual';
  /** Seeds session ids and passwords. Random when omitted. */
  seed?: number;
  /**
   * Where snapshots and epochs live (`<dataDir>/version-2`). Set: the member keeps its state in files
   * and comes back with it after a restart (FileStorage, docs/storage.md). Unset: in memory only.
   */
  dataDir?: string;
  /** Where the transaction log lives (`<dataLogDir>/version-2`). Default: dataDir. */
  dataLogDir?: string;
  /** fdatasync the log before acknowledging a write (zoo.cfg forceSync). Default true. */
  forceSync?: boolean;
  /** autopurge.snapRetainCount: snapshots a purge keeps (with the logs they need). Default 3, at least 3. */
  snapRetainCount?: number;
  /** autopurge.purgeInterval in hours; 0 (the default) never purges. */
  purgeIntervalHours?: number;
  /** Receives one line per notable event (a malformed frame closing a connection, a limit hit). Default: none. */
  log?: (line: string) => void;
}

import { fileStorageDefaults, type RunningWireServer, type WireServerOptions } from '@vivarium/server';
import { engineConfigDefaults } from '@vivarium/store';
import type { ZooCfg } from './zoo-cfg.ts';

/** How the CLI starts a server: @vivarium/server's startWireServer, or a stand-in in tests. */
export type StartWireServer = (options: WireServerOptions) => Promise<Pick<RunningWireServer, 'host' | 'port' | 'connectString' | 'close'>>;

/** ZooKeeper listens on every interface when a zoo.cfg names no clientPortAddress. */
export const allInterfacesAddress = '0.0.0.0';

export interface ToWireServerOptionsExtras {
  seed?: number;
  log?: (line: string) => void;
}

/** Map a resolved zoo.cfg onto the wire server's options. Pure: no I/O, no defaults beyond the config's own. */
export function toWireServerOptions(config: ZooCfg, extras: ToWireServerOptionsExtras = {}): WireServerOptions {
  const options: WireServerOptions = {
    clientPort: config.clientPort,
    clientPortAddress: config.clientPortAddress ?? (config.profile === 'zoo.cfg' ? allInterfacesAddress : undefined),
    maxClientCnxns: config.maxClientCnxns,
    // jute.maxbuffer bounds both a frame and a znode's value in ZooKeeper.
    frameBytesMax: config.juteMaxBufferBytes,
    dataBytesMax: config.juteMaxBufferBytes,
    fourLetterWordWhitelist: config.fourLetterWordWhitelist,
    readOnlyModeEnabled: config.readOnlyModeEnabled,
    tickTimeMs: config.tickTimeMs,
    minSessionTimeoutMs: config.minSessionTimeoutMs,
    maxSessionTimeoutMs: config.maxSessionTimeoutMs,
    extendedTypesEnabled: config.extendedTypesEnabled,
    skipAcl: config.skipAcl,
    containerCheckIntervalMs: config.containerCheckIntervalMs,
    containerMaxNeverUsedIntervalMs: config.containerMaxNeverUsedIntervalMs,
  };
  // Optional keys are left out rather than set to undefined, so the server's own defaults apply.
  if (config.dataDir !== undefined) options.dataDir = config.dataDir;
  if (config.dataLogDir !== undefined) options.dataLogDir = config.dataLogDir;
  if (config.superDigest !== undefined) options.superDigest = config.superDigest;
  // Storage keys (used with a dataDir) travel when they differ from the server's defaults, which are ZooKeeper's.
  if (config.forceSync !== fileStorageDefaults.forceSync) options.forceSync = config.forceSync;
  if (config.snapCount !== engineConfigDefaults.snapCount) options.snapCount = config.snapCount;
  if (config.autopurgeSnapRetainCount !== fileStorageDefaults.snapRetainCount) options.snapRetainCount = config.autopurgeSnapRetainCount;
  // autopurge.purgeInterval: 0 or less disables, as in ZooKeeper.
  const purgeIntervalHours = Math.max(0, config.autopurgePurgeIntervalHours);
  if (purgeIntervalHours !== fileStorageDefaults.purgeIntervalHours) options.purgeIntervalHours = purgeIntervalHours;
  if (extras.seed !== undefined) options.seed = extras.seed;
  if (extras.log !== undefined) options.log = extras.log;
  return options;
}

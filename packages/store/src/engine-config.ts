import { juteMaxBufferDefault } from '@vivarium/protocol';

/** Everything an Engine can be told. Validated once, with messages naming the key. */
export interface EngineConfig {
  /** This member's id (ZooKeeper's sid / myid); the top byte of its session ids. 1..254. */
  memberId: number;
  tickTimeMs: number;
  /** Default 2 * tickTimeMs, as ZooKeeper. */
  minSessionTimeoutMs: number;
  /** Default 20 * tickTimeMs, as ZooKeeper. */
  maxSessionTimeoutMs: number;
  /** zookeeper.extendedTypesEnabled: TTL nodes. */
  extendedTypesEnabled: boolean;
  skipAcl: boolean;
  /** zookeeper.DigestAuthenticationProvider.superDigest, e.g. `super:D/InIHSb7yEEbrWz8b9l71RjZJU=`. */
  superDigest: string | undefined;
  /** znode.container.checkIntervalMs. */
  containerCheckIntervalMs: number;
  /** znode.container.maxNeverUsedIntervalMs; 0 keeps never-used containers forever, as released ZooKeeper does. */
  containerMaxNeverUsedIntervalMs: number;
  /** Largest znode value accepted. */
  dataBytesMax: number;
  sessionsMax: number;
  connectionsMax: number;
  multiOpsMax: number;
  /** Events a connection may hold undelivered before it is closed as too slow. */
  connectionOutputMax: number;
  /** Snapshot after about this many txns (randomised in [snapCount/2, snapCount), as ZooKeeper does). */
  snapCount: number;
  /** reconfigEnabled: dynamic reconfiguration (off by default, as in ZooKeeper 3.5.3+). */
  reconfigEnabled: boolean;
}

export const engineConfigDefaults = {
  memberId: 1,
  tickTimeMs: 2000,
  extendedTypesEnabled: false,
  skipAcl: false,
  superDigest: undefined,
  containerCheckIntervalMs: 60_000,
  containerMaxNeverUsedIntervalMs: 0,
  dataBytesMax: juteMaxBufferDefault,
  sessionsMax: 1_000_000,
  connectionsMax: 100_000,
  multiOpsMax: 10_000,
  connectionOutputMax: 1_000_000,
  snapCount: 100_000,
  reconfigEnabled: false,
} as const;

export class ConfigError extends Error {
  readonly key: string;
  constructor(key: string, value: unknown, expected: string) {
    super(`invalid ${key}: ${JSON.stringify(value)} (expected ${expected})`);
    this.name = 'ConfigError';
    this.key = key;
  }
}

function positiveInteger(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) throw new ConfigError(key, value, 'a positive integer');
  return value;
}

function nonNegativeInteger(key: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw new ConfigError(key, value, 'an integer >= 0');
  return value;
}

function booleanValue(key: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new ConfigError(key, value, 'true or false');
  return value;
}

/** Fill defaults and check every key. Unknown keys are refused so typos do not pass silently. */
export function resolveEngineConfig(options: Partial<EngineConfig> = {}): EngineConfig {
  const known = new Set([
    'memberId', 'tickTimeMs', 'minSessionTimeoutMs', 'maxSessionTimeoutMs', 'extendedTypesEnabled', 'skipAcl', 'superDigest',
    'containerCheckIntervalMs', 'containerMaxNeverUsedIntervalMs', 'dataBytesMax', 'sessionsMax', 'connectionsMax', 'multiOpsMax',
    'connectionOutputMax', 'snapCount', 'reconfigEnabled',
  ]);
  for (const key of Object.keys(options)) if (!known.has(key)) throw new ConfigError(key, (options as Record<string, unknown>)[key], 'a known engine option');
  const merged = { ...engineConfigDefaults, ...stripUndefined(options) };
  const tickTimeMs = positiveInteger('tickTimeMs', merged.tickTimeMs);
  const memberId = positiveInteger('memberId', merged.memberId);
  if (memberId > 254) throw new ConfigError('memberId', memberId, 'an integer in 1..254');
  const minSessionTimeoutMs = positiveInteger('minSessionTimeoutMs', options.minSessionTimeoutMs ?? 2 * tickTimeMs);
  const maxSessionTimeoutMs = positiveInteger('maxSessionTimeoutMs', options.maxSessionTimeoutMs ?? 20 * tickTimeMs);
  if (maxSessionTimeoutMs < minSessionTimeoutMs) {
    throw new ConfigError('maxSessionTimeoutMs', maxSessionTimeoutMs, `a value >= minSessionTimeoutMs (${minSessionTimeoutMs})`);
  }
  const superDigest = merged.superDigest;
  if (superDigest !== undefined && (typeof superDigest !== 'string' || !/^[^:]+:.+$/.test(superDigest))) {
    throw new ConfigError('superDigest', superDigest, 'user:base64(sha1(user:password))');
  }
  return {
    memberId,
    tickTimeMs,
    minSessionTimeoutMs,
    maxSessionTimeoutMs,
    extendedTypesEnabled: booleanValue('extendedTypesEnabled', merged.extendedTypesEnabled),
    skipAcl: booleanValue('skipAcl', merged.skipAcl),
    superDigest,
    containerCheckIntervalMs: positiveInteger('containerCheckIntervalMs', merged.containerCheckIntervalMs),
    containerMaxNeverUsedIntervalMs: nonNegativeInteger('containerMaxNeverUsedIntervalMs', merged.containerMaxNeverUsedIntervalMs),
    dataBytesMax: positiveInteger('dataBytesMax', merged.dataBytesMax),
    sessionsMax: positiveInteger('sessionsMax', merged.sessionsMax),
    connectionsMax: positiveInteger('connectionsMax', merged.connectionsMax),
    multiOpsMax: positiveInteger('multiOpsMax', merged.multiOpsMax),
    connectionOutputMax: positiveInteger('connectionOutputMax', merged.connectionOutputMax),
    snapCount: snapCountOf(merged.snapCount),
    reconfigEnabled: booleanValue('reconfigEnabled', merged.reconfigEnabled),
  };
}

function snapCountOf(value: unknown): number {
  const count = positiveInteger('snapCount', value);
  if (count < 2) throw new ConfigError('snapCount', value, 'an integer >= 2');
  return count;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

import { join } from 'node:path';
import { fourLetterWords as vivariumFourLetterWords } from '@vivarium/server';
import { ConfigError } from '@vivarium/store';
import { parseJavaProperties, type PropertyEntry } from './java-properties.ts';
import { parsePort, parseQuorumServerLine, parseRole, type QuorumServerSpec, type Reject } from './quorum-server-line.ts';

/**
 * Which defaults apply where a key is absent. `embedded` is `vivarium start` without a zoo.cfg:
 * made for tests and debugging (loopback only, every four-letter word, tickTime 2000).
 * `zoo.cfg` is ZooKeeper 3.8's own defaults (all interfaces, whitelist `srvr`, tickTime 3000).
 */
export type ZooCfgProfile = 'embedded' | 'zoo.cfg';

/** The four-letter words ZooKeeper 3.8 knows (FourLetterCommands). */
export const zooKeeperFourLetterWords = [
  'conf', 'cons', 'crst', 'dirs', 'dump', 'envi', 'gtmk', 'ruok', 'stmk', 'srvr', 'srst', 'stat', 'wchc', 'wchp', 'wchs', 'mntr', 'isro', 'hash',
] as const;


/** Kept for the ensemble issue: everything a zoo.cfg says about the quorum. */
export interface EnsembleCfg {
  servers: readonly QuorumServerSpec[];
  /** `group.N=sid:sid:...` lines (hierarchical quorums), by group id. */
  groups: readonly { id: number; serverIds: readonly number[] }[];
  /** `weight.N=w` lines, by server id. */
  weights: readonly { serverId: number; weight: number }[];
  initLimit: number | undefined;
  syncLimit: number | undefined;
  /** From `dataDir/myid`, when that file exists. */
  myid: number | undefined;
  dynamicConfigFile: string | undefined;
  standaloneEnabled: boolean;
  reconfigEnabled: boolean;
  peerType: 'participant' | 'observer' | undefined;
  /** True when ZooKeeper would run this config as a quorum member rather than standalone. */
  distributed: boolean;
}

/** A zoo.cfg, checked and with ZooKeeper's defaults filled in. */
export interface ZooCfg {
  profile: ZooCfgProfile;
  tickTimeMs: number;
  /** 0 picks a free port. */
  clientPort: number;
  /** Undefined: loopback for the embedded profile, all interfaces for a zoo.cfg. */
  clientPortAddress: string | undefined;
  dataDir: string | undefined;
  /** Defaults to dataDir, as ZooKeeper. */
  dataLogDir: string | undefined;
  /** Connections per client IP; 0 = unlimited. */
  maxClientCnxns: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** '*' or the enabled words (srvr always; isro too when read-only mode is enabled), words Vivarium answers only. */
  fourLetterWordWhitelist: '*' | readonly string[];
  readOnlyModeEnabled: boolean;
  superDigest: string | undefined;
  extendedTypesEnabled: boolean;
  skipAcl: boolean;
  containerCheckIntervalMs: number;
  containerMaxPerMinute: number;
  containerMaxNeverUsedIntervalMs: number;
  /** jute.maxbuffer: the largest frame and znode value. */
  juteMaxBufferBytes: number;
  /** Durable-storage settings: used with a dataDir (preAllocSize and globalOutstandingLimit are kept, no effect). */
  autopurgeSnapRetainCount: number;
  autopurgePurgeIntervalHours: number;
  snapCount: number;
  preAllocSizeKb: number;
  forceSync: boolean;
  globalOutstandingLimit: number;
  ensemble: EnsembleCfg;
}

export interface ResolvedZooCfg {
  config: ZooCfg;
  /** One line per key accepted without effect, unknown key, or default worth knowing about. */
  notices: string[];
}

/** Reads a text file; undefined when there is no such file. Relative paths are relative to the working directory, as in ZooKeeper. */
export type ReadTextFile = (path: string) => string | undefined;

export interface ResolveZooCfgOptions {
  profile: ZooCfgProfile;
  /** Used for `dataDir/myid` and `dynamicConfigFile`; without it neither is read. */
  readTextFile?: ReadTextFile;
}

/** A ConfigError that also says where the bad value came from (`zoo.cfg:7`, `--set`). */
export class ZooCfgError extends ConfigError {
  readonly origin: string | undefined;
  constructor(key: string, value: unknown, expected: string, origin: string | undefined) {
    super(key, value, expected);
    this.origin = origin;
    if (origin !== undefined) this.message = `${origin}: ${this.message}`;
  }
}

/** ZooKeeper's defaults where they differ by profile. */
const tickTimeMsDefault: Record<ZooCfgProfile, number> = { embedded: 2000, 'zoo.cfg': 3000 };
const clientPortDefault = 2181;
const maxClientCnxnsDefault = 60;
const int32Max = 2 ** 31 - 1;

/**
 * Names that mean the same setting. Java system properties (`zookeeper.X`) are what a zoo.cfg
 * line `X` becomes; the issue also asks for the short `superDigest`.
 */
const aliases: Record<string, string> = {
  'zookeeper.DigestAuthenticationProvider.superDigest': 'superDigest',
  'DigestAuthenticationProvider.superDigest': 'superDigest',
  'zookeeper.extendedTypesEnabled': 'extendedTypesEnabled',
  'zookeeper.skipACL': 'skipACL',
  'zookeeper.4lw.commands.whitelist': '4lw.commands.whitelist',
  'zookeeper.readonlymode.enabled': 'readonlymode.enabled',
  'zookeeper.jute.maxbuffer': 'jute.maxbuffer',
  'zookeeper.forceSync': 'forceSync',
  'zookeeper.snapCount': 'snapCount',
  'zookeeper.preAllocSize': 'preAllocSize',
  'zookeeper.globalOutstandingLimit': 'globalOutstandingLimit',
  'zookeeper.multiAddress.enabled': 'multiAddress.enabled',
  'zookeeper.znode.container.checkIntervalMs': 'znode.container.checkIntervalMs',
  'zookeeper.znode.container.maxPerMinute': 'znode.container.maxPerMinute',
  'zookeeper.znode.container.maxNeverUsedIntervalMs': 'znode.container.maxNeverUsedIntervalMs',
};

type Kind = 'int' | 'long' | 'bool' | 'string';

/**
 * Keys ZooKeeper 3.8 parses itself (QuorumPeerConfig) that a standalone Vivarium has no use for.
 * Their values are still checked the way ZooKeeper checks them, so a config ZooKeeper refuses is refused here too.
 */
const ignoredServerKeys: Record<string, Kind> = {
  secureClientPort: 'int',
  secureClientPortAddress: 'string',
  observerMasterPort: 'int',
  clientPortListenBacklog: 'int',
  connectToLearnerMasterLimit: 'int',
  localSessionsEnabled: 'bool',
  localSessionsUpgradingEnabled: 'bool',
  quorumListenOnAllIPs: 'bool',
  syncEnabled: 'bool',
  sslQuorum: 'bool',
  portUnification: 'bool',
  sslQuorumReloadCertFiles: 'bool',
  'quorum.auth.enableSasl': 'bool',
  'quorum.auth.serverRequireSasl': 'bool',
  'quorum.auth.learnerRequireSasl': 'bool',
  'quorum.auth.learner.saslLoginContext': 'string',
  'quorum.auth.server.saslLoginContext': 'string',
  'quorum.auth.kerberos.servicePrincipal': 'string',
  'quorum.cnxn.threads.size': 'int',
  'jvm.pause.info-threshold.ms': 'long',
  'jvm.pause.warn-threshold.ms': 'long',
  'jvm.pause.sleep.time.ms': 'long',
  'jvm.pause.monitor': 'bool',
  'metricsProvider.className': 'string',
  'multiAddress.reachabilityCheckTimeoutMs': 'int',
  'multiAddress.reachabilityCheckEnabled': 'bool',
  oraclePath: 'string',
};

/**
 * Server-side Java system properties people put in zoo.cfg (ZooKeeper turns an unknown zoo.cfg key
 * `X` into the system property `zookeeper.X`). Accepted and ignored with a notice naming them as known.
 */
const ignoredServerKeyPrefixes = [
  'admin.', 'ssl.', 'authProvider.', 'metricsProvider.', 'quorum.', 'sasl.', 'kerberos.', 'audit.', 'netty.', 'nio.', 'jvm.',
  'request_throttle', 'connection_throttle', 'learner.', 'leader.', 'fastleader.', 'snapshot.', 'digest.', 'enforce.',
];
const ignoredServerSystemProperties = new Set([
  'serverCnxnFactory', 'maxCnxns', 'requireClientAuthScheme', 'sessionRequireClientSASLAuth', 'commitLogCount', 'snapSizeLimitInKb',
  'txnLogSizeLimitInKb', 'fsync.warningthresholdms', 'watchManagerName', 'flushDelay', 'maxWriteQueuePollTime', 'maxBatchSize',
  'largeRequestMaxBytes', 'largeRequestThreshold', 'outstandingHandshake.limit', 'cnxTimeout', 'electionPortBindRetry', 'tcpKeepAlive',
  'clientTcpKeepAlive', 'closeSessionTxn.enabled', 'emulate353TTLNodes', 'client.secure', 'clientCnxnSocket', 'X509Util.SSLProtocol',
  'superUser', 'ensembleAuthName', 'authProvider', 'datadir.autocreate', 'db.autocreate', 'initLimit.warn', 'throttledOpWaitTime',
  'zookeeper.admin.enableServer', 'zookeeper.admin.serverPort',
]);

/** Durable-storage keys: they take effect with a dataDir (FileStorage); without one the data lives in memory. */
const storageKeys = new Set(['autopurge.snapRetainCount', 'autopurge.purgeInterval', 'snapCount', 'forceSync']);
/** Kept in the config, no effect in Vivarium: the log is not preallocated, and there is no global request throttle yet. */
const noEffectKeys = new Set(['preAllocSize', 'globalOutstandingLimit']);

interface Setting {
  /** The key as written (error messages name it). */
  key: string;
  value: string;
  origin: string;
}

/**
 * Check a zoo.cfg's entries (file order, then overrides; a later entry for a key wins) and fill in
 * ZooKeeper 3.8's defaults, as QuorumPeerConfig.parseProperties does. Throws a ZooCfgError (a
 * ConfigError) naming the key and the value for anything ZooKeeper would refuse, and for a few things
 * it would silently misread (a non-number jute.maxbuffer, an unknown four-letter word).
 */
export function resolveZooCfg(entries: readonly PropertyEntry[], options: ResolveZooCfgOptions): ResolvedZooCfg {
  const { profile } = options;
  const notices: string[] = [];
  const settings = new Map<string, Setting>();
  const serverLines = new Map<string, Setting>();
  const groupLines = new Map<string, Setting>();
  const weightLines = new Map<string, Setting>();
  for (const entry of entries) {
    if (entry.key === '') throw new ZooCfgError('(empty key)', entry.value, 'key=value', entry.origin);
    const canonical = aliases[entry.key] ?? entry.key;
    const setting = { key: entry.key, value: entry.value, origin: entry.origin };
    if (canonical.startsWith('server.')) serverLines.set(canonical, setting);
    else if (canonical.startsWith('group')) groupLines.set(canonical, setting);
    else if (canonical.startsWith('weight')) weightLines.set(canonical, setting);
    else {
      settings.delete(canonical);
      settings.set(canonical, setting);
    }
  }

  const consumed = new Set<string>();
  const fail = (setting: Setting, expected: string): never => {
    throw new ZooCfgError(setting.key, setting.value, expected, setting.origin);
  };
  const take = (name: string): Setting | undefined => {
    consumed.add(name);
    return settings.get(name);
  };
  /** Integer.parseInt; with `decode`, also Integer.decode's 0x hex (system properties read with Integer.getInteger). */
  const intOf = (setting: Setting, min: number, max: number, expected: string, decode = false): number => {
    const text = setting.value;
    let value: number;
    if (/^[+-]?\d+$/.test(text)) value = Number(text);
    else if (decode && /^[+-]?(0x|0X|#)[0-9a-fA-F]+$/.test(text)) {
      const negative = text.startsWith('-');
      value = Number.parseInt(text.replace(/^[+-]?(0x|0X|#)/, ''), 16) * (negative ? -1 : 1);
    } else return fail(setting, expected);
    if (!Number.isSafeInteger(value) || value < min || value > max) return fail(setting, expected);
    return value;
  };
  const int = (name: string, fallback: number, min: number, expected: string, decode = false, max = int32Max): number => {
    const setting = take(name);
    return setting === undefined ? fallback : intOf(setting, min, max, expected, decode);
  };
  /** QuorumPeerConfig.parseBoolean: true or false, any case. */
  const bool = (name: string, fallback: boolean): boolean => {
    const setting = take(name);
    if (setting === undefined) return fallback;
    const text = setting.value.toLowerCase();
    if (text === 'true') return true;
    if (text === 'false') return false;
    return fail(setting, 'true or false');
  };
  /** ZooKeeper reads some switches as yes/no (forceSync, skipACL); true/false are accepted too. */
  const yesNo = (name: string, fallback: boolean): boolean => {
    const setting = take(name);
    if (setting === undefined) return fallback;
    const text = setting.value.toLowerCase();
    if (text === 'yes' || text === 'true') return true;
    if (text === 'no' || text === 'false') return false;
    return fail(setting, 'yes or no');
  };
  const path = (name: string): string | undefined => {
    const setting = take(name);
    if (setting === undefined) return undefined;
    if (setting.value === '') return fail(setting, 'a directory path');
    return setting.value;
  };

  // Client port and address.
  const tickTimeMs = int('tickTime', tickTimeMsDefault[profile], 1, 'a positive integer (milliseconds)');
  const clientPortSetting = take('clientPort');
  let clientPort = clientPortSetting === undefined ? undefined : parsePort(clientPortSetting.value, 'a port number', rejectFor(clientPortSetting));
  const clientPortAddressSetting = take('clientPortAddress');
  let clientPortAddress: string | undefined;
  if (clientPortAddressSetting !== undefined) {
    if (clientPortAddressSetting.value === '') fail(clientPortAddressSetting, 'a host name or IP address');
    clientPortAddress = clientPortAddressSetting.value;
    if (clientPort === undefined && profile === 'zoo.cfg') fail(clientPortAddressSetting, 'a clientPort beside it (ZooKeeper refuses clientPortAddress alone)');
  }
  const dataDir = path('dataDir');
  const dataLogDir = path('dataLogDir') ?? dataDir;
  if (dataDir === undefined && profile === 'zoo.cfg') {
    notices.push('dataDir is not set: ZooKeeper would refuse to start; Vivarium keeps its data in memory');
  }
  const maxClientCnxns = int('maxClientCnxns', maxClientCnxnsDefault, 0, 'an integer in 0..1000000 (0 = unlimited)', false, 1_000_000);

  // Session timeouts: -1 (or absent) means 2 and 20 ticks, as ZooKeeper.
  const minSetting = take('minSessionTimeout');
  const maxSetting = take('maxSessionTimeout');
  const timeout = (setting: Setting | undefined, ticks: number): number => {
    if (setting === undefined) return ticks * tickTimeMs;
    const value = intOf(setting, -1, int32Max, 'a positive integer (milliseconds), or -1 for the default');
    if (value === 0) return fail(setting, 'a positive integer (milliseconds), or -1 for the default');
    return value === -1 ? ticks * tickTimeMs : value;
  };
  const minSessionTimeoutMs = timeout(minSetting, 2);
  const maxSessionTimeoutMs = timeout(maxSetting, 20);
  if (maxSessionTimeoutMs < minSessionTimeoutMs) {
    // Only a set value can be out of order (the defaults are 2 and 20 ticks); blame maxSessionTimeout when it is set.
    if (maxSetting !== undefined) fail(maxSetting, `a value >= minSessionTimeout (${minSessionTimeoutMs})`);
    if (minSetting !== undefined) fail(minSetting, `a value <= maxSessionTimeout (${maxSessionTimeoutMs})`);
  }

  // System-property settings ZooKeeper reads outside QuorumPeerConfig.
  const readOnlyModeEnabled = bool('readonlymode.enabled', false);
  const extendedTypesEnabled = bool('extendedTypesEnabled', false);
  const skipAcl = yesNo('skipACL', false);
  const superDigestSetting = take('superDigest');
  let superDigest: string | undefined;
  if (superDigestSetting !== undefined) {
    if (!/^[^:]+:.+$/.test(superDigestSetting.value)) fail(superDigestSetting, 'user:base64(sha1(user:password))');
    superDigest = superDigestSetting.value;
  }
  const fourLetterWordWhitelist = resolveWhitelist(take('4lw.commands.whitelist'), profile, readOnlyModeEnabled, notices, fail);
  const containerCheckIntervalMs = int('znode.container.checkIntervalMs', 60_000, 1, 'a positive integer (milliseconds)', true);
  const containerMaxPerMinute = int('znode.container.maxPerMinute', 10_000, 1, 'a positive integer', true);
  const containerMaxNeverUsedIntervalMs = int('znode.container.maxNeverUsedIntervalMs', 0, 0, 'an integer >= 0 (milliseconds)', true);
  const juteMaxBufferBytes = int('jute.maxbuffer', 0xfffff, 1024, 'an integer >= 1024 (bytes)', true);

  // Durable storage: used by FileStorage when a dataDir is set.
  const snapRetainSetting = settings.get('autopurge.snapRetainCount');
  let autopurgeSnapRetainCount = int('autopurge.snapRetainCount', 3, -int32Max, 'an integer');
  if (autopurgeSnapRetainCount < 3) {
    notices.push(`${snapRetainSetting?.origin ?? 'autopurge.snapRetainCount'}: autopurge.snapRetainCount=${autopurgeSnapRetainCount} is below 3; using 3, as ZooKeeper does`);
    autopurgeSnapRetainCount = 3;
  }
  const autopurgePurgeIntervalHours = int('autopurge.purgeInterval', 0, -int32Max, 'an integer (hours; 0 or less disables)');
  const snapCount = int('snapCount', 100_000, 2, 'an integer >= 2', true);
  const preAllocSizeKb = int('preAllocSize', 65_536, 1, 'a positive integer (KiB)');
  const forceSync = yesNo('forceSync', true);
  const globalOutstandingLimit = int('globalOutstandingLimit', 1000, 1, 'a positive integer', true);

  // The ensemble: parsed, checked as ZooKeeper checks it, kept for the ensemble issue.
  const initLimit = takeOptionalInt('initLimit');
  const syncLimit = takeOptionalInt('syncLimit');
  const standaloneEnabled = bool('standaloneEnabled', true);
  const reconfigEnabled = bool('reconfigEnabled', false);
  const multiAddressEnabled = bool('multiAddress.enabled', false);
  const peerTypeSetting = take('peerType');
  const peerType = peerTypeSetting === undefined ? undefined : parseRole(peerTypeSetting.value, rejectFor(peerTypeSetting));
  const electionAlgSetting = take('electionAlg');
  if (electionAlgSetting !== undefined && electionAlgSetting.value !== '3') fail(electionAlgSetting, '3 (the only election algorithm ZooKeeper 3.8 supports)');
  const dynamicConfigFile = take('dynamicConfigFile');

  if (dynamicConfigFile !== undefined) {
    const misplaced = [...serverLines.values(), ...groupLines.values(), ...weightLines.values()][0];
    if (misplaced !== undefined) fail(misplaced, `no quorum lines beside dynamicConfigFile (they belong in ${dynamicConfigFile.value})`);
    const text = options.readTextFile?.(dynamicConfigFile.value);
    if (options.readTextFile !== undefined && text === undefined) fail(dynamicConfigFile, 'a readable file');
    for (const entry of text === undefined ? [] : parseJavaProperties(text, dynamicConfigFile.value)) {
      const setting = { key: entry.key, value: entry.value, origin: entry.origin };
      if (entry.key === 'version') fail(setting, 'no version line in a dynamic config file (its name carries the version)');
      else if (entry.key.startsWith('server.')) serverLines.set(entry.key, setting);
      else if (entry.key.startsWith('group')) groupLines.set(entry.key, setting);
      else if (entry.key.startsWith('weight')) weightLines.set(entry.key, setting);
      else fail(setting, 'only server.N, group.N and weight.N lines in a dynamic config file');
    }
  }

  const servers = [...serverLines.values()]
    .map((setting) => parseQuorumServerLine(serverIdOf(setting, 'server.'), setting.value, multiAddressEnabled, rejectFor(setting)))
    .sort((a, b) => a.id - b.id);
  const groups = [...groupLines.values()]
    .map((setting) => ({
      id: serverIdOf(setting, 'group.'),
      serverIds: setting.value.split(':').map((part) => intOf({ ...setting, value: part.trim() }, 0, Number.MAX_SAFE_INTEGER, 'server ids separated by colons')),
    }))
    .sort((a, b) => a.id - b.id);
  const weights = [...weightLines.values()]
    .map((setting) => ({ serverId: serverIdOf(setting, 'weight.'), weight: intOf(setting, 0, Number.MAX_SAFE_INTEGER, 'an integer weight >= 0') }))
    .sort((a, b) => a.serverId - b.serverId);

  let myid: number | undefined;
  if (dataDir !== undefined && options.readTextFile !== undefined) {
    const myidPath = join(dataDir, 'myid');
    const text = options.readTextFile(myidPath);
    if (text !== undefined) {
      const firstLine = (text.split(/\r?\n/)[0] ?? '').trim();
      if (!/^[+-]?\d+$/.test(firstLine) || !Number.isSafeInteger(Number(firstLine))) {
        throw new ZooCfgError('myid', firstLine, 'a server id (a number)', myidPath);
      }
      myid = Number(firstLine);
    }
  }

  const participants = servers.filter((server) => server.role === 'participant');
  const observers = servers.filter((server) => server.role === 'observer');
  if (participants.length === 0) {
    const standaloneSetting = settings.get('standaloneEnabled');
    if (!standaloneEnabled && standaloneSetting !== undefined) fail(standaloneSetting, 'true, unless server.N lines name at least one participant');
    if (observers.length > 0) fail(serverLines.values().next().value as Setting, 'at least one participant beside observers');
  } else if (participants.length === 1 && standaloneEnabled) {
    if (observers.length > 0) fail(serverLines.values().next().value as Setting, 'at least two participants beside observers');
    notices.push('only one server.N line: running standalone and ignoring it, as ZooKeeper does');
  }
  const distributed = servers.length > 0 && (!standaloneEnabled || participants.length > 1);
  if (distributed) {
    if (initLimit === undefined || initLimit === 0) throw new ZooCfgError('initLimit', settings.get('initLimit')?.value, 'a positive integer for an ensemble', undefined);
    if (syncLimit === undefined || syncLimit === 0) throw new ZooCfgError('syncLimit', settings.get('syncLimit')?.value, 'a positive integer for an ensemble', undefined);
    if (myid === undefined) throw new ZooCfgError('myid', dataDir === undefined ? undefined : `${dataDir}/myid`, 'a dataDir/myid file for an ensemble', undefined);
  }

  // A zoo.cfg names no client port only when a server.N line carries it (or it wants no client port at all).
  if (clientPort === undefined && myid !== undefined) clientPort = servers.find((server) => server.id === myid)?.clientPort;
  if (clientPort === undefined) {
    if (profile === 'zoo.cfg') notices.push(`clientPort is not set: listening on ${clientPortDefault}`);
    clientPort = clientPortDefault;
  }
  if (clientPortAddress === undefined && myid !== undefined) clientPortAddress = servers.find((server) => server.id === myid)?.clientHost;

  // Everything else: accepted with a notice, as ZooKeeper accepts unknown keys as system properties.
  for (const [name, setting] of settings) {
    if (consumed.has(name)) {
      if (name === 'znode.container.maxPerMinute') notices.push(`${setting.origin}: ${setting.key}=${setting.value} accepted; Vivarium's container reaper has no rate limit yet`);
      if (storageKeys.has(name) && dataDir === undefined) notices.push(`${setting.origin}: ${setting.key}=${setting.value} accepted; no effect without a dataDir (the data lives in memory)`);
      if (noEffectKeys.has(name)) notices.push(`${setting.origin}: ${setting.key}=${setting.value} accepted; no effect in Vivarium`);
      continue;
    }
    const kind = ignoredServerKeys[name];
    if (kind !== undefined) {
      checkKind(setting, kind, fail, intOf);
      notices.push(`${setting.origin}: ${setting.key}=${setting.value} ignored (a ZooKeeper server setting Vivarium does not need)`);
    } else if (ignoredServerSystemProperties.has(name) || ignoredServerKeyPrefixes.some((prefix) => name.startsWith(prefix) || name.startsWith(`zookeeper.${prefix}`))) {
      notices.push(`${setting.origin}: ${setting.key}=${setting.value} ignored (a ZooKeeper server setting Vivarium does not need)`);
    } else {
      notices.push(`${setting.origin}: unknown key ${setting.key} ignored (ZooKeeper would set the system property zookeeper.${setting.key})`);
    }
  }

  const config: ZooCfg = {
    profile,
    tickTimeMs,
    clientPort,
    clientPortAddress,
    dataDir,
    dataLogDir,
    maxClientCnxns,
    minSessionTimeoutMs,
    maxSessionTimeoutMs,
    fourLetterWordWhitelist,
    readOnlyModeEnabled,
    superDigest,
    extendedTypesEnabled,
    skipAcl,
    containerCheckIntervalMs,
    containerMaxPerMinute,
    containerMaxNeverUsedIntervalMs,
    juteMaxBufferBytes,
    autopurgeSnapRetainCount,
    autopurgePurgeIntervalHours,
    snapCount,
    preAllocSizeKb,
    forceSync,
    globalOutstandingLimit,
    ensemble: {
      servers,
      groups,
      weights,
      initLimit,
      syncLimit,
      myid,
      dynamicConfigFile: dynamicConfigFile?.value,
      standaloneEnabled,
      reconfigEnabled,
      peerType,
      distributed,
    },
  };
  return { config, notices };

  function rejectFor(setting: Setting): Reject {
    return (expected: string) => fail(setting, expected);
  }

  function takeOptionalInt(name: string): number | undefined {
    const setting = take(name);
    return setting === undefined ? undefined : intOf(setting, 0, int32Max, 'an integer >= 0 (ticks)');
  }

  function serverIdOf(setting: Setting, prefix: string): number {
    const idText = setting.key.slice(prefix.length);
    if (!setting.key.startsWith(prefix) || !/^\d+$/.test(idText) || !Number.isSafeInteger(Number(idText))) {
      throw new ZooCfgError(setting.key, setting.value, `a key of the form ${prefix}N with a numeric N`, setting.origin);
    }
    return Number(idText);
  }
}

function checkKind(
  setting: Setting,
  kind: Kind,
  fail: (setting: Setting, expected: string) => never,
  intOf: (setting: Setting, min: number, max: number, expected: string) => number,
): void {
  if (kind === 'int') intOf(setting, -(2 ** 31), int32Max, 'an integer');
  else if (kind === 'long') intOf(setting, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 'an integer');
  else if (kind === 'bool' && !/^(true|false)$/i.test(setting.value)) fail(setting, 'true or false');
}

function resolveWhitelist(
  setting: Setting | undefined,
  profile: ZooCfgProfile,
  readOnlyModeEnabled: boolean,
  notices: string[],
  fail: (setting: Setting, expected: string) => never,
): '*' | readonly string[] {
  if (setting === undefined && profile === 'embedded') return '*';
  const words = new Set<string>();
  if (setting !== undefined) {
    const items = setting.value.split(',').map((item) => item.trim()).filter((item) => item !== '');
    if (items.includes('*')) return '*';
    const known: readonly string[] = zooKeeperFourLetterWords;
    const answered: readonly string[] = vivariumFourLetterWords;
    for (const item of items) {
      if (!known.includes(item)) fail(setting, `a comma-separated list of four-letter words (${zooKeeperFourLetterWords.join(', ')}) or *; ${JSON.stringify(item)} is not one`);
      if (answered.includes(item)) words.add(item);
      else notices.push(`${setting.origin}: four-letter word ${item} is not implemented by Vivarium; left out of the whitelist`);
    }
  }
  // ZooKeeper always enables srvr, and isro in read-only mode.
  if (readOnlyModeEnabled) words.add('isro');
  words.add('srvr');
  return [...words];
}

/** Parse a zoo.cfg's text, apply overrides (later wins), and resolve it. */
export function parseZooCfg(text: string, options: ResolveZooCfgOptions & { sourceName?: string; overrides?: readonly PropertyEntry[] }): ResolvedZooCfg {
  const entries = [...parseJavaProperties(text, options.sourceName ?? 'zoo.cfg'), ...(options.overrides ?? [])];
  return resolveZooCfg(entries, options);
}

import type { Engine } from '@vivarium/store';
import { fourLetterWords, type FourLetterWord } from './wire-server-options.ts';

/** The version clients see. kazoo and others gate features on it, so it leads with the ZooKeeper release we match. */
export const zookeeperCompatibleVersion = '3.8.4';
export const vivariumVersion = '0.1.0';
export const reportedVersion = `${zookeeperCompatibleVersion}-vivarium-${vivariumVersion}`;
const builtOn = '2026-11-22 00:00 UTC';

export const notServing = 'This ZooKeeper instance is not currently serving requests';

/** What a four-letter word can see of the server. */
export interface FourLetterContext {
  engine: Engine;
  connections(): Iterable<{ remoteAddress: string; remotePort: number; packetsReceived: number; packetsSent: number; sessionId: bigint | undefined; establishedAtMs: number }>;
  packetsReceived(): number;
  packetsSent(): number;
  mode: 'standalone' | 'leader' | 'follower' | 'observer' | 'read-only';
  readOnly: boolean;
  /** Serving requests (read-only counts): false for an ensemble member that is electing or syncing. */
  serving: boolean;
  clientPort: number;
  dataDir: string;
  dataLogDir: string;
  maxClientCnxns: number;
  nowMs(): number;
}

/** Words ZooKeeper 3.8 knows that Vivarium does not answer: refused as if not whitelisted, never read as a frame length. */
const recognizedUnanswered: ReadonlySet<string> = new Set(['crst', 'srst', 'gtmk', 'stmk', 'hash', 'dirs', 'reqs']);

export function isFourLetterWord(word: string): word is FourLetterWord {
  return (fourLetterWords as readonly string[]).includes(word);
}

const hex = (value: bigint): string => `0x${value.toString(16)}`;

function nodeCount(engine: Engine): number {
  // ZooKeeper's node map holds the root twice ("" and "/"), so a fresh server reports 5.
  return engine.database.tree.nodeCount + 1;
}

function clientLine(c: { remoteAddress: string; remotePort: number; packetsReceived: number; packetsSent: number }): string {
  const address = c.remoteAddress.includes(':') ? `[${c.remoteAddress}]` : c.remoteAddress;
  return ` /${address}:${c.remotePort}[1](queued=0,recved=${c.packetsReceived},sent=${c.packetsSent})\n`;
}

function serverSummary(context: FourLetterContext): string {
  return [
    `Latency min/avg/max: 0/0.0/0`,
    `Received: ${context.packetsReceived()}`,
    `Sent: ${context.packetsSent()}`,
    `Connections: ${[...context.connections()].length}`,
    `Outstanding: 0`,
    `Zxid: ${hex(context.engine.lastProcessedZxid)}`,
    `Mode: ${context.mode}`,
    `Node count: ${nodeCount(context.engine)}`,
    '',
  ].join('\n');
}

/** The text ZooKeeper 3.8 answers for `word`, in its formats (reference §1.9). */
export function answerFourLetterWord(word: FourLetterWord, context: FourLetterContext): string {
  // A member electing or syncing has no running ZooKeeperServer: ZooKeeper's commands say so (isro says "null").
  if (!context.serving && word !== 'ruok' && word !== 'envi') return word === 'isro' ? 'null' : `${notServing}\n`;
  const engine = context.engine;
  const versionLine = `Zookeeper version: ${reportedVersion}, built on ${builtOn}\n${context.readOnly ? 'READ-ONLY mode; serving only read-only clients\n' : ''}`;
  switch (word) {
    case 'ruok':
      return 'imok';
    case 'isro':
      return context.readOnly ? 'ro' : 'rw';
    case 'srvr':
      return versionLine + serverSummary(context);
    case 'stat': {
      const clients = [...context.connections()].map(clientLine).join('');
      return `${versionLine}Clients:\n${clients}\n${serverSummary(context)}`;
    }
    case 'cons': {
      const lines = [...context.connections()].map((c) => {
        const address = c.remoteAddress.includes(':') ? `[${c.remoteAddress}]` : c.remoteAddress;
        const sid = c.sessionId === undefined ? '' : `,sid=${hex(c.sessionId)}`;
        return ` /${address}:${c.remotePort}[1](queued=0,recved=${c.packetsReceived},sent=${c.packetsSent}${sid},est=${c.establishedAtMs},lzxid=${hex(engine.lastProcessedZxid)},llat=0,minlat=0,avglat=0.0,maxlat=0)\n`;
      });
      return `${lines.join('')}\n`;
    }
    case 'wchs': {
      const watchers = new Set<number>();
      const paths = new Set<string>();
      let total = 0;
      for (const table of [engine.watches.data, engine.watches.child]) {
        for (const path of table.paths()) {
          paths.add(path);
          for (const watcher of table.watchersOf(path).keys()) {
            watchers.add(watcher);
            total++;
          }
        }
      }
      return `${watchers.size} connections watching ${paths.size} paths\nTotal watches:${total}\n`;
    }
    case 'wchc':
    case 'wchp': {
      const pathsBySession = new Map<string, Set<string>>();
      const sessionsByPath = new Map<string, Set<string>>();
      const sessionByConnection = new Map(engine.connectionInfo().map((c) => [c.id, c.sessionId]));
      for (const table of [engine.watches.data, engine.watches.child]) {
        for (const path of table.paths()) {
          for (const watcher of table.watchersOf(path).keys()) {
            const sessionId = sessionByConnection.get(watcher);
            const sid = sessionId === undefined ? '0x0' : hex(sessionId);
            (pathsBySession.get(sid) ?? pathsBySession.set(sid, new Set()).get(sid))?.add(path);
            (sessionsByPath.get(path) ?? sessionsByPath.set(path, new Set()).get(path))?.add(sid);
          }
        }
      }
      const groups = word === 'wchc' ? pathsBySession : sessionsByPath;
      return [...groups].map(([key, values]) => `${key}\n${[...values].map((v) => `\t${v}\n`).join('')}`).join('') + '\n';
    }
    case 'dump': {
      const buckets = engine.sessions.expiryBuckets();
      const sessionCount = [...buckets.values()].reduce((n, ids) => n + ids.length, 0);
      const sets = [...buckets].map(([at, ids]) => `${ids.length} expire at ${new Date(at).toUTCString()}:\n${ids.map((id) => `\t${hex(id)}\n`).join('')}`).join('');
      const withEphemerals = [...engine.database.tree.sessionsWithEphemerals()];
      const ephemerals = withEphemerals.map(([sid, paths]) => `${hex(sid)}:\n${[...paths].map((p) => `\t${p}\n`).join('')}`).join('');
      return `SessionTracker dump:\nSession Sets (${buckets.size})/(${sessionCount}):\n${sets}ephemeral nodes dump:\nSessions with Ephemerals (${withEphemerals.length}):\n${ephemerals}Connections dump:\nConnections Sets (0)/(0):\n`;
    }
    case 'envi':
      // kazoo's server_version() parses zookeeper.version from this reply, so it comes first.
      return [
        'Environment:',
        `zookeeper.version=${reportedVersion}, built on ${builtOn}`,
        `host.name=localhost`,
        `java.version=n/a (vivarium on node ${process.versions.node})`,
        `java.vendor=n/a`,
        `os.name=${process.platform}`,
        `os.arch=${process.arch}`,
        `user.dir=${process.cwd()}`,
        `vivarium.version=${vivariumVersion}`,
        '',
      ].join('\n');
    case 'conf':
      return [
        `clientPort=${context.clientPort}`,
        'secureClientPort=-1',
        `dataDir=${context.dataDir}`,
        'dataDirSize=0',
        `dataLogDir=${context.dataLogDir}`,
        'dataLogSize=0',
        `tickTime=${engine.config.tickTimeMs}`,
        `maxClientCnxns=${context.maxClientCnxns}`,
        `minSessionTimeout=${engine.config.minSessionTimeoutMs}`,
        `maxSessionTimeout=${engine.config.maxSessionTimeoutMs}`,
        'clientPortListenBacklog=-1',
        `serverId=${context.mode === 'standalone' ? 0 : engine.config.memberId}`,
        '',
      ].join('\n');
    case 'mntr': {
      let watchCount = 0;
      for (const table of [engine.watches.data, engine.watches.child]) watchCount += table.size;
      let ephemerals = 0;
      let dataBytes = 0;
      for (const [, paths] of engine.database.tree.sessionsWithEphemerals()) ephemerals += paths.size;
      for (const [path, node] of engine.database.tree.entries()) dataBytes += path.length + (node.data?.length ?? 0);
      const lines: Array<[string, string | number]> = [
        ['zk_version', `${reportedVersion}, built on ${builtOn}`],
        ['zk_server_state', context.mode],
        ['zk_avg_latency', '0.0'],
        ['zk_max_latency', 0],
        ['zk_min_latency', 0],
        ['zk_packets_received', context.packetsReceived()],
        ['zk_packets_sent', context.packetsSent()],
        ['zk_num_alive_connections', [...context.connections()].length],
        ['zk_outstanding_requests', 0],
        ['zk_znode_count', nodeCount(engine)],
        ['zk_watch_count', watchCount],
        ['zk_ephemerals_count', ephemerals],
        ['zk_approximate_data_size', dataBytes],
        ['zk_open_file_descriptor_count', 0],
        ['zk_max_file_descriptor_count', 0],
        ['zk_global_sessions', engine.sessions.size],
        ['zk_uptime', 0],
      ];
      // Only a leader reports its last proposal's size (LeaderZooKeeperServer); a standalone 3.8 server has no such line.
      if (context.mode === 'leader') lines.push(['zk_last_proposal_size', -1]);
      return lines.map(([key, value]) => `${key}\t${value}\n`).join('');
    }
  }
}

/** The four-letter-word answerer for a connection's first four bytes, honouring the whitelist. */
export function fourLetterWordResponder(whitelist: '*' | ReadonlySet<string>, context: FourLetterContext): (word: string) => string | undefined {
  return (word) => {
    if (recognizedUnanswered.has(word)) return `${word} is not executed because it is not in the whitelist.\n`;
    if (!isFourLetterWord(word)) return undefined;
    if (whitelist !== '*' && !whitelist.has(word)) return `${word} is not executed because it is not in the whitelist.\n`;
    return answerFourLetterWord(word, context);
  };
}

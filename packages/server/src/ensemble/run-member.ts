/**
 * One member of a multi-process ensemble, as `vivarium start --config zoo.cfg`
 * runs it when the zoo.cfg has server.N lines and dataDir/myid names this
 * member: the member (QuorumMember) on the system clock, talking to its peers
 * over the TCP peer transport on its quorum and election ports, keeping its
 * state in dataDir (FileStorage) or in memory without one, and serving
 * ZooKeeper clients on its client port.
 */
import { ConfigError, InMemoryStorage, type Storage } from '@vivarium/store';
import { TcpPeerTransport, type ListenAddress } from '@vivarium/transport';
import { FileStorage } from '../storage/file-storage.ts';
import { SystemClock } from '../system-clock.ts';
import { listenerOptionsOf, listenForClients, type ClientListener } from '../wire/client-listener.ts';
import type { WireServerOptions } from '../wire/wire-server-options.ts';
import { QuorumMember } from './quorum-member.ts';

/** One `server.N=host:quorumPort:electionPort[:participant|observer]` line. */
export interface QuorumServer {
  id: number;
  host: string;
  quorumPort: number;
  electionPort: number;
  role: 'participant' | 'observer';
  /** The client address of the line's `;[clientHost:]clientPort` part, when it has one (for /zookeeper/config). */
  clientHost?: string | undefined;
  clientPort?: number | undefined;
}

/** The configuration as /zookeeper/config holds it: ZooKeeper's dynamic-config format. */
export function ensembleConfigText(servers: readonly QuorumServer[], version: bigint): string {
  const lines = servers.map((server) => {
    const client = server.clientPort === undefined ? '' : `;${server.clientHost ?? '0.0.0.0'}:${server.clientPort}`;
    return `server.${server.id}=${server.host}:${server.quorumPort}:${server.electionPort}:${server.role}${client}`;
  });
  return [...lines, `version=${version.toString(16)}`].join('\n');
}

/** The version of a configuration read from zoo.cfg (there is no reconfig): as the in-process ensemble's. */
export const staticConfigVersion = 0x100000000n;

export interface RunMemberOptions extends Omit<WireServerOptions, 'clock' | 'memberId'> {
  /** This member's id (dataDir/myid). */
  myId: number;
  /** Every member of the ensemble, this one included. */
  servers: readonly QuorumServer[];
  /** The configuration's version (ZooKeeper takes it from the dynamic config file's name). Default staticConfigVersion. */
  configVersion?: bigint;
  /** zoo.cfg initLimit and syncLimit, in ticks. */
  initLimitTicks: number;
  syncLimitTicks: number;
  /** Largest frame between members. Default 64 MiB. */
  peerFrameBytesMax?: number;
  /** Messages queued to one peer before more are dropped. Default 10,000. */
  peerSendQueueMessagesMax?: number;
  /**
   * A reconfig committed here (or a newer configuration arrived by sync): `text` is /zookeeper/config
   * (server lines, then `version=<hex>`). `vivarium start --config` writes the dynamic config file from it.
   */
  onConfigCommitted?: (text: string, version: bigint) => void;
  /** The member broke an invariant and is down. Default: log it (the caller decides whether to exit). */
  onFatal?: (error: unknown) => void;
}

export interface RunningMember {
  readonly member: QuorumMember;
  /** The client port's address, `host:port`. */
  readonly connectString: string;
  readonly port: number;
  /** Where this member listens for peers (quorum port, election port). */
  readonly peerAddresses: readonly ListenAddress[];
  close(): Promise<void>;
}

function integerIn(key: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new ConfigError(key, value, `an integer in ${min}..${max}`);
  return value;
}

export async function runMember(options: RunMemberOptions): Promise<RunningMember> {
  const {
    myId, servers, initLimitTicks, syncLimitTicks, peerFrameBytesMax, peerSendQueueMessagesMax, onFatal, onConfigCommitted, configVersion = staticConfigVersion,
    clientPort, clientPortAddress, maxClientCnxns, frameBytesMax, outstandingRequestsMax, outputBytesMax, fourLetterWordWhitelist, readOnlyModeEnabled,
    seed, dataDir, dataLogDir, forceSync, snapRetainCount, purgeIntervalHours, log = () => undefined,
    ...engineOptions
  } = options;
  integerIn('myid', myId, 1, 0xffffffff);
  integerIn('initLimit', initLimitTicks, 1, 1_000_000);
  integerIn('syncLimit', syncLimitTicks, 1, 1_000_000);
  const me = servers.find((server) => server.id === myId);
  if (me === undefined) throw new ConfigError('myid', myId, `the id of one of the server.N lines (${servers.map((s) => s.id).join(', ')})`);
  const ids = new Set<number>();
  for (const server of servers) {
    if (ids.has(server.id)) throw new ConfigError(`server.${server.id}`, server.id, 'one line per server id');
    ids.add(server.id);
  }
  const voters = servers.filter((server) => server.role === 'participant').map((server) => server.id);
  const observers = servers.filter((server) => server.role === 'observer').map((server) => server.id);
  if (voters.length === 0) throw new ConfigError('server.N', servers.length, 'at least one participant');

  // One storage for the member's whole life in this process: files under dataDir, or memory without one.
  let memoryStorage: InMemoryStorage | undefined;
  const storage = (): Storage =>
    dataDir === undefined || dataDir === ''
      ? (memoryStorage ??= new InMemoryStorage())
      : new FileStorage({ dataDir, dataLogDir: dataLogDir === '' ? undefined : dataLogDir, forceSync, snapRetainCount, purgeIntervalHours, log });
  let peerAddresses: readonly ListenAddress[] = [];
  const member = new QuorumMember({
    myId,
    voters,
    observers,
    initLimitTicks,
    syncLimitTicks,
    engineOptions,
    seed: seed ?? Math.floor(Math.random() * 0x7fffffff),
    storage,
    ensembleConfig: { text: ensembleConfigText(servers, configVersion), version: configVersion },
    transport: async () => {
      const transport = await TcpPeerTransport.open({
        myId,
        // Peers are dialled on their election port; both of this member's ports accept them.
        peers: servers.filter((server) => server.id !== myId).map((server) => ({ id: server.id, host: server.host, port: server.electionPort })),
        listen: [{ host: me.host, port: me.quorumPort }, { host: me.host, port: me.electionPort }],
        ...(peerFrameBytesMax === undefined ? {} : { frameBytesMax: peerFrameBytesMax }),
        ...(peerSendQueueMessagesMax === undefined ? {} : { sendQueueMessagesMax: peerSendQueueMessagesMax }),
        log,
      });
      peerAddresses = transport.addresses;
      return transport;
    },
    onEvent: (event) => {
      if (event.type === 'state') log(`member ${myId}: ${event.state} (election round ${event.round})`);
      else if (event.type === 'established') log(`member ${myId}: ${event.leader === myId ? 'leading' : `following member ${event.leader}`} in epoch ${event.epoch}`);
      else if (event.type === 'stepDown') log(`member ${myId}: ${event.reason}`);
      else if (event.type === 'sync') log(`member ${myId}: synced member ${event.learner} by ${event.mode} (${event.txns} txns)`);
      else if (event.type === 'reconfigured') {
        log(`member ${myId}: configuration 0x${event.version.toString(16)}: participants ${event.voters.join(',')}${event.observers.length > 0 ? `, observers ${event.observers.join(',')}` : ''}`);
        const data = member.readNode('/zookeeper/config')?.data;
        if (data !== undefined && data !== null) onConfigCommitted?.(new TextDecoder().decode(data), event.version);
      }
    },
    onFatal: (error) => {
      log(`member ${myId}: broken invariant, member stopped: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      onFatal?.(error);
    },
  });
  await member.start();
  let listener: ClientListener;
  try {
    listener = await listenForClients({
      ...listenerOptionsOf(options),
      clientPort: clientPort ?? 0,
      log,
      engine: () => member.engine,
      clock: new SystemClock(),
      mode: () => member.mode,
    });
  } catch (error) {
    await member.stop();
    throw error;
  }
  const opened = listener;
  let closed = false;
  return {
    member,
    connectString: opened.connectString,
    port: opened.port,
    get peerAddresses() {
      return peerAddresses;
    },
    async close() {
      if (closed) return;
      closed = true;
      await opened.close();
      await member.stop();
    },
  };
}

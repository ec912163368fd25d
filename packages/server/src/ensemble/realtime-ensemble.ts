/**
 * An ensemble whose members run in real time on a real transport: each in its
 * own worker thread (messages over MessagePorts), or all in this thread over
 * TCP on loopback (the transport of a multi-process ensemble). It has the
 * surface the ensemble tests use on the in-memory `Ensemble` (members with
 * start/stop/crash/restart, waitForLeader, partition/isolate/heal, client,
 * serveTcp, checkSafety, close), with every member read asynchronous, since a
 * member may live in another thread: `inspect()` and `readNode(path)`.
 *
 * Clients reach members over their TCP client ports (each member listens
 * from the start). A member that dies on its own (a worker that exits, a
 * broken invariant) is reported as crashed: its status turns 'down' and the
 * failure is kept for checkSafety(), never left to hang a test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectZooKeeper, type ZooKeeperClient } from '@vivarium/client';
import type { PeerState } from '@vivarium/ensemble';
import { assert, type EngineConfig } from '@vivarium/store';
import { LinkFaultTable, type FaultInjectingTransportStats, type LinkFaults, type OutgoingLinkFaults } from '@vivarium/transport';
import { freePorts } from './free-ports.ts';
import { ensembleConfigText, staticConfigVersion } from './run-member.ts';
import type { MemberInspection, NodeView } from './quorum-member.ts';
import { TcpMemberHost } from './tcp-member-host.ts';
import { WorkerMemberHost } from './worker-member-host.ts';

export interface RealtimeEnsembleOptions extends Partial<Omit<EngineConfig, 'memberId'>> {
  /** 'worker': each member in its own worker thread. 'tcp': members in this thread, over the TCP peer transport on loopback. */
  transport: 'worker' | 'tcp';
  /** Voting members. Default 3. */
  members?: number;
  /** Non-voting members. Default 0. */
  observers?: number;
  /** Seeds every member's session ids and passwords. Random when omitted. */
  seed?: number;
  initLimitTicks?: number;
  syncLimitTicks?: number;
  diffTxnsMax?: number;
  /**
   * Keep each member's state in files under `<dataDir>/member-<id>` (FileStorage), left in place on close.
   * Default: worker members use a temporary directory (removed on close), so a crashed worker restarts
   * from its files; TCP members keep their storage in memory, surviving crash() as on the in-memory ensemble.
   */
  dataDir?: string;
  /** fdatasync the log before acknowledging (FileStorage). Default false: a crashed thread loses no OS buffers. */
  forceSync?: boolean;
  /** Receives the members' log lines (peer connections, elections, dropped messages). */
  log?: (line: string) => void;
}

/** What a member says about itself, kept current by the member. */
export interface MemberStatus {
  state: PeerState | 'down';
  isServing: boolean;
  leader: number | undefined;
  epoch: number;
}

/** Where one member runs. */
export interface MemberHost {
  readonly clientPort: number;
  readonly status: MemberStatus;
  start(): Promise<void>;
  stop(): Promise<void>;
  crash(): Promise<void>;
  inspect(): Promise<MemberInspection>;
  readNode(path: string): Promise<NodeView | undefined>;
  setBlockedPeers(peerIds: readonly number[]): Promise<void>;
  /** Faults on the member's outgoing links, kept across restarts. */
  setOutgoingFaults(faults: OutgoingLinkFaults): Promise<void>;
  /** What the member's fault layer did since it (re)started; zeros while down. */
  faultStats(): Promise<FaultInjectingTransportStats>;
  /** Expire a session now if this member leads (see QuorumMember.expireSession). */
  expireSession(sessionId: bigint): Promise<boolean>;
  /** Stop for good and release everything (ports, threads). */
  close(): Promise<void>;
  /** Test hook (worker members): the member's thread ends itself, unannounced. */
  exitUnexpectedly?(code: number): void;
}

/** What a host tells its ensemble. */
export interface MemberHostEvents {
  established(epoch: number, leader: number): void;
  /** The member died without being asked to (a worker exited, an invariant broke). */
  failed(error: unknown): void;
  log(line: string): void;
}

export interface RealtimeClientOptions {
  /** The member to connect to first; the client moves to the others when it loses it. Default: the first serving member. */
  member?: number;
  /** Default 10000. */
  sessionTimeoutMs?: number;
  chroot?: string;
}

/** One member of a RealtimeEnsemble, with the controls a test needs. */
export class RealtimeMember {
  readonly id: number;
  readonly observer: boolean;
  private readonly hostValue: () => MemberHost;
  private runningValue = false;

  constructor(id: number, observer: boolean, host: () => MemberHost) {
    this.id = id;
    this.observer = observer;
    this.hostValue = host;
  }

  private get host(): MemberHost {
    return this.hostValue();
  }

  get isRunning(): boolean {
    return this.runningValue && this.host.status.state !== 'down';
  }

  /** 'looking', 'following', 'leading', 'observing', or 'down'. */
  get state(): PeerState | 'down' {
    return this.host.status.state;
  }

  get isServing(): boolean {
    return this.host.status.isServing;
  }

  /** Leading an established epoch and serving clients. */
  get isLeader(): boolean {
    return this.host.status.state === 'leading' && this.host.status.isServing;
  }

  get clientPort(): number {
    return this.host.clientPort;
  }

  async start(): Promise<void> {
    await this.host.start();
    this.runningValue = true;
  }

  /** A clean stop: everything flushed. */
  async stop(): Promise<void> {
    this.runningValue = false;
    await this.host.stop();
  }

  /** A crash: the member's thread (or its sockets and engine) is gone at once; what was not flushed is lost. */
  async crash(): Promise<void> {
    this.runningValue = false;
    await this.host.crash();
  }

  async restart(): Promise<void> {
    await this.start();
  }

  inspect(): Promise<MemberInspection> {
    return this.host.inspect();
  }

  readNode(path: string): Promise<NodeView | undefined> {
    return this.host.readNode(path);
  }

  /**
   * Test hook for worker members: the thread exits on its own with `code`, as a member that dies
   * unexpectedly would. The ensemble reports it in `failures` and the member reads as 'down'.
   */
  exitUnexpectedly(code = 1): void {
    const host = this.host;
    if (host.exitUnexpectedly === undefined) throw new Error(`member ${this.id} does not run in a worker thread`);
    host.exitUnexpectedly(code);
  }

  /** @internal */
  markDown(): void {
    this.runningValue = false;
  }
}

export class RealtimeEnsemble {
  readonly transport: 'worker' | 'tcp';
  readonly seed: number;
  readonly members: RealtimeMember[] = [];
  /** Members that died on their own, with why. checkSafety() throws the first. */
  readonly failures: Array<{ member: number; error: unknown }> = [];
  /** Set once every member has started (or failed to). */
  readonly ready: Promise<void>;
  private readonly options: RealtimeEnsembleOptions;
  private readonly voterIds: number[];
  private readonly observerIds: number[];
  private readonly hosts = new Map<number, MemberHost>();
  private readonly leadersByEpoch = new Map<number, number>();
  private readonly clients = new Set<ZooKeeperClient>();
  private readonly linkFaults = new LinkFaultTable();
  private temporaryDir: string | undefined;
  private closed = false;

  constructor(options: RealtimeEnsembleOptions) {
    const { members = 3, observers = 0 } = options;
    assert(options.transport === 'worker' || options.transport === 'tcp', `RealtimeEnsemble: transport must be 'worker' or 'tcp', got ${String(options.transport)}`);
    assert(Number.isInteger(members) && members >= 1, `createEnsemble: members must be an integer >= 1, got ${members}`);
    assert(Number.isInteger(observers) && observers >= 0, `createEnsemble: observers must be an integer >= 0, got ${observers}`);
    this.options = options;
    this.transport = options.transport;
    this.seed = options.seed ?? Math.floor(Math.random() * 0x7fffffff);
    this.voterIds = Array.from({ length: members }, (_, i) => i + 1);
    this.observerIds = Array.from({ length: observers }, (_, i) => members + i + 1);
    for (const id of [...this.voterIds, ...this.observerIds]) {
      this.members.push(new RealtimeMember(id, this.observerIds.includes(id), () => this.hostOf(id)));
    }
    this.ready = this.startAll();
    // A start that fails is reported where the test awaits; never as an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  private hostOf(id: number): MemberHost {
    const host = this.hosts.get(id);
    assert(host !== undefined, `member ${id} has not been set up yet (await ensemble.ready)`);
    return host;
  }

  private async startAll(): Promise<void> {
    const ids = [...this.voterIds, ...this.observerIds];
    const ports = await freePorts(ids.length * (this.transport === 'tcp' ? 3 : 1));
    let dataDirOf: (id: number) => string | undefined = () => undefined;
    if (this.options.dataDir !== undefined) {
      const base = this.options.dataDir;
      dataDirOf = (id) => join(base, `member-${id}`);
    } else if (this.transport === 'worker') {
      const base = mkdtempSync(join(tmpdir(), 'vivarium-workers-'));
      this.temporaryDir = base;
      dataDirOf = (id) => join(base, `member-${id}`);
    }
    const {
      transport: _t, members: _m, observers: _o, seed: _s, initLimitTicks = 10, syncLimitTicks = 5, diffTxnsMax = 1000, dataDir: _d,
      forceSync = false, log: _log, ...engineOptions
    } = this.options;
    const peerPorts = new Map(ids.map((id, i) => [id, { quorumPort: ports[ids.length + 2 * i] as number, electionPort: ports[ids.length + 2 * i + 1] as number }]));
    // /zookeeper/config on every member. Worker members have no peer ports: the in-process ensemble's placeholders stand in.
    const ensembleConfig = {
      text: ensembleConfigText(ids.map((id, i) => ({
        id, host: '127.0.0.1', quorumPort: peerPorts.get(id)?.quorumPort ?? 2887 + id, electionPort: peerPorts.get(id)?.electionPort ?? 3887 + id,
        role: this.observerIds.includes(id) ? 'observer' : 'participant', clientHost: '127.0.0.1', clientPort: ports[i] as number,
      })), staticConfigVersion),
      version: staticConfigVersion,
    };
    if (this.transport !== 'tcp') peerPorts.clear();
    const common = { voters: this.voterIds, observers: this.observerIds, initLimitTicks, syncLimitTicks, diffTxnsMax, engineOptions, seed: this.seed, forceSync, ensembleConfig };
    for (const [i, id] of ids.entries()) {
      const events: MemberHostEvents = {
        established: (epoch, leader) => this.onEstablished(epoch, leader),
        failed: (error) => {
          this.failures.push({ member: id, error });
          this.members.find((m) => m.id === id)?.markDown();
        },
        log: (line) => this.options.log?.(line),
      };
      const clientPort = ports[i] as number;
      const host: MemberHost = this.transport === 'tcp'
        ? new TcpMemberHost({ ...common, myId: id, clientPort, peerPorts, dataDir: dataDirOf(id) }, events)
        : new WorkerMemberHost({ ...common, myId: id, clientPort, dataDir: dataDirOf(id) as string }, events, (peerId) => this.hosts.get(peerId) as WorkerMemberHost | undefined);
      this.hosts.set(id, host);
    }
    await Promise.all(this.members.map((member) => member.start()));
  }

  member(id: number): RealtimeMember {
    const member = this.members.find((m) => m.id === id);
    assert(member !== undefined, `no member ${id} (members are 1..${this.members.length})`);
    return member;
  }

  /** The member leading an established epoch, if any (as the members last reported). */
  leader(): RealtimeMember | undefined {
    return this.members.find((m) => m.isLeader);
  }

  /** Wait until a leader serves with a quorum of voters serving; fails after `maxMs` of real time. */
  async waitForLeader(maxMs = 30_000): Promise<RealtimeMember> {
    const deadline = Date.now() + maxMs;
    await withDeadline(this.ready, maxMs, 'the members to start');
    for (;;) {
      const leader = this.leader();
      const serving = this.members.filter((m) => !m.observer && m.isServing).length;
      const clientsSettled = [...this.clients].every((c) => c.state !== 'connecting' && c.state !== 'disconnected');
      if (leader !== undefined && serving * 2 > this.voterIds.length && clientsSettled) return leader;
      if (Date.now() > deadline) {
        throw new Error(`no leader within ${maxMs} ms (${this.transport} transport, seed ${this.seed}); states: ${this.members.map((m) => `${m.id}:${m.state}`).join(' ')}${this.describeFailures()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Split the members into groups that cannot reach each other. Members not named form their own group. */
  async partition(...groups: number[][]): Promise<void> {
    await this.ready;
    const groupOf = new Map<number, number>();
    groups.forEach((group, index) => {
      for (const id of group) groupOf.set(id, index);
    });
    const ids = this.members.map((m) => m.id);
    await Promise.all(ids.map((id) => {
      const mine = groupOf.get(id) ?? -1 - id;
      const blocked = ids.filter((other) => other !== id && (groupOf.get(other) ?? -1 - other) !== mine);
      return this.hostOf(id).setBlockedPeers(blocked);
    }));
  }

  isolate(id: number): Promise<void> {
    return this.partition([id], this.members.map((m) => m.id).filter((other) => other !== id));
  }

  async heal(): Promise<void> {
    await this.ready;
    await Promise.all(this.members.map((m) => this.hostOf(m.id).setBlockedPeers([])));
  }

  /**
   * Faults on the directed link `from -> to`, applied by `from` to what it sends
   * (drop, duplicate, reorder, delay in real ms), seeded by the ensemble's seed.
   * Kept across restarts; throws a RangeError naming an invalid field.
   */
  async setLinkFaults(from: number, to: number, faults: Partial<LinkFaults>): Promise<void> {
    this.member(from);
    this.member(to);
    this.linkFaults.set(from, to, faults);
    await this.ready;
    await this.hostOf(from).setOutgoingFaults(this.linkFaults.outgoing(from));
  }

  /** The same faults on every link that has none of its own. */
  async setDefaultFaults(faults: Partial<LinkFaults>): Promise<void> {
    this.linkFaults.setDefaults(faults);
    await this.pushFaults();
  }

  /** Every link healthy again (partitions stay: see heal). */
  async clearFaults(): Promise<void> {
    this.linkFaults.clear();
    await this.pushFaults();
  }

  /** What the members' fault layers did, summed (members down count as zero). */
  async faultStats(): Promise<FaultInjectingTransportStats> {
    await this.ready;
    const all = await Promise.all(this.members.map((m) => this.hostOf(m.id).faultStats()));
    return all.reduce((sum, s) => ({
      sent: sum.sent + s.sent, dropped: sum.dropped + s.dropped, duplicated: sum.duplicated + s.duplicated, delayed: sum.delayed + s.delayed, reordered: sum.reordered + s.reordered,
    }), { sent: 0, dropped: 0, duplicated: 0, delayed: 0, reordered: 0 });
  }

  /**
   * Expire a session now, as if its timeout had passed: the leader decides and
   * its closeSession commits through the quorum (ephemerals go, watches fire,
   * the client is told when it next reaches a member). False when no member
   * leads or the leader has no such live session.
   */
  async expireSession(sessionId: bigint): Promise<boolean> {
    await this.ready;
    const leader = this.leader();
    if (leader === undefined) return false;
    return this.hostOf(leader.id).expireSession(sessionId);
  }

  private async pushFaults(): Promise<void> {
    await this.ready;
    await Promise.all(this.members.map((m) => this.hostOf(m.id).setOutgoingFaults(this.linkFaults.outgoing(m.id))));
  }

  /** Every member's client port is open from the start: the connect string and ports. */
  async serveTcp(): Promise<{ connectString: string; ports: number[] }> {
    await this.ready;
    const ports = this.members.map((m) => m.clientPort);
    return { connectString: ports.map((port) => `127.0.0.1:${port}`).join(','), ports };
  }

  /** A connected client over TCP, talking to `member` first and moving on to the next member when it loses it. */
  async client(options: RealtimeClientOptions = {}): Promise<ZooKeeperClient> {
    await this.ready;
    const first = options.member ?? this.members.find((m) => m.isServing)?.id ?? 1;
    const index = this.members.findIndex((m) => m.id === first);
    const ordered = [...this.members.slice(index), ...this.members.slice(0, index)];
    const connectString = ordered.map((m) => `127.0.0.1:${m.clientPort}`).join(',') + (options.chroot ?? '');
    const sessionTimeoutMs = options.sessionTimeoutMs ?? 10_000;
    const client = await connectZooKeeper(connectString, { sessionTimeoutMs, reconnectDelayMs: 50, connectTimeoutMs: 2000, initialConnectTimeoutMs: Math.max(sessionTimeoutMs, 10_000) });
    this.clients.add(client);
    client.onStateChange((state) => {
      if (state === 'closed' || state === 'expired' || state === 'authFailed') this.clients.delete(client);
    });
    return client;
  }

  /**
   * What can be checked from outside the members: nobody died on its own, at
   * most one leader established each epoch, and members that applied the same
   * history (equal last zxid) have equal trees.
   */
  async checkSafety(): Promise<void> {
    const failure = this.failures[0];
    if (failure !== undefined) throw new Error(`member ${failure.member} failed (${this.transport} transport, seed ${this.seed}): ${describeError(failure.error)}`);
    const inspections = await Promise.all(this.members.filter((m) => m.isRunning).map((m) => m.inspect()));
    for (const a of inspections) {
      for (const b of inspections) {
        if (a.id < b.id && a.lastProcessedZxid === b.lastProcessedZxid) {
          assert(a.digest === b.digest, `members ${a.id} and ${b.id} both applied up to 0x${a.lastProcessedZxid.toString(16)} but their trees differ (seed ${this.seed})`);
        }
      }
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const client of [...this.clients]) client.terminate();
    this.clients.clear();
    await this.ready.catch(() => undefined);
    await Promise.all([...this.hosts.values()].map((host) => host.close()));
    if (this.temporaryDir !== undefined) rmSync(this.temporaryDir, { recursive: true, force: true });
  }

  private onEstablished(epoch: number, leader: number): void {
    const previous = this.leadersByEpoch.get(epoch);
    if (previous !== undefined && previous !== leader) {
      this.failures.push({ member: leader, error: new Error(`two leaders established epoch ${epoch}: ${previous} and ${leader}`) });
    }
    this.leadersByEpoch.set(epoch, leader);
  }

  private describeFailures(): string {
    return this.failures.length === 0 ? '' : `; failures: ${this.failures.map((f) => `member ${f.member}: ${describeError(f.error)}`).join('; ')}`;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

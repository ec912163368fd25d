/**
 * One ensemble member in real time, on whatever transport it is given: its
 * Engine (wired by the composition root) with durable storage, its QuorumPeer,
 * a tick every tickTime, and the peer's outbox drained into the transport. It
 * runs a member of a multi-process ensemble (`vivarium start` with server.N
 * lines), a member in a worker thread, and a member of an in-process ensemble
 * over TCP. The peer never learns which transport carries its messages.
 */
import { QuorumPeer, type PeerEvent, type PeerState, type QuorumConfig } from '@vivarium/ensemble';
import type { Data } from '@vivarium/protocol';
import type { EngineConfig, Engine, Storage } from '@vivarium/store';
import type { Transport } from '@vivarium/transport';
import { systemScheduler } from '@vivarium/client';
import { composeMember, type MemberGraph } from '../composition-root.ts';
import { ElectionPacer } from './election-pacer.ts';
import { treeDigest } from './tree-digest.ts';

export interface QuorumMemberOptions {
  myId: number;
  /** Voting members, by id. */
  voters: readonly number[];
  observers: readonly number[];
  /** ZooKeeper's initLimit and syncLimit, in ticks. */
  initLimitTicks: number;
  syncLimitTicks: number;
  /** A learner further behind than this many txns is sent a snapshot. Default 1000. */
  diffTxnsMax?: number;
  /** Engine settings; tickTimeMs is also the peer's tick. */
  engineOptions?: Partial<Omit<EngineConfig, 'memberId'>>;
  /** Seeds the engine's session ids and passwords (with the member id mixed in). */
  seed: number;
  /** Builds the storage for each start: a new FileStorage over the same dataDir, or the same InMemoryStorage again. */
  storage: () => Storage;
  /** Builds the transport for each start; it is closed on stop and crash. */
  transport: () => Transport | Promise<Transport>;
  /**
   * Distinguishes each run of this member from its earlier ones (peers drop what was meant for a previous run).
   * Default: a fresh value per start, from the wall clock.
   */
  incarnation?: () => number;
  /** The ensemble's configuration in ZooKeeper's dynamic-config format, for /zookeeper/config (as every ZooKeeper member writes it). */
  ensembleConfig?: { text: string; version: bigint };
  onEvent?: (event: PeerEvent) => void;
  /** Called after every step of the peer (a message, a tick), once its outbox is drained: a place to publish its status. */
  onStep?: () => void;
  /** A broken invariant inside the member: it has been torn down (as after a crash) when this is called. */
  onFatal?: (error: unknown) => void;
}

/** What a test reads about a member, wherever it runs (plain data: it crosses threads and processes). */
export interface MemberInspection {
  id: number;
  state: PeerState | 'down';
  isServing: boolean;
  leader: number | undefined;
  epoch: number;
  /** Highest zxid logged (committed or not). */
  lastLoggedZxid: bigint;
  /** Highest zxid applied to the tree. */
  lastProcessedZxid: bigint;
  nodeCount: number;
  sessionCount: number;
  /** Client connections open on this member now. */
  connectionCount: number;
  /** treeDigest of the member's tree. */
  digest: string;
}

export interface NodeView {
  data: Data;
  version: number;
  czxid: bigint;
  mzxid: bigint;
  ephemeralOwner: bigint;
  numChildren: number;
}

interface Running {
  graph: MemberGraph;
  peer: QuorumPeer;
  storage: Storage;
  transport: Transport;
  tickTimer: NodeJS.Timeout;
  /** ZooKeeper's election timing between ticks. */
  pacer: ElectionPacer;
}

function clearTimers(running: Running): void {
  clearInterval(running.tickTimer);
  running.pacer.cancel();
}

let lastIncarnation = 0;

/** Wall-clock milliseconds, strictly increasing within this process: a restart always gets a new value. */
function nextIncarnation(): number {
  lastIncarnation = Math.max(lastIncarnation + 1, Date.now());
  return lastIncarnation;
}

export class QuorumMember {
  readonly id: number;
  private readonly options: QuorumMemberOptions;
  private running: Running | undefined;
  private starting: Promise<void> | undefined;
  private drainScheduled = false;
  private readonly tickTimeMs: number;

  constructor(options: QuorumMemberOptions) {
    this.id = options.myId;
    this.options = options;
    this.tickTimeMs = options.engineOptions?.tickTimeMs ?? 2000;
  }

  get isRunning(): boolean {
    return this.running !== undefined;
  }

  /** The running engine, or undefined while the member is down (a client listener refuses connections then). */
  get engine(): Engine | undefined {
    return this.running?.graph.engine;
  }

  get peer(): QuorumPeer | undefined {
    return this.running?.peer;
  }

  get transport(): Transport | undefined {
    return this.running?.transport;
  }

  get state(): PeerState | 'down' {
    return this.running?.peer.state ?? 'down';
  }

  get isServing(): boolean {
    return this.running?.peer.isServing ?? false;
  }

  /** What srvr/stat/mntr report. */
  get mode(): 'leader' | 'follower' | 'observer' {
    const state = this.state;
    return state === 'leading' ? 'leader' : state === 'observing' ? 'observer' : 'follower';
  }

  /** Start (or restart) from storage. */
  async start(): Promise<void> {
    if (this.running !== undefined) return;
    if (this.starting !== undefined) return this.starting;
    this.starting = this.startNow().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async startNow(): Promise<void> {
    const options = this.options;
    const transport = await options.transport();
    let graph: MemberGraph | undefined;
    let storage: Storage | undefined;
    const incarnation = (options.incarnation ?? nextIncarnation)();
    try {
      graph = composeMember({
        clock: 'system',
        // Members of one ensemble share a seed; mixing the id keeps their session passwords apart, and mixing the run
        // keeps a restart from handing out the session ids (and passwords) of the member's earlier runs again.
        seed: (options.seed ^ Math.imul(this.id, 0x9e3779b1) ^ Math.imul(incarnation, 0x85ebca6b)) >>> 0,
        engineOptions: { ...options.engineOptions, memberId: this.id },
        storage: () => {
          storage = options.storage();
          return storage;
        },
      });
      const config: QuorumConfig = {
        myId: this.id,
        voters: options.voters,
        observers: options.observers,
        initLimitTicks: options.initLimitTicks,
        syncLimitTicks: options.syncLimitTicks,
        diffTxnsMax: options.diffTxnsMax ?? 1000,
        incarnation,
      };
      if (options.ensembleConfig !== undefined) graph.engine.setEnsembleConfig(options.ensembleConfig.text, options.ensembleConfig.version);
      const peer = new QuorumPeer(config, graph.engine);
      const tickTimer = setInterval(() => this.guard(() => peer.tick()), this.tickTimeMs);
      tickTimer.unref();
      this.running = { graph, peer, storage: storage as unknown as Storage, transport, tickTimer, pacer: new ElectionPacer({ scheduler: systemScheduler(), tickTimeMs: this.tickTimeMs, runStep: (work) => this.guard(work) }) };
      peer.onOutbox = () => this.scheduleDrain();
      transport.attach(this.id, (envelope) => this.guard(() => peer.receive(envelope)));
      transport.onLinkClosed = (peerId) => this.guard(() => peer.linkClosed(peerId));
      this.drain();
    } catch (error) {
      transport.close();
      await graph?.dispose();
      throw error;
    }
  }

  /** A clean stop: everything flushed, connections closed. */
  async stop(): Promise<void> {
    await this.starting;
    const running = this.running;
    if (running === undefined) return;
    this.running = undefined;
    clearTimers(running);
    running.transport.close();
    await running.graph.dispose();
    running.storage.close();
  }

  /** A crash: what was appended but not flushed is lost, as when the process dies. */
  async crash(): Promise<void> {
    await this.starting;
    const running = this.running;
    if (running === undefined) return;
    this.running = undefined;
    this.loseUnflushed(running);
    clearTimers(running);
    running.transport.close();
    await running.graph.dispose();
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  inspect(): MemberInspection {
    const running = this.running;
    if (running === undefined) {
      return { id: this.id, state: 'down', isServing: false, leader: undefined, epoch: 0, lastLoggedZxid: 0n, lastProcessedZxid: 0n, nodeCount: 0, sessionCount: 0, connectionCount: 0, digest: '' };
    }
    const { peer, graph } = running;
    const database = graph.engine.database;
    return {
      id: this.id,
      state: peer.state,
      isServing: peer.isServing,
      leader: peer.leader,
      epoch: peer.epoch,
      lastLoggedZxid: peer.lastZxid,
      lastProcessedZxid: graph.engine.lastProcessedZxid,
      nodeCount: database.tree.nodeCount,
      sessionCount: graph.engine.sessions.size,
      connectionCount: graph.engine.connectionCount,
      digest: treeDigest(database),
    };
  }

  /**
   * Expire a session now, as if its timeout had passed. Only the leader decides
   * expiry in an ensemble (its closeSession goes through the quorum); false when
   * this member is down, not leading, or has no such live session.
   */
  expireSession(sessionId: bigint): boolean {
    const running = this.running;
    if (running === undefined || running.peer.state !== 'leading' || !running.peer.isServing) return false;
    return running.graph.engine.expireSession(sessionId);
  }

  /** A node as this member sees it, or undefined (also while down). */
  readNode(path: string): NodeView | undefined {
    const node = this.running?.graph.engine.database.tree.get(path);
    if (node === undefined) return undefined;
    return {
      data: node.data === null ? null : new Uint8Array(node.data),
      version: node.version,
      czxid: node.czxid,
      mzxid: node.mzxid,
      ephemeralOwner: node.ephemeralOwner,
      numChildren: node.children.size,
    };
  }

  private scheduleDrain(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    // Everything the peer says in one turn goes to the transport together.
    queueMicrotask(() => {
      this.drainScheduled = false;
      this.drain();
    });
  }

  private drain(): void {
    const running = this.running;
    if (running === undefined) return;
    for (const envelope of running.peer.drainOutbox()) running.transport.send(envelope);
    const onEvent = this.options.onEvent;
    for (const event of running.peer.drainEvents()) onEvent?.(event);
    running.pacer.update(running.peer);
    this.options.onStep?.();
  }

  /** Run a step of the peer; a broken invariant takes the member down (as ZooKeeper exits) and is reported. */
  private guard(step: () => void): void {
    const running = this.running;
    if (running === undefined) return;
    try {
      step();
    } catch (error) {
      this.running = undefined;
      clearTimers(running);
      this.loseUnflushed(running);
      running.transport.close();
      void running.graph.dispose();
      if (this.options.onFatal === undefined) throw error;
      this.options.onFatal(error);
      return;
    }
    this.drain();
  }

  private loseUnflushed(running: Running): void {
    const storage = running.storage as Storage & { crash?: () => void };
    if (typeof storage.crash === 'function') storage.crash();
  }
}

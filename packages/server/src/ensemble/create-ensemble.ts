import { manualScheduler, systemScheduler, ZooKeeperClient, type ChannelFactory, type Scheduler } from '@vivarium/client';
import { QuorumPeer, type BrokenMode, type PeerEvent, type QuorumConfig } from '@vivarium/ensemble';
import { CrashPointReached, CrashPointStorage, Engine, InMemoryStorage, ManualClock, SeededRandom, assert, type Clock, type CrashPoint, type EngineConfig, type ManualClockListener, type Random, type Storage, type Txn } from '@vivarium/store';
import { SimNetwork } from '@vivarium/transport';
import { localChannelFactory } from '@vivarium/client';
import { SystemClock } from '../system-clock.ts';
import { listenForClients, type ClientListener, type ClientListenerOptions } from '../wire/client-listener.ts';
import type { MemberInspection, NodeView } from './quorum-member.ts';
import { RealtimeEnsemble, type RealtimeEnsembleOptions } from './realtime-ensemble.ts';
import { ElectionPacer } from './election-pacer.ts';
import { treeDigest } from './tree-digest.ts';

export interface EnsembleOptions extends Partial<Omit<EngineConfig, 'memberId'>> {
  /** Voting members. Default 3. */
  members?: number;
  /** Non-voting members that serve clients. Default 0. */
  observers?: number;
  /** Seeds every member, the network and the fault schedule. Random when omitted. */
  seed?: number;
  /** 'manual' (default): time moves only by `clock.advance`. 'system': real time. */
  clock?: 'manual' | 'system' | ManualClock;
  initLimitTicks?: number;
  syncLimitTicks?: number;
  /** A learner further behind than this is sent a snapshot. Default 1000. */
  diffTxnsMax?: number;
  /** Test-only: break ZAB on purpose so the simulation's checkers can prove they catch it. */
  brokenMode?: BrokenMode;
  /** Run checkSafety() after every step of run() and waitForLeader(). Default true. */
  checkSafetyEveryStep?: boolean;
  /** readonlymode.enabled: a member cut off from its quorum serves read-only clients. */
  readOnlyModeEnabled?: boolean;
}

export interface EnsembleClientOptions {
  /** The member to connect to first (1-based id). Default: the first serving member. */
  member?: number;
  /** Accept a read-only session from a member cut off from its quorum (ZooKeeper's canBeReadOnly). */
  canBeReadOnly?: boolean;
  sessionTimeoutMs?: number;
  chroot?: string;
  remoteAddress?: string;
}

/** One member of an in-process ensemble, with the controls a test needs. */
export class EnsembleMember {
  readonly id: number;
  /** The role it was created with; its role in the current configuration is `observer`. */
  private readonly createdObserver: boolean;
  /** Durable storage: survives crash() and restart(), losing what a crash loses. */
  readonly storage = new InMemoryStorage();
  private engineValue: Engine | undefined;
  private peerValue: QuorumPeer | undefined;
  /** This run's view of `storage`: where an armed crash point kills the member inside a step. */
  private crashPoints: CrashPointStorage | undefined;
  private unsubscribeEngine: (() => void) | undefined;
  private pacer: ElectionPacer | undefined;
  private readonly ensemble: Ensemble;

  constructor(id: number, observer: boolean, ensemble: Ensemble) {
    this.id = id;
    this.createdObserver = observer;
    this.ensemble = ensemble;
  }

  /** An observer in the current configuration (or, while not in it, the role it was added with). */
  get observer(): boolean {
    return this.ensemble.roleOf(this.id) === 'observer' || (this.ensemble.roleOf(this.id) === undefined && this.createdObserver);
  }

  /** Started at least once (a member made by addMember() waits for a reconfig that adds it). */
  everStarted = false;

  get isRunning(): boolean {
    return this.peerValue !== undefined;
  }

  get engine(): Engine {
    assert(this.engineValue !== undefined, `member ${this.id} is not running`);
    return this.engineValue;
  }

  get peer(): QuorumPeer {
    assert(this.peerValue !== undefined, `member ${this.id} is not running`);
    return this.peerValue;
  }

  get state(): string {
    return this.peerValue?.state ?? 'down';
  }

  /** Leading an established epoch and serving clients. */
  get isLeader(): boolean {
    return this.peerValue?.state === 'leading' && this.peerValue.isServing;
  }

  get isServing(): boolean {
    return this.peerValue?.isServing ?? false;
  }

  /** What this member is and holds, in the same plain shape every transport's members report. */
  inspect(): MemberInspection {
    const peer = this.peerValue;
    const engine = this.engineValue;
    if (peer === undefined || engine === undefined) {
      return { id: this.id, state: 'down', isServing: false, leader: undefined, epoch: 0, lastLoggedZxid: 0n, lastProcessedZxid: 0n, nodeCount: 0, sessionCount: 0, connectionCount: 0, digest: '' };
    }
    return {
      id: this.id, state: peer.state, isServing: peer.isServing, leader: peer.leader, epoch: peer.epoch, lastLoggedZxid: peer.lastZxid,
      lastProcessedZxid: engine.lastProcessedZxid, nodeCount: engine.database.tree.nodeCount, sessionCount: engine.sessions.size,
      connectionCount: engine.connectionCount, digest: treeDigest(engine.database),
    };
  }

  /** A node as this member sees it (a copy), or undefined; undefined while the member is down. */
  readNode(path: string): NodeView | undefined {
    const node = this.engineValue?.database.tree.get(path);
    if (node === undefined) return undefined;
    return { data: node.data === null ? null : new Uint8Array(node.data), version: node.version, czxid: node.czxid, mzxid: node.mzxid, ephemeralOwner: node.ephemeralOwner, numChildren: node.children.size };
  }

  /** Start (or restart) from this member's storage. */
  start(): void {
    if (this.peerValue !== undefined) return;
    this.everStarted = true;
    this.crashPoints = new CrashPointStorage(this.storage);
    this.engineValue = this.ensemble.createEngine(this.id, this.crashPoints);
    this.peerValue = new QuorumPeer(this.ensemble.quorumConfig(this.id), this.engineValue);
    this.peerValue.onOutbox = () => this.ensemble.schedulePump();
    this.ensemble.writeEnsembleConfig(this);
    this.ensemble.attach(this);
    this.unsubscribeEngine = this.ensemble.subscribeEngine(this);
    this.pacer = this.ensemble.electionPacer(this);
    this.pacer?.update(this.peerValue);
    this.ensemble.schedulePump();
  }

  /** Internal: after each step of the peer, time what it waits on (ElectionPacer). */
  paceElection(): void {
    if (this.peerValue !== undefined) this.pacer?.update(this.peerValue);
  }

  /**
   * Kill this member inside a later step, at a storage call (see CrashPoint): the rest of that step does not
   * run, nothing it queued for peers or clients leaves, unflushed appends are lost. It stays down until
   * restart(), which recovers from storage as after any crash. Replaces a point armed before.
   */
  armCrashPoint(point: CrashPoint): void {
    assert(this.crashPoints !== undefined && this.peerValue !== undefined, `member ${this.id} is not running`);
    this.crashPoints.arm(point);
  }

  disarmCrashPoint(): void {
    this.crashPoints?.disarm();
  }

  get crashPointArmed(): boolean {
    return this.crashPoints?.isArmed ?? false;
  }

  /** A crash point fired in this run and the member was not torn down: some caller swallowed the signal. */
  get diedUnnoticed(): boolean {
    return this.peerValue !== undefined && this.crashPoints?.fired !== undefined;
  }

  /**
   * Run member code (one input to the peer or the engine). If it reaches this run's armed crash point, the
   * member dies right there and this returns normally: the caller sees a member that went down.
   */
  runStep(work: () => void): void {
    try {
      work();
    } catch (error) {
      if (!(error instanceof CrashPointReached) || error.storage !== this.crashPoints || this.peerValue === undefined) throw error;
      this.ensemble.crashPointReached(this, error.point);
      this.crashInsideStep();
    }
  }

  private crashInsideStep(): void {
    // What the peer did before the crash point is in its trace; its outbox goes down with it, undelivered.
    this.ensemble.collectEvents(this);
    this.crashPoints?.release();
    this.down({ afterCrash: true });
  }

  /** A clean stop: everything flushed. */
  stop(): void {
    if (this.peerValue === undefined) return;
    this.storage.flush();
    this.down();
  }

  /** A crash: what was not yet flushed is lost, as after a power cut. */
  crash(): void {
    if (this.peerValue === undefined) return;
    this.storage.crash();
    this.down();
  }

  restart(): void {
    this.start();
  }

  private down(options: { afterCrash?: boolean } = {}): void {
    // A crash point never fires in the teardown itself.
    this.crashPoints?.disarm();
    this.pacer?.cancel();
    this.pacer = undefined;
    this.ensemble.detach(this);
    // A stopped or killed process's sockets close: its peers notice at once (a partition is silence instead).
    this.ensemble.linksClosed(this.id);
    this.unsubscribeEngine?.();
    if (options.afterCrash === true) this.engineValue?.closeAfterCrash();
    else this.engineValue?.close();
    this.crashPoints = undefined;
    this.engineValue = undefined;
    this.peerValue = undefined;
  }

  /** Internal: drain this member's outbox into the network. */
  drainOutboxTo(network: SimNetwork): boolean {
    const envelopes = this.peerValue?.drainOutbox() ?? [];
    for (const envelope of envelopes) network.send(envelope);
    return envelopes.length > 0;
  }
}

/**
 * A whole ZooKeeper ensemble in this process: voters and observers running
 * ZAB over the seeded in-memory network, on a manual clock by default.
 */
export class Ensemble {
  readonly seed: number;
  readonly clock: Clock;
  readonly manualClock: ManualClock | undefined;
  readonly network: SimNetwork;
  readonly members: EnsembleMember[] = [];
  private readonly options: EnsembleOptions;
  private readonly random: Random;
  private readonly scheduler: Scheduler;
  private voterIds: number[];
  private observerIds: number[];
  /** The committed configuration after a reconfig: its member lines and version (undefined: the static one). */
  private configLines: string[] | undefined;
  private configVersion = ensembleConfigVersion;
  private readonly tickTimeMs: number;
  private nextTickMs: number;
  private pumpScheduled = false;
  private readonly unsubscribers: Array<() => void> = [];
  private systemTimer: NodeJS.Timeout | undefined;
  private readonly listeners: ClientListener[] = [];
  private readonly clientPorts = new Map<number, number>();
  /** Clients this ensemble handed out: waitForLeader also waits for them to reconnect. */
  private readonly clients = new Set<ZooKeeperClient>();
  private readonly backgroundFailures: unknown[] = [];
  private readonly incarnations = new Map<number, number>();
  private closed = false;
  /** Peer events of every member, in order: the trace tests and the safety checker read. */
  readonly trace: Array<{ member: number; atMs: number; event: PeerEvent }> = [];
  private readonly leadersByEpoch = new Map<number, number>();

  constructor(options: EnsembleOptions = {}) {
    const { members = 3, observers = 0, seed = Math.floor(Math.random() * 0x7fffffff), clock = 'manual' } = options;
    assert(Number.isInteger(members) && members >= 1, `createEnsemble: members must be an integer >= 1, got ${members}`);
    assert(Number.isInteger(observers) && observers >= 0, `createEnsemble: observers must be an integer >= 0, got ${observers}`);
    this.options = options;
    this.seed = seed;
    this.random = new SeededRandom(seed);
    this.manualClock = clock === 'manual' ? new ManualClock() : clock instanceof ManualClock ? clock : undefined;
    this.clock = this.manualClock ?? new SystemClock();
    this.scheduler = this.manualClock !== undefined ? manualScheduler(this.manualClock) : systemScheduler();
    this.tickTimeMs = options.tickTimeMs ?? 2000;
    this.voterIds = Array.from({ length: members }, (_, i) => i + 1);
    this.observerIds = Array.from({ length: observers }, (_, i) => members + i + 1);
    this.network = new SimNetwork({ random: this.random.fork('network'), nowMs: () => this.clock.nowMs() });
    this.network.onActivity = () => this.schedulePump();
    this.nextTickMs = this.clock.nowMs() + this.tickTimeMs;
    for (const id of this.voterIds) this.members.push(new EnsembleMember(id, false, this));
    for (const id of this.observerIds) this.members.push(new EnsembleMember(id, true, this));
    if (this.manualClock !== undefined) {
      const ticker: ManualClockListener = { nextWakeMs: () => (this.closed ? undefined : this.nextTickMs), onTime: () => this.tickAll() };
      this.unsubscribers.push(this.manualClock.subscribe(ticker), this.manualClock.subscribe(this.network));
    } else {
      this.systemTimer = setInterval(() => this.tickAll(), this.tickTimeMs);
      this.systemTimer.unref();
    }
    try {
      for (const member of this.members) member.start();
    } catch (error) {
      // A member that cannot start (an invalid engine option) must not leave the ticker, its clock subscriptions or the members started before it behind.
      void this.close();
      throw error;
    }
    this.settle();
  }

  quorumConfig(id: number): QuorumConfig {
    const incarnation = (this.incarnations.get(id) ?? 0) + 1;
    this.incarnations.set(id, incarnation);
    // A member not in the configuration yet (addMember) starts as ZooKeeper's joiner does: the current
    // configuration plus itself, so it finds the leader and syncs as a learner until a reconfig adds it.
    const role = this.roleOf(id);
    const joiningAs = role === undefined ? (this.member(id).observer ? 'observer' : 'participant') : undefined;
    return {
      incarnation,
      myId: id,
      voters: joiningAs === 'participant' ? [...this.voterIds, id] : this.voterIds,
      observers: joiningAs === 'observer' ? [...this.observerIds, id] : this.observerIds,
      initLimitTicks: this.options.initLimitTicks ?? 10,
      syncLimitTicks: this.options.syncLimitTicks ?? 5,
      diffTxnsMax: this.options.diffTxnsMax ?? 1000,
      brokenMode: this.options.brokenMode,
      readOnlyModeEnabled: this.options.readOnlyModeEnabled ?? false,
    };
  }

  /** A member's role in the current configuration; undefined when it is not in it. */
  roleOf(id: number): 'participant' | 'observer' | undefined {
    if (this.voterIds.includes(id)) return 'participant';
    if (this.observerIds.includes(id)) return 'observer';
    return undefined;
  }

  /** The current configuration's voters and observers, and its version (the zxid of the reconfig that made it). */
  get configuration(): { voters: readonly number[]; observers: readonly number[]; version: bigint } {
    return { voters: [...this.voterIds], observers: [...this.observerIds], version: this.configVersion };
  }

  /**
   * A new member, stopped, with the next id: it is not in the configuration until a reconfig adds it
   * (`serverLine(id)` is its joining entry). Start it first to have it synced when the reconfig commits
   * (a participant must be, when the new configuration's quorum needs it); otherwise it starts once a
   * committed configuration includes it.
   */
  addMember(options: { observer?: boolean } = {}): EnsembleMember {
    const member = new EnsembleMember(this.members.length + 1, options.observer ?? false, this);
    this.members.push(member);
    return member;
  }

  /** A member's entry for reconfig, `server.N=127.0.0.1:quorumPort:electionPort:role;127.0.0.1:clientPort`. */
  serverLine(id: number, role: 'participant' | 'observer' = this.member(id).observer ? 'observer' : 'participant'): string {
    return `server.${id}=127.0.0.1:${2887 + id}:${3887 + id}:${role};127.0.0.1:${this.clientPorts.get(id) ?? 0}`;
  }

  /** reconfig through `client` (which needs WRITE on /zookeeper/config, i.e. super), run until it is answered. */
  async reconfig(client: ZooKeeperClient, request: Parameters<ZooKeeperClient['reconfig']>[0]): Promise<{ data: Uint8Array | null; stat: Awaited<ReturnType<ZooKeeperClient['reconfig']>>['stat'] }> {
    const pending = client.reconfig(request);
    let done = false;
    void pending.then(() => { done = true; }, () => { done = true; });
    for (let i = 0; i < 1000 && !done && this.manualClock !== undefined; i++) {
      await this.quiesce();
      if (!done) await this.run(this.stepMs());
    }
    return pending;
  }

  /** Remove a member by reconfig (leaving), then stop it. */
  async removeMember(id: number, client: ZooKeeperClient): Promise<void> {
    await this.reconfig(client, { leaving: [id] });
    this.member(id).stop();
  }

  createEngine(id: number, storage: Storage): Engine {
    const { members: _m, observers: _o, seed: _s, clock: _c, initLimitTicks: _i, syncLimitTicks: _y, diffTxnsMax: _d, brokenMode: _b, checkSafetyEveryStep: _k, readOnlyModeEnabled: _r, ...engineOptions } = this.options;
    // Each run of a member draws its own stream: a restart that replayed the first run's would hand out its session
    // ids (and passwords) again, and one whose createSession committed after this member's log ends is applied twice
    // (recipes' queue seed 9). The first run keeps the label it always had, so seeds replay as before.
    const runs = this.incarnations.get(id) ?? 0;
    const random = this.random.fork(runs === 0 ? `member-${id}` : `member-${id}-run-${runs + 1}`);
    return new Engine({ ...engineOptions, memberId: id, clock: this.clock, random, storage });
  }

  attach(member: EnsembleMember): void {
    this.network.attach(member.id, (envelope) => {
      if (!member.isRunning) return;
      member.runStep(() => member.peer.receive(envelope));
      if (member.isRunning) this.collect(member);
    });
  }

  detach(member: EnsembleMember): void {
    this.network.detach(member.id);
  }

  /**
   * A member's ElectionPacer on the ensemble's clock, manual or system (its callbacks run as the member's
   * steps): elections are decided on ZooKeeper's timing (finalizeWait), not at the next tick.
   */
  electionPacer(member: EnsembleMember): ElectionPacer | undefined {
    return new ElectionPacer({
      scheduler: this.scheduler,
      tickTimeMs: this.tickTimeMs,
      runStep: (work) => {
        if (!member.isRunning) return;
        member.runStep(work);
        if (member.isRunning) this.collect(member);
        this.schedulePump();
      },
    });
  }

  /** Tell every running member its connection to `id` closed (the member's process stopped or died). */
  linksClosed(id: number): void {
    for (const other of this.members) {
      if (other.id === id || !other.isRunning) continue;
      // Only a member that could still reach it had a connection to lose.
      if (!this.network.canReach(other.id, id)) continue;
      other.runStep(() => other.peer.linkClosed(id));
      if (other.isRunning) this.collectEvents(other);
    }
    this.schedulePump();
  }

  /** The member's engine on the clock: session expiry and reaping run as steps of the member. */
  subscribeEngine(member: EnsembleMember): () => void {
    const engine = member.engine;
    if (this.manualClock === undefined) {
      const timer = setInterval(() => member.runStep(() => engine.tick()), Math.max(10, Math.floor(this.tickTimeMs / 4)));
      timer.unref();
      return () => clearInterval(timer);
    }
    return this.manualClock.subscribe({ nextWakeMs: () => engine.nextWakeMs(), onTime: () => member.runStep(() => engine.onTime()) });
  }

  /** Where members died inside a step (crash points reached), in order: for reports and tests. */
  readonly crashPointsReached: Array<{ member: number; atMs: number; point: CrashPoint }> = [];

  crashPointReached(member: EnsembleMember, point: CrashPoint): void {
    this.crashPointsReached.push({ member: member.id, atMs: this.clock.nowMs(), point });
  }

  member(id: number): EnsembleMember {
    const member = this.members[id - 1];
    assert(member !== undefined, `no member ${id} (members are 1..${this.members.length})`);
    return member;
  }

  /** The member leading an established epoch, if any. */
  leader(): EnsembleMember | undefined {
    return this.members.find((m) => m.isLeader);
  }

  /**
   * Run time forward until a leader serves with a quorum of voters serving,
   * letting clients run between steps (they reconnect and resend as real
   * clients would). Fails after `maxMs` of simulated time (manual clock), or
   * of real time (system clock).
   */
  async waitForLeader(maxMs = 60_000): Promise<EnsembleMember> {
    const ready = (): EnsembleMember | undefined => {
      const leader = this.leader();
      const serving = this.members.filter((m) => this.voterIds.includes(m.id) && m.isServing).length;
      const clientsSettled = [...this.clients].every((c) => c.state !== 'connecting' && c.state !== 'disconnected');
      return leader !== undefined && serving * 2 > this.voterIds.length && clientsSettled ? leader : undefined;
    };
    if (this.manualClock === undefined) {
      const deadline = Date.now() + maxMs;
      while (Date.now() < deadline) {
        const leader = ready();
        if (leader !== undefined) return leader;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    } else {
      const start = this.clock.nowMs();
      while (this.clock.nowMs() - start <= maxMs) {
        await this.quiesce();
        const leader = ready();
        if (leader !== undefined) return leader;
        await this.run(this.stepMs());
      }
    }
    throw new Error(`no leader within ${maxMs} ms (seed ${this.seed}); states: ${this.members.map((m) => `${m.id}:${m.state}`).join(' ')}`);
  }

  /** Advance the manual clock by `ms` at once (members tick, delayed messages arrive, sessions expire). */
  advance(ms: number): void {
    assert(this.manualClock !== undefined, 'advance needs the manual clock');
    this.manualClock.advance(ms);
    this.settle();
  }

  /**
   * Advance the manual clock by `ms` in small steps, letting clients and
   * pending promises run between them, the way time passes for real clients.
   */
  async run(ms: number): Promise<void> {
    assert(this.manualClock !== undefined, 'run needs the manual clock');
    const target = this.clock.nowMs() + ms;
    while (this.clock.nowMs() < target) {
      this.manualClock.advanceTo(Math.min(target, this.clock.nowMs() + this.stepMs()));
      await this.quiesce();
      if (this.options.checkSafetyEveryStep !== false) this.checkSafety();
    }
  }

  /** Let every pending promise and client callback run, delivering messages as they are sent. */
  async quiesce(): Promise<void> {
    for (let i = 0; i < 50; i++) {
      this.settle();
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (this.network.inFlight === 0 && this.members.every((m) => !m.isRunning || m.peer.outboxSize === 0)) {
        this.settle();
        return;
      }
    }
  }

  private stepMs(): number {
    return Math.max(1, Math.floor(this.tickTimeMs / 20));
  }

  /** Deliver every message that is due, and everything those deliveries cause, now. */
  settle(): void {
    for (let rounds = 0; rounds < 1_000_000; rounds++) {
      let moved = false;
      for (const member of this.members) moved = member.drainOutboxTo(this.network) || moved;
      moved = this.network.pump() > 0 || moved;
      if (!moved) return;
    }
    throw new Error(`settle: still busy after 1,000,000 rounds (seed ${this.seed})`);
  }

  schedulePump(): void {
    if (this.pumpScheduled || this.closed) return;
    this.pumpScheduled = true;
    queueMicrotask(() => {
      this.pumpScheduled = false;
      if (this.closed) return;
      try {
        this.settle();
      } catch (error) {
        // A broken invariant found in the background surfaces at the next checkSafety(), never as an unhandled error.
        this.backgroundFailures.push(error);
      }
    });
  }

  partition(...groups: number[][]): void {
    this.network.partition(...groups);
  }

  isolate(id: number): void {
    this.network.isolate(id);
  }

  heal(): void {
    this.network.heal();
    this.settle();
  }

  /**
   * A connected client. It talks to `member` first and moves to the next
   * member whenever its member stops serving, keeping its session.
   */
  async client(options: EnsembleClientOptions = {}): Promise<ZooKeeperClient> {
    const first = options.member ?? (this.members.find((m) => m.isServing)?.id ?? 1);
    const channelFactory: ChannelFactory = (handler, attempt) => {
      const member = this.members[(first - 1 + attempt) % this.members.length] as EnsembleMember;
      if (!member.isRunning) return deadChannel(handler, `member ${member.id} is down`);
      const channel = localChannelFactory(member.engine, options.remoteAddress === undefined ? {} : { remoteAddress: options.remoteAddress })(handler, attempt);
      // A client's request is an input to the member: it may die handling it, at a crash point.
      return {
        connect: (request) => member.runStep(() => channel.connect(request)),
        send: (xid, request) => member.runStep(() => channel.send(xid, request)),
        close: () => member.runStep(() => channel.close()),
      };
    };
    const client = new ZooKeeperClient({
      channelFactory,
      scheduler: this.scheduler,
      reconnectDelayMs: Math.max(1, Math.floor(this.tickTimeMs / 20)),
      ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
      ...(options.chroot === undefined ? {} : { chroot: options.chroot }),
      ...(options.canBeReadOnly === undefined ? {} : { canBeReadOnly: options.canBeReadOnly, readWriteSearchIntervalMs: this.tickTimeMs }),
    });
    this.clients.add(client);
    client.onStateChange((state) => {
      if (state === 'closed' || state === 'expired' || state === 'authFailed') this.clients.delete(client);
    });
    if (this.manualClock === undefined) return client.waitForConnected();
    // On the manual clock a client may need simulated time (a reconnect delay) to connect.
    const connected = client.waitForConnected();
    let done = false;
    void connected.then(() => { done = true; }, () => { done = true; });
    for (let i = 0; i < 1000 && !done; i++) {
      await this.quiesce();
      if (!done) await this.run(this.stepMs());
    }
    return connected;
  }

  /**
   * ZAB safety across the members, for tests to call after every step: at
   * most one leader per epoch (checked as epochs are established); every
   * member's committed log (what it logged, up to what it applied) is one
   * contiguous run of a single history, with equal txns at equal zxids;
   * each member's own structure is sound.
   */
  checkSafety(): void {
    const failure = this.backgroundFailures.shift();
    if (failure !== undefined) throw failure;
    for (const member of this.members) assert(!member.diedUnnoticed, `member ${member.id} reached a crash point but kept running: a caller swallowed the signal (seed ${this.seed})`);
    const history = new Map<bigint, string>();
    for (const member of this.members) {
      if (!member.isRunning) continue;
      const applied = member.engine.lastProcessedZxid;
      const committed = member.storage.readLogAfter(0n).filter((txn) => txn.zxid <= applied);
      for (let i = 1; i < committed.length; i++) {
        assert((committed[i - 1] as Txn).zxid < (committed[i] as Txn).zxid, `member ${member.id}: log out of order at position ${i} (seed ${this.seed})`);
      }
      for (const txn of committed) {
        const text = txnFingerprint(txn);
        const other = history.get(txn.zxid);
        assert(other === undefined || other === text, `member ${member.id}: committed a different txn at zxid 0x${txn.zxid.toString(16)} (seed ${this.seed})`);
        history.set(txn.zxid, text);
      }
    }
    for (const member of this.members) if (member.isRunning) member.peer.checkInvariants();
  }

  /** The zxids a member committed (logged and applied), in order. */
  committedHistory(id: number): bigint[] {
    const member = this.member(id);
    const applied = member.isRunning ? member.engine.lastProcessedZxid : -1n;
    // Entries at or before the member's snapshot are superseded by it (after a SNAP sync they may be an older, divergent history).
    return member.storage.readLogAfter(member.storage.snapshotZxid).filter((txn) => txn.zxid <= applied).map((txn) => txn.zxid);
  }

  /** A hash of every message delivery so far: the same seed and steps give the same hash. */
  get traceHash(): string {
    return this.network.traceHash;
  }

  /**
   * The configuration in ZooKeeper's dynamic-config format, as /zookeeper/config
   * holds it: one server line per member, then the version (no trailing newline).
   */
  ensembleConfigText(): string {
    if (this.configLines !== undefined) return [...this.configLines, `version=${this.configVersion.toString(16)}`].join('\n');
    const lines = this.members.filter((member) => this.roleOf(member.id) !== undefined).map((member) => {
      const clientPort = this.clientPorts.get(member.id) ?? 0;
      return `server.${member.id}=127.0.0.1:${2887 + member.id}:${3887 + member.id}:${member.observer ? 'observer' : 'participant'};127.0.0.1:${clientPort}`;
    });
    return [...lines, `version=${ensembleConfigVersion.toString(16)}`].join('\n');
  }

  writeEnsembleConfig(member: EnsembleMember): void {
    if (member.isRunning) member.engine.setEnsembleConfig(this.ensembleConfigText(), this.configVersion);
  }

  /**
   * Open a TCP client port for every member, so any ZooKeeper client can use
   * the ensemble with a connect string listing all of them. `basePort` 0 (the
   * default) picks free ports; otherwise member i listens on basePort + i - 1.
   */
  async serveTcp(options: Omit<ClientListenerOptions, 'engine' | 'clock' | 'mode' | 'clientPort'> & { basePort?: number } = {}): Promise<{ connectString: string; ports: number[] }> {
    const { basePort = 0, ...listenerOptions } = options;
    for (const member of this.members) {
      const listener = await listenForClients({
        ...listenerOptions,
        clientPort: basePort === 0 ? 0 : basePort + member.id - 1,
        clientPortAddress: listenerOptions.clientPortAddress ?? '127.0.0.1',
        engine: () => (member.isRunning ? member.engine : undefined),
        clock: this.clock,
        mode: () => (member.state === 'leading' ? 'leader' : member.state === 'observing' ? 'observer' : member.isRunning && member.engine.isReadOnly ? 'read-only' : 'follower'),
      });
      this.listeners.push(listener);
      this.clientPorts.set(member.id, listener.port);
    }
    for (const member of this.members) this.writeEnsembleConfig(member);
    return { connectString: this.listeners.map((l) => l.connectString).join(','), ports: this.listeners.map((l) => l.port) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const client of [...this.clients]) client.terminate();
    this.clients.clear();
    await Promise.all(this.listeners.map((listener) => listener.close()));
    for (const unsubscribe of this.unsubscribers) unsubscribe();
    if (this.systemTimer !== undefined) clearInterval(this.systemTimer);
    for (const member of this.members) member.stop();
    this.network.close();
  }

  private tickAll(): void {
    this.nextTickMs += this.tickTimeMs;
    for (const member of this.members) {
      if (!member.isRunning) continue;
      member.runStep(() => member.peer.tick());
      if (member.isRunning) this.collect(member);
    }
    this.settle();
  }

  /** The first member to commit a reconfig tells the ensemble; members it adds that never ran start now. */
  private adoptConfiguration(member: EnsembleMember, version: bigint, voters: number[], observers: number[]): void {
    this.configVersion = version;
    this.voterIds = [...voters];
    this.observerIds = [...observers];
    const text = new TextDecoder().decode(member.readNode('/zookeeper/config')?.data ?? new Uint8Array(0));
    this.configLines = text.split('\n').filter((line) => line.startsWith('server.'));
    for (const id of [...voters, ...observers]) {
      const added = this.members[id - 1];
      if (added !== undefined && !added.everStarted) added.start();
      // Removed earlier and still running (a real ZooKeeper server left out of the configuration keeps running and
      // rejoins when a later reconfig adds it back): restart it from its storage, to sync with the new configuration.
      else if (added?.isRunning === true && added.peer.isRemoved) {
        queueMicrotask(() => {
          if (!added.isRunning || !added.peer.isRemoved) return;
          added.stop();
          added.start();
        });
      }
    }
  }

  /** Record a member's peer events into the trace and check one leader per epoch as they happen. */
  collectEvents(member: EnsembleMember): void {
    this.collect(member);
  }

  private collect(member: EnsembleMember): void {
    member.paceElection();
    for (const event of member.peer.drainEvents()) {
      this.trace.push({ member: member.id, atMs: this.clock.nowMs(), event });
      if (event.type === 'reconfigured' && event.version > this.configVersion) this.adoptConfiguration(member, event.version, event.voters, event.observers);
      if (event.type === 'established') {
        const previous = this.leadersByEpoch.get(event.epoch);
        assert(previous === undefined || previous === event.leader, `two leaders established epoch ${event.epoch}: ${previous} and ${event.leader} (seed ${this.seed})`);
        this.leadersByEpoch.set(event.epoch, event.leader);
      }
    }
  }
}

/** A txn's content without its origin (which member took the request is not part of the history). */
function txnFingerprint(txn: Txn): string {
  return JSON.stringify({ zxid: txn.zxid, timeMs: txn.timeMs, sessionId: txn.sessionId, body: txn.body }, (_, value) =>
    typeof value === 'bigint' ? `${value}n` : value instanceof Uint8Array ? [...value] : value);
}

/** The version of the static configuration: the first zxid of epoch 1, as ZooKeeper shows a fresh ensemble's. */
const ensembleConfigVersion = 0x100000000n;

function deadChannel(handler: Parameters<ChannelFactory>[0], reason: string) {
  queueMicrotask(() => handler.onTransportLost(reason));
  return { connect: () => undefined, send: () => undefined, close: () => undefined };
}

/**
 * A whole ensemble for tests. Without `transport` (or with 'memory'), every
 * member in this thread over the seeded in-memory network (the manual clock
 * by default). With 'worker', each member in its own worker thread; with
 * 'tcp', members in this thread talking over the TCP peer transport on
 * loopback: both in real time (see RealtimeEnsemble).
 */
export function createEnsemble(options?: EnsembleOptions & { transport?: 'memory' }): Ensemble;
export function createEnsemble(options: RealtimeEnsembleOptions): RealtimeEnsemble;
export function createEnsemble(options: (EnsembleOptions & { transport?: 'memory' }) | RealtimeEnsembleOptions = {}): Ensemble | RealtimeEnsemble {
  if (options.transport === 'worker' || options.transport === 'tcp') return new RealtimeEnsemble(options);
  const { transport: _memory, ...memoryOptions } = options as EnsembleOptions & { transport?: 'memory' };
  return new Ensemble(memoryOptions);
}

export type { Txn };

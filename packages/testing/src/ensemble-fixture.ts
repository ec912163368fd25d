import { createEnsemble as createServerEnsemble, type Ensemble } from '@vivarium/server';
import { resolveEngineConfig, type Engine, type EngineConfig } from '@vivarium/store';
import { linkFaultsProblem, type LinkFaults } from '@vivarium/transport';
import type { EngineChoice, FixtureClientOptions } from './fixture-clients.ts';
import { checkSeed, randomSeed, rethrowWithSeed } from './fixture-error.ts';
import { FixtureBase, type ClockKind, type FixtureTcpOptions, type ListenerSpec } from './fixture-base.ts';
import { FixtureMember } from './fixture-member.ts';
import { checkClock } from './server-fixture.ts';
import { combineHashes, engineStateDigest, TraceFold } from './trace-fold.ts';
import { createRealtimeEnsemble, type RealtimeEnsembleFixture, type RealtimeEnsembleFixtureOptions } from './realtime-fixture.ts';
import type { ZooKeeperClient } from '@vivarium/client';

export type TransportKind = 'memory' | 'worker' | 'tcp';

export interface EnsembleFixtureOptions extends Partial<Omit<EngineConfig, 'memberId'>> {
  /** Voting members. Default 3. */
  members?: number;
  /** Non-voting members that serve clients (ids after the voters'). Default 0. */
  observers?: number;
  /**
   * How members talk: 'memory', the seeded in-memory network (the default). For 'worker' and 'tcp',
   * createEnsemble returns a RealtimeEnsembleFixture instead (RealtimeEnsembleFixtureOptions).
   */
  transport?: 'memory';
  /** Seeds every member, the network and its faults. Random when omitted; always in `seed` and in every error. */
  seed?: number;
  /** 'manual' (default): time moves only by `clock.advance`. 'system': real time. */
  clock?: ClockKind;
  /** ZooKeeper's initLimit, in ticks. Default 10. */
  initLimitTicks?: number;
  /** ZooKeeper's syncLimit, in ticks. Default 5. */
  syncLimitTicks?: number;
  /** A learner further behind than this is sent a snapshot. Default 1000. */
  diffTxnsMax?: number;
  /** Wait until a leader is elected and every member serves before createEnsemble resolves. Default true. */
  waitForLeader?: boolean;
  /** TCP client port settings (ports open on the first `connectString()`). */
  tcp?: FixtureTcpOptions;
}

/**
 * A ZooKeeper ensemble in this process: voters and observers running ZAB over
 * the seeded in-memory network. Members are named by their ZooKeeper server id,
 * 1-based (`member(1)` is `server.1`, as in zoo.cfg and in every trace and error).
 */
export class EnsembleFixture extends FixtureBase {
  readonly members: readonly FixtureMember[];
  private readonly ensembleValue: Ensemble;
  private readonly tickMs: number;

  constructor(options: EnsembleFixtureOptions = {}) {
    const {
      members = 3, observers = 0, transport = 'memory', seed: seedOption, clock = 'manual',
      initLimitTicks, syncLimitTicks, diffTxnsMax, waitForLeader: _wait, tcp, ...engineOptions
    } = options;
    const seed = seedOption === undefined ? randomSeed() : checkSeed(seedOption, 'createEnsemble');
    super({ kind: 'createEnsemble', seed, clock: checkClock(clock, seed), tcp, options });
    try {
      if ((transport as string) !== 'memory') throw new Error(`transport must be 'memory', 'worker' or 'tcp', got ${JSON.stringify(transport)}`);
      if (!Number.isInteger(members) || members < 1 || members > 127) throw new Error(`members must be an integer in 1..127, got ${JSON.stringify(members)}`);
      if (!Number.isInteger(observers) || observers < 0 || members + observers > 254) throw new Error(`observers must be an integer >= 0 with members + observers <= 254, got ${JSON.stringify(observers)}`);
      // Checked here so a typo fails with the seed, before any member starts.
      this.tickMs = resolveEngineConfig(engineOptions).tickTimeMs;
      this.ensembleValue = createServerEnsemble({
        ...engineOptions,
        members,
        observers,
        seed,
        clock: this.manualClock ?? 'system',
        ...(initLimitTicks === undefined ? {} : { initLimitTicks }),
        ...(syncLimitTicks === undefined ? {} : { syncLimitTicks }),
        ...(diffTxnsMax === undefined ? {} : { diffTxnsMax }),
      });
    } catch (error) {
      rethrowWithSeed(error, seed, 'createEnsemble');
    }
    const context = { fold: this.fold, seed, leaderId: () => this.ensembleValue.leader()?.id };
    this.members = this.ensembleValue.members.map((m) => new FixtureMember(m, context));
  }

  /** The underlying Ensemble (packages/server), for what the fixture does not wrap: trace, network stats, committedHistory. */
  get ensemble(): Ensemble {
    return this.ensembleValue;
  }

  /** A member by its server id: 1..members+observers (1-based, as ZooKeeper's myid). */
  member(id: number): FixtureMember {
    const member = this.members[id - 1];
    if (!Number.isInteger(id) || member === undefined) {
      throw this.fail(`no member ${JSON.stringify(id)}: members are named by their 1-based server id, 1..${this.members.length}${id === 0 ? ' (0 is not an id; the first member is member(1))' : ''}`);
    }
    return member;
  }

  /** The member leading an established epoch and serving, if any. */
  leader(): FixtureMember | undefined {
    return this.members.find((m) => m.isLeader);
  }

  /** The members that are not the leader (running or not). */
  followers(): FixtureMember[] {
    return this.members.filter((m) => !m.isLeader && !m.observer);
  }

  /**
   * Let time run until a leader serves with a quorum of voters serving (clients
   * reconnect meanwhile). Fails with the seed and every member's state after
   * `maxMs`: simulated ms on the manual clock (default 60 000), real ms on the system clock (default 30 000).
   */
  async waitForLeader(maxMs?: number): Promise<FixtureMember> {
    this.assertOpen('waitForLeader');
    const clock = this.manualClock;
    if (clock === undefined) {
      try {
        const leader = await this.ensembleValue.waitForLeader(maxMs ?? 30_000);
        this.fold.add(`leader ${leader.id}`);
        return this.member(leader.id);
      } catch (error) {
        rethrowWithSeed(error, this.seed, 'waitForLeader');
      }
    }
    // On the manual clock: the same condition as Ensemble.waitForLeader, stepping with the fixture's settle,
    // which returns as soon as nothing is due (the ensemble's own quiesce waits out messages still in flight).
    const limitMs = maxMs ?? 60_000;
    const deadline = clock.nowMs() + limitMs;
    for (;;) {
      await this.settle();
      const leader = this.leader();
      const serving = this.members.filter((m) => !m.observer && m.isServing).length;
      const voters = this.members.filter((m) => !m.observer).length;
      if (leader !== undefined && serving * 2 > voters) {
        this.fold.add(`leader ${leader.id}`);
        return leader;
      }
      if (clock.nowMs() >= deadline) throw this.fail(`waitForLeader: no leader within ${limitMs} ms; states: ${this.statesText()}`);
      clock.advanceTo(Math.min(deadline, clock.nowMs() + this.stepMs()));
    }
  }

  /**
   * Let time run until every running member serves (followers and observers
   * synced with the leader): after createEnsemble, a restart() or a heal(),
   * when a test is about to read a member's own tree. Fails with the seed after `maxMs`.
   */
  async waitForAllServing(maxMs?: number): Promise<void> {
    this.assertOpen('waitForAllServing');
    const allServing = (): boolean => this.members.every((m) => !m.isRunning || m.isServing);
    const deadline = this.clock.nowMs() + (maxMs ?? (this.manualClock !== undefined ? 60_000 : 30_000));
    await this.settle();
    while (!allServing()) {
      if (this.clock.nowMs() >= deadline) throw this.fail(`waitForAllServing: not every member serves within ${maxMs ?? 'the default'} ms; states: ${this.statesText()}`);
      if (this.manualClock !== undefined) await this.clock.advance(this.stepMs());
      else await new Promise((resolve) => setTimeout(resolve, 5));
    }
    this.fold.add('all serving');
  }

  // ------------------------------------------------------------------ reconfiguration

  /** The current configuration's voters, observers and version (the zxid of the reconfig that made it). */
  get configuration(): { voters: readonly number[]; observers: readonly number[]; version: bigint } {
    return this.ensembleValue.configuration;
  }

  /**
   * A new member with the next id, stopped and not yet in the configuration: `restart()` it, then
   * `reconfig(client, { joining: [fixture.serverLine(id)] })` to add it (Ensemble.addMember).
   */
  addMember(options: { observer?: boolean } = {}): FixtureMember {
    this.assertOpen('addMember');
    const raw = this.ensembleValue.addMember(options);
    const member = new FixtureMember(raw, { fold: this.fold, seed: this.seed, leaderId: () => this.ensembleValue.leader()?.id });
    (this.members as FixtureMember[]).push(member);
    this.fold.add(`add member ${member.id}${options.observer === true ? ' observer' : ''}`);
    return member;
  }

  /** A member's `server.N=...` entry for reconfig's joining list (Ensemble.serverLine). */
  serverLine(id: number, role?: 'participant' | 'observer'): string {
    this.member(id);
    return this.ensembleValue.serverLine(id, role);
  }

  /**
   * reconfig through `client` (it needs WRITE on /zookeeper/config: authenticate it as super, with the
   * ensemble's superDigest, and create the fixture with reconfigEnabled: true), driving time until it is answered.
   * ZooKeeper's errors (RECONFIGDISABLED, NOAUTH, BADARGUMENTS, ...) pass through unchanged.
   */
  async reconfig(client: ZooKeeperClient, request: Parameters<ZooKeeperClient['reconfig']>[0]): ReturnType<ZooKeeperClient['reconfig']> {
    this.assertOpen('reconfig');
    this.fold.add(`reconfig ${JSON.stringify(request, (_key, value: unknown) => (typeof value === 'bigint' ? value.toString() : value))}`);
    const result = await this.drive(client.reconfig(request), { what: 'reconfig' });
    await this.settle();
    return result;
  }

  /** Remove a member by reconfig (leaving) through `client` (super, as for reconfig), then stop it (Ensemble.removeMember). */
  async removeMember(id: number, client: ZooKeeperClient): Promise<void> {
    const member = this.member(id);
    if (client === undefined) throw this.fail('removeMember(id, client): reconfig needs a client authenticated as super (ZooKeeper checks WRITE on /zookeeper/config)');
    await this.reconfig(client, { leaving: [id] });
    if (member.isRunning) member.stop();
  }

  // ------------------------------------------------------------------ faults

  /**
   * Split the members into groups that cannot reach each other, by server id:
   * `partition([1], [2, 3])`. A member named in no group is cut off from everyone.
   * Messages already in flight across the cut are lost. Replaces any earlier partition.
   */
  partition(...groups: number[][]): void {
    const seen = new Set<number>();
    for (const group of groups) {
      if (!Array.isArray(group)) throw this.fail(`partition: each group is an array of server ids, e.g. partition([1], [2, 3]); got ${JSON.stringify(group)}`);
      for (const id of group) {
        this.member(id);
        if (seen.has(id)) throw this.fail(`partition: member ${id} is in two groups`);
        seen.add(id);
      }
    }
    this.fold.add(`partition ${JSON.stringify(groups)}`);
    this.ensembleValue.partition(...groups);
  }

  /** Cut one member off from all the others (running or not). */
  isolate(id: number): void {
    this.member(id);
    this.fold.add(`isolate ${id}`);
    // Every other member by id, not just those running now: a member restarted later must still be on the other side.
    this.ensembleValue.partition([id], this.members.filter((m) => m.id !== id).map((m) => m.id));
  }

  /** Remove every partition (link faults stay: see clearFaults). */
  heal(): void {
    this.fold.add('heal');
    this.ensembleValue.heal();
  }

  /**
   * Faults on the directed link `from -> to` (server ids): drop and duplicate
   * probabilities in [0, 1], a delay drawn in [delayMinMs, delayMaxMs] (random
   * delays reorder messages). Every draw comes from the seed.
   */
  setLinkFaults(from: number, to: number, faults: Partial<LinkFaults>): void {
    this.member(from);
    this.member(to);
    this.checkFaults(faults);
    this.fold.add(`faults ${from}->${to} ${JSON.stringify(faults)}`);
    this.ensembleValue.network.setLinkFaults(from, to, faults);
  }

  /** The same faults on every link that has none of its own. */
  setDefaultFaults(faults: Partial<LinkFaults>): void {
    this.checkFaults(faults);
    this.fold.add(`faults * ${JSON.stringify(faults)}`);
    this.ensembleValue.network.setDefaultFaults(faults);
  }

  /** Every link healthy again (partitions stay: see heal). */
  clearFaults(): void {
    this.fold.add('faults clear');
    this.ensembleValue.network.clearFaults();
  }

  private checkFaults(faults: Partial<LinkFaults>): void {
    const problem = linkFaultsProblem(faults);
    if (problem !== undefined) throw this.fail(problem);
  }

  /** ZAB safety across the members (one leader per epoch, one committed history, sound members). Throws with the seed. */
  checkSafety(): void {
    try {
      this.ensembleValue.checkSafety();
    } catch (error) {
      rethrowWithSeed(error, this.seed, 'checkSafety');
    }
  }

  // ------------------------------------------------------------------ FixtureBase

  protected tickTimeMs(): number {
    return this.tickMs;
  }

  protected pump(): number {
    this.ensembleValue.settle();
    const stats = this.ensembleValue.network.stats;
    return stats.sent + stats.delivered + stats.dropped;
  }

  protected listenerSpecs(): ListenerSpec[] {
    return this.ensembleValue.members.map((member) => ({
      engine: () => (member.isRunning ? member.engine : undefined),
      mode: () => (member.state === 'leading' ? 'leader' : member.state === 'observing' ? 'observer' : 'follower'),
    }));
  }

  protected decidingEngine(): { engine: Engine; where: string } {
    const leader = this.leader();
    if (leader === undefined) {
      throw this.fail(`expireSession: no leader is serving, and only the leader expires sessions (as in ZooKeeper); states: ${this.statesText()}`);
    }
    return { engine: leader.engine, where: `the leader (member ${leader.id})` };
  }

  protected engineFor(options: FixtureClientOptions, attempt: number): EngineChoice {
    const first = options.member ?? this.members.find((m) => m.isServing)?.id ?? 1;
    const member = this.ensembleValue.members[(first - 1 + attempt) % this.ensembleValue.members.length];
    if (member === undefined || !member.isRunning) return { down: `member ${member?.id ?? '?'} is down` };
    return { engine: member.engine };
  }

  protected validateClientOptions(options: FixtureClientOptions): void {
    if (options.member !== undefined) this.member(options.member);
  }

  protected async shutdown(): Promise<void> {
    await this.ensembleValue.close();
  }

  protected runningMembers(): number {
    return this.ensembleValue.members.filter((m) => m.isRunning).length;
  }

  protected messagesInFlight(): number {
    return this.ensembleValue.network.inFlight;
  }

  protected stateHashes(): string[] {
    const events = new TraceFold();
    for (const { member, atMs, event } of this.ensembleValue.trace) {
      events.add(`${member} ${atMs} ${JSON.stringify(event, (_, value: unknown) => (typeof value === 'bigint' ? value.toString(16) : value))}`);
    }
    const members = this.ensembleValue.members.map((m) => `${m.id} ${m.state} ${m.isRunning ? engineStateDigest(m.engine) : '-'} ${m.storage.readLogAfter(0n).length}`);
    return [this.ensembleValue.traceHash, events.value, combineHashes(members)];
  }

  private statesText(): string {
    return this.members.map((m) => `${m.id}:${m.state}`).join(' ');
  }
}

/**
 * An ensemble, by default with its leader elected and every member serving before this resolves.
 * Close it with `close()`, which fails if anything was left open.
 */
export async function createEnsemble(options?: EnsembleFixtureOptions): Promise<EnsembleFixture>;
/** Members in worker threads or over TCP, in real time: see RealtimeEnsembleFixture for what it supports. */
export async function createEnsemble(options: RealtimeEnsembleFixtureOptions): Promise<RealtimeEnsembleFixture>;
export async function createEnsemble(options: EnsembleFixtureOptions | RealtimeEnsembleFixtureOptions = {}): Promise<EnsembleFixture | RealtimeEnsembleFixture> {
  if (options.transport === 'worker' || options.transport === 'tcp') return createRealtimeEnsemble(options);
  const fixture = new EnsembleFixture(options as EnsembleFixtureOptions);
  if ((options as EnsembleFixtureOptions).waitForLeader !== false) {
    try {
      await fixture.waitForLeader();
      await fixture.waitForAllServing();
    } catch (error) {
      await fixture.close().catch(() => undefined);
      throw error;
    }
  }
  return fixture;
}

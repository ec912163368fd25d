/**
 * The ensemble fixture over a real transport: `createEnsemble({ transport: 'worker' | 'tcp' })`.
 * It wraps @vivarium/server's RealtimeEnsemble (each member in its own worker thread, or every
 * member in this thread over the TCP peer transport on loopback) with the fixture's surface as far
 * as it honestly goes. What it cannot do, it refuses with an error that says so:
 *
 * - Time is real (`clock.kind === 'system'`): `clock.advance` and `settle()` throw.
 * - Members live in other threads (worker) or behind sockets: member control is asynchronous
 *   (`await member(1).crash()`), and a member's state is read with `await inspect()` / `readNode(path)`.
 * - Link faults (drop/delay/duplicate/reorder) and partitions are applied by each member to what it
 *   sends, with decisions drawn from the seed, and delays in real ms; `await` them.
 * - `expireSession` asks the leader to expire the session now, as on the in-memory ensemble.
 * - No trace hash: the seed fixes session ids, passwords and fault draws, but thread and socket
 *   scheduling are not reproducible, so neither is the order of events.
 * - `close()` throws a FixtureLeakError naming any worker thread still running, any member client port
 *   still accepting connections, any client the fixture made still open, and any listening socket,
 *   socket or timer the process holds beyond what it held when the fixture was created (that last,
 *   process-wide check runs only while no other real-transport fixture is open in this thread).
 */
import { connect } from 'node:net';
import type { ZooKeeperClient } from '@vivarium/client';
import { linkFaultsProblem, type FaultInjectingTransportStats, type LinkFaults } from '@vivarium/transport';
import { createEnsemble as createServerEnsemble, type RealtimeEnsemble, type RealtimeMember } from '@vivarium/server';
import type { EngineConfig } from '@vivarium/store';
import type { ClockKind, DriveOptions, FixtureClock } from './fixture-base.ts';
import { checkSeed, FixtureError, FixtureLeakError, randomSeed, rethrowWithSeed } from './fixture-error.ts';

export interface RealtimeEnsembleFixtureOptions extends Partial<Omit<EngineConfig, 'memberId'>> {
  /** 'worker': each member in its own worker thread. 'tcp': every member in this thread, over TCP on loopback. */
  transport: 'worker' | 'tcp';
  /** Voting members. Default 3. */
  members?: number;
  /** Non-voting members (ids after the voters'). Default 0. */
  observers?: number;
  /** Seeds session ids and passwords. Random when omitted; always in `seed` and in every error. */
  seed?: number;
  /** Only 'system' (the default here): members on real transports run in real time. 'manual' is refused. */
  clock?: ClockKind;
  initLimitTicks?: number;
  syncLimitTicks?: number;
  diffTxnsMax?: number;
  /** Wait until a leader is elected and every member serves before createEnsemble resolves. Default true. */
  waitForLeader?: boolean;
  /** How long createEnsemble waits for that, in real ms. Default 30 000. */
  startTimeoutMs?: number;
  /** Receives the members' log lines. */
  log?: (line: string) => void;
}

/** What a real-transport fixture holds open right now (all zero after close()). */
export interface RealtimeFixtureResources {
  /** Clients made by `client()` and not yet closed, expired or terminated. */
  openClients: number;
  /** Members whose worker thread exists (worker transport). */
  workerThreads: number;
  /** Members running. */
  runningMembers: number;
}

/** Process-wide handle kinds compared against the count when the fixture was created. */
const watchedResources = ['TCPServerWrap', 'TCPSocketWrap', 'Timeout'] as const;
/** Real-transport fixtures open in this thread: the process-wide check is only meaningful with one. */
let openRealtimeFixtures = 0;

function resourceCounts(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** A member of a real-transport fixture, by its 1-based server id. Control is asynchronous. */
export class RealtimeFixtureMember {
  readonly id: number;
  readonly observer: boolean;
  readonly seed: number;
  private readonly member: RealtimeMember;

  constructor(member: RealtimeMember, seed: number) {
    this.member = member;
    this.id = member.id;
    this.observer = member.observer;
    this.seed = seed;
  }

  get isLeader(): boolean {
    return this.member.isLeader;
  }

  get isServing(): boolean {
    return this.member.isServing;
  }

  get isRunning(): boolean {
    return this.member.isRunning;
  }

  /** 'looking' | 'following' | 'leading' | 'observing' | 'down', as the member last reported. */
  get state(): string {
    return this.member.state;
  }

  /** The member's TCP client port. */
  get clientPort(): number {
    return this.member.clientPort;
  }

  /** The underlying RealtimeMember (packages/server). */
  get raw(): RealtimeMember {
    return this.member;
  }

  /** `tree` cannot be read synchronously across threads: use `await inspect()` or `await readNode(path)`. */
  get tree(): never {
    throw new FixtureError(`member ${this.id}: tree is not available on a real-transport fixture (the member may run in another thread); use await member.readNode(path) or member.inspect()`, this.seed);
  }

  async stop(): Promise<void> {
    await this.wrap('stop', () => this.member.stop());
  }

  /** The member's thread (or its sockets and engine) is gone at once; what was not flushed is lost. */
  async crash(): Promise<void> {
    await this.wrap('crash', () => this.member.crash());
  }

  async restart(): Promise<void> {
    await this.wrap('restart', () => this.member.restart());
  }

  inspect(): ReturnType<RealtimeMember['inspect']> {
    return this.wrap('inspect', () => this.member.inspect());
  }

  readNode(path: string): ReturnType<RealtimeMember['readNode']> {
    return this.wrap('readNode', () => this.member.readNode(path));
  }

  toString(): string {
    return `member ${this.id} (${this.state})`;
  }

  private async wrap<T>(what: string, step: () => Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      rethrowWithSeed(error, this.seed, `member ${this.id} ${what}`);
    }
  }
}

/** An ensemble fixture over worker threads or TCP: real time, real threads and sockets. */
export class RealtimeEnsembleFixture {
  readonly seed: number;
  readonly transport: 'worker' | 'tcp';
  readonly clock: FixtureClock;
  readonly members: readonly RealtimeFixtureMember[];
  private readonly ensembleValue: RealtimeEnsemble;
  private readonly optionsText: string;
  private readonly baseline: Map<string, number>;
  private readonly clients = new Set<ZooKeeperClient>();
  private closing: Promise<void> | undefined;

  constructor(options: RealtimeEnsembleFixtureOptions) {
    const {
      transport, seed: seedOption, clock = 'system', waitForLeader: _wait, startTimeoutMs: _start, members = 3, observers = 0, ...rest
    } = options;
    const seed = seedOption === undefined ? randomSeed() : checkSeed(seedOption, 'createEnsemble');
    this.seed = seed;
    this.transport = transport;
    this.optionsText = JSON.stringify({ ...options, log: undefined, seed });
    try {
      if (clock !== 'system') {
        throw new Error(`clock '${String(clock)}' is not supported on transport '${transport}': worker and TCP members run in real time; use clock: 'system' (the default here), or transport: 'memory' for a manual clock`);
      }
      if (!Number.isInteger(members) || members < 1 || members > 127) throw new Error(`members must be an integer in 1..127, got ${JSON.stringify(members)}`);
      if (!Number.isInteger(observers) || observers < 0 || members + observers > 254) throw new Error(`observers must be an integer >= 0 with members + observers <= 254, got ${JSON.stringify(observers)}`);
    } catch (error) {
      rethrowWithSeed(error, seed, 'createEnsemble');
    }
    this.clock = {
      kind: 'system',
      nowMs: () => Date.now(),
      advance: (ms) => Promise.reject(this.fail(`clock.advance(${ms}): not supported on transport '${transport}': its members run in real time on the system clock; use transport: 'memory' to drive time`)),
    };
    // Before anything opens: close() compares the process's handles with these.
    this.baseline = resourceCounts();
    try {
      this.ensembleValue = createServerEnsemble({ ...rest, members, observers, transport, seed });
    } catch (error) {
      rethrowWithSeed(error, seed, 'createEnsemble');
    }
    openRealtimeFixtures++;
    this.members = this.ensembleValue.members.map((m) => new RealtimeFixtureMember(m, seed));
  }

  /** The underlying RealtimeEnsemble (packages/server), for what the fixture does not wrap. */
  get ensemble(): RealtimeEnsemble {
    return this.ensembleValue;
  }

  describeSeed(): string {
    return `createEnsemble seed ${this.seed} (transport '${this.transport}'): rerun with createEnsemble(${this.optionsText}); the seed fixes session ids and passwords, but real threads and sockets do not replay the same schedule`;
  }

  /** Not available: a real-transport run has no reproducible trace. */
  get traceHash(): never {
    throw this.fail(`traceHash is not supported on transport '${this.transport}': thread and socket scheduling are not reproducible; use transport: 'memory'`);
  }

  member(id: number): RealtimeFixtureMember {
    const member = Number.isInteger(id) ? this.members[id - 1] : undefined;
    if (member === undefined) {
      throw this.fail(`no member ${JSON.stringify(id)}: members are named by their 1-based server id, 1..${this.members.length}${id === 0 ? ' (0 is not an id; the first member is member(1))' : ''}`);
    }
    return member;
  }

  leader(): RealtimeFixtureMember | undefined {
    return this.members.find((m) => m.isLeader);
  }

  followers(): RealtimeFixtureMember[] {
    return this.members.filter((m) => !m.isLeader && !m.observer);
  }

  /** Until a leader serves with a quorum of voters serving (and the fixture's clients have reconnected). Real ms; default 30 000. */
  async waitForLeader(maxMs = 30_000): Promise<RealtimeFixtureMember> {
    this.assertOpen('waitForLeader');
    try {
      const leader = await this.ensembleValue.waitForLeader(maxMs);
      return this.member(leader.id);
    } catch (error) {
      rethrowWithSeed(error, this.seed, 'waitForLeader');
    }
  }

  /** Until every running member serves. Real ms; default 30 000. */
  async waitForAllServing(maxMs = 30_000): Promise<void> {
    this.assertOpen('waitForAllServing');
    const deadline = Date.now() + maxMs;
    while (!this.members.every((m) => !m.isRunning || m.isServing)) {
      if (Date.now() > deadline) throw this.fail(`waitForAllServing: not every member serves within ${maxMs} ms; states: ${this.statesText()}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  // ------------------------------------------------------------------ faults

  /** Split the members into groups that cannot reach each other, by server id; a member in no group is cut off from all. */
  async partition(...groups: number[][]): Promise<void> {
    const seen = new Set<number>();
    for (const group of groups) {
      if (!Array.isArray(group)) throw this.fail(`partition: each group is an array of server ids, e.g. partition([1], [2, 3]); got ${JSON.stringify(group)}`);
      for (const id of group) {
        this.member(id);
        if (seen.has(id)) throw this.fail(`partition: member ${id} is in two groups`);
        seen.add(id);
      }
    }
    await this.step('partition', () => this.ensembleValue.partition(...groups));
  }

  async isolate(id: number): Promise<void> {
    this.member(id);
    await this.step('isolate', () => this.ensembleValue.isolate(id));
  }

  async heal(): Promise<void> {
    await this.step('heal', () => this.ensembleValue.heal());
  }

  /**
   * Faults on the directed link `from -> to` (server ids): drop, duplicate and
   * reorder probabilities in [0, 1], a delay drawn in [delayMinMs, delayMaxMs]
   * real ms. Member `from` applies them to what it sends, drawing from the
   * seed; they stay across its restarts until clearFaults().
   */
  async setLinkFaults(from: number, to: number, faults: Partial<LinkFaults>): Promise<void> {
    this.member(from);
    this.member(to);
    this.checkFaults(faults);
    await this.step('setLinkFaults', () => this.ensembleValue.setLinkFaults(from, to, faults));
  }

  /** The same faults on every link that has none of its own. */
  async setDefaultFaults(faults: Partial<LinkFaults>): Promise<void> {
    this.checkFaults(faults);
    await this.step('setDefaultFaults', () => this.ensembleValue.setDefaultFaults(faults));
  }

  /** Every link healthy again (partitions stay: see heal). */
  async clearFaults(): Promise<void> {
    await this.step('clearFaults', () => this.ensembleValue.clearFaults());
  }

  /** What the members' fault layers did to their messages, summed over the running members' current runs. */
  faultStats(): Promise<FaultInjectingTransportStats> {
    return this.step('faultStats', () => this.ensembleValue.faultStats());
  }

  private checkFaults(faults: Partial<LinkFaults>): void {
    const problem = linkFaultsProblem(faults);
    if (problem !== undefined) throw this.fail(problem);
  }

  /** No leader elected twice in an epoch, no member died on its own, equal trees at equal zxids. */
  async checkSafety(): Promise<void> {
    await this.step('checkSafety', () => this.ensembleValue.checkSafety());
  }

  // ------------------------------------------------------------------ clients and time

  /** A connected client over TCP (the members' client ports), starting at `member` when given. */
  async client(options: { member?: number; sessionTimeoutMs?: number; chroot?: string } = {}): Promise<ZooKeeperClient> {
    this.assertOpen('client()');
    if (options.member !== undefined) this.member(options.member);
    const client = await this.step('client', () => this.ensembleValue.client(options));
    this.clients.add(client);
    return client;
  }

  /** The client's process dies: its connection drops without a close; it never reconnects. Its session lives on until it times out. */
  crashClient(client: ZooKeeperClient): void {
    client.terminate();
  }

  /**
   * Expire a session on the server now, as if its timeout had passed: the
   * leader decides, its closeSession commits through the quorum (ephemerals go,
   * watches fire). The fixture's own clients holding the session learn it when
   * the member they are connected to closes their connection and they reconnect:
   * this resolves once they all have (real time, up to `maxMs`, default 30 000).
   */
  async expireSession(target: bigint | ZooKeeperClient, maxMs = 30_000): Promise<void> {
    this.assertOpen('expireSession');
    const sessionId = typeof target === 'bigint' ? target : target.sessionId;
    if (sessionId === 0n) throw this.fail('expireSession: the client has no session yet (await its connection first)');
    const hex = `0x${sessionId.toString(16)}`;
    const leader = this.leader();
    if (leader === undefined) throw this.fail(`expireSession: no member leads now (states: ${this.statesText()}); await waitForLeader() first`);
    const expired = await this.step('expireSession', () => this.ensembleValue.expireSession(sessionId));
    if (!expired) throw this.fail(`expireSession: no live session ${hex} on the leader, member ${leader.id} (never created, closed, or already expired)`);
    const holders = [...this.clients].filter((c) => c.sessionId === sessionId);
    const deadline = Date.now() + maxMs;
    while (holders.some((c) => !isFinished(c))) {
      if (Date.now() > deadline) throw this.fail(`expireSession: session ${hex} expired on the server, but its client has not learnt it within ${maxMs} ms (state ${holders.map((c) => c.state).join(', ')})`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** Not available: real time does not stop; wait for a condition (waitForLeader, waitForAllServing, drive) instead. */
  settle(): Promise<never> {
    return Promise.reject(this.notSupported('settle()'));
  }

  /** Await `promise`, failing with the seed after `maxMs` real ms (default 30 000). Its own rejection passes through. */
  async drive<T>(promise: Promise<T>, options: DriveOptions = {}): Promise<T> {
    const maxMs = options.maxMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(this.fail(`drive: ${options.what ?? 'the promise'} did not settle within ${maxMs} ms`)), maxMs);
    });
    try {
      return await Promise.race([promise, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The members' TCP client ports as a connect string (open from the start on this transport). */
  async connectString(): Promise<string> {
    this.assertOpen('connectString()');
    return (await this.step('connectString', () => this.ensembleValue.serveTcp())).connectString;
  }

  async tcpPorts(): Promise<number[]> {
    this.assertOpen('tcpPorts()');
    return (await this.step('tcpPorts', () => this.ensembleValue.serveTcp())).ports;
  }

  // ------------------------------------------------------------------ closing

  resources(): RealtimeFixtureResources {
    return {
      openClients: [...this.clients].filter((c) => !isFinished(c)).length,
      workerThreads: this.workerThreads().length,
      runningMembers: this.members.filter((m) => m.isRunning).length,
    };
  }

  /**
   * Close the fixture's clients (their sessions close while a quorum can commit it), then every
   * member and thread. Throws a FixtureLeakError naming anything left: a worker thread, a client
   * port still accepting, a client, or (when no other real-transport fixture is open in this thread)
   * a listening socket, socket or timer beyond what the process held before the fixture.
   * Close your own TCP clients first: a client still reconnecting holds a socket and a timer.
   * Idempotent: later calls return the first call's outcome.
   */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    const leaks: string[] = [];
    try {
      // A polite close where a quorum can commit it, bounded: the ensemble terminates whatever is left.
      await Promise.all([...this.clients].filter((c) => !isFinished(c)).map((c) => this.drive(c.close(), { maxMs: 2000 }).catch(() => c.terminate())));
      await this.ensembleValue.close();
    } catch (error) {
      leaks.push(`closing the ensemble failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      openRealtimeFixtures--;
    }
    for (const client of this.clients) {
      if (!isFinished(client)) leaks.push(`client 0x${client.sessionId.toString(16)} still ${client.state}`);
    }
    for (const id of this.workerThreads()) leaks.push(`member ${id}'s worker thread still running`);
    const accepting = await Promise.all(this.members.map(async (m) => ((await accepts(m.clientPort)) ? m.id : undefined)));
    for (const id of accepting) if (id !== undefined) leaks.push(`member ${id}'s client port ${this.member(id).clientPort} still accepts connections`);
    if (openRealtimeFixtures === 0) leaks.push(...(await this.processLeaks()));
    if (leaks.length > 0) throw new FixtureLeakError(`createEnsemble({ transport: '${this.transport}' })`, leaks, this.seed);
  }

  /** Handles the process holds beyond the baseline, after letting closing sockets and cleared timers go (up to 1 s). */
  private async processLeaks(): Promise<string[]> {
    const deadline = Date.now() + 1000;
    for (;;) {
      const now = resourceCounts();
      const extra = watchedResources
        .map((kind) => ({ kind, count: (now.get(kind) ?? 0) - (this.baseline.get(kind) ?? 0) }))
        .filter((e) => e.count > 0);
      if (extra.length === 0) return [];
      if (Date.now() > deadline) return extra.map((e) => `${e.count} more ${e.kind} handle(s) than before the fixture (process.getActiveResourcesInfo())`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Ids of members whose worker thread exists (RealtimeEnsemble keeps its hosts private: read them here, narrowly). */
  private workerThreads(): number[] {
    const hosts = (this.ensembleValue as unknown as { hosts?: Map<number, { hasWorker?: boolean }> }).hosts;
    if (hosts === undefined) return [];
    return [...hosts.entries()].filter(([, host]) => host.hasWorker === true).map(([id]) => id);
  }

  // ------------------------------------------------------------------ helpers

  private statesText(): string {
    return this.members.map((m) => `${m.id}:${m.state}`).join(' ');
  }

  private fail(message: string): FixtureError {
    return new FixtureError(message, this.seed);
  }

  private notSupported(what: string): FixtureError {
    return this.fail(`${what} is not supported on transport '${this.transport}' (members run in real time, in other threads or behind sockets); use transport: 'memory' for it`);
  }

  private assertOpen(what: string): void {
    if (this.closing !== undefined) throw this.fail(`createEnsemble: ${what} after close()`);
  }

  private async step<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      rethrowWithSeed(error, this.seed, what);
    }
  }
}

function isFinished(client: ZooKeeperClient): boolean {
  return client.state === 'closed' || client.state === 'expired' || client.state === 'authFailed';
}

/** Whether something accepts a TCP connection on 127.0.0.1:port now. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** A real-transport ensemble fixture, by default with its leader elected and every member serving. */
export async function createRealtimeEnsemble(options: RealtimeEnsembleFixtureOptions): Promise<RealtimeEnsembleFixture> {
  const fixture = new RealtimeEnsembleFixture(options);
  if (options.waitForLeader !== false) {
    try {
      await fixture.waitForLeader(options.startTimeoutMs ?? 30_000);
      await fixture.waitForAllServing(options.startTimeoutMs ?? 30_000);
    } catch (error) {
      await fixture.close().catch(() => undefined);
      throw error;
    }
  }
  return fixture;
}

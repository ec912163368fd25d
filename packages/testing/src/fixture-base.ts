import type { ZooKeeperClient } from '@vivarium/client';
import { listenForClients, type ClientListener, type ClientListenerOptions } from '@vivarium/server';
import type { Engine } from '@vivarium/store';
import { FixtureClients, type EngineChoice, type FixtureClientOptions } from './fixture-clients.ts';
import { FixtureError, FixtureLeakError, rethrowWithSeed } from './fixture-error.ts';
import { combineHashes, TraceFold } from './trace-fold.ts';
import { TrackedManualClock, trackedManualScheduler, trackedSystemScheduler, type TrackedScheduler } from './tracked-time.ts';

export type ClockKind = 'manual' | 'system';

/** The fixture's time. On the manual clock nothing time-driven happens until the test advances it. */
export interface FixtureClock {
  readonly kind: ClockKind;
  nowMs(): number;
  /**
   * Manual clock only: move time forward by `ms`, in steps of tickTimeMs / 20, letting
   * members, clients and pending promises run between steps (as they would in real time).
   * Sessions expire, elections time out, pings go out, delayed messages arrive.
   */
  advance(ms: number): Promise<void>;
}

/** TCP client ports: opened on the first `connectString()`. */
export interface FixtureTcpOptions extends Omit<ClientListenerOptions, 'engine' | 'clock' | 'mode' | 'clientPort'> {
  /** 0 (default): free ports chosen by the OS, so parallel test files never collide. Otherwise member i listens on basePort + i - 1. */
  basePort?: number;
}

/** What a fixture holds open right now: all zero after close(). */
export interface FixtureResources {
  /** In-process clients made by the fixture and not yet closed or expired. */
  openClients: number;
  /** Reconnect and ping timers those clients have armed. */
  clientTimers: number;
  /** Parties waiting on the fixture's manual clock (engines, the network, the ticker, client timers). 0 on the system clock. */
  clockSubscribers: number;
  /** TCP client ports listening. */
  listeningPorts: number;
  /** TCP connections open on them. */
  tcpConnections: number;
  /** Ensemble members running (a standalone server counts as one until closed). */
  runningMembers: number;
  /** Messages between members not yet delivered. */
  messagesInFlight: number;
}

export interface DriveOptions {
  /** Give up after this much time: simulated ms on the manual clock, real ms on the system clock. Default 60 000 / 30 000. */
  maxMs?: number;
  /** What is awaited, for the error message. */
  what?: string;
}

/** A listener to open per member: its engine as of now (a restarted member has a new one) and its mode for four-letter words. */
export interface ListenerSpec {
  engine: () => Engine | undefined;
  mode: () => 'standalone' | 'leader' | 'follower' | 'observer';
}

interface OpenListener {
  listener: ClientListener;
  closed: boolean;
}

const settleRoundsMax = 200;
const manualDriveMaxMsDefault = 60_000;
const systemDriveMaxMsDefault = 30_000;

/**
 * What a standalone server fixture and an ensemble fixture share: the seed,
 * the clock, in-process clients, TCP ports, session expiry, settling, the trace
 * hash, and a close() that proves nothing was left open. Everything is per
 * instance: two fixtures in one process share nothing.
 */
export abstract class FixtureBase {
  readonly seed: number;
  readonly clock: FixtureClock;
  protected readonly fold = new TraceFold();
  protected readonly manualClock: TrackedManualClock | undefined;
  /**
   * Timers on the fixture's clock, for code under test that takes a Scheduler (a recipe's timeouts
   * and retries, an application's own sleeps): on the manual clock they fire only as the test drives
   * time. They count as the fixture's own timers: close() reports one still armed as a leak.
   */
  readonly scheduler: TrackedScheduler;
  protected readonly clients: FixtureClients;
  private readonly kind: string;
  private readonly optionsText: string;
  private readonly tcpOptions: FixtureTcpOptions;
  private tcp: Promise<OpenListener[]> | undefined;
  private openedListeners: OpenListener[] = [];
  private closing: Promise<void> | undefined;

  protected constructor(spec: { kind: string; seed: number; clock: ClockKind; tcp: FixtureTcpOptions | undefined; options: object }) {
    this.kind = spec.kind;
    this.seed = spec.seed;
    this.tcpOptions = spec.tcp ?? {};
    this.optionsText = JSON.stringify({ ...spec.options, seed: spec.seed });
    this.manualClock = spec.clock === 'manual' ? new TrackedManualClock() : undefined;
    this.scheduler = this.manualClock !== undefined ? trackedManualScheduler(this.manualClock) : trackedSystemScheduler();
    this.clients = new FixtureClients(this.scheduler, this.fold);
    const manual = this.manualClock;
    this.clock = {
      kind: spec.clock,
      nowMs: manual !== undefined ? () => manual.nowMs() : () => Date.now(),
      advance: (ms) => this.advance(ms),
    };
    // The options without the seed: the hash must differ between seeds by what the seed caused, not by the seed itself.
    this.fold.add(`${spec.kind} ${JSON.stringify(spec.options, (key, value: unknown) => (key === 'seed' ? undefined : value))}`);
  }

  // ------------------------------------------------------------------ what subclasses provide

  protected abstract tickTimeMs(): number;
  /** Deliver whatever is due between members; returns a counter that moves whenever anything was sent or delivered. */
  protected abstract pump(): number;
  protected abstract listenerSpecs(): ListenerSpec[];
  /** The engine that decides session expiry (the leader, or the standalone server), or a FixtureError. */
  protected abstract decidingEngine(): { engine: Engine; where: string };
  protected abstract engineFor(options: FixtureClientOptions, attempt: number): EngineChoice;
  protected abstract validateClientOptions(options: FixtureClientOptions): void;
  /** Stop the members. Called once, after clients were asked to close and TCP ports were closed. */
  protected abstract shutdown(): Promise<void>;
  protected abstract runningMembers(): number;
  protected abstract messagesInFlight(): number;
  /** Hashes of what the members hold and did, for the trace hash. */
  protected abstract stateHashes(): string[];

  // ------------------------------------------------------------------ seeds and traces

  /** How to reproduce this fixture: its seed and options, and the trace hash so far. */
  describeSeed(): string {
    return `${this.kind} seed ${this.seed}: rerun with ${this.kind}(${this.optionsText}); the same seed and the same steps give the same traceHash (now ${this.traceHash})`;
  }

  /**
   * One hash of the run so far: every step the test took through the fixture,
   * the seeded values it saw (session ids, timeouts), every message between
   * members with its time, every member's events and each member's state.
   */
  get traceHash(): string {
    return combineHashes([this.fold.value, ...this.stateHashes()]);
  }

  protected fail(message: string, cause?: unknown): FixtureError {
    return new FixtureError(message, this.seed, cause === undefined ? {} : { cause });
  }

  protected assertOpen(what: string): void {
    if (this.closing !== undefined) throw this.fail(`${this.kind}: ${what} after close()`);
  }

  protected stepMs(): number {
    return Math.max(1, Math.floor(this.tickTimeMs() / 20));
  }

  // ------------------------------------------------------------------ time

  private async advance(ms: number): Promise<void> {
    const clock = this.manualClock;
    if (clock === undefined) throw this.fail(`clock.advance(${ms}): this ${this.kind} fixture runs on the system clock; ask for clock: 'manual' (the default) to drive time`);
    if (!(ms >= 0) || !Number.isFinite(ms)) throw this.fail(`clock.advance: ms must be a finite number >= 0, got ${ms}`);
    this.assertOpen('clock.advance');
    this.fold.add(`advance ${ms}`);
    const target = clock.nowMs() + ms;
    do {
      clock.advanceTo(Math.min(target, clock.nowMs() + this.stepMs()));
      await this.settle();
    } while (clock.nowMs() < target);
  }

  /**
   * Deliver every message and run every timer that is due now, and let clients
   * and pending promises react, until nothing more happens without time moving.
   * Never moves the clock: a delayed message stays in flight until time reaches it.
   */
  async settle(): Promise<void> {
    for (let round = 0; round < settleRoundsMax; round++) {
      const clock = this.manualClock;
      if (clock !== undefined) clock.advanceTo(clock.nowMs());
      const before = this.pump();
      await new Promise<void>((resolve) => setImmediate(resolve));
      const after = this.pump();
      if (after === before && !(clock?.hasDueWork() ?? false)) return;
    }
  }

  /**
   * Await `promise` while time moves: on the manual clock, settle and advance in
   * small steps until it settles; on the system clock, just wait. For client
   * calls that need time to pass (a reconnect, an election) before they can answer.
   * Fails with the seed after `maxMs`. The promise's own rejection passes through unchanged.
   */
  async drive<T>(promise: Promise<T>, options: DriveOptions = {}): Promise<T> {
    let done = false;
    const observed = promise.then(
      (value) => { done = true; return value; },
      (error: unknown) => { done = true; throw error; },
    );
    observed.catch(() => undefined);
    const what = options.what ?? 'the promise';
    const clock = this.manualClock;
    if (clock === undefined) {
      const maxMs = options.maxMs ?? systemDriveMaxMsDefault;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(this.fail(`drive: ${what} did not settle within ${maxMs} ms`)), maxMs);
      });
      try {
        return await Promise.race([observed, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    const maxMs = options.maxMs ?? manualDriveMaxMsDefault;
    const deadline = clock.nowMs() + maxMs;
    for (;;) {
      await this.settle();
      if (done) return observed;
      if (clock.nowMs() >= deadline || this.closing !== undefined) break;
      clock.advanceTo(Math.min(deadline, clock.nowMs() + this.stepMs()));
    }
    throw this.fail(`drive: ${what} did not settle within ${maxMs} ms of simulated time${this.closing !== undefined ? ' (the fixture was closed)' : ''}`);
  }

  // ------------------------------------------------------------------ clients and sessions

  /** A connected in-process client (no sockets): optionally chrooted; on an ensemble, starting at a chosen member. */
  async client(options: FixtureClientOptions = {}): Promise<ZooKeeperClient> {
    this.assertOpen('client()');
    try {
      this.validateClientOptions(options);
    } catch (error) {
      rethrowWithSeed(error, this.seed, 'client');
    }
    const client = this.openClientUnchecked(options);
    try {
      return await this.drive(client.waitForConnected(), { what: 'the client to connect' });
    } catch (error) {
      rethrowWithSeed(error, this.seed, 'client');
    }
  }

  /**
   * Like client(), but returns at once, without moving time: the client connects
   * as time passes. For code that runs while the test drives the clock itself
   * (an actor that opens a new session when its own expires, while the test
   * runs a fault schedule): `await client.waitForConnected()` there.
   */
  openClient(options: FixtureClientOptions = {}): ZooKeeperClient {
    this.assertOpen('openClient()');
    try {
      this.validateClientOptions(options);
    } catch (error) {
      rethrowWithSeed(error, this.seed, 'openClient');
    }
    return this.openClientUnchecked(options);
  }

  private openClientUnchecked(options: FixtureClientOptions): ZooKeeperClient {
    // tickTimeMs / 20 (100 ms by default), as the ensemble's own clients: a client that finds no
    // serving member waits a little before the next, instead of spinning at one instant of manual time.
    const reconnectDelayMs = this.stepMs();
    return this.clients.open(options, reconnectDelayMs, (attempt) => this.engineFor(options, attempt));
  }

  /** The in-process clients this fixture made that are neither crashed nor finished (closed, expired), oldest first. */
  liveClients(): ZooKeeperClient[] {
    return this.clients.live();
  }

  /**
   * The network between `client` and every member goes away, silently, as in a
   * partition between an application and its ZooKeeper ensemble: nothing passes
   * either way. The client notices only by its timeouts (nothing received for 2/3
   * of the session timeout, or no answer to a connect within a third of it), then
   * keeps trying to reconnect; meanwhile the servers keep its session until it
   * expires. healClient brings the network back.
   */
  cutClient(client: ZooKeeperClient): void {
    this.assertOpen('cutClient');
    try {
      this.clients.cutLink(client);
    } catch (error) {
      rethrowWithSeed(error, this.seed, 'cutClient');
    }
  }

  /**
   * The network between `client` and the members comes back. A connection that
   * saw the cut stays dead (the client gives up on it by its timeout); the next
   * connection gets through, and the client learns then whether its session expired meanwhile.
   */
  healClient(client: ZooKeeperClient): void {
    this.assertOpen('healClient');
    try {
      this.clients.healLink(client);
    } catch (error) {
      rethrowWithSeed(error, this.seed, 'healClient');
    }
  }

  /** True between cutClient(client) and healClient(client). */
  isClientCut(client: ZooKeeperClient): boolean {
    return this.clients.isLinkCut(client);
  }

  /**
   * The client's process dies: its connection drops without a close, and it
   * never reconnects. Its session (and its ephemerals) live on until the
   * server expires it, after the session timeout: advance the clock to get there,
   * or call expireSession to get there now.
   */
  crashClient(client: ZooKeeperClient): void {
    try {
      this.clients.crash(client);
    } catch (error) {
      rethrowWithSeed(error, this.seed, 'crashClient');
    }
  }

  /**
   * Expire a session on the server now, as if its timeout had passed: the
   * decision is the leader's (or the standalone server's), replicated to every
   * member; ephemerals go, watches fire. The fixture's own clients holding the
   * session are then driven until they learn it on reconnect (as a ZooKeeper
   * client learns it): they end up 'expired' before this resolves, unless they
   * cannot reach any serving member. On the manual clock that moves time only
   * as far as their reconnects (tickTimeMs / 20 each). Other clients (TCP) learn it on their own.
   */
  async expireSession(target: bigint | ZooKeeperClient): Promise<void> {
    this.assertOpen('expireSession');
    const sessionId = typeof target === 'bigint' ? target : target.sessionId;
    if (sessionId === 0n) throw this.fail('expireSession: the client has no session yet (await its connection first)');
    const { engine, where } = this.decidingEngine();
    const hex = `0x${sessionId.toString(16)}`;
    if (!engine.expireSession(sessionId)) throw this.fail(`expireSession: no live session ${hex} on ${where} (never created, closed, or already expired)`);
    this.fold.add(`expire ${hex}`);
    await this.settle();
    const clock = this.manualClock;
    if (clock !== undefined) {
      // Move time only as far as the next thing due (a holder's reconnect, after its reconnect delay), until every holder knows.
      for (let round = 0; round < 100 && this.clients.holding(sessionId).length > 0; round++) {
        const now = clock.nowMs();
        clock.advanceTo(Math.min(now + this.stepMs(), Math.max(now, clock.nextWakeMs() ?? now + this.stepMs())));
        await this.settle();
      }
    } else {
      const deadline = Date.now() + systemDriveMaxMsDefault;
      while (this.clients.holding(sessionId).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  // ------------------------------------------------------------------ TCP

  /**
   * The connect string of TCP client ports, one per member (`host:port,...`),
   * for any ZooKeeper client. The ports open on the first call (port 0: the OS
   * picks free ones); close() closes them.
   */
  async connectString(): Promise<string> {
    const listeners = await this.openListeners();
    return listeners.map((l) => l.listener.connectString).join(',');
  }

  /** The TCP client port of each member, in member order (opens them like connectString()). */
  async tcpPorts(): Promise<number[]> {
    const listeners = await this.openListeners();
    return listeners.map((l) => l.listener.port);
  }

  private openListeners(): Promise<OpenListener[]> {
    this.assertOpen('connectString()');
    if (this.tcp === undefined) {
      const opening = this.listenAll();
      this.tcp = opening;
      opening.catch(() => {
        if (this.tcp === opening) this.tcp = undefined;
      });
    }
    return this.tcp;
  }

  private async listenAll(): Promise<OpenListener[]> {
    const { basePort = 0, ...listenerOptions } = this.tcpOptions;
    const opened: OpenListener[] = [];
    const clock = { nowMs: () => this.clock.nowMs() };
    try {
      for (const [index, spec] of this.listenerSpecs().entries()) {
        const listener = await listenForClients({
          ...listenerOptions,
          clientPort: basePort === 0 ? 0 : basePort + index,
          clientPortAddress: listenerOptions.clientPortAddress ?? '127.0.0.1',
          engine: spec.engine,
          clock,
          mode: spec.mode,
        });
        opened.push({ listener, closed: false });
      }
    } catch (error) {
      await Promise.all(opened.map((l) => l.listener.close()));
      rethrowWithSeed(error, this.seed, 'connectString');
    }
    this.fold.add(`tcp ${opened.length}`);
    this.openedListeners = opened;
    return opened;
  }

  // ------------------------------------------------------------------ closing

  /** What is open now (all zero after close()). */
  resources(): FixtureResources {
    return {
      openClients: this.clients.unfinished().length,
      clientTimers: this.scheduler.liveTimers,
      clockSubscribers: this.manualClock?.subscriberCount ?? 0,
      listeningPorts: this.openedListeners.filter((l) => !l.closed).length,
      tcpConnections: this.openedListeners.reduce((n, l) => n + l.listener.connectionCount, 0),
      runningMembers: this.runningMembers(),
      messagesInFlight: this.messagesInFlight(),
    };
  }

  /**
   * Close every client the fixture made (their sessions close where a quorum
   * can commit it), the TCP ports and every member. Throws a FixtureLeakError
   * naming anything still open afterwards: a client, a timer, a socket, a member.
   * Idempotent: later calls return the first call's outcome.
   */
  close(): Promise<void> {
    this.closing ??= this.closeOnce();
    return this.closing;
  }

  private async closeOnce(): Promise<void> {
    this.fold.add('close');
    // Ask every client to close its session first, while the members can still commit it.
    const closes = this.clients.closeAll();
    await this.settle();
    if (this.tcp !== undefined) {
      await this.tcp.catch(() => undefined);
      await Promise.all(this.openedListeners.map(async (l) => {
        await l.listener.close();
        l.closed = true;
      }));
    }
    await this.shutdown();
    // Clients whose close could not commit learn that their server is gone, and finish.
    let finished = false;
    void Promise.all(closes).then(() => { finished = true; });
    for (let round = 0; round < 100 && !finished; round++) await new Promise<void>((resolve) => setImmediate(resolve));
    const leaks = this.leaks();
    if (leaks.length > 0) throw new FixtureLeakError(this.kind, leaks, this.seed);
  }

  private leaks(): string[] {
    const leaks: string[] = [];
    for (const line of this.clients.unfinished()) leaks.push(`in-process client ${line} not closed`);
    const r = this.resources();
    if (r.clientTimers > 0) leaks.push(`${r.clientTimers} client timer(s) still armed`);
    if (r.clockSubscribers > 0) leaks.push(`${r.clockSubscribers} party(ies) still waiting on the manual clock`);
    for (const l of this.openedListeners) {
      if (!l.closed) leaks.push(`TCP port ${l.listener.connectString} still listening`);
      if (l.listener.connectionCount > 0) leaks.push(`TCP port ${l.listener.connectString} has ${l.listener.connectionCount} connection(s) open`);
    }
    if (r.runningMembers > 0) leaks.push(`${r.runningMembers} member(s) still running`);
    if (r.messagesInFlight > 0) leaks.push(`${r.messagesInFlight} message(s) between members still in flight`);
    return leaks;
  }
}

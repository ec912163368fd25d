/**
 * Test harness for recipes on an in-process Vivarium ensemble on the manual
 * clock. Time moves only when a test drives it: `drive(promise)` runs the
 * ensemble until the promise settles (bounded in simulated time), `run(ms)`
 * lets simulated time pass. `linkedClient()` gives a client whose link to the
 * ensemble can be cut silently, the way a network partition between a client
 * and every server looks.
 */
import { localChannelFactory, manualScheduler, ZooKeeperClient, type ChannelFactory, type ChannelHandler, type Scheduler, type ServerChannel } from '@vivarium/client';
import { createEnsemble, type Ensemble, type EnsembleOptions } from '@vivarium/server';
import type { ConnectRequest, Request } from '@vivarium/protocol';
import type { EngineOutput } from '@vivarium/store';
import type { Backend } from './backend.ts';

export interface VivariumBackendOptions extends EnsembleOptions {
  /** Session timeout the clients request. Default 6000 ms. */
  sessionTimeoutMs?: number;
}

export interface CuttableLink {
  /** Drop everything both ways from now on; the client notices after its read timeout (2/3 of the session timeout). */
  cut(): void;
  /** Let traffic through again; the client reconnects on its next attempt. */
  restore(): void;
  readonly isCut: boolean;
}

export class VivariumBackend implements Backend {
  readonly name = 'vivarium';
  readonly ensemble: Ensemble;
  readonly scheduler: Scheduler;
  readonly sessionTimeoutMs: number;
  private readonly clients = new Set<ZooKeeperClient>();

  constructor(options: VivariumBackendOptions = {}) {
    const { sessionTimeoutMs = 6000, ...ensembleOptions } = options;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.ensemble = createEnsemble({ members: 3, seed: 1, tickTimeMs: 1000, syncLimitTicks: 2, initLimitTicks: 5, checkSafetyEveryStep: false, ...ensembleOptions });
    const clock = this.ensemble.manualClock;
    if (clock === undefined) throw new Error('VivariumBackend needs the manual clock');
    this.scheduler = manualScheduler(clock);
  }

  async start(): Promise<this> {
    await this.ensemble.waitForLeader();
    return this;
  }

  nowMs(): number {
    return this.ensemble.clock.nowMs();
  }

  /** A client of the ensemble (rotating over members on reconnect), connected. */
  async client(options: { member?: number; sessionTimeoutMs?: number } = {}): Promise<ZooKeeperClient> {
    return (await this.linkedClient(options)).client;
  }

  /** A client whose link to every member can be cut and restored, connected. */
  async linkedClient(options: { member?: number; sessionTimeoutMs?: number } = {}): Promise<{ client: ZooKeeperClient; link: CuttableLink }> {
    const opened = this.openLinkedClient(options);
    await this.drive(opened.client.waitForConnected(), 30_000);
    return opened;
  }

  /**
   * Like linkedClient, without driving the clock: for code that runs while the
   * test drives time itself (a workload's actors). Await `client.waitForConnected()`.
   */
  openLinkedClient(options: { member?: number; sessionTimeoutMs?: number } = {}): { client: ZooKeeperClient; link: CuttableLink } {
    const link = new Link();
    const first = options.member ?? this.ensemble.members.find((m) => m.isServing)?.id ?? 1;
    const members = this.ensemble.members;
    const factory: ChannelFactory = (handler, attempt) => {
      const member = members[(first - 1 + attempt) % members.length];
      if (member === undefined || !member.isRunning || link.isCut) return failingChannel(handler, link.isCut ? 'link cut' : `member ${member?.id} is down`);
      return new LinkedChannel(localChannelFactory(member.engine), handler, attempt, link, this.scheduler);
    };
    const client = new ZooKeeperClient({
      channelFactory: factory,
      scheduler: this.scheduler,
      sessionTimeoutMs: options.sessionTimeoutMs ?? this.sessionTimeoutMs,
      reconnectDelayMs: 50,
    });
    this.clients.add(client);
    return { client, link };
  }

  /** Run simulated time until `promise` settles; fails after `maxMs` of simulated time. */
  async drive<T>(promise: Promise<T>, maxMs = 60_000): Promise<T> {
    let settled = false;
    promise.then(() => { settled = true; }, () => { settled = true; });
    await this.ensemble.quiesce();
    const start = this.nowMs();
    while (!settled) {
      if (this.nowMs() - start > maxMs) throw new Error(`drive: not settled within ${maxMs} ms of simulated time (seed ${this.ensemble.seed})`);
      await this.ensemble.run(10);
    }
    return promise;
  }

  /** Let `ms` of simulated time pass, clients running in between. */
  async run(ms: number): Promise<void> {
    await this.ensemble.run(ms);
  }

  /** Evaluate `read()` again, letting simulated time pass in between, until `accept` holds. */
  async eventually<T>(read: () => Promise<T>, accept: (value: T) => boolean, maxMs = 60_000): Promise<T> {
    const start = this.nowMs();
    for (;;) {
      const value = await this.drive(read(), maxMs);
      if (accept(value)) return value;
      if (this.nowMs() - start > maxMs) throw new Error(`eventually: last value ${String(value)} not accepted within ${maxMs} ms of simulated time (seed ${this.ensemble.seed})`);
      await this.ensemble.run(10);
    }
  }

  /** Run simulated time until `condition()` holds; fails after `maxMs`. */
  async until(condition: () => boolean, maxMs = 60_000, what = 'condition'): Promise<void> {
    await this.ensemble.quiesce();
    const start = this.nowMs();
    while (!condition()) {
      if (this.nowMs() - start > maxMs) throw new Error(`until: ${what} not reached within ${maxMs} ms of simulated time (seed ${this.ensemble.seed})`);
      await this.ensemble.run(10);
    }
  }

  /** End a client's session from the servers' side: a second connection takes the session over and closes it. */
  async expireSession(client: ZooKeeperClient): Promise<void> {
    const member = this.ensemble.members.find((m) => m.isServing);
    if (member === undefined) throw new Error('expireSession: no member serves');
    const killer = new ZooKeeperClient({
      channelFactory: localChannelFactory(member.engine),
      scheduler: this.scheduler,
      sessionId: client.sessionId,
      sessionPassword: client.sessionPassword,
      sessionTimeoutMs: this.sessionTimeoutMs,
    });
    try {
      await this.drive(killer.waitForConnected(), 30_000);
      await this.drive(killer.close(), 30_000);
    } finally {
      killer.terminate();
    }
  }

  async close(): Promise<void> {
    // ZAB safety of the whole run, once (run() skips the per-step check: it costs more than the recipes).
    try {
      this.ensemble.checkSafety();
    } finally {
      for (const client of this.clients) client.terminate();
      this.clients.clear();
      await this.ensemble.close();
    }
  }
}

class Link implements CuttableLink {
  isCut = false;
  readonly channels = new Set<LinkedChannel>();
  cut(): void {
    this.isCut = true;
  }
  restore(): void {
    this.isCut = false;
  }
}

/**
 * A channel into a member that the test can cut. Like a TCP connection whose
 * path went away, a channel that saw the cut passes nothing either way from
 * then on (even after restore()); like the TCP channel, it reports the
 * transport lost when nothing has arrived for 2/3 of the negotiated session
 * timeout (Java's read timeout). New channels work again after restore().
 */
class LinkedChannel implements ServerChannel {
  private readonly inner: ServerChannel;
  private readonly link: Link;
  private readonly scheduler: Scheduler;
  private readonly handler: ChannelHandler;
  private lastReceivedMs: number;
  private readTimeoutMs = 0;
  private cancelTimer: (() => void) | undefined;
  private closed = false;
  private broken = false;

  constructor(factory: ChannelFactory, handler: ChannelHandler, attempt: number, link: Link, scheduler: Scheduler) {
    this.link = link;
    this.scheduler = scheduler;
    this.handler = handler;
    this.lastReceivedMs = scheduler.nowMs();
    this.inner = factory({
      onOutputs: (outputs) => this.receive(outputs),
      onTransportLost: (reason) => this.lose(reason),
    }, attempt);
  }

  connect(request: ConnectRequest): void {
    if (!this.passes()) return this.arm(Math.max(1, Math.floor(request.timeOutMs / 3)));
    this.inner.connect(request);
    // Bound the handshake too (the TCP channel's connect timeout).
    this.arm(Math.max(1, Math.floor(request.timeOutMs / 3)));
  }

  send(xid: number, request: Request): void {
    if (this.passes()) this.inner.send(xid, request);
  }

  /** False once the link has been cut while this channel was open. */
  private passes(): boolean {
    if (this.link.isCut) this.broken = true;
    return !this.broken;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.cancelTimer?.();
    this.inner.close();
  }

  private receive(outputs: readonly EngineOutput[]): void {
    if (this.closed || !this.passes()) return;
    this.lastReceivedMs = this.scheduler.nowMs();
    for (const output of outputs) {
      if (output.kind === 'connected' && output.response.timeOutMs > 0) {
        this.readTimeoutMs = Math.max(1, Math.floor((output.response.timeOutMs * 2) / 3));
        this.arm(this.readTimeoutMs);
      }
    }
    this.handler.onOutputs(outputs);
  }

  private arm(delayMs: number): void {
    this.cancelTimer?.();
    this.cancelTimer = this.scheduler.setTimer(delayMs, () => {
      if (this.closed) return;
      const idleMs = this.scheduler.nowMs() - this.lastReceivedMs;
      const limitMs = this.readTimeoutMs > 0 ? this.readTimeoutMs : delayMs;
      if (idleMs >= limitMs) this.lose(`nothing received for ${idleMs} ms`);
      else this.arm(limitMs - idleMs);
    });
  }

  private lose(reason: string): void {
    if (this.closed) return;
    this.close();
    queueMicrotask(() => this.handler.onTransportLost(reason));
  }
}

function failingChannel(handler: ChannelHandler, reason: string): ServerChannel {
  queueMicrotask(() => handler.onTransportLost(reason));
  return { connect: () => undefined, send: () => undefined, close: () => undefined };
}

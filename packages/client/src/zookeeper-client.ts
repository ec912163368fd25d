import type { Acl, ConnectResponse, Data, Id, MultiReadOp, MultiResult, MultiWriteOp, ReplyHeader, Request, Response, Stat } from '@vivarium/protocol';
import { AddWatchMode, ErrorCode, EventType, KeeperState, OpCode, Xid, ZooKeeperError } from '@vivarium/protocol';
import type { EngineOutput } from '@vivarium/store';
import type { ChannelFactory, ServerChannel } from './channel.ts';
import { Chroot } from './chroot.ts';
import { ClientWatches, type WatchedEvent, type Watcher, type WatchKind } from './client-watches.ts';
import type { Scheduler } from './scheduler.ts';
import { createOp, Transaction } from './transaction.ts';
import type { CreateMode } from './create-mode.ts';

export type SessionState = 'connecting' | 'connected' | 'connectedReadOnly' | 'disconnected' | 'expired' | 'authFailed' | 'closed';

export interface CreateOptions {
  mode?: CreateMode;
  acl?: readonly Acl[];
  /** Required for the TTL modes, refused for the others. */
  ttlMs?: number;
}

/** One op's outcome in a multi: a result, or the error that op got (0 for ops rolled back because another failed). */
export type MultiOutcome =
  | { type: 'create'; path: string; stat: Stat | undefined }
  | { type: 'delete' }
  | { type: 'setData'; stat: Stat }
  | { type: 'check' }
  | { type: 'getData'; data: Data; stat: Stat }
  | { type: 'getChildren'; children: string[] }
  | { type: 'error'; err: number };

/** A multi that failed: `code` is the failing op's, `results` every op's outcome. */
export class MultiError extends ZooKeeperError {
  readonly results: MultiOutcome[];
  readonly failedIndex: number;
  constructor(results: MultiOutcome[]) {
    const failedIndex = results.findIndex((r) => r.type === 'error' && r.err !== ErrorCode.ok && r.err !== ErrorCode.runtimeInconsistency);
    const failed = results[failedIndex];
    super(failed?.type === 'error' ? failed.err : ErrorCode.systemError, { detail: `multi op ${failedIndex} failed; the whole multi was rolled back` });
    this.name = 'MultiError';
    this.results = results;
    this.failedIndex = failedIndex;
  }
}

export interface ClientOptions {
  channelFactory: ChannelFactory;
  scheduler: Scheduler;
  /** Requested session timeout; the server clamps it to its min/max. */
  sessionTimeoutMs?: number;
  chroot?: string;
  /** Reattach to an existing session. */
  sessionId?: bigint;
  sessionPassword?: Uint8Array;
  /** Delay before reconnecting after the transport is lost, in ms. */
  reconnectDelayMs?: number;
  /** Requests sent and not yet answered, plus those queued while not connected. */
  requestsInFlightMax?: number;
  /** Accept a read-only session from a member cut off from its quorum; keep looking for a read-write one. */
  canBeReadOnly?: boolean;
  /** How often a read-only client tries other servers for a read-write one. Default 5000 ms. */
  readWriteSearchIntervalMs?: number;
  /** Called when a watcher throws; default: rethrown asynchronously. */
  onWatcherError?: (error: unknown) => void;
}

interface PendingRequest {
  xid: number;
  request: Request;
  resolve: (response: Response | undefined) => void;
  reject: (error: Error) => void;
  /** Registers the client-side watch once the reply's error code is known. */
  onReply?: (err: number) => void;
}

export type StateListener = (state: SessionState) => void;

const sessionTimeoutDefaultMs = 30_000;
const requestsInFlightDefaultMax = 10_000;

/**
 * A ZooKeeper client with a promise API. Speaks to any server through a
 * ServerChannel: in-process or over TCP. Replies come in request order, events
 * before the reply that caused them; watches are re-registered after a reconnect.
 */
export class ZooKeeperClient {
  private readonly options: ClientOptions;
  private readonly chroot: Chroot;
  private readonly scheduler: Scheduler;
  private readonly watches = new ClientWatches();
  private readonly sent: PendingRequest[] = [];
  private readonly queued: PendingRequest[] = [];
  private readonly authSent: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private readonly authInfos: Array<{ scheme: string; auth: Uint8Array }> = [];
  private readonly stateListeners = new Set<StateListener>();
  private channel: ServerChannel | undefined;
  private attempt = 0;
  private nextXid = 1;
  private cancelPing: (() => void) | undefined;
  private cancelReconnect: (() => void) | undefined;
  private cancelReadWriteSearch: (() => void) | undefined;
  /** Set once connected to a read-write server; until then a session is not carried across (Java's seenRwServerBefore). */
  private seenReadWriteServer = false;
  private connectWaiters: Array<{ resolve: () => void; reject: (error: Error) => void }> = [];
  private closeWaiter: (() => void) | undefined;
  /** Set as shutdown() begins: the state the client is ending in (setState follows once watchers are told). */
  private ending: 'closed' | 'expired' | 'authFailed' | undefined;

  state: SessionState = 'connecting';
  sessionId = 0n;
  sessionPassword: Uint8Array = new Uint8Array(16);
  /** The timeout the server granted. */
  negotiatedTimeoutMs = 0;
  /** The highest zxid this client has seen, sent on reconnect so it never goes back in time. */
  lastZxidSeen = 0n;

  constructor(options: ClientOptions) {
    this.options = options;
    this.scheduler = options.scheduler;
    this.chroot = new Chroot(options.chroot);
    if (options.sessionId !== undefined) {
      this.sessionId = options.sessionId;
      this.sessionPassword = options.sessionPassword ?? new Uint8Array(16);
      this.seenReadWriteServer = true;
    }
    this.open();
  }

  /** Resolves once connected; rejects if the session is expired, closed or refused. */
  async waitForConnected(): Promise<this> {
    if (this.isConnected()) return this;
    if (this.isTerminal()) throw this.terminalError();
    await new Promise<void>((resolve, reject) => this.connectWaiters.push({ resolve, reject }));
    return this;
  }

  onStateChange(listener: StateListener): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  // ------------------------------------------------------------------ operations

  /** Create a node; resolves with its path (with the sequence suffix for sequential modes). */
  async create(path: string, data: Data = null, options: CreateOptions = {}): Promise<string> {
    return (await this.createWithStat(path, data, options)).path;
  }

  async createWithStat(path: string, data: Data = null, options: CreateOptions = {}): Promise<{ path: string; stat: Stat }> {
    const op = createOp(this.chroot.toServer(path), data, options) as Request;
    const response = (await this.call(op, path)) as { path: string; stat: Stat };
    return { path: this.chroot.toClient(response.path), stat: response.stat };
  }

  async delete(path: string, version = -1): Promise<void> {
    await this.call({ type: OpCode.delete, path: this.chroot.toServer(path), version }, path);
  }

  /** The node's Stat, or null when it does not exist. A watch is set either way. */
  async exists(path: string, watcher?: Watcher): Promise<Stat | null> {
    const serverPath = this.chroot.toServer(path);
    try {
      const response = (await this.call({ type: OpCode.exists, path: serverPath, watch: watcher !== undefined }, path, (err) => {
        if (watcher === undefined) return;
        if (err === ErrorCode.ok) this.watches.add('data', serverPath, watcher);
        else if (err === ErrorCode.noNode) this.watches.add('exist', serverPath, watcher);
      })) as { stat: Stat };
      return response.stat;
    } catch (error) {
      if (error instanceof ZooKeeperError && error.code === ErrorCode.noNode) return null;
      throw error;
    }
  }

  async getData(path: string, watcher?: Watcher): Promise<{ data: Data; stat: Stat }> {
    const serverPath = this.chroot.toServer(path);
    return (await this.call({ type: OpCode.getData, path: serverPath, watch: watcher !== undefined }, path, this.registerOnOk('data', serverPath, watcher))) as { data: Data; stat: Stat };
  }

  async setData(path: string, data: Data, version = -1): Promise<Stat> {
    return ((await this.call({ type: OpCode.setData, path: this.chroot.toServer(path), data, version }, path)) as { stat: Stat }).stat;
  }

  async getAcl(path: string): Promise<{ acl: Acl[]; stat: Stat }> {
    return (await this.call({ type: OpCode.getAcl, path: this.chroot.toServer(path) }, path)) as { acl: Acl[]; stat: Stat };
  }

  async setAcl(path: string, acl: readonly Acl[], version = -1): Promise<Stat> {
    return ((await this.call({ type: OpCode.setAcl, path: this.chroot.toServer(path), acl: [...acl], version }, path)) as { stat: Stat }).stat;
  }

  async getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    const serverPath = this.chroot.toServer(path);
    return ((await this.call({ type: OpCode.getChildren, path: serverPath, watch: watcher !== undefined }, path, this.registerOnOk('child', serverPath, watcher))) as { children: string[] }).children;
  }

  async getChildrenWithStat(path: string, watcher?: Watcher): Promise<{ children: string[]; stat: Stat }> {
    const serverPath = this.chroot.toServer(path);
    return (await this.call({ type: OpCode.getChildren2, path: serverPath, watch: watcher !== undefined }, path, this.registerOnOk('child', serverPath, watcher))) as { children: string[]; stat: Stat };
  }

  async sync(path: string): Promise<string> {
    const response = (await this.call({ type: OpCode.sync, path: this.chroot.toServer(path) }, path)) as { path: string };
    return this.chroot.toClient(response.path);
  }

  /** Total number of descendants of `path` (not counting itself). */
  async getAllChildrenNumber(path: string): Promise<number> {
    return ((await this.call({ type: OpCode.getAllChildrenNumber, path: this.chroot.toServer(path) }, path)) as { totalNumber: number }).totalNumber;
  }

  /** This session's ephemerals under `prefix`. Like the Java client, the prefix is not chrooted. */
  async getEphemerals(prefix = '/'): Promise<string[]> {
    return ((await this.call({ type: OpCode.getEphemerals, prefixPath: prefix }, prefix)) as { ephemerals: string[] }).ephemerals;
  }

  async whoAmI(): Promise<Id[]> {
    return ((await this.call({ type: OpCode.whoAmI }, undefined)) as { clientInfo: Id[] }).clientInfo;
  }

  /** A persistent (optionally recursive) watch: it fires for every change until removed. */
  async addWatch(path: string, watcher: Watcher, mode: 'persistent' | 'persistentRecursive' = 'persistent'): Promise<void> {
    const serverPath = this.chroot.toServer(path);
    const wireMode = mode === 'persistent' ? AddWatchMode.persistent : AddWatchMode.persistentRecursive;
    await this.call({ type: OpCode.addWatch, path: serverPath, mode: wireMode }, path, this.registerOnOk(mode, serverPath, watcher));
  }

  /**
   * Remove watches on `path` of a WatcherType (children 1, data 2, any 3, persistent 4, recursive 5):
   * one watcher, or all of them. The server drops its watch when no local watcher of the kind is left.
   */
  async removeWatches(path: string, watcherType: number, watcher?: Watcher): Promise<void> {
    const serverPath = this.chroot.toServer(path);
    if (!this.watches.contains(serverPath, watcherType, watcher)) throw new ZooKeeperError(ErrorCode.noWatcher, { path });
    const removed = this.watches.remove(serverPath, watcherType, watcher);
    const stillWatched = this.watches.contains(serverPath, watcherType, undefined);
    if (!stillWatched) await this.call({ type: OpCode.removeWatches, path: serverPath, watcherType }, path);
    for (const [kind, watchers] of removed) {
      // The event names the kind of watch removed (Java's ZKWatchManager), whatever WatcherType asked.
      const removedType = kind === 'child' ? EventType.childWatchRemoved : kind === 'data' || kind === 'exist' ? EventType.dataWatchRemoved : EventType.persistentWatchRemoved;
      for (const w of watchers) this.deliver(w, { type: removedType, state: KeeperState.syncConnected, path });
    }
  }

  /** Ask the server whether this connection watches `path` (checkWatches). */
  async checkWatches(path: string, watcherType: number): Promise<void> {
    await this.call({ type: OpCode.checkWatches, path: this.chroot.toServer(path), watcherType }, path);
  }

  /**
   * Change the ensemble's membership (ZooKeeper's reconfig, opcode 16): incremental with `joining`
   * (`server.N=host:port:port[:role];[host:]clientPort` entries) and `leaving` (server ids), or
   * non-incremental with `newMembers`. `fromConfig` is the configuration version it applies to (-1: any).
   * Answers the new configuration as /zookeeper/config holds it. Needs WRITE on /zookeeper/config (super).
   */
  async reconfig(options: { joining?: readonly string[] | null; leaving?: readonly (number | string)[] | null; newMembers?: readonly string[] | null; fromConfig?: bigint }): Promise<{ data: Data; stat: Stat }> {
    const list = (items: readonly (number | string)[] | null | undefined): string | null => (items === undefined || items === null ? null : items.join(','));
    const request: Request = { type: OpCode.reconfig, joiningServers: list(options.joining), leavingServers: list(options.leaving), newMembers: list(options.newMembers), curConfigId: options.fromConfig ?? -1n };
    return (await this.call(request, undefined)) as { data: Data; stat: Stat };
  }

  /** Add credentials to this connection (re-sent after every reconnect). Digest auth never fails; an unknown scheme closes the connection. */
  async addAuthInfo(scheme: string, auth: Uint8Array | string): Promise<void> {
    const bytes = typeof auth === 'string' ? new TextEncoder().encode(auth) : auth;
    this.authInfos.push({ scheme, auth: bytes });
    if (!this.isConnected()) return;
    await new Promise<void>((resolve, reject) => {
      this.authSent.push({ resolve, reject });
      this.channel?.send(Xid.auth, { type: OpCode.auth, authType: 0, scheme, auth: bytes });
      this.armPing();
    });
  }

  transaction(): Transaction {
    return new Transaction(this, (p) => this.chroot.toServer(p));
  }

  /** Run write ops atomically; resolves with every op's outcome, rejects with MultiError when one failed. */
  async multiOps(ops: MultiWriteOp[], toServer: (path: string) => string = (p) => this.chroot.toServer(p)): Promise<MultiOutcome[]> {
    const serverOps = ops.map((op) => ({ ...op, path: toServer(op.path) }));
    const response = (await this.call({ type: OpCode.multi, ops: serverOps }, undefined)) as { results: MultiResult[] };
    const outcomes = response.results.map((r) => this.outcomeOf(r));
    if (outcomes.some((o) => o.type === 'error')) throw new MultiError(outcomes);
    return outcomes;
  }

  /** Several reads evaluated independently: each gives data or its own error. */
  async multiRead(ops: Array<{ type: 'getData' | 'getChildren'; path: string }>): Promise<MultiOutcome[]> {
    const serverOps: MultiReadOp[] = ops.map((op) => op.type === 'getData'
      ? { type: OpCode.getData, path: this.chroot.toServer(op.path), watch: false }
      : { type: OpCode.getChildren, path: this.chroot.toServer(op.path), watch: false });
    const response = (await this.call({ type: OpCode.multiRead, ops: serverOps }, undefined)) as { results: MultiResult[] };
    return response.results.map((r) => this.outcomeOf(r));
  }

  /** Close the session: its ephemerals go at once. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (!this.isConnected()) {
      this.shutdown('closed', new ZooKeeperError(ErrorCode.connectionLoss, { detail: 'client closed' }));
      return;
    }
    await new Promise<void>((resolve) => {
      this.closeWaiter = resolve;
      this.call({ type: OpCode.closeSession }, undefined).catch(() => undefined);
    });
  }

  /**
   * Stop this client at once without telling any server (the server is gone):
   * pending requests fail with CONNECTIONLOSS, timers stop, state becomes closed.
   * The session itself lives on until the server expires it.
   */
  terminate(): void {
    if (this.isTerminal()) return;
    this.shutdown('closed', new ZooKeeperError(ErrorCode.connectionLoss, { detail: 'client terminated' }));
  }

  /** Drop the transport without closing the session, as a network failure would. The client reconnects. */
  disconnect(): void {
    this.channel?.close();
    this.onTransportLost('disconnect() called');
  }

  // ------------------------------------------------------------------ plumbing

  private registerOnOk(kind: WatchKind, serverPath: string, watcher: Watcher | undefined): ((err: number) => void) | undefined {
    if (watcher === undefined) return undefined;
    return (err) => {
      if (err === ErrorCode.ok) this.watches.add(kind, serverPath, watcher);
    };
  }

  private outcomeOf(result: MultiResult): MultiOutcome {
    switch (result.type) {
      case OpCode.create: return { type: 'create', path: this.chroot.toClient(result.path), stat: undefined };
      case OpCode.create2: return { type: 'create', path: this.chroot.toClient(result.path), stat: result.stat };
      case OpCode.delete: return { type: 'delete' };
      case OpCode.setData: return { type: 'setData', stat: result.stat };
      case OpCode.check: return { type: 'check' };
      case OpCode.getData: return { type: 'getData', data: result.data, stat: result.stat };
      case OpCode.getChildren: return { type: 'getChildren', children: result.children };
      case OpCode.error: return { type: 'error', err: result.err };
    }
  }

  private call(request: Request, clientPath: string | undefined, onReply?: (err: number) => void): Promise<Response | undefined> {
    if (this.isTerminal()) return Promise.reject(this.terminalError());
    const max = this.options.requestsInFlightMax ?? requestsInFlightDefaultMax;
    if (this.sent.length + this.queued.length >= max) {
      return Promise.reject(new ZooKeeperError(ErrorCode.apiError, { detail: `requestsInFlightMax (${max}) reached` }));
    }
    return new Promise((resolve, reject) => {
      const pending: PendingRequest = {
        xid: 0,
        request,
        resolve,
        reject: (error) => reject(error instanceof ZooKeeperError && clientPath !== undefined && error.path === undefined ? new ZooKeeperError(error.code, { path: clientPath, ...detailOf(error) }) : error),
        ...(onReply === undefined ? {} : { onReply }),
      };
      if (this.isConnected()) this.transmit(pending);
      else this.queued.push(pending);
    });
  }

  private transmit(pending: PendingRequest): void {
    pending.xid = this.takeXid();
    this.sent.push(pending);
    this.channel?.send(pending.xid, pending.request);
    this.armPing();
  }

  private takeXid(): number {
    const xid = this.nextXid;
    this.nextXid = xid >= 0x7fffffff ? 1 : xid + 1;
    return xid;
  }

  private open(): void {
    const attempt = this.attempt++;
    let channel: ServerChannel | undefined;
    const handler = {
      onOutputs: (outputs: readonly EngineOutput[]) => {
        if (this.channel !== channel) return;
        for (const output of outputs) {
          if (this.channel !== channel) return;
          this.onOutput(output);
        }
      },
      onTransportLost: (reason: string) => {
        if (this.channel === channel) this.onTransportLost(reason);
      },
    };
    channel = this.options.channelFactory(handler, attempt);
    this.channel = channel;
    channel.connect({
      protocolVersion: 0,
      lastZxidSeen: this.lastZxidSeen,
      timeOutMs: this.options.sessionTimeoutMs ?? sessionTimeoutDefaultMs,
      // Java's rule: a session first made on a read-only server is not carried to a read-write one.
      sessionId: this.seenReadWriteServer ? this.sessionId : 0n,
      passwd: this.seenReadWriteServer ? this.sessionPassword : new Uint8Array(16),
      readOnly: this.options.canBeReadOnly === true,
    });
  }

  private onOutput(output: EngineOutput): void {
    switch (output.kind) {
      case 'connected':
        this.onConnected(output.response);
        return;
      case 'event':
        this.onEvent(output.event.type, output.event.path);
        return;
      case 'reply':
        this.onReply(output.header, output.response);
        return;
      case 'close':
        if (output.reason === 'sessionClosed') {
          this.channel = undefined;
          this.shutdown('closed', new ZooKeeperError(ErrorCode.sessionExpired, { detail: 'session closed' }));
        } else if (output.reason === 'authFailed') {
          this.channel = undefined;
          this.shutdown('authFailed', new ZooKeeperError(ErrorCode.authFailed));
        } else {
          this.onTransportLost(`server closed the connection (${output.reason})`);
        }
        return;
    }
  }

  private onConnected(response: ConnectResponse): void {
    if (response.timeOutMs <= 0) {
      // Every ZooKeeper client reads a zero timeout as: the session is gone.
      this.channel?.close();
      this.channel = undefined;
      this.shutdown('expired', new ZooKeeperError(ErrorCode.sessionExpired));
      return;
    }
    this.sessionId = response.sessionId;
    this.sessionPassword = response.passwd;
    this.negotiatedTimeoutMs = response.timeOutMs;
    for (const { scheme, auth } of this.authInfos) {
      this.authSent.push({ resolve: () => undefined, reject: () => undefined });
      this.channel?.send(Xid.auth, { type: OpCode.auth, authType: 0, scheme, auth });
    }
    this.reRegisterWatches();
    const readOnly = response.readOnly === true;
    if (!readOnly) this.seenReadWriteServer = true;
    this.setState(readOnly ? 'connectedReadOnly' : 'connected');
    if (readOnly) this.searchForReadWriteServer();
    const queued = this.queued.splice(0);
    for (const pending of queued) this.transmit(pending);
    this.armPing();
    for (const waiter of this.connectWaiters.splice(0)) waiter.resolve();
  }

  /** Connected in read-only mode: every so often, try the next server, hoping for a read-write one (Java's pingRwServer). */
  private searchForReadWriteServer(): void {
    this.cancelReadWriteSearch?.();
    this.cancelReadWriteSearch = this.scheduler.setTimer(this.options.readWriteSearchIntervalMs ?? 5000, () => {
      this.cancelReadWriteSearch = undefined;
      if (this.state !== 'connectedReadOnly' || this.sent.length > 0) {
        if (this.state === 'connectedReadOnly') this.searchForReadWriteServer();
        return;
      }
      this.disconnect();
    });
  }

  private isConnected(): boolean {
    return this.state === 'connected' || this.state === 'connectedReadOnly';
  }

  private reRegisterWatches(): void {
    if (this.watches.isEmpty) return;
    const base = {
      relativeZxid: this.lastZxidSeen,
      dataWatches: this.watches.paths('data'),
      existWatches: this.watches.paths('exist'),
      childWatches: this.watches.paths('child'),
    };
    const request: Request = this.watches.hasPersistent()
      ? { type: OpCode.setWatches2, ...base, persistentWatches: this.watches.paths('persistent'), persistentRecursiveWatches: this.watches.paths('persistentRecursive') }
      : { type: OpCode.setWatches, ...base };
    const pending: PendingRequest = { xid: 0, request, resolve: () => undefined, reject: () => undefined };
    this.transmit(pending);
  }

  private onEvent(type: number, serverPath: string): void {
    const path = this.chroot.toClient(serverPath);
    for (const watcher of this.watches.materialize(type, serverPath)) {
      this.deliver(watcher, { type, state: KeeperState.syncConnected, path });
    }
  }

  private onReply(header: ReplyHeader, response: Response | undefined): void {
    if (header.zxid > this.lastZxidSeen) this.lastZxidSeen = header.zxid;
    if (header.xid === Xid.ping) return;
    if (header.xid === Xid.auth) {
      const waiter = this.authSent.shift();
      if (header.err === 0) waiter?.resolve();
      else waiter?.reject(new ZooKeeperError(header.err));
      return;
    }
    const pending = this.sent.shift();
    if (pending === undefined || pending.xid !== header.xid) {
      // Replies must come in request order; anything else is a broken server or transport.
      this.channel?.close();
      this.onTransportLost(`reply xid ${header.xid} out of order (expected ${pending?.xid ?? 'none'})`);
      return;
    }
    pending.onReply?.(header.err);
    if (header.err === ErrorCode.ok) pending.resolve(response);
    else pending.reject(new ZooKeeperError(header.err));
    if (pending.request.type === OpCode.closeSession) {
      this.channel?.close();
      this.channel = undefined;
      this.shutdown('closed', new ZooKeeperError(ErrorCode.sessionExpired, { detail: 'session closed' }));
    }
  }

  private onTransportLost(reason: string): void {
    this.channel = undefined;
    this.cancelPing?.();
    this.cancelPing = undefined;
    const lost = new ZooKeeperError(ErrorCode.connectionLoss, { detail: reason });
    for (const pending of this.sent.splice(0)) pending.reject(lost);
    for (const waiter of this.authSent.splice(0)) waiter.reject(lost);
    if (this.isTerminal()) return;
    if (this.closeWaiter !== undefined) {
      this.shutdown('closed', lost);
      return;
    }
    if (this.isConnected()) this.setState('disconnected');
    this.cancelReconnect = this.scheduler.setTimer(this.options.reconnectDelayMs ?? 0, () => {
      this.cancelReconnect = undefined;
      if (!this.isTerminal()) this.open();
    });
  }

  private armPing(): void {
    this.cancelPing?.();
    this.cancelPing = undefined;
    if (!this.isConnected() || this.negotiatedTimeoutMs <= 0) return;
    // node-zookeeper-client and the Java client ping after a third of the timeout without traffic.
    this.cancelPing = this.scheduler.setTimer(Math.floor(this.negotiatedTimeoutMs / 3), () => {
      this.cancelPing = undefined;
      if (!this.isConnected()) return;
      this.channel?.send(Xid.ping, { type: OpCode.ping });
      this.armPing();
    });
  }

  private shutdown(state: 'closed' | 'expired' | 'authFailed', error: Error): void {
    // Terminal from here on, before any watcher or listener runs: a watcher that calls the client while it
    // is told the session ended must be refused, not sent into a closed channel (its promise would never
    // settle, and the ping timer transmit() arms would outlive the client).
    this.ending ??= state;
    this.cancelReadWriteSearch?.();
    this.cancelReadWriteSearch = undefined;
    this.cancelPing?.();
    this.cancelReconnect?.();
    this.cancelPing = undefined;
    this.cancelReconnect = undefined;
    this.channel?.close();
    this.channel = undefined;
    for (const pending of [...this.sent.splice(0), ...this.queued.splice(0)]) pending.reject(error);
    for (const waiter of this.authSent.splice(0)) waiter.reject(error);
    for (const waiter of this.connectWaiters.splice(0)) waiter.reject(error);
    const watchers = this.watches.all();
    this.watches.clear();
    const keeperState = state === 'expired' ? KeeperState.expired : state === 'authFailed' ? KeeperState.authFailed : KeeperState.closed;
    for (const watcher of watchers) this.deliver(watcher, { type: EventType.none, state: keeperState, path: undefined });
    this.setState(state);
    this.closeWaiter?.();
    this.closeWaiter = undefined;
  }

  private setState(state: SessionState): void {
    if (this.state === state) return;
    this.state = state;
    for (const listener of [...this.stateListeners]) listener(state);
  }

  private deliver(watcher: Watcher, event: WatchedEvent): void {
    try {
      watcher(event);
    } catch (error) {
      if (this.options.onWatcherError !== undefined) this.options.onWatcherError(error);
      else queueMicrotask(() => { throw error; });
    }
  }

  private isTerminal(): boolean {
    return this.ending !== undefined || this.state === 'closed' || this.state === 'expired' || this.state === 'authFailed';
  }

  private terminalError(): ZooKeeperError {
    const state = this.ending ?? this.state;
    if (state === 'authFailed') return new ZooKeeperError(ErrorCode.authFailed);
    if (state === 'expired') return new ZooKeeperError(ErrorCode.sessionExpired);
    return new ZooKeeperError(ErrorCode.connectionLoss, { detail: 'client is closed' });
  }
}

/** The detail of a path-less ZooKeeperError ("NAME (code): detail"), kept when the error is re-labelled with a path. */
function detailOf(error: ZooKeeperError): { detail?: string } {
  const at = error.message.indexOf(': ');
  return at < 0 ? {} : { detail: error.message.slice(at + 2) };
}

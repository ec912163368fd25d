import type { ConnectRequest, Id, MultiReadOp, MultiResult, MultiWriteOp, Request, Response, Stat } from '@vivarium/protocol';
import { AddWatchMode, CreateFlag, ErrorCode, EventType, OpCode, Perm, Xid, ZooKeeperError } from '@vivarium/protocol';
import { authenticate, checkAcl, connectionAuthIds, maskAclForReader, whoAmIOf, withAuthIds } from './acl.ts';
import { assert } from './assert.ts';
import type { Clock, ManualClockListener } from './clock.ts';
import { Database, type TxnResult } from './database.ts';
import { childPathOf, configPath } from './data-tree.ts';
import { membershipOf, nextConfigServers, parseConfigServers, type EnsembleMembership } from './ensemble-config.ts';
import { resolveEngineConfig, type EngineConfig } from './engine-config.ts';
import type { CloseReason, ConnectionSink, EngineOutput } from './engine-output.ts';
import { PendingChanges } from './pending-changes.ts';
import type { WriteRequest } from './prepare.ts';
import { isWriteRequest, prepareCloseSession, prepareSetAcl, prepareWrite, type PrepareContext } from './prepare.ts';
import type { Random } from './random.ts';
import { SessionTracker } from './session-tracker.ts';
import type { Storage } from './storage.ts';
import type { Txn, TxnBody } from './txn.ts';
import type { TxnOrigin, WriteCoordinator, WriteIntent } from './write-intent.ts';
import { WatchManager } from './watch-manager.ts';
import { NodeKind, statOf } from './znode.ts';

export type ConnectionId = number;

interface Connection {
  id: ConnectionId;
  remoteAddress: string;
  authIds: Id[];
  sessionId: bigint | undefined;
  sink: ConnectionSink;
  pending: EngineOutput[];
  closed: boolean;
  /** A read-only session on a member cut off from its quorum: member-local, writes refused. */
  readOnly: boolean;
  /** The handshake or closeSession this connection waits on: everything after it queues. */
  waitingFor: number | undefined;
  /** Requests that must wait: reads behind pending writes, and everything behind a queued request. */
  queue: Array<{ xid: number; request: Request }>;
  /** Ordered requests (writes, setACL, sync) handed to the coordinator, and how many came back: they complete in order. */
  writesSubmitted: number;
  writesCompleted: number;
  /** Counters for the four-letter words. */
  packetsReceived: number;
  packetsSent: number;
}

export interface EngineOptions extends Partial<EngineConfig> {
  clock: Clock;
  random: Random;
  /** Durable storage: recovered on construction, every txn logged and flushed before any reply leaves. */
  storage?: Storage;
}

export interface OpenConnectionOptions {
  /** The client's address, for the ip auth scheme ("127.0.0.1", "::1"). */
  remoteAddress: string;
  /** Receives this connection's output in order, after each engine step completes. */
  sink: ConnectionSink;
}

/** A request of a local client waiting for its txn (or sync) to come back. */
type LocalPending =
  | { kind: 'write'; connectionId: ConnectionId; xid: number; request: WriteRequest | Extract<Request, { type: 7 }> }
  | { kind: 'createSession'; connectionId: ConnectionId; readOnly: boolean | undefined }
  | { kind: 'closeSession'; connectionId: ConnectionId; xid: number }
  | { kind: 'sync'; connectionId: ConnectionId; xid: number; path: string }
  | { kind: 'fail'; connectionId: ConnectionId; xid: number; requestType: number }
  | { kind: 'reconfig'; connectionId: ConnectionId; xid: number }
  | { kind: 'revalidate'; connectionId: ConnectionId; timeoutMs: number; readOnly: boolean | undefined };

/** What this member does in its ensemble; standalone is its own leader. */
export type EngineRole = 'standalone' | 'leader' | 'follower' | 'observer';

/** Session passwords are 16 bytes, as ZooKeeper's. */
const passwordBytes = 16;

/**
 * One standalone member's state machine: the replicated database plus the
 * member-local parts (connections, watches, session expiry, the reaper). Pure
 * and synchronous: time comes from the injected Clock, ids and passwords from
 * the seeded Random, and every effect leaves as EngineOutput to a connection's sink.
 */
export class Engine implements ManualClockListener, WriteCoordinator {
  readonly config: EngineConfig;
  database: Database;
  readonly watches = new WatchManager();
  readonly sessions: SessionTracker;
  private readonly clock: Clock;
  private readonly random: Random;
  private readonly connections = new Map<ConnectionId, Connection>();
  private readonly connectionBySession = new Map<bigint, ConnectionId>();
  private readonly dirty = new Set<Connection>();
  private nextConnectionId: ConnectionId = 1;
  private nextSessionId: bigint;
  /** The reaper checks on a fixed grid: origin + k * containerCheckIntervalMs. */
  private readonly reaperOriginMs: number;
  private lastReaperCheckMs: number;
  private flushing = false;
  private closedEngine = false;
  private readonly storage: Storage | undefined;
  private readonly snapshotRandom: Random;
  private txnsSinceSnapshot = 0;
  private nextSnapshotAt: number;
  /** Where writes go: this engine itself when standalone, the quorum peer otherwise. */
  private coordinator: WriteCoordinator = this;
  private roleValue: EngineRole = 'standalone';
  private serving = true;
  /** Changes prepared and not yet committed (only a leader or standalone member prepares). */
  private pendingChanges: PendingChanges;
  private readonly pendingLocal = new Map<number, LocalPending>();
  private nextRequestId = 1;
  private batchDepth = 0;
  private readOnlyValue = false;
  private readonly readOnlySessions = new Map<bigint, Uint8Array>();
  /** The ensemble configuration: member-local (not replicated), so a replaced database gets it back. */
  private ensembleConfig: { text: string; version: bigint } | undefined;
  /** Sessions touched since the last report to the leader. */
  private readonly touched = new Set<bigint>();
  /** The leader's reconfig prepared and not yet committed: another one gets RECONFIGINPROGRESS. */
  private reconfigPendingZxid: bigint | undefined;
  /** The configuration version the membership listener last heard of. */
  private membershipVersion = 0n;
  /** Told when a committed reconfig (applied, or arrived in a snapshot) changes the ensemble's membership. */
  onMembershipChange: ((membership: EnsembleMembership, version: bigint) => void) | undefined;

  constructor(options: EngineOptions) {
    const { clock, random, storage, ...rest } = options;
    this.config = resolveEngineConfig(rest);
    this.clock = clock;
    this.random = random;
    this.storage = storage;
    this.snapshotRandom = random.fork('snapshot');
    this.nextSnapshotAt = this.drawSnapshotThreshold();
    const now = clock.nowMs();
    this.sessions = new SessionTracker(this.config.tickTimeMs, now);
    this.database = storage === undefined ? new Database() : this.recover(storage, now);
    this.pendingChanges = new PendingChanges(this.database.tree);
    // ZooKeeper: member id in the top byte, a time-derived middle. Ours is seed-derived, so runs replay;
    // after a restart it also stays above every recovered session of this member.
    let nextSessionId = (BigInt(this.config.memberId) << 56n) | (BigInt(random.nextUint32()) << 16n);
    for (const sessionId of this.database.sessions.keys()) if (sessionId >> 56n === BigInt(this.config.memberId) && sessionId >= nextSessionId) nextSessionId = sessionId + 1n;
    this.nextSessionId = nextSessionId;
    this.reaperOriginMs = now;
    this.lastReaperCheckMs = now;
  }

  /**
   * Rebuild the database from storage: the newest snapshot, then the log after
   * it. Sessions come back with a fresh full timeout, as in ZooKeeper.
   */
  private recover(storage: Storage, nowMs: number): Database {
    const recovered = storage.recover();
    const database = recovered.snapshot === undefined ? new Database() : Database.fromSnapshot(recovered.snapshot);
    for (const txn of recovered.txns) {
      if (txn.zxid <= database.lastProcessedZxid) continue;
      database.applyTxn(txn);
    }
    for (const session of database.sessions.values()) this.sessions.track(session.sessionId, session.timeoutMs, nowMs);
    return database;
  }

  private drawSnapshotThreshold(): number {
    const half = Math.floor(this.config.snapCount / 2);
    return half + this.snapshotRandom.nextInt(Math.max(1, this.config.snapCount - half));
  }

  /** Write a snapshot now (also taken automatically every ~snapCount txns). */
  takeSnapshot(): void {
    if (this.storage === undefined) return;
    this.storage.flush();
    this.storage.saveSnapshot(this.database.toSnapshot());
    this.txnsSinceSnapshot = 0;
    this.nextSnapshotAt = this.drawSnapshotThreshold();
  }

  /** This member's clock, for stamping txns it orders. */
  nowMs(): number {
    return this.clock.nowMs();
  }

  get lastProcessedZxid(): bigint {
    return this.database.lastProcessedZxid;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  // ------------------------------------------------------------------ connections

  openConnection(options: OpenConnectionOptions): ConnectionId {
    this.assertOpen();
    if (this.connections.size >= this.config.connectionsMax) {
      throw new ZooKeeperError(ErrorCode.connectionLoss, { detail: `connectionsMax (${this.config.connectionsMax}) reached` });
    }
    const id = this.nextConnectionId++;
    this.connections.set(id, {
      id,
      remoteAddress: options.remoteAddress,
      authIds: connectionAuthIds(options.remoteAddress),
      sessionId: undefined,
      sink: options.sink,
      pending: [],
      closed: false,
      waitingFor: undefined,
      queue: [],
      writesSubmitted: 0,
      writesCompleted: 0,
      readOnly: false,
      packetsReceived: 0,
      packetsSent: 0,
    });
    return id;
  }

  /** The transport is gone (socket closed, client dropped it). Its watches go; its session stays until it expires. */
  closeConnection(connectionId: ConnectionId): void {
    const connection = this.connections.get(connectionId);
    if (connection === undefined) return;
    this.detach(connection);
    this.flush();
  }

  /** The handshake: create a session or reattach to one (ZooKeeperServer.processConnectRequest). */
  connect(connectionId: ConnectionId, request: ConnectRequest): void {
    const connection = this.requireConnection(connectionId);
    assert(connection.sessionId === undefined, `connect: connection ${connectionId} already has a session`);
    connection.packetsReceived++;
    const now = this.clock.nowMs();
    if (!this.serving) {
      if (this.readOnlyValue && request.readOnly === true) {
        this.connectReadOnly(connection, request);
      } else {
        // A member without a quorum serves nobody (ZooKeeper: "not running"), or in read-only mode only
        // clients that asked for it; the client tries another.
        this.close(connection, 'notServing');
      }
      this.flush();
      return;
    }
    if (request.lastZxidSeen > this.database.lastProcessedZxid) {
      // The client has seen more than this member: it must try another one. No reply.
      this.close(connection, 'clientZxidAhead');
      this.flush();
      return;
    }
    const timeoutMs = Math.min(this.config.maxSessionTimeoutMs, Math.max(this.config.minSessionTimeoutMs, request.timeOutMs));
    const readOnly = request.readOnly === undefined ? undefined : false;
    if (request.sessionId === 0n) {
      if (this.database.sessions.size >= this.config.sessionsMax) {
        this.close(connection, 'sessionLimit');
        this.flush();
        return;
      }
      const sessionId = this.nextSessionId++;
      const passwd = new Uint8Array(passwordBytes);
      this.random.fillBytes(passwd);
      this.attach(connection, sessionId);
      // The session exists once its createSession txn commits; requests sent meanwhile wait behind it.
      const requestId = this.awaitLocal(connection, { kind: 'createSession', connectionId: connection.id, readOnly });
      this.coordinator.submitWrite({ origin: this.originOf(requestId), sessionId, authIds: connection.authIds, op: { kind: 'createSession', sessionId, timeoutMs, passwd } });
    } else {
      // ZooKeeper closes the connection holding this session before it checks the password
      // (processConnectRequest, then reopenSession), so even a failed reattach drops it (checked on 3.8.0).
      const previous = this.connectionBySession.get(request.sessionId);
      const other = previous === undefined ? undefined : this.connections.get(previous);
      if (other !== undefined) this.close(other, 'sessionMovedToAnotherConnection');
      const record = this.database.sessions.get(request.sessionId);
      const live = this.sessions.get(request.sessionId);
      if (record === undefined || live === undefined || live.closing || !bytesEqual(record.passwd, request.passwd)) {
        // ZooKeeper answers an unknown, expired or wrong-password session with zeros, then closes.
        this.send(connection, {
          kind: 'connected',
          response: { protocolVersion: 0, timeOutMs: 0, sessionId: 0n, passwd: new Uint8Array(passwordBytes), readOnly },
        });
        this.close(connection, 'invalidSession');
      } else {
        this.attach(connection, request.sessionId);
        if (this.coordinator.revalidate === undefined) {
          this.sessions.setSessionTimeout(request.sessionId, timeoutMs);
          this.touchSession(request.sessionId);
          this.send(connection, { kind: 'connected', response: { protocolVersion: 0, timeOutMs: timeoutMs, sessionId: request.sessionId, passwd: record.passwd, readOnly } });
        } else {
          // In a quorum the leader decides and records the move before the client hears anything.
          const requestId = this.awaitLocal(connection, { kind: 'revalidate', connectionId: connection.id, timeoutMs, readOnly });
          this.coordinator.revalidate(request.sessionId, requestId);
        }
      }
    }
    this.flush();
  }

  /** One request from a connected client. Replies (and the events it fires) go to the sinks. */
  submit(connectionId: ConnectionId, xid: number, request: Request): void {
    const connection = this.requireConnection(connectionId);
    const sessionId = connection.sessionId;
    assert(sessionId !== undefined, `submit: connection ${connectionId} has no session yet; hold requests until connected`);
    connection.packetsReceived++;
    // Pings and auth carry special xids that clients never match in order: answer them at once.
    const outOfBand = request.type === OpCode.ping || request.type === OpCode.auth;
    if (!outOfBand && (connection.waitingFor !== undefined || connection.queue.length > 0 || (!isOrdered(request) && connection.writesCompleted < connection.writesSubmitted))) {
      // Per-session order (ZooKeeper's CommitProcessor): writes pipeline, but a read waits for the writes
      // before it, and nothing overtakes a request that is waiting.
      this.touchSession(sessionId);
      connection.queue.push({ xid, request });
      return;
    }
    try {
      this.processInOrder(connection, sessionId, xid, request);
    } finally {
      this.flush();
    }
  }

  private processInOrder(connection: Connection, sessionId: bigint, xid: number, request: Request): void {
    if (connection.readOnly) {
      this.processReadOnly(connection, sessionId, xid, request);
      return;
    }
    const live = this.sessions.get(sessionId);
    if (live === undefined || live.closing) {
      this.reply(connection, xid, request.type, ErrorCode.sessionExpired);
      return;
    }
    this.touchSession(sessionId);
    this.process(connection, sessionId, xid, request);
  }

  /** Run what a connection queued, in order, until a read has to wait for writes again. */
  private drainQueue(connection: Connection): void {
    while (connection.waitingFor === undefined && connection.queue.length > 0 && !connection.closed && connection.sessionId !== undefined) {
      const head = connection.queue[0] as { xid: number; request: Request };
      if (!isOrdered(head.request) && connection.writesCompleted < connection.writesSubmitted) return;
      connection.queue.shift();
      this.processInOrder(connection, connection.sessionId, head.xid, head.request);
    }
  }

  private touchSession(sessionId: bigint): void {
    this.sessions.touch(sessionId, this.clock.nowMs());
    if (this.roleValue === 'follower' || this.roleValue === 'observer') this.touched.add(sessionId);
  }

  /**
   * Remember a request that completes when its txn (or sync) comes back. The
   * handshake and closeSession block the connection; ordered requests do not.
   */
  private awaitLocal(connection: Connection, pending: LocalPending): number {
    const requestId = this.nextRequestId++;
    this.pendingLocal.set(requestId, pending);
    if (pending.kind === 'createSession' || pending.kind === 'closeSession' || pending.kind === 'revalidate') connection.waitingFor = requestId;
    else connection.writesSubmitted++;
    return requestId;
  }

  private originOf(requestId: number): TxnOrigin {
    return { memberId: this.config.memberId, requestId };
  }

  // ------------------------------------------------------------------ read-only mode

  /**
   * Serve read-only clients while cut off from the quorum (readonlymode.enabled):
   * ZooKeeper's ReadOnlyZooKeeperServer. Turning it off closes every read-only connection.
   */
  setReadOnly(readOnly: boolean): void {
    if (this.readOnlyValue === readOnly) return;
    this.readOnlyValue = readOnly;
    if (!readOnly) {
      for (const connection of [...this.connections.values()]) if (connection.readOnly) this.close(connection, 'notServing');
      this.readOnlySessions.clear();
      this.flush();
    }
  }

  get isReadOnly(): boolean {
    return this.readOnlyValue;
  }

  /** A read-only session: member-local, never replicated, gone when the member rejoins its quorum. */
  private connectReadOnly(connection: Connection, request: ConnectRequest): void {
    const timeoutMs = Math.min(this.config.maxSessionTimeoutMs, Math.max(this.config.minSessionTimeoutMs, request.timeOutMs));
    let sessionId = request.sessionId;
    let passwd = request.passwd;
    const known = this.readOnlySessions.get(sessionId);
    if (sessionId === 0n || known === undefined || !bytesEqual(known, passwd)) {
      sessionId = this.nextSessionId++;
      passwd = new Uint8Array(passwordBytes);
      this.random.fillBytes(passwd);
      this.readOnlySessions.set(sessionId, passwd);
    }
    connection.readOnly = true;
    this.attach(connection, sessionId);
    this.send(connection, { kind: 'connected', response: { protocolVersion: 0, timeOutMs: timeoutMs, sessionId, passwd, readOnly: true } });
  }

  private processReadOnly(connection: Connection, sessionId: bigint, xid: number, request: Request): void {
    switch (request.type) {
      case OpCode.ping:
        this.send(connection, { kind: 'reply', header: { xid: Xid.ping, zxid: this.lastProcessedZxid, err: 0 }, requestType: request.type, response: undefined });
        return;
      case OpCode.closeSession:
        this.readOnlySessions.delete(sessionId);
        this.reply(connection, xid, request.type, ErrorCode.ok);
        this.close(connection, 'sessionClosed');
        return;
      case OpCode.sync:
        this.reply(connection, xid, request.type, ErrorCode.ok, { path: request.path });
        return;
      case OpCode.auth:
        this.process(connection, sessionId, xid, request);
        return;
      default:
        if (isWriteRequest(request) || request.type === OpCode.setAcl || request.type === OpCode.reconfig) {
          this.reply(connection, xid, request.type, ErrorCode.notReadOnly);
          return;
        }
        this.processRead(connection, sessionId, xid, request);
    }
  }

  // ------------------------------------------------------------------ ensemble hooks

  get role(): EngineRole {
    return this.roleValue;
  }

  get isServing(): boolean {
    return this.serving;
  }

  /**
   * Join an ensemble in `role`, with `coordinator` ordering writes (the quorum
   * peer). Standalone members coordinate themselves.
   */
  setRole(role: EngineRole, coordinator: WriteCoordinator | undefined): void {
    this.roleValue = role;
    this.coordinator = coordinator ?? this;
    if (role === 'leader' || role === 'standalone') {
      // A new leader owns every session now, each with a fresh full timeout (as ZooKeeper's leader re-tracks them).
      const now = this.clock.nowMs();
      // A close this member began in an earlier term but never committed is undone: the session is in the database.
      for (const session of this.database.sessions.values()) this.sessions.reset(session.sessionId, session.timeoutMs, now);
    }
  }

  /**
   * Start or stop serving clients. A member that loses its leader stops: every
   * client connection closes and reconnects elsewhere, as with ZooKeeper.
   */
  setServing(serving: boolean): void {
    if (serving) this.setReadOnly(false);
    if (this.serving === serving) return;
    this.serving = serving;
    if (!serving) {
      for (const connection of [...this.connections.values()]) this.close(connection, 'notServing');
      this.pendingLocal.clear();
      this.pendingChanges.clear();
      this.reconfigPendingZxid = undefined;
      this.flush();
    }
  }

  /** Sessions touched by clients here since the last call (a follower reports them to the leader). */
  drainTouchedSessions(): bigint[] {
    const touched = [...this.touched];
    this.touched.clear();
    return touched;
  }

  /** A touch reported by another member (the leader tracks every session's expiry). */
  touchRemoteSession(sessionId: bigint): void {
    this.sessions.touch(sessionId, this.clock.nowMs());
  }

  /**
   * Put the ensemble's configuration into /zookeeper/config, as ZooKeeper's
   * initConfigInZKDatabase does on every member: data set directly (not a txn),
   * version -1, mzxid the configuration's version.
   */
  setEnsembleConfig(text: string, version: bigint): void {
    // A configuration committed by reconfig (applied, recovered or synced) is never replaced by an older one.
    const current = this.database.tree.get(configPath);
    if (current !== undefined && current.mzxid > version) return;
    this.ensembleConfig = { text, version };
    if (version > this.membershipVersion) this.membershipVersion = version;
    this.database.tree.setData(configPath, new TextEncoder().encode(text), -1, version, this.clock.nowMs());
  }

  /** Replace the replicated state wholesale (SNAP sync, or TRUNC by rebuilding). Only while not serving. */
  replaceDatabase(database: Database): void {
    assert(!this.serving || this.connections.size === 0, 'replaceDatabase while serving clients');
    this.database = database;
    if (this.ensembleConfig !== undefined) this.setEnsembleConfig(this.ensembleConfig.text, this.ensembleConfig.version);
    this.pendingChanges.clear();
    this.reconfigPendingZxid = undefined;
    this.pendingChanges = new PendingChanges(database.tree);
    this.noticeMembership();
    const now = this.clock.nowMs();
    for (const session of [...this.sessions.sessions()]) if (!database.sessions.has(session.sessionId)) this.sessions.remove(session.sessionId);
    for (const session of database.sessions.values()) if (this.sessions.get(session.sessionId) === undefined) this.sessions.track(session.sessionId, session.timeoutMs, now);
  }

  /** The storage this member logs to, for the quorum peer. */
  get storageOf(): Storage | undefined {
    return this.storage;
  }

  /** Prepare a write into a txn body at `zxid` (standalone and the leader only). */
  prepare(intent: WriteIntent, zxid: bigint): TxnBody {
    this.pendingChanges.currentZxid = zxid;
    if (intent.op.kind === 'request' || intent.op.kind === 'fail') {
      // PrepRequestProcessor's checkSession: a write ordered after its session closed or expired (it may have
      // been forwarded by a follower before the expiry) is refused, so no ephemeral outlives its session.
      const live = this.sessions.get(intent.sessionId);
      if (live === undefined || live.closing) return { type: 'error', err: ErrorCode.sessionExpired };
    }
    const ctx: PrepareContext = { sessionId: intent.sessionId, authIds: intent.authIds, config: this.config, changes: this.pendingChanges };
    const op = intent.op;
    switch (op.kind) {
      case 'request':
        if (op.request.type === OpCode.setAcl) return prepareSetAcl(op.request.path, op.request.acl, op.request.version, ctx);
        return prepareWrite(op.request, ctx);
      case 'createSession':
        return { type: 'createSession', sessionId: op.sessionId, timeoutMs: op.timeoutMs, passwd: op.passwd };
      case 'closeSession':
        return prepareCloseSession(op.sessionId, this.database.tree.ephemeralsOf(op.sessionId), ctx);
      case 'deleteContainer':
        return prepareWrite({ type: OpCode.deleteContainer, path: op.path }, ctx);
      case 'fail':
        return { type: 'error', err: op.err };
      case 'reconfig':
        return this.prepareReconfig(intent, op.request, zxid);
    }
  }

  /**
   * PrepRequestProcessor's reconfig, its checks in ZooKeeper's order: disabled (-123), standalone (-6),
   * another reconfig in progress (-14), curConfigId neither -1 nor the current version (-103), bad
   * input (-8), no connected and synced quorum in the new configuration (-13), no WRITE on
   * /zookeeper/config (-102; world:anyone:r, so super in practice). The new configuration's version is `zxid`.
   */
  private prepareReconfig(intent: WriteIntent, request: Extract<Request, { type: 16 }>, zxid: bigint): TxnBody {
    const fail = (err: number): TxnBody => ({ type: 'error', err });
    if (!this.config.reconfigEnabled) return fail(ErrorCode.reconfigDisabled);
    if (this.roleValue !== 'leader') return fail(ErrorCode.unimplemented);
    if (this.reconfigPendingZxid !== undefined) return fail(ErrorCode.reconfigInProgress);
    const node = this.database.tree.get(configPath);
    assert(node !== undefined, '/zookeeper/config missing');
    if (request.curConfigId !== -1n && request.curConfigId !== node.mzxid) return fail(ErrorCode.badVersion);
    let servers;
    try {
      servers = nextConfigServers(parseConfigServers(new TextDecoder().decode(node.data ?? new Uint8Array(0))), request);
    } catch (error) {
      if (error instanceof ZooKeeperError) return fail(error.code);
      throw error;
    }
    if (!(this.coordinator.isQuorumSynced?.(membershipOf(servers).voters) ?? false)) return fail(ErrorCode.newConfigNoQuorum);
    if (!checkAcl(node.acl, intent.authIds, Perm.write, { skipAcl: this.config.skipAcl })) return fail(ErrorCode.noAuth);
    this.reconfigPendingZxid = zxid;
    return { type: 'reconfig', servers: servers.map((s) => s.line) };
  }

  /** Tell the membership listener about a configuration newer than the one it knows (from a reconfig or a snapshot). */
  private noticeMembership(): void {
    const node = this.database.tree.get(configPath);
    if (node === undefined || node.mzxid <= this.membershipVersion) return;
    const servers = parseConfigServers(new TextDecoder().decode(node.data ?? new Uint8Array(0)));
    if (servers.length === 0) return;
    this.membershipVersion = node.mzxid;
    this.onMembershipChange?.(membershipOf(servers), node.mzxid);
  }

  /** Standalone ordering: prepare, stamp the next zxid, log, commit. */
  submitWrite(intent: WriteIntent): void {
    const zxid = this.lastProcessedZxid + 1n;
    const body = this.prepare(intent, zxid);
    const txn: Txn = { zxid, timeMs: this.clock.nowMs(), sessionId: intent.sessionId, body, origin: intent.origin };
    // Logged before it is applied; flushed before any output that depends on it leaves (see flush()).
    this.storage?.append(txn);
    this.applyCommitted(txn);
  }

  submitSync(requestId: number): void {
    this.completeSync(requestId);
  }

  /** Whether a session is alive and not closing here (the leader answers REVALIDATE with this). */
  isSessionLive(sessionId: bigint): boolean {
    const live = this.sessions.get(sessionId);
    return live !== undefined && !live.closing && this.database.sessions.has(sessionId);
  }

  /** The leader's answer to a reattach: connect the client, or tell it the session is gone. */
  completeRevalidation(requestId: number, valid: boolean): void {
    const pending = this.pendingLocal.get(requestId);
    if (pending?.kind !== 'revalidate') return;
    this.pendingLocal.delete(requestId);
    const connection = this.connections.get(pending.connectionId);
    if (connection === undefined || connection.sessionId === undefined) return;
    connection.waitingFor = undefined;
    const sessionId = connection.sessionId;
    const record = this.database.sessions.get(sessionId);
    if (!valid || record === undefined) {
      this.send(connection, { kind: 'connected', response: { protocolVersion: 0, timeOutMs: 0, sessionId: 0n, passwd: new Uint8Array(passwordBytes), readOnly: pending.readOnly } });
      this.close(connection, 'invalidSession');
    } else {
      this.sessions.setSessionTimeout(sessionId, pending.timeoutMs);
      this.touchSession(sessionId);
      this.send(connection, { kind: 'connected', response: { protocolVersion: 0, timeOutMs: pending.timeoutMs, sessionId, passwd: record.passwd, readOnly: pending.readOnly } });
      this.drainQueue(connection);
    }
    this.flush();
  }

  /** A sync this member asked the leader for is done: answer the client. */
  completeSync(requestId: number): void {
    const pending = this.pendingLocal.get(requestId);
    if (pending?.kind !== 'sync') return;
    this.pendingLocal.delete(requestId);
    const connection = this.connections.get(pending.connectionId);
    if (connection === undefined) return;
    connection.writesCompleted++;
    this.reply(connection, pending.xid, OpCode.sync, ErrorCode.ok, { path: pending.path });
    this.drainQueue(connection);
    this.flush();
  }

  /**
   * A committed txn, in zxid order, on every member: apply it, fire this
   * member's watches, and answer the client here that asked for it.
   */
  applyCommitted(txn: Txn): void {
    const result = this.applyAndFire(txn);
    this.pendingChanges.retireUpTo(txn.zxid);
    const body = txn.body;
    if (body.type === 'reconfig') {
      if (this.reconfigPendingZxid !== undefined && this.reconfigPendingZxid <= txn.zxid) this.reconfigPendingZxid = undefined;
      const node = this.database.tree.get(configPath);
      if (node !== undefined) this.ensembleConfig = { text: new TextDecoder().decode(node.data ?? new Uint8Array(0)), version: txn.zxid };
      this.noticeMembership();
    }
    if (body.type === 'createSession' && this.sessions.get(body.sessionId) === undefined) {
      this.sessions.track(body.sessionId, body.timeoutMs, this.clock.nowMs());
    }
    const local = txn.origin !== undefined && txn.origin.memberId === this.config.memberId ? this.pendingLocal.get(txn.origin.requestId) : undefined;
    if (txn.origin !== undefined && local !== undefined) this.pendingLocal.delete(txn.origin.requestId);
    if (body.type === 'closeSession') {
      this.sessions.remove(body.sessionId);
      const holder = this.connectionBySession.get(body.sessionId);
      const connection = holder === undefined ? undefined : this.connections.get(holder);
      // Expiry (or a close taken by another member): the connection closes without a notification.
      if (connection !== undefined && local === undefined) this.close(connection, 'sessionExpired');
    }
    if (local !== undefined) this.answerLocal(local, result);
    this.flush();
  }

  private answerLocal(local: LocalPending, result: TxnResult): void {
    const connection = this.connections.get(local.connectionId);
    if (connection === undefined) return;
    if (local.kind === 'createSession' || local.kind === 'closeSession') connection.waitingFor = undefined;
    else connection.writesCompleted++;
    switch (local.kind) {
      case 'createSession': {
        const sessionId = connection.sessionId as bigint;
        const record = this.database.sessions.get(sessionId);
        assert(record !== undefined, `createSession 0x${sessionId.toString(16)} committed but missing`);
        this.send(connection, { kind: 'connected', response: { protocolVersion: 0, timeOutMs: record.timeoutMs, sessionId, passwd: record.passwd, readOnly: local.readOnly } });
        break;
      }
      case 'closeSession':
        this.reply(connection, local.xid, OpCode.closeSession, ErrorCode.ok);
        this.close(connection, 'sessionClosed');
        return;
      case 'write':
        if (result.type === 'error' && result.err === ErrorCode.sessionMoved) {
          // The session moved to another member: ZooKeeper closes this stale connection instead of replying.
          this.close(connection, 'sessionMovedToAnotherConnection');
          return;
        }
        if (local.request.type === OpCode.setAcl) {
          if (result.type === 'setAcl') this.reply(connection, local.xid, OpCode.setAcl, ErrorCode.ok, { stat: result.stat });
          else this.reply(connection, local.xid, OpCode.setAcl, errorCodeOf(result));
        } else {
          this.replyToWrite(connection, local.xid, local.request, result);
        }
        break;
      case 'fail':
        this.reply(connection, local.xid, local.requestType, errorCodeOf(result));
        break;
      case 'reconfig': {
        // The reply is the new configuration, as getData on /zookeeper/config would answer.
        const node = this.database.tree.get(configPath);
        if (result.type === 'setData' && node !== undefined) this.reply(connection, local.xid, OpCode.reconfig, ErrorCode.ok, { data: node.data, stat: result.stat });
        else this.reply(connection, local.xid, OpCode.reconfig, errorCodeOf(result));
        break;
      }
      case 'sync':
        break;
    }
    this.drainQueue(connection);
  }

  // ------------------------------------------------------------------ time

  nextWakeMs(): number | undefined {
    if (!this.decides()) return undefined;
    const sessionDeadline = this.sessions.nextDeadlineMs();
    const tree = this.database.tree;
    const reaperDue = tree.containers().size + tree.ttlNodes().size > 0 ? this.nextReaperCheckMs() : undefined;
    if (sessionDeadline === undefined) return reaperDue;
    if (reaperDue === undefined) return sessionDeadline;
    return Math.min(sessionDeadline, reaperDue);
  }

  onTime(): void {
    this.tick();
  }

  /** Expire due sessions and reap due containers and TTL nodes, as of the clock's now. */
  tick(): void {
    if (this.closedEngine) return;
    if (!this.decides()) return;
    const now = this.clock.nowMs();
    for (const sessionId of this.sessions.pollExpired(now)) this.expire(sessionId);
    if (now >= this.nextReaperCheckMs()) {
      this.lastReaperCheckMs = now;
      this.reapContainers(now);
    }
    this.flush();
  }

  /**
   * The next grid point after the last check; when grid points passed with
   * nothing to reap, the first one at or after now (a check then lands on the grid).
   */
  private nextReaperCheckMs(): number {
    const interval = this.config.containerCheckIntervalMs;
    const afterLast = this.reaperOriginMs + (Math.floor((this.lastReaperCheckMs - this.reaperOriginMs) / interval) + 1) * interval;
    const now = this.clock.nowMs();
    if (afterLast >= now) return afterLast;
    return this.reaperOriginMs + Math.ceil((now - this.reaperOriginMs) / interval) * interval;
  }

  /** Expire a session now, as if its timeout had passed: ephemerals deleted, watches fired, connection closed. */
  expireSession(sessionId: bigint): boolean {
    const live = this.sessions.get(sessionId);
    if (live === undefined || live.closing || !this.decides()) return false;
    this.expire(sessionId);
    this.flush();
    return true;
  }

  /** Expiry and reaping are decided by the leader alone (and by a standalone member). */
  private decides(): boolean {
    return this.serving && (this.roleValue === 'standalone' || this.roleValue === 'leader');
  }

  /** Close every connection (the member is shutting down). Sessions stay in the database. */
  close(): void;
  close(connection: Connection, reason: CloseReason): void;
  close(connection?: Connection, reason?: CloseReason): void {
    if (connection === undefined) {
      for (const each of this.connections.values()) this.close(each, 'engineClosed');
      this.flush();
      this.storage?.close();
      this.closedEngine = true;
      return;
    }
    if (connection.closed) return;
    this.send(connection, { kind: 'close', reason: reason as CloseReason });
    this.detach(connection);
  }

  /**
   * The member's process died in the middle of a step: output not yet handed to a connection never left
   * (it may depend on a txn the crash lost), and every connection just closes, as the kernel closes a dead
   * process's sockets.
   */
  closeAfterCrash(): void {
    // A connection closed earlier in the step still gets its close: the kernel closes that socket too.
    for (const connection of this.dirty) connection.pending = connection.pending.filter((output) => output.kind === 'close');
    this.close();
  }

  // ------------------------------------------------------------------ inspection

  sessionOf(connectionId: ConnectionId): bigint | undefined {
    return this.connections.get(connectionId)?.sessionId;
  }

  authIdsOf(connectionId: ConnectionId): readonly Id[] {
    return this.connections.get(connectionId)?.authIds ?? [];
  }

  connectionInfo(): Array<{ id: ConnectionId; remoteAddress: string; sessionId: bigint | undefined; packetsReceived: number; packetsSent: number }> {
    return [...this.connections.values()].map((c) => ({
      id: c.id, remoteAddress: c.remoteAddress, sessionId: c.sessionId, packetsReceived: c.packetsReceived, packetsSent: c.packetsSent,
    }));
  }

  /** The whole structure agrees with itself (DESIGN: called after every step by the simulation). */
  checkInvariants(): void {
    this.database.checkInvariants();
    this.sessions.checkInvariants();
    this.watches.checkInvariants();
    for (const session of this.sessions.sessions()) {
      assert(this.database.sessions.has(session.sessionId), `Engine: live session 0x${session.sessionId.toString(16)} missing from the database`);
    }
    for (const [sessionId] of this.database.sessions) {
      assert(this.sessions.get(sessionId) !== undefined, `Engine: database session 0x${sessionId.toString(16)} not tracked`);
    }
    for (const [sessionId, connectionId] of this.connectionBySession) {
      assert(this.connections.get(connectionId)?.sessionId === sessionId, `Engine: session 0x${sessionId.toString(16)} mapped to connection ${connectionId} that does not hold it`);
    }
    const watchers = new Set([...this.watches.data.paths()].flatMap((p) => [...this.watches.data.watchersOf(p).keys()]));
    for (const path of this.watches.child.paths()) for (const watcher of this.watches.child.watchersOf(path).keys()) watchers.add(watcher);
    for (const watcher of watchers) assert(this.connections.has(watcher), `Engine: watches held by closed connection ${watcher}`);
  }

  // ------------------------------------------------------------------ request processing

  private process(connection: Connection, sessionId: bigint, xid: number, received: Request): void {
    const request: Request = received.type === OpCode.multi ? { type: OpCode.multi, ops: received.ops.map(asServerMultiOp) } : received;
    if (isWriteRequest(request) || request.type === OpCode.setAcl) {
      const requestId = this.awaitLocal(connection, { kind: 'write', connectionId: connection.id, xid, request });
      this.coordinator.submitWrite({ origin: this.originOf(requestId), sessionId, authIds: connection.authIds, op: { kind: 'request', request } });
      return;
    }
    switch (request.type) {
      case OpCode.ping:
        this.send(connection, { kind: 'reply', header: { xid: Xid.ping, zxid: this.lastProcessedZxid, err: 0 }, requestType: request.type, response: undefined });
        return;
      case OpCode.auth: {
        const ids = authenticate(request.scheme, request.auth, {
          ...(this.config.superDigest === undefined ? {} : { superDigest: this.config.superDigest }),
          clientAddress: connection.remoteAddress,
        });
        if (ids === undefined) {
          this.send(connection, { kind: 'reply', header: { xid: Xid.auth, zxid: 0n, err: ErrorCode.authFailed }, requestType: request.type, response: undefined });
          this.close(connection, 'authFailed');
          return;
        }
        connection.authIds = withAuthIds(connection.authIds, ids);
        this.send(connection, { kind: 'reply', header: { xid: Xid.auth, zxid: 0n, err: 0 }, requestType: request.type, response: undefined });
        return;
      }
      case OpCode.closeSession: {
        this.sessions.setClosing(sessionId);
        const requestId = this.awaitLocal(connection, { kind: 'closeSession', connectionId: connection.id, xid });
        this.coordinator.submitWrite({ origin: this.originOf(requestId), sessionId, authIds: connection.authIds, op: { kind: 'closeSession', sessionId } });
        return;
      }
      case OpCode.sync: {
        // The member catches up with the leader before answering (in standalone it already has).
        const requestId = this.awaitLocal(connection, { kind: 'sync', connectionId: connection.id, xid, path: request.path });
        this.coordinator.submitSync(requestId);
        return;
      }
      case OpCode.check:
        // A bare check is only valid inside multi (3.9.3+ answers UNIMPLEMENTED and closes).
        this.reply(connection, xid, request.type, ErrorCode.unimplemented);
        this.close(connection, 'unimplemented');
        return;
      case OpCode.sasl:
        // No SASL here. A ZooKeeper without a SASL server answers OK with a null token, zxid 0, and keeps
        // the connection (processSasl catches its NullPointerException; checked on 3.8.0).
        this.send(connection, { kind: 'reply', header: { xid, zxid: 0n, err: ErrorCode.ok }, requestType: request.type, response: { token: null } });
        return;
      case OpCode.reconfig:
        // Checked in the leader's prep step (see prepareReconfig), after the txn header is stamped: a refused
        // reconfig is logged as an error txn and uses a zxid (checked on 3.8.0: the reply carries the new zxid).
        {
          const requestId = this.awaitLocal(connection, { kind: 'reconfig', connectionId: connection.id, xid });
          this.coordinator.submitWrite({ origin: this.originOf(requestId), sessionId, authIds: connection.authIds, op: { kind: 'reconfig', request } });
        }
        return;
      default:
        this.processRead(connection, sessionId, xid, request);
    }
  }

  private processRead(connection: Connection, sessionId: bigint, xid: number, request: Request): void {
    try {
      const response = this.read(connection, sessionId, request);
      this.reply(connection, xid, request.type, ErrorCode.ok, response);
    } catch (error) {
      if (!(error instanceof ZooKeeperError)) throw error;
      this.reply(connection, xid, request.type, error.code);
    }
  }

  /** Reads and watch management (FinalRequestProcessor). Throws ZooKeeperError for error replies. */
  private read(connection: Connection, sessionId: bigint, request: Request): Response | undefined {
    const tree = this.database.tree;
    switch (request.type) {
      case OpCode.exists: {
        if (request.path.includes('\0')) throw new ZooKeeperError(ErrorCode.badArguments, { path: request.path });
        const node = tree.get(request.path);
        // 3.8.4+ (ZOOKEEPER-2590): exists needs READ on a node that exists; then the watch registers, even on a missing node.
        if (node !== undefined) this.requirePermission(connection, node.acl, Perm.read, request.path);
        if (request.watch) this.watches.addDataWatch(request.path, connection.id);
        if (node === undefined) throw new ZooKeeperError(ErrorCode.noNode, { path: request.path });
        return { stat: statOf(node) };
      }
      case OpCode.getData: {
        const node = this.readableNode(connection, request.path);
        if (request.watch) this.watches.addDataWatch(request.path, connection.id);
        return { data: node.data, stat: statOf(node) };
      }
      case OpCode.getChildren:
      case OpCode.getChildren2: {
        const node = this.readableNode(connection, request.path);
        if (request.watch) this.watches.addChildWatch(request.path, connection.id);
        const children = [...node.children];
        return request.type === OpCode.getChildren ? { children } : { children, stat: statOf(node) };
      }
      case OpCode.getAcl: {
        const node = tree.get(request.path);
        if (node === undefined) throw new ZooKeeperError(ErrorCode.noNode, { path: request.path });
        this.requirePermission(connection, node.acl, Perm.read | Perm.admin, request.path);
        const canAdmin = checkAcl(node.acl, connection.authIds, Perm.admin, { skipAcl: this.config.skipAcl });
        return { acl: [...maskAclForReader(node.acl, canAdmin)], stat: statOf(node) };
      }
      case OpCode.getAllChildrenNumber: {
        this.readableNode(connection, request.path);
        return { totalNumber: tree.descendantCount(request.path) };
      }
      case OpCode.getEphemerals: {
        const prefix = request.prefixPath;
        const all = prefix === '' || prefix === '/';
        return { ephemerals: [...tree.ephemeralsOf(sessionId)].filter((path) => all || path.startsWith(prefix)) };
      }
      case OpCode.whoAmI:
        return { clientInfo: whoAmIOf(connection.authIds) };
      case OpCode.multiRead:
        return { results: request.ops.map((op) => this.readInMulti(connection, sessionId, op)) };
      case OpCode.addWatch: {
        if (request.mode !== AddWatchMode.persistent && request.mode !== AddWatchMode.persistentRecursive) {
          // ZooKeeper throws IllegalArgumentException here, which FinalRequestProcessor answers as MARSHALLINGERROR.
          throw new ZooKeeperError(ErrorCode.marshallingError, { path: request.path, detail: `unknown addWatch mode ${request.mode}` });
        }
        this.watches.addPersistentWatch(request.path, connection.id, request.mode);
        return { err: 0 };
      }
      case OpCode.checkWatches:
      case OpCode.removeWatches: {
        if (!this.watches.isValidWatcherType(request.watcherType)) {
          throw new ZooKeeperError(ErrorCode.badArguments, { path: request.path, detail: `unknown watcher type ${request.watcherType}` });
        }
        const found = request.type === OpCode.checkWatches
          ? this.watches.contains(request.path, connection.id, request.watcherType)
          : this.watches.remove(request.path, connection.id, request.watcherType);
        if (!found) throw new ZooKeeperError(ErrorCode.noWatcher, { path: request.path });
        return undefined;
      }
      case OpCode.setWatches:
        this.setWatches(connection, request.relativeZxid, request.dataWatches, request.existWatches, request.childWatches, [], []);
        return undefined;
      case OpCode.setWatches2:
        this.setWatches(connection, request.relativeZxid, request.dataWatches, request.existWatches, request.childWatches, request.persistentWatches, request.persistentRecursiveWatches);
        return undefined;
      default:
        throw new ZooKeeperError(ErrorCode.unimplemented, { detail: `request type ${request.type}` });
    }
  }

  private readInMulti(connection: Connection, sessionId: bigint, op: MultiReadOp): MultiResult {
    try {
      // ZooKeeper rebuilds each op from its path alone (Op.getData(path), Op.getChildren(path)): multiRead sets no watches.
      const response = this.read(connection, sessionId, { ...op, watch: false });
      if (op.type === OpCode.getData) return { type: OpCode.getData, ...(response as { data: Uint8Array | null; stat: Stat }) };
      return { type: OpCode.getChildren, children: (response as { children: string[] }).children };
    } catch (error) {
      if (!(error instanceof ZooKeeperError)) throw error;
      return { type: OpCode.error, err: error.code };
    }
  }

  /** SetWatches after a reconnect (DataTree.setWatches): fire what changed since relativeZxid, register the rest. */
  private setWatches(
    connection: Connection,
    relativeZxid: bigint,
    dataWatches: readonly string[],
    existWatches: readonly string[],
    childWatches: readonly string[],
    persistentWatches: readonly string[],
    persistentRecursiveWatches: readonly string[],
  ): void {
    const tree = this.database.tree;
    const zxid = this.lastProcessedZxid;
    const fire = (type: number, path: string): void => {
      this.send(connection, { kind: 'event', event: { type, state: 3, path }, zxid });
    };
    for (const path of dataWatches) {
      const node = tree.get(path);
      if (node === undefined) fire(EventType.nodeDeleted, path);
      else if (node.mzxid > relativeZxid) fire(EventType.nodeDataChanged, path);
      else this.watches.addDataWatch(path, connection.id);
    }
    for (const path of existWatches) {
      if (tree.has(path)) fire(EventType.nodeCreated, path);
      else this.watches.addDataWatch(path, connection.id);
    }
    for (const path of childWatches) {
      const node = tree.get(path);
      if (node === undefined) fire(EventType.nodeDeleted, path);
      else if (node.pzxid > relativeZxid) fire(EventType.nodeChildrenChanged, path);
      else this.watches.addChildWatch(path, connection.id);
    }
    for (const path of persistentWatches) this.watches.addPersistentWatch(path, connection.id, AddWatchMode.persistent);
    for (const path of persistentRecursiveWatches) this.watches.addPersistentWatch(path, connection.id, AddWatchMode.persistentRecursive);
  }

  private readableNode(connection: Connection, path: string) {
    const node = this.database.tree.get(path);
    if (node === undefined) throw new ZooKeeperError(ErrorCode.noNode, { path });
    this.requirePermission(connection, node.acl, Perm.read, path);
    return node;
  }

  private requirePermission(connection: Connection, acl: Parameters<typeof checkAcl>[0], perm: number, path: string): void {
    if (!checkAcl(acl, connection.authIds, perm, { skipAcl: this.config.skipAcl })) throw new ZooKeeperError(ErrorCode.noAuth, { path });
  }

  private replyToWrite(connection: Connection, xid: number, request: Request, result: TxnResult): void {
    switch (result.type) {
      case 'error':
        this.reply(connection, xid, request.type, result.err);
        return;
      case 'create':
        this.reply(connection, xid, request.type, ErrorCode.ok, request.type === OpCode.create ? { path: result.path } : { path: result.path, stat: result.stat });
        return;
      case 'delete':
        this.reply(connection, xid, request.type, ErrorCode.ok);
        return;
      case 'setData':
        this.reply(connection, xid, request.type, ErrorCode.ok, { stat: result.stat });
        return;
      case 'multi': {
        assert(request.type === OpCode.multi, 'a multi result for a non-multi request');
        const results = result.results.map((r, i) => multiResultOf(r, request.ops[i]?.type ?? OpCode.error));
        // A multi's header err is always 0: per-op errors travel in the body.
        this.reply(connection, xid, request.type, ErrorCode.ok, { results });
        return;
      }
      default:
        assert(false, `unexpected txn result ${result.type} for request type ${request.type}`);
    }
  }

  // ------------------------------------------------------------------ txns

  /** Apply one committed txn and fire the watches of this member's connections. */
  private applyAndFire(txn: Txn): TxnResult {
    const { result, triggers } = this.database.applyTxn(txn);
    if (this.storage !== undefined && ++this.txnsSinceSnapshot >= this.nextSnapshotAt) this.takeSnapshot();
    if (triggers.length > 0) {
      let lastEvent: unknown;
      let output: EngineOutput | undefined;
      let worldReadable = false;
      for (const fired of this.watches.fire(triggers)) {
        const connection = this.connections.get(fired.watcher);
        if (connection === undefined) continue;
        if (fired.event !== lastEvent) {
          // One output per event, shared by every connection it reaches (outputs are never mutated).
          lastEvent = fired.event;
          output = { kind: 'event', event: fired.event, zxid: txn.zxid };
          worldReadable = this.config.skipAcl || fired.trigger.acl.some((entry) => entry.id.scheme === 'world' && entry.id.id === 'anyone' && (entry.perms & Perm.read) !== 0);
        }
        // 3.8.4+ (ZOOKEEPER-4799): a connection that may not read the node does not hear about it.
        if (!worldReadable && !checkAcl(fired.trigger.acl, connection.authIds, Perm.read, { skipAcl: this.config.skipAcl })) continue;
        this.send(connection, output as EngineOutput);
      }
    }
    return result;
  }

  /** Expiry is decided by the leader (or a standalone member) and replicated as a closeSession txn. */
  private expire(sessionId: bigint): void {
    this.sessions.setClosing(sessionId);
    this.coordinator.submitWrite({ origin: undefined, sessionId, authIds: [], op: { kind: 'closeSession', sessionId } });
  }

  /** ContainerManager: empty containers that once had a child, never-used ones past the limit, TTL nodes past their TTL. */
  private reapContainers(nowMs: number): void {
    const tree = this.database.tree;
    const candidates: string[] = [];
    for (const path of tree.containers()) {
      const node = tree.get(path);
      if (node === undefined || node.children.size > 0) continue;
      if (node.storedCversion > 0) candidates.push(path);
      else if (this.config.containerMaxNeverUsedIntervalMs !== 0 && nowMs - node.mtimeMs > this.config.containerMaxNeverUsedIntervalMs) candidates.push(path);
    }
    for (const path of tree.ttlNodes()) {
      const node = tree.get(path);
      if (node === undefined || node.children.size > 0 || node.kind !== NodeKind.ttl) continue;
      if (node.ttlMs !== 0 && nowMs - node.mtimeMs > node.ttlMs) candidates.push(path);
    }
    for (const path of candidates) this.coordinator.submitWrite({ origin: undefined, sessionId: 0n, authIds: [], op: { kind: 'deleteContainer', path } });
  }

  // ------------------------------------------------------------------ output

  private reply(connection: Connection, xid: number, requestType: number, err: number, response?: Response): void {
    this.send(connection, {
      kind: 'reply',
      header: { xid, zxid: this.lastProcessedZxid, err },
      requestType,
      response: err === ErrorCode.ok ? response : undefined,
    });
  }

  private send(connection: Connection, output: EngineOutput): void {
    if (connection.closed) return;
    if (connection.pending.length >= this.config.connectionOutputMax) {
      connection.pending.length = 0;
      connection.pending.push({ kind: 'close', reason: 'outputLimit' });
      this.dirty.add(connection);
      this.detach(connection);
      return;
    }
    connection.pending.push(output);
    connection.packetsSent++;
    this.dirty.add(connection);
  }

  private attach(connection: Connection, sessionId: bigint): void {
    connection.sessionId = sessionId;
    this.connectionBySession.set(sessionId, connection.id);
  }

  private detach(connection: Connection): void {
    connection.closed = true;
    this.watches.removeWatcher(connection.id);
    if (connection.sessionId !== undefined && this.connectionBySession.get(connection.sessionId) === connection.id) {
      this.connectionBySession.delete(connection.sessionId);
    }
    this.connections.delete(connection.id);
  }

  /**
   * Run `work` (several submits, say everything decoded from one socket read)
   * as one batch: the log is flushed, and outputs handed out, once at the end,
   * so pipelined writes share one fsync (group commit) and no reply leaves
   * before the write it acknowledges is durable.
   */
  batch<T>(work: () => T): T {
    this.batchDepth++;
    try {
      return work();
    } finally {
      this.batchDepth--;
      if (this.batchDepth === 0) this.flush();
    }
  }

  /** Hand each connection its output once the engine's state is consistent again. */
  private flush(): void {
    if (this.flushing || this.batchDepth > 0) return;
    this.flushing = true;
    try {
      while (this.dirty.size > 0) {
        // Nothing a client sees may depend on a txn that a crash could still lose.
        this.storage?.flush();
        const batch = [...this.dirty];
        this.dirty.clear();
        for (const connection of batch) {
          const outputs = connection.pending;
          if (outputs.length === 0) continue;
          connection.pending = [];
          connection.sink(outputs);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private requireConnection(connectionId: ConnectionId): Connection {
    this.assertOpen();
    const connection = this.connections.get(connectionId);
    if (connection === undefined) throw new ZooKeeperError(ErrorCode.connectionLoss, { detail: `connection ${connectionId} is closed` });
    return connection;
  }

  private assertOpen(): void {
    if (this.closedEngine) throw new ZooKeeperError(ErrorCode.connectionLoss, { detail: 'the engine is closed' });
  }
}

/** Requests ordered through the coordinator, which complete in the order they were sent. */
function isOrdered(request: Request): boolean {
  return isWriteRequest(request) || request.type === OpCode.setAcl || request.type === OpCode.sync || request.type === OpCode.reconfig || request.type === OpCode.closeSession;
}

function errorCodeOf(result: TxnResult): number {
  return result.type === 'error' ? result.err : ErrorCode.ok;
}

/**
 * ZooKeeper rebuilds each create sub-op of a multi from its flags (MultiOperationRecord.deserialize
 * calls Op.create(path, data, acl, flags[, ttl])): the container flag makes a createContainer, TTL flags
 * on a createTTL op a createTTL, anything else a plain create. So a create2 sub-op answers a
 * CreateResponse without stat, a create with the container flag makes a real container, and a
 * createTTL with non-TTL flags is a plain create (checked on 3.8.0).
 */
function asServerMultiOp(op: MultiWriteOp): MultiWriteOp {
  switch (op.type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTtl: {
      const { path, data, acl, flags } = op;
      if (flags === CreateFlag.container) return { type: OpCode.createContainer, path, data, acl, flags };
      if (op.type === OpCode.createTtl && (flags === CreateFlag.persistentWithTtl || flags === CreateFlag.persistentSequentialWithTtl)) return op;
      return { type: OpCode.create, path, data, acl, flags };
    }
    default:
      return op;
  }
}

function multiResultOf(result: TxnResult, opType: number): MultiResult {
  switch (result.type) {
    case 'create':
      // create answers CreateResponse; create2, createContainer and createTtl all answer as create2.
      return opType === OpCode.create ? { type: OpCode.create, path: result.path } : { type: OpCode.create2, path: result.path, stat: result.stat };
    case 'delete':
      return { type: OpCode.delete };
    case 'setData':
      return { type: OpCode.setData, stat: result.stat };
    case 'check':
      return { type: OpCode.check };
    case 'error':
      return { type: OpCode.error, err: result.err };
    default:
      throw new Error(`unexpected result ${result.type} inside multi`);
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export { childPathOf };

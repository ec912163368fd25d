import { Database, assert, membershipOf, parseServerLine, type EnsembleMembership, type Engine, type Snapshot, type Storage, type Txn, type WriteCoordinator, type WriteIntent } from '@vivarium/store';
import { counterOf, epochOf, isBetterVote, sameVote, zxidOf, type Envelope, type PeerMessage, type PeerState, type SyncMode, type Vote } from './peer-message.ts';

/**
 * Deliberately broken ZAB, for testing the checkers only. 'commitWithoutQuorum' commits on the leader's own
 * ack; 'ignoreTruncate' makes learners keep txns a new leader told them to truncate; 'ackBeforeFlush' makes a
 * follower ack a proposal before it is durable (it flushes on its next tick, a lazy group commit).
 * The simulation must catch each one.
 */
export const brokenModes = ['commitWithoutQuorum', 'ignoreTruncate', 'ackBeforeFlush'] as const;
export type BrokenMode = (typeof brokenModes)[number];

/** The ensemble as one member sees it. */
export interface QuorumConfig {
  myId: number;
  /** Voting members (participants), including this one unless it observes. */
  voters: readonly number[];
  observers: readonly number[];
  /** Ticks a learner may take to connect and sync with a new leader (ZooKeeper's initLimit). */
  initLimitTicks: number;
  /** Ticks a learner may go without hearing from the leader, and the leader without a quorum (syncLimit). */
  syncLimitTicks: number;
  /** A learner further behind than this many txns is sent a snapshot instead of a diff. */
  diffTxnsMax: number;
  /** For testing the checkers only: break ZAB on purpose (see BrokenMode). */
  brokenMode?: BrokenMode | undefined;
  /** Distinguishes this run of the member from its earlier ones (a restart starts new connections). */
  incarnation?: number;
  /** readonlymode.enabled: after readOnlyAfterTicks of looking, serve read-only clients. */
  readOnlyModeEnabled?: boolean;
  /** Ticks in LOOKING before read-only mode starts (ZooKeeper waits max(2000 ms, tickTime)). Default 2. */
  readOnlyAfterTicks?: number;
}

interface LearnerHandle {
  id: number;
  observer: boolean;
  acceptedEpoch: number;
  /** The lowest zxid the learner's storage can truncate to (its newest snapshot). */
  truncateFloor: bigint;
  /** Set once the learner acknowledged the new epoch with its history. */
  lastZxid: bigint | undefined;
  /** Set once it was sent the sync and NEWLEADER. */
  syncSent: boolean;
  /**
   * The last zxid this learner was sent before NEWLEADER (the sync and the proposals in flight): what its NEWLEADER
   * ack acknowledges. Proposals sent after NEWLEADER it acks one by one, once logged.
   */
  newLeaderZxid: bigint;
  /** Acknowledged NEWLEADER: counts toward the quorum that establishes the epoch. */
  synced: boolean;
  /** Sent UPTODATE: in the broadcast phase. */
  upToDate: boolean;
  lastHeardTick: number;
  /** The learner's connection id: everything sent to it carries this, so it can drop what belonged to an older one. */
  connection: number;
}

interface Proposal {
  txn: Txn;
  acks: Set<number>;
  /**
   * The voter sets whose majorities must ack it: the current configuration's, plus the new one of every
   * reconfig proposed and not yet committed, this one included (ZooKeeper's rule: a quorum of both).
   */
  quorums: Array<readonly number[]>;
  /** For a reconfig: the voters of the configuration it proposes. */
  newVoters: readonly number[] | undefined;
}

type LeaderPhase = 'discovery' | 'synchronisation' | 'broadcast';
type LearnerPhase = 'discovery' | 'synchronisation' | 'broadcast';

/** Messages only a learner sends to its leader. */
const learnerOnlyMessages: ReadonlySet<PeerMessage['type']> = new Set(['followerInfo', 'ackEpoch', 'ackNewLeader', 'ack', 'forward', 'syncRequest', 'revalidate']);

/** What happened, for tests and traces: every state change a member goes through. */
export type PeerEvent =
  | { type: 'state'; state: PeerState; round: number }
  | { type: 'established'; epoch: number; leader: number }
  | { type: 'sync'; learner: number; mode: SyncMode; txns: number }
  | { type: 'committed'; zxid: bigint }
  | { type: 'reconfigured'; version: bigint; voters: number[]; observers: number[] }
  | { type: 'stepDown'; reason: string };

/**
 * One member's ZAB: fast leader election, discovery, synchronisation (DIFF,
 * TRUNC+DIFF, TRUNC, SNAP) and broadcast, as a pure state machine. It reacts
 * to `receive(envelope)` and `tick()`, and leaves its messages in an outbox.
 * The Engine is both its replica (committed txns are applied there) and its
 * client: the engine's writes reach the peer through WriteCoordinator.
 */
export class QuorumPeer implements WriteCoordinator {
  /** Replaced (voters and observers) when a reconfig commits. */
  config: QuorumConfig;
  readonly engine: Engine;
  private readonly storage: Storage;
  private readonly outbox: Envelope[] = [];
  private readonly events: PeerEvent[] = [];
  private isObserver: boolean;
  /** Left out of a committed configuration: takes no further part (ZooKeeper's removed server). */
  private removed = false;
  /** Leading: invite absent members of a changed configuration until this tick (inviteAbsentMembers). */
  private inviteUntilTick = -1;
  /** A committed reconfig changed this member's own role, or removed it: acted on once the current input is handled. */
  private membershipAction: 'removed' | 'roleChanged' | undefined;

  stateValue: PeerState = 'looking';
  private tickCount = 0;
  private acceptedEpoch: number;
  private currentEpoch: number;
  /** Highest zxid in the log, committed or not. */
  private lastLoggedZxid: bigint;

  // election
  private round = 0;
  private vote: Vote;
  private readonly received = new Map<number, Vote>();
  private readonly outOfElection = new Map<number, { vote: Vote; state: PeerState }>();
  private decisionPending = false;
  private lastElectionSendTick = 0;
  /** After a leader refused us (its epoch is below one we promised), wait before joining it again. */
  private rejoinNotBeforeTick = 0;
  private lookingSinceTick = 0;

  // leading
  private leaderPhase: LeaderPhase = 'discovery';
  private readonly learners = new Map<number, LearnerHandle>();
  private newEpoch = 0;
  private phaseStartTick = 0;
  private proposalCounter = 0;
  private readonly proposals: Proposal[] = [];
  private readonly syncWaiters: Array<{ zxid: bigint; learner: number | undefined; requestId: number }> = [];
  /** Which member a client's session is attached to; writes from elsewhere get SESSIONMOVED. */
  private readonly sessionOwners = new Map<bigint, number>();

  // following / observing
  private leaderId: number | undefined;
  private learnerPhase: LearnerPhase = 'discovery';
  private lastHeardFromLeaderTick = 0;
  private readonly pendingProposals: Txn[] = [];
  /** This learner's current connection to its leader; bumped each time it starts following. */
  private connectionId = 0;
  /** Acked NEWLEADER on this connection: each later proposal is acked on its own once logged (ZooKeeper's too). */
  private ackedNewLeader = false;
  /** brokenMode 'ackBeforeFlush' only: proposals were acked and not yet flushed. */
  private flushOwed = false;

  // the ZAB "connections": per-link sequence numbers
  private readonly sentSeq = new Map<number, number>();
  private readonly expectedSeq = new Map<number, { incarnation: number; next: number }>();
  /** Each peer's incarnation as last heard from it, stamped on what we send it. */
  private readonly peerIncarnation = new Map<number, number>();

  constructor(config: QuorumConfig, engine: Engine) {
    assert(config.voters.includes(config.myId) || config.observers.includes(config.myId), `QuorumPeer ${config.myId}: not in the configuration`);
    const storage = engine.storageOf;
    assert(storage !== undefined, `QuorumPeer ${config.myId}: an ensemble member needs storage`);
    this.config = config;
    this.engine = engine;
    this.storage = storage;
    this.isObserver = config.observers.includes(config.myId);
    const recovered = storage.recover();
    this.acceptedEpoch = recovered.acceptedEpoch;
    this.currentEpoch = recovered.currentEpoch;
    this.lastLoggedZxid = engine.lastProcessedZxid;
    this.vote = this.initialVote();
    engine.setServing(false);
    engine.onMembershipChange = (membership, version) => this.membershipChanged(membership, version);
    this.startElection();
  }

  get state(): PeerState {
    return this.stateValue;
  }

  get leader(): number | undefined {
    if (this.stateValue === 'leading') return this.config.myId;
    if (this.stateValue === 'following' || this.stateValue === 'observing') return this.leaderId;
    return undefined;
  }

  /**
   * Looking, with a quorum of voters agreeing on its vote: the election is
   * settled unless a better vote arrives. The next tick decides; a host on real
   * time may decide sooner with decideElection(), as ZooKeeper does after its
   * finalizeWait (200 ms) without a better vote.
   */
  get electionDecisionPending(): boolean {
    return this.stateValue === 'looking' && this.decisionPending;
  }

  /** Decide a settled election now (what the next tick would do); nothing when none is pending. */
  decideElection(): void {
    if (this.removed || !this.electionDecisionPending) return;
    this.finishElection();
    this.actOnMembership();
  }

  /**
   * Waiting for an answer that a lost message would withhold until the next tick:
   * looking with an unsettled election (its vote), or a learner not yet past
   * discovery (its FOLLOWERINFO, which a leader still deciding ignores).
   */
  get awaitingAnswer(): boolean {
    if (this.removed) return false;
    if (this.stateValue === 'looking') return !this.decisionPending;
    return (this.stateValue === 'following' || this.stateValue === 'observing') && this.learnerPhase === 'discovery';
  }

  /** Resend what awaitingAnswer waits on, as the next tick would, without moving tick-counted time (for a host on real time). */
  resendUnanswered(): void {
    if (!this.awaitingAnswer) return;
    if (this.stateValue === 'looking') this.broadcastVote();
    else this.sendFollowerInfo();
  }

  /** True once this member serves clients: a leader with an established epoch, or a synced learner. */
  get isServing(): boolean {
    return this.engine.isServing;
  }

  get epoch(): number {
    return this.currentEpoch;
  }

  get lastZxid(): bigint {
    return this.lastLoggedZxid;
  }

  get ticks(): number {
    return this.tickCount;
  }

  get outboxSize(): number {
    return this.outbox.length;
  }

  drainOutbox(): Envelope[] {
    return this.outbox.splice(0);
  }

  drainEvents(): PeerEvent[] {
    return this.events.splice(0);
  }

  // ------------------------------------------------------------------ inputs

  receive(envelope: Envelope): void {
    if (this.removed) {
      // Out of the configuration, a member only listens for a leader inviting it back (see inviteAbsentMembers).
      const { from, message } = envelope;
      if (message.type === 'vote' && message.state === 'leading' && message.vote.leader === from) this.rejoin(from);
      return;
    }
    this.receiveInOrder(envelope);
    this.actOnMembership();
  }

  private receiveInOrder(envelope: Envelope): void {
    const { from, message } = envelope;
    const myIncarnation = this.config.incarnation ?? 0;
    // Meant for an earlier run of this member: that connection died with it. A vote belongs to no connection (election
    // notifications go over whatever channel is up, as ZooKeeper's QuorumCnxManager reconnects): it is still news of
    // its sender. Dropping it left a restarted leader and a looking member that had not heard from the restart deaf to
    // each other for good (the leader answers only votes; recipes' counter seed 18).
    if (message.type !== 'vote' && envelope.toIncarnation !== undefined && envelope.toIncarnation !== 0 && envelope.toIncarnation !== myIncarnation) return;
    if (envelope.incarnation !== undefined) {
      const known = this.peerIncarnation.get(from);
      if (known !== undefined && known !== envelope.incarnation) {
        // The peer restarted (any of its messages, a vote included, can tell us first): our connection to its
        // previous run is gone, and nothing we send from now on may continue it.
        this.connectionBroken(from, 'the peer restarted');
        this.expectedSeq.delete(from);
      }
      this.peerIncarnation.set(from, envelope.incarnation);
    }
    if (message.type === 'vote') {
      this.onVote(from, message.round, message.vote, message.state);
      return;
    }
    if (!this.acceptInOrder(envelope)) return;
    if (this.stateValue === 'leading') this.onLeaderMessage(from, message);
    else if (this.stateValue === 'following' || this.stateValue === 'observing') {
      // From the leader, only what belongs to this connection: older ones died with their sockets.
      if (envelope.connection !== undefined && envelope.connection !== this.connectionId) return;
      this.onLearnerMessage(from, message);
    }
  }

  /** One tick of tickTime: election rebroadcasts and decisions, pings, and failure detection. */
  tick(): void {
    if (this.removed) return;
    this.payFlushOwed();
    this.tickStep();
    this.actOnMembership();
  }

  private tickStep(): void {
    this.tickCount++;
    switch (this.stateValue) {
      case 'looking':
        if (this.config.readOnlyModeEnabled === true && this.tickCount - this.lookingSinceTick >= (this.config.readOnlyAfterTicks ?? 2)) {
          // Cut off from a quorum for a while: serve reads to clients that accept a read-only view.
          this.engine.setReadOnly(true);
        }
        if (this.decisionPending) this.finishElection();
        else if (this.tickCount - this.lastElectionSendTick >= 1) this.broadcastVote();
        return;
      case 'leading':
        this.leaderTick();
        return;
      case 'following':
      case 'observing':
        this.learnerTick();
        return;
    }
  }

  /** brokenMode 'ackBeforeFlush': the flush a correct follower does before acking comes on the next tick. */
  private payFlushOwed(): void {
    if (!this.flushOwed) return;
    this.flushOwed = false;
    this.storage.flush();
  }

  // ------------------------------------------------------------------ election

  private initialVote(): Vote {
    return { leader: this.config.myId, zxid: this.lastLoggedZxid, peerEpoch: this.currentEpoch };
  }

  private startElection(): void {
    this.setState('looking');
    this.engine.setServing(false);
    this.lookingSinceTick = this.tickCount;
    this.leaderId = undefined;
    this.round++;
    this.received.clear();
    this.outOfElection.clear();
    this.decisionPending = false;
    // An observer never proposes itself; it only listens for the voters' leader.
    this.vote = this.isObserver ? { leader: -1, zxid: -1n, peerEpoch: -1 } : this.initialVote();
    if (!this.isObserver) this.received.set(this.config.myId, this.vote);
    this.broadcastVote();
    this.events.push({ type: 'state', state: 'looking', round: this.round });
  }

  private broadcastVote(): void {
    this.lastElectionSendTick = this.tickCount;
    for (const id of this.everyoneElse()) this.send(id, { type: 'vote', round: this.round, vote: this.vote, state: this.stateValue });
  }

  private onVote(from: number, round: number, vote: Vote, state: PeerState): void {
    const fromVoter = this.config.voters.includes(from);
    if (this.stateValue !== 'looking') {
      // Settled members answer a looking peer with the leader they follow, so joiners find it.
      if (state === 'looking') {
        const current: Vote = { leader: this.leader ?? this.vote.leader, zxid: this.vote.zxid, peerEpoch: this.currentEpoch };
        this.send(from, { type: 'vote', round: this.round, vote: current, state: this.stateValue });
      }
      return;
    }
    if (state === 'looking') {
      if (!fromVoter) return;
      if (this.isObserver) return;
      if (round > this.round) {
        this.round = round;
        this.received.clear();
        this.vote = isBetterVote(vote, this.initialVote()) ? vote : this.initialVote();
        this.received.set(this.config.myId, this.vote);
        this.broadcastVote();
      } else if (round < this.round) {
        // A peer in an older round: tell it where we are.
        this.send(from, { type: 'vote', round: this.round, vote: this.vote, state: 'looking' });
        return;
      } else if (isBetterVote(vote, this.vote)) {
        this.vote = vote;
        this.received.set(this.config.myId, this.vote);
        this.broadcastVote();
      }
      this.received.set(from, vote);
      this.decisionPending = this.hasQuorum([...this.received].filter(([, v]) => sameVote(v, this.vote)).map(([id]) => id));
      // Every voter agrees: no better vote can come, decide now (ZooKeeper still waits finalizeWait; we need not).
      if (this.decisionPending && this.config.voters.every((id) => this.received.has(id) && sameVote(this.received.get(id) as Vote, this.vote))) this.finishElection();
      return;
    }
    // A member that is following or leading: join the leader a quorum of voters already follows.
    if (!fromVoter) return;
    this.outOfElection.set(from, { vote, state });
    const supporters = [...this.outOfElection].filter(([, v]) => v.vote.leader === vote.leader).map(([id]) => id);
    const leaderClaims = vote.leader === from ? state === 'leading' : this.outOfElection.get(vote.leader)?.state === 'leading';
    if (this.tickCount < this.rejoinNotBeforeTick) return;
    if (this.hasQuorum(supporters.includes(vote.leader) ? supporters : [...supporters, ...(leaderClaims ? [vote.leader] : [])]) && leaderClaims) {
      this.round = Math.max(this.round, round);
      this.vote = vote;
      this.becomeLearner(vote.leader);
    }
  }

  private finishElection(): void {
    this.decisionPending = false;
    if (this.vote.leader === this.config.myId) this.becomeLeader();
    else this.becomeLearner(this.vote.leader);
  }

  // ------------------------------------------------------------------ leading

  private becomeLeader(): void {
    this.engine.setReadOnly(false);
    this.setState('leading');
    this.leaderId = this.config.myId;
    this.leaderPhase = 'discovery';
    this.learners.clear();
    this.proposals.length = 0;
    this.syncWaiters.length = 0;
    this.phaseStartTick = this.tickCount;
    // The new leader's whole log is the initial history of its epoch: commit what it logged but never applied.
    for (const txn of this.storage.readLogAfter(this.engine.lastProcessedZxid)) this.engine.applyCommitted(txn);
    this.lastLoggedZxid = this.engine.lastProcessedZxid;
    this.maybeFinishDiscovery();
  }

  private onLeaderMessage(from: number, message: PeerMessage): void {
    const learner = this.learners.get(from);
    if (learner !== undefined) learner.lastHeardTick = this.tickCount;
    switch (message.type) {
      case 'followerInfo': {
        if (this.leaderPhase !== 'discovery' && message.acceptedEpoch > this.newEpoch) {
          // It promised a later epoch than ours (it led, or followed, a discovery that never established): it will
          // refuse our LEADERINFO (Learner.registerWithLeader) and, if we stayed, retry and refuse forever (recipes'
          // counter and queue seed 34). Our epoch was picked without its promise; a new election's discovery takes it
          // into account (Leader.getEpochToPropose: the max of the connecting learners' accepted epochs, plus one), and
          // since our own accepted epoch is already newEpoch, each such round raises the epoch: it converges.
          this.stepDown(`learner ${from} accepted epoch ${message.acceptedEpoch} > ours ${this.newEpoch}`);
          return;
        }
        const observer = message.observer || this.config.observers.includes(from);
        const handle: LearnerHandle = { id: from, observer, acceptedEpoch: message.acceptedEpoch, lastZxid: undefined, truncateFloor: message.truncateFloor, syncSent: false, newLeaderZxid: 0n, synced: false, upToDate: false, lastHeardTick: this.tickCount, connection: message.connection };
        this.learners.set(from, handle);
        // A new connection: what the learner acked on an earlier one no longer counts, since its sync may truncate
        // those txns (a TRUNC to our last commit drops the proposals in flight, which are then sent again). Its
        // NEWLEADER ack on this connection acknowledges them anew.
        for (const proposal of this.proposals) proposal.acks.delete(from);
        if (this.leaderPhase === 'discovery') this.maybeFinishDiscovery();
        else this.send(from, { type: 'leaderInfo', newEpoch: this.newEpoch });
        return;
      }
      case 'ackEpoch': {
        if (learner === undefined) return;
        learner.lastZxid = message.lastZxid;
        if (this.leaderPhase === 'synchronisation' || this.leaderPhase === 'broadcast') this.syncLearner(learner);
        return;
      }
      case 'ackNewLeader': {
        if (learner === undefined || message.epoch !== this.newEpoch) return;
        learner.synced = true;
        if (this.leaderPhase === 'synchronisation') this.maybeEstablish();
        else if (this.leaderPhase === 'broadcast' && !learner.upToDate) {
          learner.upToDate = true;
          this.send(from, { type: 'upToDate' });
        }
        // A NEWLEADER ack also acknowledges everything the sync carried and every proposal sent before it, and no
        // more: a proposal made after NEWLEADER went out may not have reached the learner yet (it acks those itself).
        // Counting up to the last proposal at the time the ack arrived committed txns the learner never logged (recipes'
        // queue seed 15: the leader lost its quorum and the next leader's history ended before them).
        this.recordAck(from, learner.newLeaderZxid);
        return;
      }
      case 'ack':
        if (learner === undefined || learner.observer) return;
        this.recordAck(from, message.zxid);
        return;
      case 'forward':
        if (this.leaderPhase !== 'broadcast') return;
        this.submitWrite(message.intent);
        return;
      case 'syncRequest':
        this.queueSync(from, message.requestId);
        return;
      case 'ping':
        for (const sessionId of message.touched) this.engine.touchRemoteSession(sessionId);
        return;
      case 'revalidate': {
        if (learner === undefined || !learner.syncSent) return;
        const valid = this.engine.isSessionLive(message.sessionId);
        if (valid) {
          this.sessionOwners.set(message.sessionId, from);
          this.engine.touchRemoteSession(message.sessionId);
        }
        this.send(from, { type: 'revalidated', requestId: message.requestId, valid });
        return;
      }
      default:
        return;
    }
  }

  /** WriteCoordinator: a client reattaching here; the leader decides and records this member as the owner. */
  revalidate(sessionId: bigint, requestId: number): void {
    if (this.stateValue === 'leading') {
      const valid = this.engine.isSessionLive(sessionId);
      if (valid) this.sessionOwners.set(sessionId, this.config.myId);
      this.engine.completeRevalidation(requestId, valid);
    } else if (this.leaderId !== undefined && this.learnerPhase === 'broadcast') {
      this.send(this.leaderId, { type: 'revalidate', sessionId, requestId });
    } else {
      this.engine.completeRevalidation(requestId, false);
    }
  }

  /** Discovery: a quorum of voters (this leader included) reported their accepted epochs. */
  private maybeFinishDiscovery(): void {
    const voters = [this.config.myId, ...[...this.learners.values()].filter((l) => !l.observer).map((l) => l.id)];
    if (!this.hasQuorum(voters)) return;
    const epochs = [this.acceptedEpoch, ...[...this.learners.values()].map((l) => l.acceptedEpoch)];
    this.newEpoch = Math.max(...epochs) + 1;
    this.acceptedEpoch = this.newEpoch;
    this.storage.setAcceptedEpoch(this.newEpoch);
    this.leaderPhase = 'synchronisation';
    this.phaseStartTick = this.tickCount;
    for (const learner of this.learners.values()) this.send(learner.id, { type: 'leaderInfo', newEpoch: this.newEpoch });
  }

  /** Bring one learner to this leader's history, then ask it to accept the new epoch. */
  private syncLearner(learner: LearnerHandle): void {
    if (learner.syncSent || learner.lastZxid === undefined) return;
    const leaderZxid = this.engine.lastProcessedZxid;
    const theirs = learner.lastZxid;
    // Only committed txns go into a sync; proposals still in flight follow it as proposals.
    const logged = this.storage.readLogAfter(0n).filter((t) => t.zxid <= leaderZxid);
    const history = new Set(logged.map((t) => t.zxid));
    const logStart = logged[0]?.zxid;
    let mode: SyncMode;
    let truncateTo = 0n;
    let txns: Txn[] = [];
    if (theirs === leaderZxid) {
      mode = 'diff';
    } else if (theirs > leaderZxid) {
      // The learner logged proposals this leader never saw: they were never committed.
      mode = 'trunc';
      truncateTo = leaderZxid;
    } else if (theirs === 0n && logStart === 1n) {
      mode = 'diff';
      txns = logged;
    } else if (logStart !== undefined && theirs >= logStart && history.has(theirs)) {
      mode = 'diff';
      txns = logged.filter((t) => t.zxid > theirs);
    } else if (logStart !== undefined && theirs >= logStart) {
      // It holds txns from an old epoch this history does not have: cut back to our last zxid before them.
      mode = 'truncDiff';
      truncateTo = logged.filter((t) => t.zxid < theirs).at(-1)?.zxid ?? 0n;
      txns = logged.filter((t) => t.zxid > truncateTo);
    } else {
      mode = 'snap';
    }
    if ((mode === 'diff' || mode === 'truncDiff') && txns.length > this.config.diffTxnsMax) mode = 'snap';
    // Below its newest snapshot a learner cannot truncate (the snapshot holds what lies beyond, e.g. the uncommitted
    // log of a leader that never established its epoch and sent it a SNAP): replace its state instead (seed 104880).
    if ((mode === 'trunc' || mode === 'truncDiff') && truncateTo < learner.truncateFloor) mode = 'snap';
    const snapshot = mode === 'snap' ? this.engine.database.toSnapshot() : undefined;
    if (mode === 'snap') txns = [];
    this.send(learner.id, { type: 'sync', mode, truncateTo, snapshot, txns });
    this.events.push({ type: 'sync', learner: learner.id, mode, txns: txns.length });
    // Proposals still in flight follow the sync, so the learner ends at the leader's last proposal.
    for (const proposal of this.proposals) {
      if (learner.observer) continue;
      this.send(learner.id, { type: 'proposal', txn: proposal.txn });
    }
    this.send(learner.id, { type: 'newLeader', epoch: this.newEpoch });
    learner.newLeaderZxid = this.lastProposedZxid();
    learner.syncSent = true;
  }

  /** Synchronisation is done when a quorum of voters acknowledged NEWLEADER: the epoch is established. */
  private maybeEstablish(): void {
    const synced = [this.config.myId, ...[...this.learners.values()].filter((l) => l.synced && !l.observer).map((l) => l.id)];
    if (!this.hasQuorum(synced)) return;
    this.currentEpoch = this.newEpoch;
    this.storage.setCurrentEpoch(this.newEpoch);
    this.storage.flush();
    this.leaderPhase = 'broadcast';
    this.proposalCounter = 0;
    for (const learner of this.learners.values()) {
      if (!learner.synced) continue;
      learner.upToDate = true;
      this.send(learner.id, { type: 'upToDate' });
    }
    this.engine.setRole('leader', this);
    this.engine.setServing(true);
    this.events.push({ type: 'established', epoch: this.newEpoch, leader: this.config.myId });
  }

  /** WriteCoordinator for the leader: prepare, stamp a zxid of this epoch, log, propose. */
  submitWrite(intent: WriteIntent): void {
    this.order(intent);
    this.actOnMembership();
  }

  private order(intent: WriteIntent): void {
    if (this.removed) return;
    if (this.stateValue === 'following' || this.stateValue === 'observing') {
      if (this.leaderId !== undefined && this.learnerPhase === 'broadcast') this.send(this.leaderId, { type: 'forward', intent });
      return;
    }
    if (this.stateValue !== 'leading' || this.leaderPhase !== 'broadcast') return;
    this.proposalCounter++;
    assert(this.proposalCounter < 0xffff_ffff, 'zxid counter exhausted: a new epoch is needed');
    const zxid = zxidOf(this.currentEpoch, this.proposalCounter);
    const owner = this.sessionOwners.get(intent.sessionId);
    const moved = intent.origin !== undefined && intent.op.kind === 'request' && owner !== undefined && owner !== intent.origin.memberId;
    // A write through a member the session has left: SESSIONMOVED (PrepRequestProcessor's checkSession with owner).
    const body = moved ? { type: 'error' as const, err: -118 } : this.engine.prepare(intent, zxid);
    if (intent.op.kind === 'createSession' && intent.origin !== undefined) this.sessionOwners.set(intent.sessionId, intent.origin.memberId);
    const txn: Txn = { zxid, timeMs: this.engine.nowMs(), sessionId: intent.sessionId, body, origin: intent.origin };
    this.storage.append(txn);
    this.storage.flush();
    this.lastLoggedZxid = zxid;
    const newVoters = body.type === 'reconfig' ? membershipOf(body.servers.map(parseServerLine)).voters : undefined;
    const quorums = [this.config.voters, ...this.proposals.flatMap((p) => (p.newVoters === undefined ? [] : [p.newVoters])), ...(newVoters === undefined ? [] : [newVoters])];
    this.proposals.push({ txn, acks: new Set([this.config.myId]), quorums, newVoters });
    for (const learner of this.learners.values()) {
      if (learner.syncSent && !learner.observer) this.send(learner.id, { type: 'proposal', txn });
    }
    this.tryCommit();
  }

  submitSync(requestId: number): void {
    if (this.stateValue === 'leading') {
      this.queueSync(undefined, requestId);
      return;
    }
    if (this.leaderId !== undefined && this.learnerPhase === 'broadcast') this.send(this.leaderId, { type: 'syncRequest', requestId });
  }

  private queueSync(learner: number | undefined, requestId: number): void {
    const zxid = this.lastProposedZxid();
    if (zxid <= this.engine.lastProcessedZxid) this.answerSync(learner, requestId);
    else this.syncWaiters.push({ zxid, learner, requestId });
  }

  private answerSync(learner: number | undefined, requestId: number): void {
    if (learner === undefined) this.engine.completeSync(requestId);
    else this.send(learner, { type: 'syncReply', requestId });
  }

  private lastProposedZxid(): bigint {
    return this.proposals.at(-1)?.txn.zxid ?? this.engine.lastProcessedZxid;
  }

  /** Acks are cumulative: a learner acks proposals in order over a FIFO link. */
  private recordAck(from: number, zxid: bigint): void {
    for (const proposal of this.proposals) {
      if (proposal.txn.zxid > zxid) break;
      proposal.acks.add(from);
    }
    this.tryCommit();
  }

  /** Commit proposals in zxid order while the oldest has a quorum of voters. */
  private tryCommit(): void {
    if (this.leaderPhase !== 'broadcast') return;
    while (this.proposals.length > 0) {
      const oldest = this.proposals[0] as Proposal;
      if (this.config.brokenMode !== 'commitWithoutQuorum' && !oldest.quorums.every((voters) => majorityOf(voters, [...oldest.acks]))) break;
      this.proposals.shift();
      const txn = oldest.txn;
      for (const learner of this.learners.values()) {
        if (!learner.syncSent) continue;
        this.send(learner.id, learner.observer ? { type: 'inform', txn } : { type: 'commit', zxid: txn.zxid });
      }
      this.engine.applyCommitted(txn);
      this.events.push({ type: 'committed', zxid: txn.zxid });
      while (this.syncWaiters.length > 0 && (this.syncWaiters[0] as { zxid: bigint }).zxid <= txn.zxid) {
        const waiter = this.syncWaiters.shift() as { zxid: bigint; learner: number | undefined; requestId: number };
        this.answerSync(waiter.learner, waiter.requestId);
      }
    }
  }

  private leaderTick(): void {
    // A learner silent for longer than its limit is dropped, as ZooKeeper's LearnerHandler is when its socket read
    // times out (syncLimit once synced, initLimit before): it no longer counts as synced, e.g. for a reconfig's quorum.
    for (const learner of [...this.learners.values()]) {
      const limit = learner.synced ? this.config.syncLimitTicks : this.config.initLimitTicks;
      if (this.tickCount - learner.lastHeardTick > limit) {
        this.learners.delete(learner.id);
        this.events.push({ type: 'stepDown', reason: `dropped learner ${learner.id}: silent for ${this.tickCount - learner.lastHeardTick} ticks` });
      }
    }
    for (const learner of this.learners.values()) if (learner.syncSent) this.send(learner.id, { type: 'ping', touched: [] });
    this.inviteAbsentMembers();
    if (this.leaderPhase !== 'broadcast') {
      if (this.tickCount - this.phaseStartTick > this.config.initLimitTicks) this.stepDown(`no quorum synced within initLimit (${this.config.initLimitTicks} ticks)`);
      return;
    }
    const alive = [this.config.myId, ...[...this.learners.values()].filter((l) => l.synced && !l.observer && this.tickCount - l.lastHeardTick <= this.config.syncLimitTicks).map((l) => l.id)];
    if (!this.hasQuorum(alive)) this.stepDown(`lost the quorum (heard from ${alive.join(',')} within syncLimit)`);
  }

  private stepDown(reason: string): void {
    this.events.push({ type: 'stepDown', reason });
    this.startElection();
  }

  // ------------------------------------------------------------------ following and observing

  private becomeLearner(leader: number): void {
    // The election is over: ZooKeeper shuts its read-only server down here, before syncing.
    this.engine.setReadOnly(false);
    this.setState(this.isObserver ? 'observing' : 'following');
    this.leaderId = leader;
    this.learnerPhase = 'discovery';
    this.lastHeardFromLeaderTick = this.tickCount;
    this.pendingProposals.length = 0;
    this.connectionId++;
    this.ackedNewLeader = false;
    this.sendFollowerInfo();
  }

  private sendFollowerInfo(): void {
    if (this.leaderId === undefined) return;
    this.send(this.leaderId, { type: 'followerInfo', acceptedEpoch: this.acceptedEpoch, lastZxid: this.lastLoggedZxid, observer: this.isObserver, connection: this.connectionId, truncateFloor: this.storage.snapshotZxid });
  }

  private onLearnerMessage(from: number, message: PeerMessage): void {
    if (from !== this.leaderId) return;
    // Only what a leader sends counts as hearing from the leader: a learner's message from "our leader" means it
    // is not leading (two members that each followed the other kept each other alive this way; seed 103394).
    if (learnerOnlyMessages.has(message.type)) return;
    this.lastHeardFromLeaderTick = this.tickCount;
    switch (message.type) {
      case 'leaderInfo': {
        if (message.newEpoch < this.acceptedEpoch) {
          // We promised a later epoch (Learner.registerWithLeader refuses too). Back off: rejoining at once would
          // loop at one instant, where ZooKeeper's election timeouts pace the same loop.
          this.stepDown(`leader ${from} offered epoch ${message.newEpoch} < accepted ${this.acceptedEpoch}`);
          this.rejoinNotBeforeTick = this.tickCount + 2;
          return;
        }
        if (message.newEpoch > this.acceptedEpoch) {
          this.acceptedEpoch = message.newEpoch;
          this.storage.setAcceptedEpoch(message.newEpoch);
        }
        this.learnerPhase = 'synchronisation';
        this.send(from, { type: 'ackEpoch', currentEpoch: this.currentEpoch, lastZxid: this.lastLoggedZxid });
        return;
      }
      case 'sync':
        this.applySync(message.mode, message.truncateTo, message.snapshot, message.txns);
        return;
      case 'newLeader':
        this.currentEpoch = message.epoch;
        this.storage.setCurrentEpoch(message.epoch);
        this.storage.flush();
        this.send(from, { type: 'ackNewLeader', epoch: message.epoch });
        this.ackedNewLeader = true;
        return;
      case 'upToDate':
        if (!this.isMember()) {
          // Synced a configuration that leaves this member out (it rejoined on a stale invitation): leave again.
          this.membershipAction = 'removed';
          return;
        }
        this.learnerPhase = 'broadcast';
        this.engine.setRole(this.isObserver ? 'observer' : 'follower', this);
        this.engine.setServing(true);
        return;
      case 'proposal': {
        this.storage.append(message.txn);
        // The ack promises the txn survives a crash: durable first (SyncRequestProcessor before SendAckRequestProcessor).
        if (this.config.brokenMode === 'ackBeforeFlush') this.flushOwed = true;
        else this.storage.flush();
        this.lastLoggedZxid = message.txn.zxid;
        this.pendingProposals.push(message.txn);
        // Before NEWLEADER its ack covers these; after it (UPTODATE may not have come yet) each is acked.
        if (this.ackedNewLeader) this.send(from, { type: 'ack', zxid: message.txn.zxid });
        return;
      }
      case 'commit': {
        const next = this.pendingProposals.shift();
        assert(next !== undefined && next.zxid === message.zxid, `member ${this.config.myId}: commit 0x${message.zxid.toString(16)} but next pending is 0x${next?.zxid.toString(16)}`);
        this.engine.applyCommitted(next);
        this.events.push({ type: 'committed', zxid: next.zxid });
        return;
      }
      case 'inform': {
        this.storage.append(message.txn);
        this.storage.flush();
        this.lastLoggedZxid = message.txn.zxid;
        this.engine.applyCommitted(message.txn);
        this.events.push({ type: 'committed', zxid: message.txn.zxid });
        return;
      }
      case 'syncReply':
        this.engine.completeSync(message.requestId);
        return;
      case 'revalidated':
        this.engine.completeRevalidation(message.requestId, message.valid);
        return;
      case 'ping':
        this.send(from, { type: 'ping', touched: this.engine.drainTouchedSessions() });
        return;
      default:
        return;
    }
  }

  /** Take the leader's history: truncate what it never had, then its diff or its snapshot. */
  private applySync(mode: SyncMode, truncateTo: bigint, snapshot: Snapshot | undefined, txns: Txn[]): void {
    if ((mode === 'trunc' || mode === 'truncDiff') && this.config.brokenMode !== 'ignoreTruncate') {
      this.storage.truncateAfter(truncateTo);
      this.rebuildFromStorage();
    }
    if (mode === 'snap') {
      assert(snapshot !== undefined, 'SNAP sync without a snapshot');
      // One storage step, crash-safe (Storage.installSnapshot): a crash inside never leaves this member without
      // what it logged and acked (dropping the log first and saving the snapshot after lost it all).
      this.storage.installSnapshot(snapshot);
      this.engine.replaceDatabase(Database.fromSnapshot(snapshot));
    } else {
      // A DIFF means everything this learner logged is in the leader's history, so it is committed:
      // apply what was logged here but never applied (its COMMIT was lost with the old leader).
      for (const txn of this.storage.readLogAfter(this.engine.lastProcessedZxid)) this.engine.applyCommitted(txn);
    }
    for (const txn of txns) {
      if (txn.zxid <= this.engine.lastProcessedZxid) continue;
      this.storage.append(txn);
      this.engine.applyCommitted(txn);
    }
    this.storage.flush();
    this.lastLoggedZxid = this.engine.lastProcessedZxid;
    this.pendingProposals.length = 0;
  }

  /** After a truncation the database must hold exactly the log: rebuild it from storage. */
  private rebuildFromStorage(): void {
    const recovered = this.storage.recover();
    const database = recovered.snapshot === undefined ? new Database() : Database.fromSnapshot(recovered.snapshot);
    for (const txn of recovered.txns) if (txn.zxid > database.lastProcessedZxid) database.applyTxn(txn);
    this.engine.replaceDatabase(database);
    this.lastLoggedZxid = database.lastProcessedZxid;
  }

  private learnerTick(): void {
    const limit = this.learnerPhase === 'broadcast' ? this.config.syncLimitTicks : this.config.initLimitTicks;
    if (this.tickCount - this.lastHeardFromLeaderTick > limit) {
      this.stepDown(`no word from leader ${this.leaderId} for ${this.tickCount - this.lastHeardFromLeaderTick} ticks`);
      return;
    }
    if (this.learnerPhase === 'discovery') this.sendFollowerInfo();
  }

  // ------------------------------------------------------------------ connections

  /**
   * The stream from `from` as TCP would deliver it: a duplicate is dropped; a
   * hole (a lost or overtaken message) breaks the connection, and what was
   * built on it is torn down exactly as when a socket dies.
   */
  private acceptInOrder(envelope: Envelope): boolean {
    if (envelope.seq === undefined) return true;
    const incarnation = envelope.incarnation ?? 0;
    const expected = this.expectedSeq.get(envelope.from);
    if (expected === undefined || expected.incarnation !== incarnation) {
      // A new incarnation of the sender: a new connection starts at whatever number arrives.
      if (expected !== undefined) this.connectionBroken(envelope.from, 'the peer restarted');
      this.expectedSeq.set(envelope.from, { incarnation, next: envelope.seq + 1 });
      return true;
    }
    if (envelope.seq < expected.next) return false;
    if (envelope.seq > expected.next) this.connectionBroken(envelope.from, `message ${expected.next} lost or overtaken`);
    expected.next = envelope.seq + 1;
    return true;
  }

  /**
   * The connection to `peer` closed: its process died and the kernel closed its sockets, so unlike a
   * partition (silence, noticed after syncLimit ticks) a follower of it steps down at once, and a leader drops it.
   */
  linkClosed(peer: number): void {
    this.connectionBroken(peer, 'connection closed');
    this.expectedSeq.delete(peer);
  }

  private connectionBroken(peer: number, reason: string): void {
    if ((this.stateValue === 'following' || this.stateValue === 'observing') && peer === this.leaderId) {
      this.stepDown(`connection to leader ${peer} broken: ${reason}`);
    } else if (this.stateValue === 'leading' && this.learners.delete(peer)) {
      this.events.push({ type: 'stepDown', reason: `dropped learner ${peer}: ${reason}` });
    }
  }

  // ------------------------------------------------------------------ reconfiguration

  /** WriteCoordinator: a quorum of `voters` connected and synced with this leader (Leader.isQuorumSynced). */
  isQuorumSynced(voters: readonly number[]): boolean {
    if (this.stateValue !== 'leading' || this.leaderPhase !== 'broadcast') return false;
    const synced = [this.config.myId, ...[...this.learners.values()].filter((l) => l.synced && !l.observer && this.tickCount - l.lastHeardTick <= this.config.syncLimitTicks).map((l) => l.id)];
    return majorityOf(voters, synced);
  }

  /** A committed configuration (applied here, or arrived in a snapshot): switch to it. */
  private membershipChanged(membership: EnsembleMembership, version: bigint): void {
    this.config = { ...this.config, voters: membership.voters, observers: membership.observers };
    this.events.push({ type: 'reconfigured', version, voters: membership.voters, observers: membership.observers });
    const myId = this.config.myId;
    if (!membership.voters.includes(myId) && !membership.observers.includes(myId)) {
      this.membershipAction = 'removed';
      return;
    }
    // Removed and re-added within one input (a learner syncing both configurations at once): it stays a member.
    if (this.membershipAction === 'removed') this.membershipAction = undefined;
    const observer = membership.observers.includes(myId);
    if (observer !== this.isObserver) {
      this.isObserver = observer;
      this.membershipAction = 'roleChanged';
    }
    if (this.stateValue === 'leading') {
      this.inviteUntilTick = this.tickCount + this.config.initLimitTicks;
      this.inviteAbsentMembers();
      for (const learner of this.learners.values()) {
        if (membership.voters.includes(learner.id)) learner.observer = false;
        else if (membership.observers.includes(learner.id)) learner.observer = true;
      }
    }
  }

  /**
   * After the input that committed a reconfig: a member left out stops taking part; one whose role
   * changed rejoins in its new role (ZooKeeper restarts its peer in the new role the same way).
   */
  private actOnMembership(): void {
    const action = this.membershipAction;
    if (action === undefined) return;
    this.membershipAction = undefined;
    if (action === 'removed') {
      this.events.push({ type: 'stepDown', reason: 'removed from the configuration' });
      this.removed = true;
      this.setState('looking');
      this.leaderId = undefined;
      this.learners.clear();
      this.proposals.length = 0;
      this.engine.setServing(false);
      return;
    }
    this.stepDown(`role changed to ${this.isObserver ? 'observer' : 'participant'}`);
  }

  /**
   * A removed member invited back by a leader: follow it. If the configuration it syncs does not include this
   * member after all (an invitation from an older configuration), it leaves again once up to date.
   */
  private rejoin(leader: number): void {
    this.removed = false;
    this.membershipAction = undefined;
    this.events.push({ type: 'state', state: 'looking', round: this.round });
    this.becomeLearner(leader);
  }

  /**
   * For initLimit ticks after a configuration change, the leader tells every member of it that is not its
   * learner which leader to follow: a member removed earlier and now re-added (which takes no part in
   * elections while removed) learns it this way, as ZooKeeper's removed server learns it from election
   * notifications carrying the newer configuration.
   */
  private inviteAbsentMembers(): void {
    if (this.tickCount > this.inviteUntilTick) return;
    const vote: Vote = { leader: this.config.myId, zxid: this.vote.zxid, peerEpoch: this.currentEpoch };
    for (const id of this.everyoneElse()) if (!this.learners.has(id)) this.send(id, { type: 'vote', round: this.round, vote, state: 'leading' });
  }

  private isMember(): boolean {
    return this.config.voters.includes(this.config.myId) || this.config.observers.includes(this.config.myId);
  }

  /** True while this member is out of the configuration. */
  get isRemoved(): boolean {
    return this.removed;
  }

  /** Leading: the learners in the broadcast phase, by id (ZooKeeper's mntr zk_synced_followers counts the voters among them). */
  get upToDateLearners(): number[] {
    if (this.stateValue !== 'leading') return [];
    return [...this.learners.values()].filter((l) => l.upToDate).map((l) => l.id).sort((a, b) => a - b);
  }

  // ------------------------------------------------------------------ helpers

  private hasQuorum(ids: readonly number[]): boolean {
    const voters = new Set(this.config.voters);
    const counted = new Set(ids.filter((id) => voters.has(id)));
    return counted.size * 2 > voters.size;
  }

  private everyoneElse(): number[] {
    return [...this.config.voters, ...this.config.observers].filter((id) => id !== this.config.myId);
  }

  private send(to: number, message: PeerMessage): void {
    const incarnation = this.config.incarnation ?? 0;
    const toIncarnation = this.peerIncarnation.get(to) ?? 0;
    if (message.type === 'vote') {
      this.outbox.push({ from: this.config.myId, to, message, incarnation, toIncarnation });
    } else {
      const seq = (this.sentSeq.get(to) ?? 0) + 1;
      this.sentSeq.set(to, seq);
      const connection = this.stateValue === 'leading' ? this.learners.get(to)?.connection : undefined;
      this.outbox.push({ from: this.config.myId, to, message, seq, incarnation, toIncarnation, ...(connection === undefined ? {} : { connection }) });
    }
    this.onOutbox?.();
  }

  /** Called whenever the outbox gains a message, so a driver can drain it (for example in a microtask). */
  onOutbox: (() => void) | undefined;

  private setState(state: PeerState): void {
    this.stateValue = state;
  }

  /** Whole-member checks: the log and the database agree on what is committed. */
  checkInvariants(): void {
    this.engine.checkInvariants();
    assert(this.lastLoggedZxid >= this.engine.lastProcessedZxid, `member ${this.config.myId}: logged 0x${this.lastLoggedZxid.toString(16)} behind applied 0x${this.engine.lastProcessedZxid.toString(16)}`);
    assert(this.currentEpoch <= this.acceptedEpoch, `member ${this.config.myId}: current epoch ${this.currentEpoch} > accepted ${this.acceptedEpoch}`);
    if (this.stateValue === 'leading' && this.leaderPhase === 'broadcast') {
      assert(epochOf(this.lastProposedZxid()) <= this.currentEpoch, `leader ${this.config.myId}: proposal from a future epoch`);
      assert(counterOf(this.lastProposedZxid()) >= 0, 'negative counter');
    }
  }
}

/** More than half of `voters` are among `ids`. */
function majorityOf(voters: readonly number[], ids: readonly number[]): boolean {
  const voting = new Set(voters);
  const counted = new Set(ids.filter((id) => voting.has(id)));
  return counted.size * 2 > voting.size;
}

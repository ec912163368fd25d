import type { Snapshot, Txn, WriteIntent } from '@vivarium/store';

export type PeerState = 'looking' | 'following' | 'leading' | 'observing';

/** A vote: who should lead, and the credentials it was chosen on (ZooKeeper's Vote). */
export interface Vote {
  leader: number;
  zxid: bigint;
  peerEpoch: number;
}

/**
 * Everything members say to each other: fast leader election notifications,
 * ZAB discovery and synchronisation, broadcast, and the follower plumbing
 * (forwarded writes, syncs, pings carrying session touches). Plain data.
 */
export type PeerMessage =
  | { type: 'vote'; round: number; vote: Vote; state: PeerState }
  /**
   * truncateFloor: the lowest zxid this learner's storage can be truncated to (its newest snapshot: the state
   * cannot be rebuilt below it). A leader whose sync would truncate below it sends a SNAP instead.
   */
  | { type: 'followerInfo'; acceptedEpoch: number; lastZxid: bigint; observer: boolean; connection: number; truncateFloor: bigint }
  | { type: 'leaderInfo'; newEpoch: number }
  | { type: 'ackEpoch'; currentEpoch: number; lastZxid: bigint }
  | { type: 'sync'; mode: SyncMode; truncateTo: bigint; snapshot: Snapshot | undefined; txns: Txn[] }
  | { type: 'newLeader'; epoch: number }
  | { type: 'ackNewLeader'; epoch: number }
  | { type: 'upToDate' }
  | { type: 'proposal'; txn: Txn }
  | { type: 'ack'; zxid: bigint }
  | { type: 'commit'; zxid: bigint }
  | { type: 'inform'; txn: Txn }
  | { type: 'forward'; intent: WriteIntent }
  | { type: 'syncRequest'; requestId: number }
  | { type: 'syncReply'; requestId: number }
  | { type: 'ping'; touched: bigint[] }
  | { type: 'revalidate'; sessionId: bigint; requestId: number }
  | { type: 'revalidated'; requestId: number; valid: boolean };

/** How a learner is brought up to date (ZooKeeper's LearnerHandler.syncFollower). */
export type SyncMode = 'diff' | 'truncDiff' | 'trunc' | 'snap';

export interface Envelope {
  from: number;
  to: number;
  message: PeerMessage;
  /**
   * ZAB messages (everything but votes) travel as if on one TCP connection per
   * pair: numbered per link within the sender's incarnation, so a receiver sees
   * a lost, duplicated or reordered message as what it would be on TCP, a
   * broken connection, and never acts on a stream with a hole in it.
   */
  seq?: number;
  incarnation?: number;
  /** The receiver's incarnation as the sender last heard it (0: never heard from it). A restarted member drops what was meant for its previous run. */
  toIncarnation?: number;
  /** On leader-to-learner messages: the learner connection (from its FOLLOWERINFO) they belong to. */
  connection?: number;
}

export function zxidOf(epoch: number, counter: number): bigint {
  return (BigInt(epoch) << 32n) | BigInt(counter);
}

export function epochOf(zxid: bigint): number {
  return Number(zxid >> 32n);
}

export function counterOf(zxid: bigint): number {
  return Number(zxid & 0xffff_ffffn);
}

/** Fast leader election's order: higher epoch, then higher zxid, then higher server id. */
export function isBetterVote(candidate: Vote, current: Vote): boolean {
  if (candidate.peerEpoch !== current.peerEpoch) return candidate.peerEpoch > current.peerEpoch;
  if (candidate.zxid !== current.zxid) return candidate.zxid > current.zxid;
  return candidate.leader > current.leader;
}

export function sameVote(a: Vote, b: Vote): boolean {
  return a.leader === b.leader && a.zxid === b.zxid && a.peerEpoch === b.peerEpoch;
}

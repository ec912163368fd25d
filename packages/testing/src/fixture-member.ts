import type { EnsembleMember } from '@vivarium/server';
import type { DataTree, Engine, InMemoryStorage } from '@vivarium/store';
import { FixtureError } from './fixture-error.ts';
import type { TraceFold } from './trace-fold.ts';

/** One member of an ensemble fixture, by its ZooKeeper server id (1-based, as `myid` and `server.N`). */
export class FixtureMember {
  readonly id: number;
  readonly observer: boolean;
  /** The ensemble's seed, for messages (matchers print it). */
  readonly seed: number;
  private readonly member: EnsembleMember;
  private readonly fold: TraceFold;
  private readonly leaderLookup: () => number | undefined;

  constructor(member: EnsembleMember, context: { fold: TraceFold; seed: number; leaderId: () => number | undefined }) {
    this.member = member;
    this.id = member.id;
    this.observer = member.observer;
    this.fold = context.fold;
    this.seed = context.seed;
    this.leaderLookup = context.leaderId;
  }

  /** The id of the member leading now, if any (the same for every member of one ensemble). */
  get currentLeaderId(): number | undefined {
    return this.leaderLookup();
  }

  /** Leading an established epoch and serving clients. */
  get isLeader(): boolean {
    return this.member.isLeader;
  }

  /** In the broadcast phase with a quorum: answers clients. */
  get isServing(): boolean {
    return this.member.isServing;
  }

  get isRunning(): boolean {
    return this.member.isRunning;
  }

  /** 'looking' | 'following' | 'leading' | 'observing' | 'down'. */
  get state(): string {
    return this.member.state;
  }

  /** This member's engine (its replica of the database). Throws while the member is down. */
  get engine(): Engine {
    if (!this.member.isRunning) throw new FixtureError(`member ${this.id} is down: it has no engine (restart() it first)`, this.seed);
    return this.member.engine;
  }

  /** This member's znode tree, for assertions (`expect(member).toHaveNode('/a')`). Throws while the member is down. */
  get tree(): DataTree {
    return this.engine.database.tree;
  }

  /** Durable storage: survives stop/crash/restart; a crash loses what was not flushed. */
  get storage(): InMemoryStorage {
    return this.member.storage;
  }

  /** The underlying ensemble member, for what the fixture does not wrap. */
  get raw(): EnsembleMember {
    return this.member;
  }

  /** A clean stop: everything flushed, connections closed (their clients move to another member). */
  stop(): void {
    this.fold.add(`member ${this.id} stop`);
    this.member.stop();
  }

  /** A crash: what the member had not flushed to storage is lost, as after a power cut. */
  crash(): void {
    this.fold.add(`member ${this.id} crash`);
    this.member.crash();
  }

  /** Start again from this member's storage; it rejoins (and syncs with) the ensemble. */
  restart(): void {
    this.fold.add(`member ${this.id} restart`);
    this.member.restart();
  }

  toString(): string {
    return `member ${this.id} (${this.state})`;
  }
}

/**
 * ZooKeeper's election timing for a member, so that electing and joining a
 * leader does not wait for ticks (tickTime is 2 s by default) where ZooKeeper
 * does not: once a quorum agrees on a vote, decide after finalizeWait (200 ms)
 * with no better vote (FastLeaderElection); while looking and unsettled, resend
 * the vote after 200 ms, doubling up to a tick (its notification timeout, which
 * doubles up to maxNotificationInterval); a learner whose FOLLOWERINFO reached a
 * leader still deciding resends it the same way (ZooKeeper's follower redials).
 *
 * The peer stays a pure state machine: it says what it waits for
 * (electionDecisionPending, awaitingAnswer) and the pacer calls it back on the
 * host's clock. One pacer serves every host: the in-process ensemble on its
 * manual or system clock, and real-time members on worker threads and TCP.
 */
import type { Scheduler } from '@vivarium/client';
import type { QuorumPeer } from '@vivarium/ensemble';

export const finalizeWaitMs = 200;
export const firstResendMs = 200;

type PacerKind = 'decide' | 'resend';

export class ElectionPacer {
  private readonly scheduler: Scheduler;
  private readonly tickTimeMs: number;
  /** Runs a callback into the peer as one of the member's steps (its error handling and outbox draining). */
  private readonly runStep: (work: () => void) => void;
  private armed: { kind: PacerKind; cancel: () => void } | undefined;
  private resendDelayMs = firstResendMs;

  constructor(options: { scheduler: Scheduler; tickTimeMs: number; runStep: (work: () => void) => void }) {
    this.scheduler = options.scheduler;
    this.tickTimeMs = options.tickTimeMs;
    this.runStep = options.runStep;
  }

  /** After every step of `peer`: arm, keep or cancel the timer for what it waits on now. */
  update(peer: QuorumPeer): void {
    const kind: PacerKind | undefined = peer.electionDecisionPending ? 'decide' : peer.awaitingAnswer ? 'resend' : undefined;
    if (this.armed !== undefined && this.armed.kind === kind) return;
    this.cancel();
    if (kind === undefined) {
      this.resendDelayMs = firstResendMs;
      return;
    }
    const delayMs = Math.min(kind === 'decide' ? finalizeWaitMs : this.resendDelayMs, this.tickTimeMs);
    const cancel = this.scheduler.setTimer(delayMs, () => {
      this.armed = undefined;
      if (kind === 'resend') this.resendDelayMs = Math.min(this.resendDelayMs * 2, this.tickTimeMs);
      this.runStep(() => (kind === 'decide' ? peer.decideElection() : peer.resendUnanswered()));
    });
    this.armed = { kind, cancel };
  }

  /** The member stopped or died: nothing more fires. */
  cancel(): void {
    this.armed?.cancel();
    this.armed = undefined;
  }
}

import type { Envelope } from '@vivarium/ensemble';

/** How members reach each other. The ensemble never knows which implementation carries its messages. */
export interface Transport {
  /** Start delivering messages addressed to `memberId` to `deliver`. */
  attach(memberId: number, deliver: (envelope: Envelope) => void): void;
  /** Stop delivering to `memberId` and drop what is in flight to or from it (a crash or a stop). */
  detach(memberId: number): void;
  send(envelope: Envelope): void;
  close(): void;
  /**
   * Set by the member: called when the connection to `peer` closes under it (the peer's process or
   * thread died and its sockets or ports closed), so a follower steps down at once, as ZooKeeper's
   * does when its socket to the leader breaks. Not called for partitions (silence) or after close().
   */
  onLinkClosed?: ((peer: number) => void) | undefined;
}

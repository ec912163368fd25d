import type { Envelope } from '@vivarium/ensemble';

/** How members reach each other. The ensemble never knows which implementation carries its messages. */
export interface Transport {
  /** Start delivering messages addressed to `memberId` to `deliver`. */
  attach(memberId: number, deliver: (envelope: Envelope) => void): void;
  /** Stop delivering to `memberId` and drop what is in flight to or from it (a crash or a stop). */
  detach(memberId: number): void;
  send(envelope: Envelope): void;
  close(): void;
}

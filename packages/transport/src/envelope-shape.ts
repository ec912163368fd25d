/**
 * The member codec (in protocol, below ensemble) declares the Envelope's shape
 * itself. These fail to compile the moment the two drift apart, so every
 * transport that encodes envelopes carries every field there is.
 */
import type { Envelope } from '@vivarium/ensemble';
import type { EnvelopeRecord } from '@vivarium/protocol';

type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
const envelopeShapesAgree: Same<Envelope, EnvelopeRecord> = true;
void envelopeShapesAgree;

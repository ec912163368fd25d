/**
 * The fault layer every real-transport member puts between its peer and its
 * transport (worker threads and TCP alike), seeded from the ensemble's seed,
 * the member and its run, so two members never draw the same faults.
 */
import { SeededRandom } from '@vivarium/store';
import { FaultInjectingTransport, healthyLinkFaults, realFaultTimers, type FaultInjectingTransportStats, type OutgoingLinkFaults, type Transport } from '@vivarium/transport';

export const noOutgoingFaults: OutgoingLinkFaults = { defaults: healthyLinkFaults, byPeer: [] };

export function noFaultStats(): FaultInjectingTransportStats {
  return { sent: 0, dropped: 0, duplicated: 0, delayed: 0, reordered: 0 };
}

export function faultLayer(inner: Transport, spec: { seed: number; myId: number; incarnation: number; faults: OutgoingLinkFaults }): FaultInjectingTransport {
  const seed = (spec.seed ^ Math.imul(spec.myId, 0x9e3779b1) ^ Math.imul(spec.incarnation, 0x85ebca6b)) >>> 0;
  const layer = new FaultInjectingTransport({ inner, random: new SeededRandom(seed), timers: realFaultTimers });
  layer.setOutgoingFaults(spec.faults);
  return layer;
}

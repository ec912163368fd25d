export type { Transport } from './transport.ts';
export { SimNetwork, type SimNetworkOptions } from './sim-network.ts';
export { healthyLinkFaults, isHealthy, LinkFaultTable, linkFaultsProblem, planDeliveries, type LinkFaults, type OutgoingLinkFaults, type PlannedDelivery } from './link-faults.ts';
export { FaultInjectingTransport, realFaultTimers, type FaultInjectingTransportOptions, type FaultInjectingTransportStats, type FaultTimers } from './fault-injecting-transport.ts';
export { TcpPeerTransport, type ListenAddress, type PeerAddress, type TcpPeerTransportOptions, type TcpPeerTransportStats } from './tcp-peer-transport.ts';
export { decodeHello, encodeEnvelopeFrame, encodeHello, helloFrameBytes, PeerFrameError, peerFrameBytesMaxDefault, peerFrameKind, peerProtocolVersion } from './peer-frames.ts';
export { MessagePortTransport, type MessagePortTransportOptions, type MessagePortTransportStats } from './message-port-transport.ts';

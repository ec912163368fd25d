export { QuorumPeer, brokenModes, type BrokenMode, type PeerEvent, type QuorumConfig } from './quorum-peer.ts';
export { counterOf, epochOf, isBetterVote, sameVote, zxidOf, type Envelope, type PeerMessage, type PeerState, type SyncMode, type Vote } from './peer-message.ts';

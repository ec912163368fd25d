export type { Transport } from './transport.ts';
export { SimNetwork, type LinkFaults, type SimNetworkOptions } from './sim-network.ts';

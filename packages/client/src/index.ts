export type { ChannelFactory, ChannelHandler, ServerChannel } from './channel.ts';
export { Chroot } from './chroot.ts';
export { ClientWatches, type WatchedEvent, type Watcher, type WatchKind } from './client-watches.ts';
export { createFlagOf, type CreateMode } from './create-mode.ts';
export { localChannelFactory, type LocalChannelOptions } from './local-channel.ts';
export { manualScheduler, systemScheduler, type Scheduler } from './scheduler.ts';
export { Transaction, defaultAcl } from './transaction.ts';
export { MultiError, ZooKeeperClient, type ClientOptions, type CreateOptions, type MultiOutcome, type SessionState, type StateListener } from './zookeeper-client.ts';

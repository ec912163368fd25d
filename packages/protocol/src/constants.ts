/** Permission bits (ZooDefs.Perms). */
export const Perm = {
  read: 1,
  write: 2,
  create: 4,
  delete: 8,
  admin: 16,
  all: 31,
} as const;

/** Create flags on the wire (CreateMode.toFlag). */
export const CreateFlag = {
  persistent: 0,
  ephemeral: 1,
  persistentSequential: 2,
  ephemeralSequential: 3,
  container: 4,
  persistentWithTtl: 5,
  persistentSequentialWithTtl: 6,
} as const;

export type CreateFlagValue = (typeof CreateFlag)[keyof typeof CreateFlag];

/** Watcher.Event.EventType. Types 5 to 7 are produced by clients only. */
export const EventType = {
  none: -1,
  nodeCreated: 1,
  nodeDeleted: 2,
  nodeDataChanged: 3,
  nodeChildrenChanged: 4,
  dataWatchRemoved: 5,
  childWatchRemoved: 6,
  persistentWatchRemoved: 7,
} as const;

export type EventTypeValue = (typeof EventType)[keyof typeof EventType];

/** Watcher.Event.KeeperState. The server only ever sends syncConnected in an event. */
export const KeeperState = {
  disconnected: 0,
  syncConnected: 3,
  authFailed: 4,
  connectedReadOnly: 5,
  saslAuthenticated: 6,
  expired: -112,
  closed: 7,
} as const;

/** Watcher.WatcherType, the `type` of checkWatches and removeWatches. 4 and 5 since 3.9.0. */
export const WatcherType = {
  children: 1,
  data: 2,
  any: 3,
  persistent: 4,
  persistentRecursive: 5,
} as const;

/** AddWatchMode. */
export const AddWatchMode = {
  persistent: 0,
  persistentRecursive: 1,
} as const;

/** jute.maxbuffer: the largest frame either side accepts. */
export const juteMaxBufferDefault = 0xfffff;

/** Valid TTLs are 1 .. 2^40 - 1 ms (EphemeralType.TTL max). */
export const ttlMaxMs = 0xff_ffff_ffff;

export { Mutex, type MutexOptions } from './locks/mutex.ts';
export { SequentialLock, type AcquireOptions, type LockState } from './locks/sequential-lock.ts';
export { requestRevocation, revocationMarker } from './locks/revocation.ts';
export { watchConnection, type ConnectionEvent, type ConnectionListener } from './support/connection-state.ts';
export { RecipeError } from './support/errors.ts';
export { counterIdSource, randomIdSource, type IdSource } from './support/id-source.ts';
export type { RecipeOptions } from './support/recipe-options.ts';
export { ensureContainers } from './support/ensure-path.ts';
export { protectedCreate, type ProtectedCreateOptions } from './support/protected-create.ts';

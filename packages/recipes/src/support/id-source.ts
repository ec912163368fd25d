import { randomUUID } from 'node:crypto';

/**
 * Where recipes get the unique ids they put in protected node names and member
 * ids. Inject a seeded one to make a run reproducible; the default is random.
 */
export type IdSource = () => string;

export const randomIdSource: IdSource = () => randomUUID();

/** Ids `${prefix}0`, `${prefix}1`, ...: deterministic, unique within this source. */
export function counterIdSource(prefix = 'id-'): IdSource {
  let next = 0;
  return () => `${prefix}${next++}`;
}

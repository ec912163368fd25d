import { CreateFlag } from '@vivarium/protocol';

export type CreateMode =
  | 'persistent'
  | 'ephemeral'
  | 'persistentSequential'
  | 'ephemeralSequential'
  | 'container'
  | 'persistentWithTtl'
  | 'persistentSequentialWithTtl';

export function createFlagOf(mode: CreateMode): number {
  const flag = (CreateFlag as Record<string, number>)[mode];
  if (flag === undefined) throw new TypeError(`unknown create mode ${JSON.stringify(mode)}`);
  return flag;
}

export function isTtlMode(mode: CreateMode): boolean {
  return mode === 'persistentWithTtl' || mode === 'persistentSequentialWithTtl';
}

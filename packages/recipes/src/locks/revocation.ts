import type { ZooKeeperClient } from '@vivarium/client';
import type { Data } from '@vivarium/protocol';
import { isNoNode } from '../support/errors.ts';
import { retrying } from '../support/retry.ts';

/** The data a revocation request writes into a lock node (Curator's value, so mixed fleets agree). */
export const revocationMarker = '__REVOKE__';

const markerBytes = new TextEncoder().encode(revocationMarker);

export function isRevocationRequest(data: Data): boolean {
  return data !== null && data.length === markerBytes.length && data.every((byte, i) => byte === markerBytes[i]);
}

/**
 * Ask the owner of a lock node to release it: writes the revocation marker into
 * the node's data. A holder that called `makeRevocable` is told; one that did
 * not keeps the lock. Resolves false when the node is already gone.
 */
export async function requestRevocation(client: ZooKeeperClient, lockNodePath: string): Promise<boolean> {
  try {
    await retrying(() => client.setData(lockNodePath, markerBytes));
    return true;
  } catch (error) {
    if (isNoNode(error)) return false;
    throw error;
  }
}

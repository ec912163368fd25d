import type { ZooKeeperClient } from '@vivarium/client';
import { isFinished } from './connection-state.ts';
import { isNoNode, isSessionGone } from './errors.ts';
import { retrying } from './retry.ts';

/**
 * Delete an ephemeral node of ours (a lock node, a lease, a latch, a member's
 * registration): done once it is gone, by our delete or with our session.
 *
 * A SESSIONEXPIRED reply alone does not prove the session (and so the node)
 * is gone: the leader that marked the session closing can lose its quorum
 * before the close commits, and the next leader revives the session with its
 * nodes, as in ZooKeeper. Only the client learning it on its connection
 * ('expired', or closed) settles it. Until then the node would stay, owned by a
 * live session nobody acts for: a lock nobody can take again. So on
 * SESSIONEXPIRED this waits for the client to settle: finished means the node
 * went with the session; connected again means the session lives, and the
 * delete is tried again (at most `retriesMax` times).
 */
export async function deleteOwnNode(client: ZooKeeperClient, path: string, retriesMax: number): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await retrying(() => client.delete(path), retriesMax);
      return;
    } catch (error) {
      if (isNoNode(error)) return;
      if (!isSessionGone(error)) throw error;
      if (isFinished(client.state) || attempt >= retriesMax) return;
      if (await sessionEnds(client)) return;
    }
  }
}

/** True once the client is finished (its session is over); false once it is connected again after a drop (its session lives). */
function sessionEnds(client: ZooKeeperClient): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    let dropped = client.state !== 'connected';
    const unsubscribe = client.onStateChange((state) => {
      if (isFinished(state)) {
        unsubscribe();
        resolve(true);
      } else if (state === 'connected' && dropped) {
        unsubscribe();
        resolve(false);
      } else if (state !== 'connected') {
        dropped = true;
      }
    });
  });
}

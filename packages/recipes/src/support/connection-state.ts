import type { SessionState, ZooKeeperClient } from '@vivarium/client';

/**
 * The connection events recipes react to, as Curator names them:
 * - `suspended`: the connection dropped. The session may still be alive, or may
 *   already have expired on the servers; the client cannot know until it
 *   reconnects. Anything that depends on the session (a lock, leadership) must
 *   be treated as not held until `reconnected`.
 * - `reconnected`: the client is back on the same session; what it owned is
 *   still there (each recipe re-checks before trusting it).
 * - `lost`: the session expired, or the client was closed. Ephemeral nodes are
 *   gone; the client is finished and a new one is needed.
 */
export type ConnectionEvent = 'suspended' | 'reconnected' | 'lost';

export type ConnectionListener = (event: ConnectionEvent) => void;

/** Translates the client's session states into recipe connection events; returns the unsubscribe function. */
export function watchConnection(client: ZooKeeperClient, listener: ConnectionListener): () => void {
  let suspended = client.state === 'disconnected';
  let lost = isFinished(client.state);
  return client.onStateChange((state) => {
    if (lost) return;
    if (isFinished(state)) {
      lost = true;
      listener('lost');
    } else if (state === 'disconnected' || state === 'connecting') {
      if (!suspended) {
        suspended = true;
        listener('suspended');
      }
    } else if (state === 'connected' && suspended) {
      suspended = false;
      listener('reconnected');
    }
  });
}

export function isFinished(state: SessionState): boolean {
  return state === 'expired' || state === 'closed' || state === 'authFailed';
}
